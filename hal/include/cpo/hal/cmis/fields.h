// The CMIS field table: where each field the codec models lives (page, byte, bits), its
// unit and whether a host may write it. The page encoders, decoders and setters address these
// fields through it; the simulator builds and checks its pages only through it and the
// codec; tests ask it which bytes are host-writable. Fields that only the encoders touch
// (vendor strings, page 01h advertisements, thresholds) keep their offsets in pages.cpp and
// elsfp.cpp, next to their spec citations.
//
// Sources: OIF CMIS 5.2 section 8 (lower page Tables 8-4, 8-6, 8-9, 8-10; page 10h section
// 8.9; page 11h section 8.10) and OIF-ELSFP-CMIS-01.0 pages 1Ah/1Bh as mapped by
// sonic-net/sonic-platform-common sonic_xcvr/mem_maps/public/cmis/pages/page1a.py, page1b.py.
// Multi-byte fields are big-endian (CMIS 8.1.2).
//
// Thread safety: constants and pure functions on values.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string_view>

#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/status.h"

namespace cpo::cmis {

// One field, or a run of `count` equal elements (per-lane words, the four flag bytes of a
// monitor). Bytes 0..127 are the lower page whatever `page` says (it is 00h there).
struct Field {
  std::string_view name;  // CMIS name
  std::uint8_t page;      // upper page number (00h for the lower page)
  std::uint8_t byte;      // first byte, 0..127 lower page, 128..255 upper page
  std::uint8_t mask;      // bits of each byte that belong to the field (width 1)
  std::uint8_t width;     // bytes per element: 1, or 2 for a big-endian word
  std::uint8_t count;     // elements, consecutive
  std::string_view unit;  // "" for flags, codes and raw bytes
  bool writable;          // the host writes it (CMIS "RW")

  constexpr Field(std::string_view name_, std::uint8_t page_, std::uint8_t byte_, std::uint8_t mask_ = 0xFF,
                  std::uint8_t width_ = 1, std::uint8_t count_ = 1, std::string_view unit_ = {},
                  bool writable_ = false) noexcept
      : name(name_),
        page(page_),
        byte(byte_),
        mask(mask_),
        width(width_),
        count(count_),
        unit(unit_),
        writable(writable_) {}

