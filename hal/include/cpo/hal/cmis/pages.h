// Typed views of the CMIS pages an optical engine (OE) exposes: lower page, page 00h, 01h,
// 02h, 10h and 11h (OIF CMIS 5.2 section 8). Each page has
// - a value type holding every decoded field with units (cpo::Celsius, Volts, Milliwatts,
//   Milliamps),
// - decode_<page>(bytes): total, never fails: any byte pattern decodes; reserved code points
//   are kept as their raw value so nothing is lost,
// - encode_<page>(value, bytes): writes every modelled field into a page buffer, leaving the
//   bits it does not model untouched. This is how the simulator builds pages; decode(encode(v))
//   gives v back for every value on the encoding grid (the unit steps listed per field).
//   Errors: out_of_range naming the field and its limits when a value does not fit the
//   encoding; invalid_argument for NaN or non-ASCII strings.
//
// Lane numbering: lanes are 1..8 within a bank (CMIS "lane 1" = bit 0 of a lane mask byte);
// lane masks are uint8_t with bit n = lane n+1.
//
// Units and scales (CMIS 5.2 Tables 8-7, 8-56, 8-80):
//   temperature  signed 1/256 degC      Vcc          unsigned 100 uV
//   Tx/Rx power  unsigned 0.1 uW        Tx bias      unsigned 2 uA times the page 01h multiplier
//
// Thread safety: pure functions on values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/status.h"
#include "cpo/hal/units.h"

