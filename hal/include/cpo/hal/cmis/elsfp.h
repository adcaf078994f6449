// External laser source (ELSFP) pages 1Ah and 1Bh (OIF-ELSFP-CMIS-01.0), one bank of up to
// 8 lasers ("lanes") each. Same conventions as pages.h: total decoders, encoders that write
// every modelled field and refuse values that do not fit, lanes 1..8, masks bit n = lane n+1.
//
// Byte offsets follow sonic-net/sonic-platform-common sonic_xcvr/mem_maps/public/cmis/pages/
// page1a.py and page1b.py (which cite OIF-ELSFP-CMIS-01.0 Tables 4-12); the page 1Ah field
// vectors in tests/data/cmis/elsfp-page1a-vectors.tsv come from its tests.
//
// Units: optical power u16 10 uW; bias u16 100 uA; per-lane voltage u8 15 mV; ICC u16 200 uA;
// lane frequency u16 5 GHz; fiber-check power u8 1 mW.
//
// Thread safety: pure functions on values.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/status.h"
#include "cpo/hal/units.h"

namespace cpo::cmis {

// Page 1Ah byte 140 bit 0.
enum class ElsControlMode : std::uint8_t { acc = 0, apc = 1 };
// "ACC" (automatic current control), "APC" (automatic power control).
[[nodiscard]] std::string_view to_string(ElsControlMode mode) noexcept;

// Page 1Ah bytes 221..222, 2 bits per lane (lane 1 = byte 221 bits 1-0).
enum class ElsLaneState : std::uint8_t { off = 0, ramping = 1, on = 2, reserved = 3 };
// "off", "ramping", "on", "reserved".
[[nodiscard]] std::string_view to_string(ElsLaneState state) noexcept;

// Per-lane 4-bit fault codes (page 1Ah bytes 212..219 bits 3-0): 0 none, 1 APC loop failure,
// 2 ACC loop failure, 3..8 reserved, 9..15 vendor specific. Warning codes (bits 7-4) use the
// same numbering for warnings.
inline constexpr std::uint8_t kElsFaultApcLoop = 1;
inline constexpr std::uint8_t kElsFaultAccLoop = 2;
[[nodiscard]] std::string_view els_fault_code_name(std::uint8_t code) noexcept;
[[nodiscard]] std::string_view els_warning_code_name(std::uint8_t code) noexcept;
// Save/restore confirmation (byte 185): "success", "in_progress", "invalid_command",
// "no_relevant_saved_content", "failed", "none" (0), "reserved".
[[nodiscard]] std::string_view els_save_restore_status_name(std::uint8_t code) noexcept;

// Page 1Ah: module advertisements, flags, masks and lane controls.
struct ElsAdvertisement {
  Milliwatts max_optical_power;                             // 128..129
  Milliwatts min_optical_power;                             // 130..131
  Milliamps max_bias;                                       // 132..133
  Milliamps min_bias;                                       // 134..135
  ElsControlMode control_mode = ElsControlMode::acc;        // 140 bit 0
  std::uint8_t lane_count = 0;                              // 140 bits 7-1
  ThresholdSet<Milliamps> bias_thresholds;                  // 141..148
  ThresholdSet<Milliwatts> power_thresholds;                // 149..156
  bool lane_summary_fault = false;                          // 165 bit 2
  bool lane_summary_warning = false;                        // 165 bit 3
  std::uint32_t lane_fault_flags = 0;                       // 166..169, bit n = lane n+1 (lanes 1..32)
  std::uint32_t lane_warning_flags = 0;                     // 174..177
  std::uint8_t save_restore_command = 0;                    // 184 (write-only trigger, reads as last written)
  std::uint8_t save_restore_status = 0;                     // 185 (els_save_restore_status_name)
  LaneFlagSet bias_flags;                                   // 186..189 high/low alarm, high/low warning
  LaneFlagSet power_flags;                                  // 190..193
  LaneFlagSet bias_masks;                                   // 198..201
  LaneFlagSet power_masks;                                  // 202..205
  std::uint8_t global_alarm_mask = 0;                       // 210
  std::uint8_t global_warning_mask = 0;                     // 211
  std::array<std::uint8_t, kLanesPerBank> fault_code{};     // 212..219 bits 3-0
  std::array<std::uint8_t, kLanesPerBank> warning_code{};   // 212..219 bits 7-4
  std::uint8_t lane_enable = 0;                             // 220 (1 = laser enabled)
  std::array<ElsLaneState, kLanesPerBank> lane_state{};     // 221..222
  std::uint8_t output_fiber_checked = 0;                    // 223
  std::array<std::uint8_t, kLanesPerBank> lane_to_fiber{};  // 224..231
  std::array<double, kLanesPerBank> lane_frequency_ghz{};   // 232..247, 5 GHz steps
  Milliwatts fiber_check_power;                             // 248, 1 mW steps
  friend bool operator==(const ElsAdvertisement&, const ElsAdvertisement&) = default;
};

[[nodiscard]] ElsAdvertisement decode_page1a(const PageBytes& page) noexcept;
// Errors: out_of_range for powers above 655.35 mW, bias above 6553.5 mA, lane count above
// 127, a frequency above 327675 GHz, a code above 15, fiber-check power above 255 mW;
// invalid_argument for NaN or negative values.
Status encode_page1a(const ElsAdvertisement& value, PageBytes& page);

// Page 1Bh: set-points and monitors.
struct ElsMonitors {
  std::array<Milliamps, kLanesPerBank> bias_setpoint{};    // 128..143
  std::array<Milliwatts, kLanesPerBank> power_setpoint{};  // 144..159
  std::array<Milliamps, kLanesPerBank> bias{};             // 184..199
  std::array<Milliwatts, kLanesPerBank> power{};           // 200..215
  std::array<Volts, kLanesPerBank> voltage{};              // 232..239, u8 15 mV
  Milliamps icc;                                           // 240..241, u16 200 uA
  friend bool operator==(const ElsMonitors&, const ElsMonitors&) = default;
};

[[nodiscard]] ElsMonitors decode_page1b(const PageBytes& page) noexcept;
Status encode_page1b(const ElsMonitors& value, PageBytes& page);

// Writable ELSFP fields. `limits`, when given, are the module's advertised min/max (page
// 1Ah): a set-point outside them is refused with out_of_range naming the lane and the limits;
// values are never clamped. Set-points are rounded to the encoding step (10 uW, 100 uA).
// Each setter touches only its own bits. Errors: out_of_range (lane outside 1..8, value
// outside the encoding or the advertised range), invalid_argument (NaN, a mode other than
// acc or apc).
Status set_lane_enable(PageBytes& page1a, unsigned lane, bool enable);
// Byte 223: the host checked the lane's output fiber (the module may leave the fiber-check
// power, byte 248, for the lane's set-point).
Status set_output_fiber_checked(PageBytes& page1a, unsigned lane, bool checked);
// Byte 140 bit 0. OIF-ELSFP-CMIS-01.0 lists it among the advertisements; a module that lets
// the host choose the mode (cposdk's simulator does) takes it as the selected mode. Bits 7-1
// (the lane count) are left alone.
Status set_control_mode(PageBytes& page1a, ElsControlMode mode);
Status set_bias_setpoint(PageBytes& page1b, unsigned lane, Milliamps bias, const ElsAdvertisement* limits = nullptr);
Status set_power_setpoint(PageBytes& page1b, unsigned lane, Milliwatts power, const ElsAdvertisement* limits = nullptr);
// The bias and power set-points of lanes 1..`lanes` of a page 1Bh as a host wrote it, against
// the advertised limits: the range check of set_bias_setpoint / set_power_setpoint, for a
// module refusing a write. Errors: out_of_range naming the first lane and set-point outside
// (or `lanes` above 8).
Status check_setpoints(const PageBytes& page1b, unsigned lanes, const ElsAdvertisement& limits);

}  // namespace cpo::cmis