  // CMIS byte number of element `index` (0-based).
  [[nodiscard]] constexpr std::uint8_t byte_of(unsigned index) const noexcept {
    return static_cast<std::uint8_t>(byte + index * width);
  }
  [[nodiscard]] constexpr unsigned last_byte() const noexcept { return byte + unsigned{width} * count - 1U; }
  // Whether CMIS byte `address` of upper page `upper_page` (or of the lower page) is part of
  // this field.
  [[nodiscard]] constexpr bool covers(std::uint8_t upper_page, unsigned address) const noexcept {
    if ((address < 128) != (byte < 128)) return false;
    if (address >= 128 && upper_page != page) return false;
    return address >= byte && address <= last_byte();
  }
};

// Element order of the four flag bytes of a monitor (page 11h, page 1Ah).
enum class FlagKind : std::uint8_t { high_alarm = 0, low_alarm = 1, high_warning = 2, low_warning = 3 };

namespace field {
// ---- lower page (CMIS 5.2 Table 8-4) ----
inline constexpr Field kModuleState{"ModuleState", 0x00, 3, 0x0E};                        // Table 8-6
inline constexpr Field kModuleStateChangedFlag{"ModuleStateChangedFlag", 0x00, 8, 0x01};  // Table 8-9, latched
inline constexpr Field kTemperatureFlags{"TempMonFlags", 0x00, 9, 0x0F};  // HA, LA, HW, LW bits 0-3, latched
inline constexpr Field kVccFlags{"VccMonFlags", 0x00, 9, 0xF0};           // HA, LA, HW, LW bits 4-7, latched
inline constexpr Field kTemperature{"TempMonValue", 0x00, 14, 0xFF, 2, 1, "1/256 degC"};
inline constexpr Field kVcc{"VccMonValue", 0x00, 16, 0xFF, 2, 1, "100 uV"};
// Table 8-10: bits 7-3 defined (decode_module_control), the byte is written whole.
inline constexpr Field kModuleControl{"ModuleGlobalControls", 0x00, 26, 0xFF, 1, 1, "", true};
inline constexpr Field kLowPwrRequestSW{"LowPwrRequestSW", 0x00, 26, 0x10, 1, 1, "", true};
inline constexpr Field kSoftwareReset{"SoftwareReset", 0x00, 26, 0x08, 1, 1, "", true};
inline constexpr Field kModuleMasks{"ModuleMasks", 0x00, 31, 0xFF, 1, 6, "", true};  // bytes 31-36
inline constexpr Field kMediaType{"MediaType", 0x00, 85};

// ---- page 10h, lane and data path controls (CMIS 5.2 section 8.9) ----
// Every byte of page 10h is a host control; the rows below name the ones the codec models.
inline constexpr Field kLaneControls{"Page10hControls", 0x10, 128, 0xFF, 1, 128, "", true};
inline constexpr Field kDataPathDeinit{"DPDeinitLane", 0x10, 128, 0xFF, 1, 1, "", true};
inline constexpr Field kOutputDisableTx{"OutputDisableTx", 0x10, 130, 0xFF, 1, 1, "", true};
inline constexpr Field kOutputDisableRx{"OutputDisableRx", 0x10, 138, 0xFF, 1, 1, "", true};
inline constexpr Field kApplyDpInit{"ApplyDPInit", 0x10, 143, 0xFF, 1, 1, "", true};  // SCS0 trigger, reads 0
inline constexpr Field kApplyImmediate{"ApplyImmediate", 0x10, 144, 0xFF, 1, 1, "", true};
inline constexpr Field kStagedConfig{"DPConfigLane", 0x10, 145, 0xFF, 1, 8, "", true};  // SCS0, lanes 1-8

// ---- page 11h, lane and data path status (CMIS 5.2 section 8.10) ----
inline constexpr Field kDataPathState{"DPStateHostLane", 0x11, 128, 0xFF, 1, 4};  // 4 bits per lane
inline constexpr Field kDataPathStateChanged{"DPStateChangedFlag", 0x11, 134};    // latched
inline constexpr Field kTxFault{"TxFaultFlag", 0x11, 135};                        // latched
inline constexpr Field kTxLos{"TxLOSFlag", 0x11, 136};
inline constexpr Field kTxPowerFlags{"TxPowerFlags", 0x11, 139, 0xFF, 1, 4};  // FlagKind order, latched
inline constexpr Field kTxBiasFlags{"TxBiasFlags", 0x11, 143, 0xFF, 1, 4};
inline constexpr Field kRxLos{"RxLOSFlag", 0x11, 147};
inline constexpr Field kRxCdrLol{"RxCDRLOLFlag", 0x11, 148};
inline constexpr Field kRxPowerFlags{"RxPowerFlags", 0x11, 149, 0xFF, 1, 4};
inline constexpr Field kTxPower{"OpticalPowerTx", 0x11, 154, 0xFF, 2, 8, "0.1 uW"};
inline constexpr Field kTxBias{"LaserBiasTx", 0x11, 170, 0xFF, 2, 8, "2 uA x multiplier"};
inline constexpr Field kRxPower{"OpticalPowerRx", 0x11, 186, 0xFF, 2, 8, "0.1 uW"};
inline constexpr Field kDataPathInitPending{"DPInitPendingLane", 0x11, 235};

// ---- page 1Ah, ELSFP advertisements, flags, controls (OIF-ELSFP-CMIS-01.0) ----
inline constexpr Field kElsMaxPower{"MaxOpticalPower", 0x1A, 128, 0xFF, 2, 1, "10 uW"};
inline constexpr Field kElsMinPower{"MinOpticalPower", 0x1A, 130, 0xFF, 2, 1, "10 uW"};
inline constexpr Field kElsMaxBias{"MaxBias", 0x1A, 132, 0xFF, 2, 1, "100 uA"};
inline constexpr Field kElsMinBias{"MinBias", 0x1A, 134, 0xFF, 2, 1, "100 uA"};
// Byte 140: bit 0 the control mode (host-selected in cposdk's simulator), bits 7-1 the
// advertised lane count.
inline constexpr Field kElsControlMode{"ControlMode", 0x1A, 140, 0x01, 1, 1, "", true};
inline constexpr Field kElsLaneCount{"LaneCount", 0x1A, 140, 0xFE};
inline constexpr Field kElsLaneFaultFlags{"LaneFaultFlags", 0x1A, 166, 0xFF, 1, 4};  // lanes 1-32, latched
inline constexpr Field kElsSaveRestore{"SaveRestoreCommand", 0x1A, 184, 0xFF, 1, 1, "", true};
inline constexpr Field kElsBiasFlags{"BiasFlags", 0x1A, 186, 0xFF, 1, 4};  // FlagKind order, latched
inline constexpr Field kElsPowerFlags{"PowerFlags", 0x1A, 190, 0xFF, 1, 4};
inline constexpr Field kElsMasks{"FlagMasks", 0x1A, 198, 0xFF, 1, 14, "", true};  // bytes 198-211
inline constexpr Field kElsFaultCode{"LaneFaultWarningCode", 0x1A, 212, 0xFF, 1, 8};
inline constexpr Field kElsLaneEnable{"LaneEnable", 0x1A, 220, 0xFF, 1, 1, "", true};
inline constexpr Field kElsLaneState{"LaneState", 0x1A, 221, 0xFF, 1, 2};  // 2 bits per lane
inline constexpr Field kElsFiberChecked{"OutputFiberChecked", 0x1A, 223, 0xFF, 1, 1, "", true};

// ---- page 1Bh, ELSFP set-points and monitors (OIF-ELSFP-CMIS-01.0) ----
inline constexpr Field kElsBiasSetpoint{"BiasSetpoint", 0x1B, 128, 0xFF, 2, 8, "100 uA", true};
inline constexpr Field kElsPowerSetpoint{"PowerSetpoint", 0x1B, 144, 0xFF, 2, 8, "10 uW", true};
inline constexpr Field kElsBias{"BiasMonitor", 0x1B, 184, 0xFF, 2, 8, "100 uA"};
inline constexpr Field kElsPower{"PowerMonitor", 0x1B, 200, 0xFF, 2, 8, "10 uW"};
inline constexpr Field kElsVoltage{"VoltageMonitor", 0x1B, 232, 0xFF, 1, 8, "15 mV"};
inline constexpr Field kElsIcc{"IccMonitor", 0x1B, 240, 0xFF, 2, 1, "200 uA"};
}  // namespace field

// Every field above, in page then byte order.
[[nodiscard]] std::span<const Field> fields() noexcept;

// Whether a host may write CMIS byte `address` (0..127 lower page, 128..255 of upper page
// `page`): some writable field covers it.
[[nodiscard]] bool host_writable(std::uint8_t page, unsigned address) noexcept;

// Element `index` of `f` in the half page that holds it: the field's bits shifted down for
// width 1, the big-endian word for width 2; 0 for an index past the field.
[[nodiscard]] constexpr std::uint32_t get(const PageBytes& p, const Field& f, unsigned index = 0) noexcept {
  if (index >= f.count) return 0;
  const unsigned at = f.byte_of(index) % kPageSize;
  if (f.width == 2) return (std::uint32_t{p[at]} << 8) | p[(at + 1) % kPageSize];
  return (std::uint32_t{p[at]} & f.mask) >> std::countr_zero(static_cast<unsigned>(f.mask));
}

// Writes element `index` of `f`, touching only its bits.
// Errors: out_of_range naming the field when index >= count or the value does not fit.
Status set(PageBytes& p, const Field& f, std::uint32_t value, unsigned index = 0);

// Copies every element of `f` from one half page to another (bits outside the mask kept).
void copy(const PageBytes& from, PageBytes& to, const Field& f) noexcept;

}  // namespace cpo::cmis