namespace cpo::cmis {

struct Revision {
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  friend bool operator==(const Revision&, const Revision&) = default;
};
// "3.0", "5.2".
[[nodiscard]] std::string to_string(Revision revision);

// Four thresholds of one monitor (page 02h order: high alarm, low alarm, high warning, low warning).
template <typename T>
struct ThresholdSet {
  T high_alarm{};
  T low_alarm{};
  T high_warning{};
  T low_warning{};
  friend bool operator==(const ThresholdSet&, const ThresholdSet&) = default;
};

// Four per-lane flag masks in the same order (bit n = lane n+1).
struct LaneFlagSet {
  std::uint8_t high_alarm = 0;
  std::uint8_t low_alarm = 0;
  std::uint8_t high_warning = 0;
  std::uint8_t low_warning = 0;
  friend bool operator==(const LaneFlagSet&, const LaneFlagSet&) = default;
};

// True when `lane` (1..8) is set in `mask`; false for lanes outside 1..8.
[[nodiscard]] constexpr bool lane_bit(std::uint8_t mask, unsigned lane) noexcept {
  return lane >= 1 && lane <= 8 && ((static_cast<unsigned>(mask) >> (lane - 1)) & 1U) != 0;
}

// ---------------------------------------------------------------------------------------
// Lower page (bytes 0..127), CMIS 5.2 section 8.2.

// Module state, lower byte 3 bits 3-1 (CMIS 5.2 Table 8-6). 0, 6 and 7 are reserved and
// kept as raw values.
enum class ModuleState : std::uint8_t {
  reserved = 0,
  low_power = 1,
  power_up = 2,
  ready = 3,
  power_down = 4,
  fault = 5,
};
// CMIS names: "ModuleLowPwr", "ModulePwrUp", "ModuleReady", "ModulePwrDn", "ModuleFault",
// "Reserved".
[[nodiscard]] std::string_view to_string(ModuleState state) noexcept;

// Latched module flags, lower bytes 8..11 (CMIS 5.2 Table 8-9).
struct ModuleFlags {
  bool state_changed = false;            // byte 8 bit 0
  bool module_firmware_fault = false;    // byte 8 bit 1
  bool datapath_firmware_fault = false;  // byte 8 bit 2
  bool cdb1_complete = false;            // byte 8 bit 6
  bool cdb2_complete = false;            // byte 8 bit 7
  bool temp_high_alarm = false;          // byte 9 bit 0
  bool temp_low_alarm = false;           // byte 9 bit 1
  bool temp_high_warning = false;        // byte 9 bit 2
  bool temp_low_warning = false;         // byte 9 bit 3
  bool vcc_high_alarm = false;           // byte 9 bit 4
  bool vcc_low_alarm = false;            // byte 9 bit 5
  bool vcc_high_warning = false;         // byte 9 bit 6
  bool vcc_low_warning = false;          // byte 9 bit 7
  std::uint8_t aux1_aux2 = 0;            // byte 10 raw (Aux1 bits 3-0, Aux2 bits 7-4)
  std::uint8_t aux3_custom = 0;          // byte 11 raw (Aux3 bits 3-0, custom bits 7-4)
  friend bool operator==(const ModuleFlags&, const ModuleFlags&) = default;
};

// Module global controls, lower byte 26 (CMIS 5.2 Table 8-10).
struct ModuleControl {
  bool bank_broadcast_enable = false;       // bit 7
  bool low_power_allow_request_hw = false;  // bit 6 (LowPwrAllowRequestHW)
  bool squelch_method_select = false;       // bit 5
  bool low_power_request_sw = false;        // bit 4 (LowPwrRequestSW, "LowPwr")
  bool software_reset = false;              // bit 3 (self-clearing)
  friend bool operator==(const ModuleControl&, const ModuleControl&) = default;
};

// Lower byte 26 to and from its fields (the only place its bit positions are written).
[[nodiscard]] ModuleControl decode_module_control(std::uint8_t byte26) noexcept;
[[nodiscard]] std::uint8_t encode_module_control(const ModuleControl& value) noexcept;

// One application advertisement (CMIS 5.2 8.2.11): 4 bytes in the lower page (ApSel 1..8)
// or page 01h bytes 223..250 (ApSel 9..15), plus the media lane assignment from page 01h
// bytes 176..190.
struct ApplicationDescriptor {
  std::uint8_t app_sel = 0;                           // 1..15, its position in the table
  std::uint8_t host_interface = 0;                    // SFF-8024 Table 4-5 (host_interface_name)
  std::uint8_t media_interface = 0;                   // table selected by media type (media_interface_name)
  std::uint8_t host_lane_count = 0;                   // byte 2 bits 7-4
  std::uint8_t media_lane_count = 0;                  // byte 2 bits 3-0
  std::uint8_t host_lane_assignment = 0;              // byte 3: bit n = may start on host lane n+1
  std::optional<std::uint8_t> media_lane_assignment;  // absent without page 01h
  friend bool operator==(const ApplicationDescriptor&, const ApplicationDescriptor&) = default;
};

// Host interface code that ends the application table (CMIS 5.2 8.2.11).
inline constexpr std::uint8_t kApplicationListEnd = 0xFF;
// Entries in the lower page / on page 01h.
inline constexpr std::size_t kLowerApplications = 8;
inline constexpr std::size_t kPage01Applications = 7;

struct LowerPage {
  std::uint8_t identifier = 0;                       // byte 0, SFF-8024 Table 4-1
  Revision revision;                                 // byte 1, CMIS revision (major bits 7-4, minor 3-0)
  bool flat_memory = false;                          // byte 2 bit 7 (1 = flat: only lower page and page 00h)
  bool stepped_config_only = false;                  // byte 2 bit 6
  std::uint8_t mci_max_speed = 0;                    // byte 2 bits 3-2 (raw code)
  std::uint8_t auto_commissioning = 0;               // byte 2 bits 1-0 (raw code)
  ModuleState module_state = ModuleState::reserved;  // byte 3 bits 3-1
  bool interrupt_asserted = false;                   // byte 3 bit 0 (0 = asserted; we report true when asserted)
  ModuleFlags flags;                                 // bytes 8..11
  Celsius temperature;                               // bytes 14..15, s16 1/256 degC
  Volts vcc;                                         // bytes 16..17, u16 100 uV
  std::int16_t aux1 = 0;                             // bytes 18..19 raw (meaning from page 01h byte 145)
  std::int16_t aux2 = 0;                             // bytes 20..21 raw
  std::int16_t aux3 = 0;                             // bytes 22..23 raw
  std::uint16_t custom_monitor = 0;                  // bytes 24..25 raw
  ModuleControl control;                             // byte 26
  Revision active_firmware;                          // bytes 39..40
  std::uint8_t fault_cause = 0;                      // byte 41 (fault_cause_name)
  std::uint8_t media_type = 0;                       // byte 85 (MediaType; selects the media code table)
  // ApSel 1..8, up to (not including) the first entry whose host interface code is FFh.
  std::array<ApplicationDescriptor, kLowerApplications> applications{};
  std::uint8_t application_count = 0;
  std::uint8_t bank_select = 0;  // byte 126
  std::uint8_t page_select = 0;  // byte 127
  friend bool operator==(const LowerPage&, const LowerPage&) = default;
};

[[nodiscard]] LowerPage decode_lower(const PageBytes& lower) noexcept;
// Errors: out_of_range for temperature outside -128..127.996 degC, Vcc outside 0..6.5535 V,
// a revision or lane count above 15, more than 8 applications or an ApSel that does not
// match its position.
Status encode_lower(const LowerPage& value, PageBytes& lower);

// ---------------------------------------------------------------------------------------
// Page 00h (upper half of page 0), CMIS 5.2 section 8.3.

struct DateCode {
  std::uint16_t year = 0;  // 2000 + YY
  std::uint8_t month = 0;  // 1..12
  std::uint8_t day = 0;    // 1..31
  std::string lot;         // vendor lot code, trailing spaces removed
  friend bool operator==(const DateCode&, const DateCode&) = default;
};
// "2020-05-07", with "-LOT" when a lot code is present.
[[nodiscard]] std::string to_string(const DateCode& date);

struct Page00 {
  std::uint8_t identifier = 0;               // byte 128
  std::string vendor_name;                   // 129..144, ASCII, trailing spaces removed
  std::array<std::uint8_t, 3> vendor_oui{};  // 145..147
  std::string part_number;                   // 148..163
  std::string revision;                      // 164..165
  std::string serial_number;                 // 166..181
  // 182..189 "YYMMDDLL"; nullopt when the six date characters are not digits or out of range.
  std::optional<DateCode> date_code;
  std::string date_code_raw;                            // the 8 characters as stored, trailing spaces removed
  std::string clei;                                     // 190..199
  std::uint8_t power_class = 1;                         // 200 bits 7-5 plus 1 (1..8)
  double max_power_w = 0;                               // 201, 0.25 W units
  double cable_length_m = 0;                            // 202: bits 5-0 times 0.1/1/10/100 m (bits 7-6)
  std::uint8_t connector = 0;                           // 203, SFF-8024 Table 4-3
  std::array<std::uint8_t, 6> copper_attenuation_db{};  // 204..209 (5, 7, 12.9, 25.8, 53.125 GHz, reserved)
  std::uint8_t media_lane_unsupported = 0;              // 210: bit n = media lane n+1 not supported
  std::uint8_t cable_assembly_info = 0;                 // 211 raw (far-end breakout)
  std::uint8_t media_technology = 0;                    // 212 (media_technology_name)
  std::uint8_t checksum = 0;                            // 222: sum of bytes 128..221 mod 256
  bool checksum_ok = false;                             // stored checksum equals the computed one
  friend bool operator==(const Page00&, const Page00&) = default;
};

[[nodiscard]] Page00 decode_page00(const PageBytes& page) noexcept;
// Writes every field and then the checksum of bytes 128..221 (value.checksum and
// value.checksum_ok are ignored: an encoded page always has a valid checksum). When
// date_code is set it wins over date_code_raw.
// Errors: invalid_argument for strings longer than their field or not printable ASCII;
// out_of_range for power class outside 1..8, max power above 63.75 W, a cable length not
// representable (0..6300 m in the four scales).
Status encode_page00(const Page00& value, PageBytes& page);

// ---------------------------------------------------------------------------------------
// Page 01h: advertising, CMIS 5.2 section 8.4.

struct Advertisement {
  Revision inactive_firmware;                            // 128..129
  Revision hardware;                                     // 130..131
  std::uint8_t banks_supported = 1;                      // 142 bits 1-0: 00 = 1 bank, 01 = 2, 10 = 4, 11 = 8 (*)
  bool page03_supported = false;                         // 142 bit 2 (user page)
  bool diagnostic_pages_supported = false;               // 142 bit 5 (13h-14h)
  bool vdm_pages_supported = false;                      // 142 bit 6 (20h-2Fh)
  std::uint8_t dp_init_duration = 0;                     // 144 bits 3-0 (raw duration code)
  std::uint8_t dp_deinit_duration = 0;                   // 144 bits 7-4 (raw duration code)
  bool rx_power_is_average = false;                      // 151 bit 4 (1 = average power, 0 = OMA)
  bool tx_disable_supported = false;                     // 155 bit 1
  bool rx_disable_supported = false;                     // 156 bit 1
  bool tx_fault_flag_supported = false;                  // 157 bit 0
  bool tx_los_flag_supported = false;                    // 157 bit 1
  bool tx_cdr_lol_flag_supported = false;                // 157 bit 2
  bool rx_los_flag_supported = false;                    // 158 bit 1
  bool rx_cdr_lol_flag_supported = false;                // 158 bit 2
  bool temperature_monitor = false;                      // 159 bit 0
  bool vcc_monitor = false;                              // 159 bit 1
  bool aux1_monitor = false;                             // 159 bit 2
  bool aux2_monitor = false;                             // 159 bit 3
  bool aux3_monitor = false;                             // 159 bit 4
  bool custom_monitor = false;                           // 159 bit 5
  bool tx_bias_monitor = false;                          // 160 bit 0
  bool tx_power_monitor = false;                         // 160 bit 1
  bool rx_power_monitor = false;                         // 160 bit 2
  std::uint8_t tx_bias_multiplier = 1;                   // 160 bits 4-3: 00 = x1, 01 = x2, 10 = x4 (11 reserved: x1)
  std::array<std::uint8_t, 15> media_lane_assignment{};  // 176..190, ApSel 1..15
  // ApSel 9..15 (bytes 223..250), same rules as LowerPage::applications.
  std::array<ApplicationDescriptor, kPage01Applications> applications{};
  std::uint8_t application_count = 0;
  // State duration codes (raw, CMIS 5.2 Table 8-31; see duration_range()). Byte 167 and 168
  // as sonic_xcvr mem_maps/public/cmis/pages/page01.py maps them (MODULE_PWRUP_DURATION ..
  // DP_TX_TURNOFF_DURATION).
  std::uint8_t module_pwr_up_duration = 0;   // 167 bits 3-0 (MaxDurationModulePwrUp)
  std::uint8_t module_pwr_dn_duration = 0;   // 167 bits 7-4 (MaxDurationModulePwrDn)
  std::uint8_t dp_tx_turn_on_duration = 0;   // 168 bits 3-0 (MaxDurationDPTxTurnOn)
  std::uint8_t dp_tx_turn_off_duration = 0;  // 168 bits 7-4 (MaxDurationDPTxTurnOff)
  std::uint8_t cdb_instances = 0;            // 163 bits 7-6: 0 = CDB not supported, 1 or 2 (3 reserved)
  friend bool operator==(const Advertisement&, const Advertisement&) = default;
};

// A state duration code (page 01h bytes 144, 167, 168; CMIS 5.2 Table 8-31) as the interval
// it states, in seconds: code 0 "< 1 ms" is [0, 0.001), code 7 "1 s <= t < 5 s" is [1, 5),
// code 13 "t >= 50 min" has max_s = +infinity. Codes 14 and 15 are reserved: nullopt.
// SONiC's reading differs: sonic_xcvr codes/public/cmis.py DP_PATH_TIMINGS takes a code as
// its upper bound in ms (code 7 -> 5000) and code 13 as 6,000,000 ms.
struct DurationRange {
  double min_s = 0;
  double max_s = 0;
  friend bool operator==(const DurationRange&, const DurationRange&) = default;
};
[[nodiscard]] std::optional<DurationRange> duration_range(std::uint8_t code) noexcept;
// The code whose interval holds `seconds` (negative and NaN give 0).
[[nodiscard]] std::uint8_t duration_code(double seconds) noexcept;

// What the codec assumes when page 01h is absent (flat-memory modules, or a read that
// skipped it): one bank, Tx bias multiplier x1 (2 uA per LSB), no monitor or flag
// advertised, no media lane assignment (applications keep media_lane_assignment empty).
// Monitor values on other pages are still decoded as reported.
[[nodiscard]] Advertisement assumed_advertisement() noexcept;

[[nodiscard]] Advertisement decode_page01(const PageBytes& page) noexcept;
// (*) 11b is reserved in CMIS 5.2; 8-bank co-packaged engines (Broadcom Bailly) use it for 8
// banks, as sonic_xcvr's Bailly vendor codes read it; the codec reads and writes it so.
// Errors: out_of_range for banks_supported not in {1, 2, 4, 8}, tx_bias_multiplier not in
// {1, 2, 4}, a duration code above 15, more than 7 applications or an ApSel outside 9..15.
Status encode_page01(const Advertisement& value, PageBytes& page);

// ---------------------------------------------------------------------------------------
// Page 02h: thresholds, CMIS 5.2 section 8.5 (Table 8-56).

struct Thresholds {
  ThresholdSet<Celsius> temperature;  // 128..135, s16 1/256 degC
  ThresholdSet<Volts> vcc;            // 136..143, u16 100 uV
  ThresholdSet<Milliwatts> tx_power;  // 176..183, u16 0.1 uW
  ThresholdSet<Milliamps> tx_bias;    // 184..191, u16 2 uA times the Tx bias multiplier
  ThresholdSet<Milliwatts> rx_power;  // 192..199, u16 0.1 uW
  friend bool operator==(const Thresholds&, const Thresholds&) = default;
};

// `tx_bias_multiplier` comes from page 01h (1 when absent, see assumed_advertisement()).
[[nodiscard]] Thresholds decode_page02(const PageBytes& page, std::uint8_t tx_bias_multiplier = 1) noexcept;
Status encode_page02(const Thresholds& value, PageBytes& page, std::uint8_t tx_bias_multiplier = 1);

// ---------------------------------------------------------------------------------------
// Page 10h: lane and data path controls of one bank, CMIS 5.2 section 8.9.

// One lane's data path configuration (DPConfigLane, Staged Control Set 0 bytes 145..152 and
// the active set on page 11h bytes 206..213).
struct DataPathConfig {
  std::uint8_t app_sel = 0;       // bits 7-4: ApSel code 0..15 (0 = lane unused)
  std::uint8_t data_path_id = 0;  // bits 3-1: first lane of the data path, 0..7
  bool explicit_control = false;  // bit 0
  friend bool operator==(const DataPathConfig&, const DataPathConfig&) = default;
};

struct LaneControls {
  std::uint8_t data_path_deinit = 0;                   // 128 DPDeinitLane (1 = deinitialise)
  std::uint8_t tx_polarity_flip = 0;                   // 129
  std::uint8_t tx_disable = 0;                         // 130 OutputDisableTx
  std::uint8_t tx_squelch_disable = 0;                 // 131 AutoSquelchDisableTx
  std::uint8_t tx_force_squelch = 0;                   // 132 OutputSquelchForceTx
  std::uint8_t rx_polarity_flip = 0;                   // 137
  std::uint8_t rx_disable = 0;                         // 138 OutputDisableRx
  std::uint8_t rx_squelch_disable = 0;                 // 139 AutoSquelchDisableRx
  std::uint8_t apply_dp_init = 0;                      // 143 SCS0 ApplyDPInit (trigger, reads as last written)
  std::uint8_t apply_immediate = 0;                    // 144 SCS0 ApplyImmediate
  std::array<DataPathConfig, kLanesPerBank> staged{};  // 145..152 SCS0 DPConfigLane1..8
  friend bool operator==(const LaneControls&, const LaneControls&) = default;
};

[[nodiscard]] LaneControls decode_page10(const PageBytes& page) noexcept;
// Errors: out_of_range for an ApSel above 15 or a DataPathID above 7 (names the lane).
Status encode_page10(const LaneControls& value, PageBytes& page);

// ---------------------------------------------------------------------------------------
// Page 11h: lane and data path status of one bank, CMIS 5.2 section 8.10.

// Data path state, one nibble per lane at bytes 128..131 (lane 1 = byte 128 bits 3-0),
// CMIS 5.2 Table 8-76. 0 and 8..15 are reserved and kept raw.
enum class DataPathState : std::uint8_t {
  reserved = 0,
  deactivated = 1,
  init = 2,
  deinit = 3,
  activated = 4,
  tx_turn_on = 5,
  tx_turn_off = 6,
  initialized = 7,
};
// "Deactivated", "Init", "Deinit", "Activated", "TxTurnOn", "TxTurnOff", "Initialized",
// "Reserved".
[[nodiscard]] std::string_view to_string(DataPathState state) noexcept;

// Configuration command status, one nibble per lane at bytes 202..205 (CMIS 5.2 Table 8-89).
enum class ConfigStatus : std::uint8_t {
  undefined = 0,
  success = 1,
  rejected = 2,
  rejected_invalid_app_sel = 3,
  rejected_invalid_data_path = 4,
  rejected_invalid_si = 5,
  rejected_lanes_in_use = 6,
  rejected_partial_data_path = 7,
  in_progress = 12,
};
// "ConfigUndefined", "ConfigSuccess", ..., "ConfigInProgress", "Reserved", "Custom".
[[nodiscard]] std::string_view to_string(ConfigStatus status) noexcept;

struct LaneStatus {
  std::array<DataPathState, kLanesPerBank> data_path_state{};  // 128..131
  std::uint8_t rx_output_status = 0;                           // 132 (1 = valid output)
  std::uint8_t tx_output_status = 0;                           // 133
  std::uint8_t data_path_state_changed = 0;                    // 134 latched
  std::uint8_t tx_fault = 0;                                   // 135 latched
  std::uint8_t tx_los = 0;                                     // 136
  std::uint8_t tx_cdr_lol = 0;                                 // 137
  std::uint8_t tx_adaptive_eq_fail = 0;                        // 138
  LaneFlagSet tx_power_flags;                                  // 139..142
  LaneFlagSet tx_bias_flags;                                   // 143..146
  std::uint8_t rx_los = 0;                                     // 147 latched
  std::uint8_t rx_cdr_lol = 0;                                 // 148
  LaneFlagSet rx_power_flags;                                  // 149..152
  std::array<Milliwatts, kLanesPerBank> tx_power{};            // 154..169, u16 0.1 uW
  std::array<Milliamps, kLanesPerBank> tx_bias{};              // 170..185, u16 2 uA times the multiplier
  std::array<Milliwatts, kLanesPerBank> rx_power{};            // 186..201, u16 0.1 uW
  std::array<ConfigStatus, kLanesPerBank> config_status{};     // 202..205
  std::array<DataPathConfig, kLanesPerBank> active_config{};   // 206..213
  std::uint8_t dp_init_pending = 0;                            // 235 DPInitPendingLane
  friend bool operator==(const LaneStatus&, const LaneStatus&) = default;
};

[[nodiscard]] LaneStatus decode_page11(const PageBytes& page, std::uint8_t tx_bias_multiplier = 1) noexcept;
// Errors: out_of_range for a power or bias outside its u16 range (names field and lane), a
// state or status code above 15.
Status encode_page11(const LaneStatus& value, PageBytes& page, std::uint8_t tx_bias_multiplier = 1);

// ---------------------------------------------------------------------------------------
// Writable fields the host changes one at a time (the driver's writes, the simulator's
// firmware reading them back). Each checks its arguments and touches only its own bits.
// Lanes are 1..8 within the bank the page belongs to.
// Errors: out_of_range naming the field and the allowed values.

// Lower byte 26 bit 4, LowPwrRequestSW.
Status set_low_power_request(PageBytes& lower, bool low_power) noexcept;
// Lower byte 26 bit 3, SoftwareReset.
Status set_software_reset(PageBytes& lower, bool reset) noexcept;
// Page 10h byte 128, DPDeinitLane.
Status set_data_path_deinit(PageBytes& page10, unsigned lane, bool deinit);
// Page 10h byte 130, OutputDisableTx.
Status set_tx_disable(PageBytes& page10, unsigned lane, bool disable);
// Page 10h byte 138, OutputDisableRx.
Status set_rx_disable(PageBytes& page10, unsigned lane, bool disable);
// Page 10h byte 144 + lane (SCS0 DPConfigLane): ApSel 0..15, DataPathID 0..7.
Status set_staged_config(PageBytes& page10, unsigned lane, DataPathConfig config);
// Page 10h byte 143 / 144: the SCS0 apply triggers for a lane mask.
Status set_apply_dp_init(PageBytes& page10, std::uint8_t lane_mask) noexcept;
Status set_apply_immediate(PageBytes& page10, std::uint8_t lane_mask) noexcept;

}  // namespace cpo::cmis
