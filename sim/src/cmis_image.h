// CMIS byte offsets and small byte helpers the simulator's firmware needs for the bytes a
// host writes (controls, set-points) and for flag bookkeeping. Whole pages are encoded with
// the hal CMIS codec (cpo/hal/cmis/) in optics.cpp.
//
// Byte offsets: OIF CMIS 5.2 section 8 (lower page Table 8-4, page 00h 8.3, page 02h Table
// 8-62, page 10h 8.9, page 11h 8.10) and OIF-ELSFP-CMIS-01.0 pages 1Ah/1Bh as mapped by
// sonic-net/sonic-platform-common sonic_xcvr/mem_maps/public/cmis/pages/page1a.py, page1b.py.
// Multi-byte fields are big-endian (CMIS 8.1.2).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cpo::sim::cmis {

using Page = std::array<std::uint8_t, 128>;  // one half page; index 0 = byte 0 or byte 128

// ---- lower page ----
inline constexpr int kIdentifier = 0;      // SFF-8024 identifier
inline constexpr int kRevision = 1;        // 0x52 = CMIS 5.2
inline constexpr int kModuleState = 3;     // bits 3-1 state, bit 0 IntL (1 = not asserted)
inline constexpr int kModuleFlags = 8;     // byte 8 bit 0 ModuleStateChangedFlag (latched)
inline constexpr int kTempVccFlags = 9;    // bits 0-3 temp HA/LA/HW/LW, 4-7 Vcc (latched)
inline constexpr int kTemperature = 14;    // s16 1/256 degC
inline constexpr int kVcc = 16;            // u16 100 uV
inline constexpr int kModuleControl = 26;  // bit 4 LowPwrRequestSW, bit 3 SoftwareReset
inline constexpr int kModuleMasksFirst = 31, kModuleMasksLast = 36;
inline constexpr int kMediaType = 85;  // 0x02 optical SMF
inline constexpr int kAppTable = 86;   // first application; 0xFF host code ends the table
inline constexpr int kBankSelect = 126, kPageSelect = 127;

// ---- upper pages (absolute byte numbers 128..255) ----
inline constexpr int kP00VendorName = 129, kP00VendorPn = 148, kP00VendorSn = 166, kP00DateCode = 182;
inline constexpr int kP02TempThresholds = 128;  // HA, LA, HW, LW (s16 each)
inline constexpr int kP02VccThresholds = 136;
inline constexpr int kP02TxPowerThresholds = 176;
inline constexpr int kP02RxPowerThresholds = 192;
inline constexpr int kP10DpDeinit = 128;  // bit n = lane n+1 held in DPDeinit
inline constexpr int kP10OutputDisableTx = 130;
inline constexpr int kP10ApplyDpInit = 143;     // write-only trigger (reads 0)
inline constexpr int kP11DpState = 128;         // 4 bits per lane, lane 1 = byte 128 bits 3-0
inline constexpr int kP11DpStateChanged = 134;  // latched
inline constexpr int kP11TxFault = 135;
inline constexpr int kP11TxLos = 136;
inline constexpr int kP11TxPowerFlags = 139;  // HA, LA, HW, LW lane masks (latched)
inline constexpr int kP11TxBiasFlags = 143;   // HA, LA, HW, LW lane masks (latched)
inline constexpr int kP11RxLos = 147;
inline constexpr int kP11RxCdrLol = 148;
inline constexpr int kP11RxPowerFlags = 149;  // HA, LA, HW, LW lane masks (latched)
inline constexpr int kP11TxPower = 154;       // u16 0.1 uW per lane
inline constexpr int kP11RxPower = 186;       // u16 0.1 uW per lane
// DPInitPending per lane; CMIS 5.x places it among the page 11h lane status bytes; byte 235
// here (verify against the codec when it lands).
inline constexpr int kP11DpInitPending = 235;
inline constexpr int kP1aMaxPower = 128, kP1aMinPower = 130, kP1aMaxBias = 132, kP1aMinBias = 134;
inline constexpr int kP1aControlMode = 140;      // bit 0 APC, bits 7-1 lane count
inline constexpr int kP1aBiasThresholds = 141;   // HA, LA, HW, LW u16 100 uA
inline constexpr int kP1aPowerThresholds = 149;  // HA, LA, HW, LW u16 10 uW
inline constexpr int kP1aSummary = 165;          // bit 2 lane fault, bit 3 lane warning
inline constexpr int kP1aLaneFaultFlags = 166;   // bit n = lane n+1 (latched)
inline constexpr int kP1aSaveRestore = 184;
inline constexpr int kP1aBiasFlags = 186;  // HA, LA, HW, LW masks
inline constexpr int kP1aPowerFlags = 190;
inline constexpr int kP1aMasksFirst = 198, kP1aMasksLast = 211;
inline constexpr int kP1aFaultCode = 212;  // per lane, bits 3-0 fault, 7-4 warning
inline constexpr int kP1aLaneEnable = 220;
inline constexpr int kP1aLaneState = 221;  // 2 bits per lane over bytes 221-222
inline constexpr int kP1aFiberChecked = 223;
inline constexpr int kP1bBiasSetpoint = 128;   // u16 100 uA per lane
inline constexpr int kP1bPowerSetpoint = 144;  // u16 10 uW per lane
inline constexpr int kP1bBias = 184;           // u16 100 uA per lane
inline constexpr int kP1bPower = 200;          // u16 10 uW per lane
inline constexpr int kP1bVoltage = 232;        // u8 15 mV per lane
inline constexpr int kP1bIcc = 240;            // u16 200 uA

// Writers on a half page; `byte` is the CMIS byte number (0..127 for the lower page,
// 128..255 for an upper page).
inline void put_u8(Page& p, int byte, std::uint32_t v) noexcept {
  p[static_cast<std::size_t>(byte & 0x7F)] = static_cast<std::uint8_t>(v);
}
inline void put_u16(Page& p, int byte, std::uint32_t v) noexcept {
  put_u8(p, byte, (v >> 8) & 0xFF);
  put_u8(p, byte + 1, v & 0xFF);
}
inline void put_s16(Page& p, int byte, std::int32_t v) noexcept {
  put_u16(p, byte, static_cast<std::uint32_t>(v) & 0xFFFF);
}
inline void put_ascii(Page& p, int byte, int len, std::string_view s) noexcept {
  for (int i = 0; i < len; ++i)
    put_u8(p, byte + i,
           i < static_cast<int>(s.size()) ? static_cast<unsigned char>(s[static_cast<std::size_t>(i)]) : ' ');
}
[[nodiscard]] inline std::uint32_t get_u16(const Page& p, int byte) noexcept {
  return (static_cast<std::uint32_t>(p[static_cast<std::size_t>(byte & 0x7F)]) << 8) |
         p[static_cast<std::size_t>((byte + 1) & 0x7F)];
}

// Saturating conversions into CMIS encodings.
[[nodiscard]] std::uint32_t u16_sat(double v) noexcept;
[[nodiscard]] std::int32_t temp_s16(double celsius) noexcept;         // 1/256 degC
[[nodiscard]] std::uint32_t power_0p1uw(double milliwatts) noexcept;  // 0.1 uW
[[nodiscard]] std::uint32_t power_10uw(double milliwatts) noexcept;   // 10 uW
[[nodiscard]] std::uint32_t bias_100ua(double milliamps) noexcept;    // 100 uA

}  // namespace cpo::sim::cmis
