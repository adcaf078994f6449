// ELSFP pages 1Ah and 1Bh. Offsets: sonic-net/sonic-platform-common
// sonic_xcvr/mem_maps/public/cmis/pages/page1a.py and page1b.py (OIF-ELSFP-CMIS-01.0 Tables
// 4-12 as cited there).
#include "cpo/hal/cmis/elsfp.h"

#include <cmath>
#include <string>

#include "cpo/hal/cmis/fields.h"

#include <fmt/format.h>

#include "bytes.h"

namespace cpo::cmis {

using namespace detail;

namespace {

constexpr double kPowerStep = 0.01;     // mW (10 uW)
constexpr double kBiasStep = 0.1;       // mA (100 uA)
constexpr double kVoltageStep = 0.015;  // V (15 mV)
constexpr double kIccStep = 0.2;        // mA (200 uA)
constexpr double kFrequencyStep = 5.0;  // GHz

Milliwatts power_at(const PageBytes& p, std::size_t a) { return Milliwatts(u16(p, a) * kPowerStep); }
Milliamps bias_at(const PageBytes& p, std::size_t a) { return Milliamps(u16(p, a) * kBiasStep); }

template <typename Name>
Status put_power(PageBytes& p, std::size_t a, Milliwatts v, const Name& field) {
  auto raw = to_u16(v.value(), kPowerStep, field, "mW");
  if (!raw) return raw.status();
  put_u16(p, a, *raw);
  return ok_status();
}
template <typename Name>
Status put_bias(PageBytes& p, std::size_t a, Milliamps v, const Name& field) {
  auto raw = to_u16(v.value(), kBiasStep, field, "mA");
  if (!raw) return raw.status();
  put_u16(p, a, *raw);
  return ok_status();
}

std::uint32_t u32_lanes(const PageBytes& p, std::size_t first) {
  // Lanes 1..8 in the first byte, 9..16 in the next, and so on (page1a.py FaultFlagLane).
  return static_cast<std::uint32_t>(at(p, first)) | (static_cast<std::uint32_t>(at(p, first + 1)) << 8) |
         (static_cast<std::uint32_t>(at(p, first + 2)) << 16) | (static_cast<std::uint32_t>(at(p, first + 3)) << 24);
}
void put_u32_lanes(PageBytes& p, std::size_t first, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) put(p, first + i, static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF));
}

}  // namespace

std::string_view to_string(ElsControlMode mode) noexcept { return mode == ElsControlMode::apc ? "APC" : "ACC"; }

std::string_view to_string(ElsLaneState state) noexcept {
  switch (state) {
    case ElsLaneState::off: return "off";
    case ElsLaneState::ramping: return "ramping";
    case ElsLaneState::on: return "on";
    case ElsLaneState::reserved: break;
  }
  return "reserved";
}

std::string_view els_fault_code_name(std::uint8_t code) noexcept {
  if (code == 0) return "none";
  if (code == kElsFaultApcLoop) return "APC loop failure";
  if (code == kElsFaultAccLoop) return "ACC loop failure";
  return code >= 9 && code <= 15 ? "vendor specific" : "reserved";
}

std::string_view els_warning_code_name(std::uint8_t code) noexcept {
  if (code == 0) return "none";
  if (code == 1) return "APC loop warning";
  if (code == 2) return "ACC loop warning";
  return code >= 9 && code <= 15 ? "vendor specific" : "reserved";
}

std::string_view els_save_restore_status_name(std::uint8_t code) noexcept {
  switch (code) {
    case 0x00: return "none";
    case 0x01: return "success";
    case 0x02: return "in_progress";
    case 0x03: return "invalid_command";
    case 0x04: return "no_relevant_saved_content";
    case 0x08: return "failed";
    default: return "reserved";
  }
}

ElsAdvertisement decode_page1a(const PageBytes& p) noexcept {
  ElsAdvertisement v;
  v.max_optical_power = power_at(p, field::kElsMaxPower.byte);
  v.min_optical_power = power_at(p, field::kElsMinPower.byte);
  v.max_bias = bias_at(p, field::kElsMaxBias.byte);
  v.min_bias = bias_at(p, field::kElsMinBias.byte);
  v.control_mode = static_cast<ElsControlMode>(get(p, field::kElsControlMode));
  v.lane_count = static_cast<std::uint8_t>(get(p, field::kElsLaneCount));
  v.bias_thresholds = {bias_at(p, 141), bias_at(p, 143), bias_at(p, 145), bias_at(p, 147)};
  v.power_thresholds = {power_at(p, 149), power_at(p, 151), power_at(p, 153), power_at(p, 155)};
  v.lane_summary_fault = bit(at(p, 165), 2);
  v.lane_summary_warning = bit(at(p, 165), 3);
  v.lane_fault_flags = u32_lanes(p, field::kElsLaneFaultFlags.byte);
  v.lane_warning_flags = u32_lanes(p, 174);
  v.save_restore_command = static_cast<std::uint8_t>(get(p, field::kElsSaveRestore));
  v.save_restore_status = at(p, 185);
  v.bias_flags = flags_at(p, field::kElsBiasFlags.byte);
  v.power_flags = flags_at(p, field::kElsPowerFlags.byte);
  v.bias_masks = flags_at(p, field::kElsMasks.byte_of(0));
  v.power_masks = flags_at(p, field::kElsMasks.byte_of(4));
  v.global_alarm_mask = at(p, 210);
  v.global_warning_mask = at(p, 211);
  for (unsigned i = 0; i < kLanesPerBank; ++i) {
    v.fault_code[i] = bits(at(p, field::kElsFaultCode.byte_of(i)), 0, 4);
    v.warning_code[i] = bits(at(p, field::kElsFaultCode.byte_of(i)), 4, 4);
    v.lane_state[i] = static_cast<ElsLaneState>(bits(at(p, field::kElsLaneState.byte_of(i / 4)), 2 * (i % 4), 2));
    v.lane_to_fiber[i] = at(p, 224 + i);
    v.lane_frequency_ghz[i] = u16(p, 232 + 2 * i) * kFrequencyStep;
  }
  v.lane_enable = static_cast<std::uint8_t>(get(p, field::kElsLaneEnable));
  v.output_fiber_checked = static_cast<std::uint8_t>(get(p, field::kElsFiberChecked));
  v.fiber_check_power = Milliwatts(at(p, 248));
  return v;
}

Status encode_page1a(const ElsAdvertisement& v, PageBytes& p) {
  PageBytes out = p;
  CPO_RETURN_IF_ERROR(put_power(out, field::kElsMaxPower.byte, v.max_optical_power, "ELS max optical power"));
  CPO_RETURN_IF_ERROR(put_power(out, field::kElsMinPower.byte, v.min_optical_power, "ELS min optical power"));
  CPO_RETURN_IF_ERROR(put_bias(out, field::kElsMaxBias.byte, v.max_bias, "ELS max bias"));
  CPO_RETURN_IF_ERROR(put_bias(out, field::kElsMinBias.byte, v.min_bias, "ELS min bias"));
  CPO_RETURN_IF_ERROR(check_max(v.lane_count, 127, "ELS lane count"));
  CPO_RETURN_IF_ERROR(set(out, field::kElsLaneCount, v.lane_count));
  CPO_RETURN_IF_ERROR(set(out, field::kElsControlMode, v.control_mode == ElsControlMode::apc ? 1U : 0U));
  CPO_RETURN_IF_ERROR(put_bias(out, 141, v.bias_thresholds.high_alarm, "ELS bias high alarm"));
  CPO_RETURN_IF_ERROR(put_bias(out, 143, v.bias_thresholds.low_alarm, "ELS bias low alarm"));
  CPO_RETURN_IF_ERROR(put_bias(out, 145, v.bias_thresholds.high_warning, "ELS bias high warning"));
  CPO_RETURN_IF_ERROR(put_bias(out, 147, v.bias_thresholds.low_warning, "ELS bias low warning"));
  CPO_RETURN_IF_ERROR(put_power(out, 149, v.power_thresholds.high_alarm, "ELS optical power high alarm"));
  CPO_RETURN_IF_ERROR(put_power(out, 151, v.power_thresholds.low_alarm, "ELS optical power low alarm"));
  CPO_RETURN_IF_ERROR(put_power(out, 153, v.power_thresholds.high_warning, "ELS optical power high warning"));
  CPO_RETURN_IF_ERROR(put_power(out, 155, v.power_thresholds.low_warning, "ELS optical power low warning"));
  put_bit(out, 165, 2, v.lane_summary_fault);
  put_bit(out, 165, 3, v.lane_summary_warning);
  put_u32_lanes(out, field::kElsLaneFaultFlags.byte, v.lane_fault_flags);
  put_u32_lanes(out, 174, v.lane_warning_flags);
  CPO_RETURN_IF_ERROR(set(out, field::kElsSaveRestore, v.save_restore_command));
  put(out, 185, v.save_restore_status);
  put_flags(out, field::kElsBiasFlags.byte, v.bias_flags);
  put_flags(out, field::kElsPowerFlags.byte, v.power_flags);
  put_flags(out, field::kElsMasks.byte_of(0), v.bias_masks);
  put_flags(out, field::kElsMasks.byte_of(4), v.power_masks);
  put(out, 210, v.global_alarm_mask);
  put(out, 211, v.global_warning_mask);
  for (unsigned i = 0; i < kLanesPerBank; ++i) {
    const unsigned lane = i + 1;
    CPO_RETURN_IF_ERROR(check_max(v.fault_code[i], 15, [&] { return fmt::format("ELS lane {} fault code", lane); }));
    CPO_RETURN_IF_ERROR(
        check_max(v.warning_code[i], 15, [&] { return fmt::format("ELS lane {} warning code", lane); }));
    put(out, field::kElsFaultCode.byte_of(i), static_cast<std::uint8_t>((v.warning_code[i] << 4) | v.fault_code[i]));
    put_bits(out, field::kElsLaneState.byte_of(i / 4), 2 * (i % 4), 2, static_cast<unsigned>(v.lane_state[i]) & 3U);
    put(out, 224 + i, v.lane_to_fiber[i]);
    auto freq = to_u16(
        v.lane_frequency_ghz[i], kFrequencyStep, [&] { return fmt::format("ELS lane {} frequency", lane); }, "GHz");
    if (!freq) return freq.status();
    put_u16(out, 232 + 2 * i, *freq);
  }
  CPO_RETURN_IF_ERROR(set(out, field::kElsLaneEnable, v.lane_enable));
  CPO_RETURN_IF_ERROR(set(out, field::kElsFiberChecked, v.output_fiber_checked));
  auto check = quantise(v.fiber_check_power.value(), 1.0, 0, 255, "ELS fiber-check power", "mW");
  if (!check) return check.status();
  put(out, 248, static_cast<std::uint8_t>(*check));
  p = out;
  return ok_status();
}

ElsMonitors decode_page1b(const PageBytes& p) noexcept {
  ElsMonitors m;
  for (unsigned i = 0; i < kLanesPerBank; ++i) {
    m.bias_setpoint[i] = bias_at(p, field::kElsBiasSetpoint.byte_of(i));
    m.power_setpoint[i] = power_at(p, field::kElsPowerSetpoint.byte_of(i));
    m.bias[i] = bias_at(p, field::kElsBias.byte_of(i));
    m.power[i] = power_at(p, field::kElsPower.byte_of(i));
    m.voltage[i] = Volts(get(p, field::kElsVoltage, i) * kVoltageStep);
  }
  m.icc = Milliamps(get(p, field::kElsIcc) * kIccStep);
  return m;
}

Status encode_page1b(const ElsMonitors& m, PageBytes& p) {
  PageBytes out = p;
  for (unsigned i = 0; i < kLanesPerBank; ++i) {
    const unsigned lane = i + 1;
    CPO_RETURN_IF_ERROR(put_bias(out, field::kElsBiasSetpoint.byte_of(i), m.bias_setpoint[i],
                                 [&] { return fmt::format("ELS lane {} bias set-point", lane); }));
    CPO_RETURN_IF_ERROR(put_power(out, field::kElsPowerSetpoint.byte_of(i), m.power_setpoint[i],
                                  [&] { return fmt::format("ELS lane {} power set-point", lane); }));
    CPO_RETURN_IF_ERROR(put_bias(out, field::kElsBias.byte_of(i), m.bias[i],
                                 [&] { return fmt::format("ELS lane {} bias monitor", lane); }));
    CPO_RETURN_IF_ERROR(put_power(out, field::kElsPower.byte_of(i), m.power[i],
                                  [&] { return fmt::format("ELS lane {} power monitor", lane); }));
    auto volts = quantise(
        m.voltage[i].value(), kVoltageStep, 0, 255, [&] { return fmt::format("ELS lane {} voltage", lane); }, "V");
    if (!volts) return volts.status();
    put(out, field::kElsVoltage.byte_of(i), static_cast<std::uint8_t>(*volts));
  }
  auto icc = to_u16(m.icc.value(), kIccStep, "ELS ICC monitor", "mA");
  if (!icc) return icc.status();
  CPO_RETURN_IF_ERROR(set(out, field::kElsIcc, *icc));
  p = out;
  return ok_status();
}

Status set_lane_enable(PageBytes& page1a, unsigned lane, bool enable) {
  return put_lane_bit(page1a, field::kElsLaneEnable, lane, enable, "ELS lane enable");
}

Status set_output_fiber_checked(PageBytes& page1a, unsigned lane, bool checked) {
  return put_lane_bit(page1a, field::kElsFiberChecked, lane, checked, "ELS output fiber checked");
}

Status set_control_mode(PageBytes& page1a, ElsControlMode mode) {
  if (mode != ElsControlMode::acc && mode != ElsControlMode::apc) {
    return error(Code::invalid_argument,
                 fmt::format("ELS control mode {}: allowed 0 (ACC) or 1 (APC)", static_cast<unsigned>(mode)));
  }
  return set(page1a, field::kElsControlMode, mode == ElsControlMode::apc ? 1U : 0U);
}

namespace {
// A set-point against the module's advertised range; NaN is left to the encoder's check.
template <typename Quantity>
Status check_advertised(const std::string& field, Quantity value, Quantity min, Quantity max, std::string_view unit,
                        int precision) {
  if (std::isnan(value.value()) || (value >= min && value <= max)) return ok_status();
  return error(Code::out_of_range,
               fmt::format("{}: {:.{}f} {} outside the module's advertised {:.{}f}..{:.{}f} {}", field, value.value(),
                           precision, unit, min.value(), precision, max.value(), precision, unit));
}
std::string bias_setpoint_name(unsigned lane) { return fmt::format("ELS lane {} bias set-point", lane); }
std::string power_setpoint_name(unsigned lane) { return fmt::format("ELS lane {} power set-point", lane); }
}  // namespace

Status set_bias_setpoint(PageBytes& page1b, unsigned lane, Milliamps bias, const ElsAdvertisement* limits) {
  const std::string name = bias_setpoint_name(lane);
  CPO_RETURN_IF_ERROR(check_lane(lane, "ELS bias set-point"));
  if (limits != nullptr) {
    CPO_RETURN_IF_ERROR(check_advertised(name, bias, limits->min_bias, limits->max_bias, "mA", 1));
  }
  return put_bias(page1b, field::kElsBiasSetpoint.byte_of(lane - 1), bias, name);
}

Status set_power_setpoint(PageBytes& page1b, unsigned lane, Milliwatts power, const ElsAdvertisement* limits) {
  const std::string name = power_setpoint_name(lane);
  CPO_RETURN_IF_ERROR(check_lane(lane, "ELS power set-point"));
  if (limits != nullptr) {
    CPO_RETURN_IF_ERROR(check_advertised(name, power, limits->min_optical_power, limits->max_optical_power, "mW", 2));
  }
  return put_power(page1b, field::kElsPowerSetpoint.byte_of(lane - 1), power, name);
}

Status check_setpoints(const PageBytes& page1b, unsigned lanes, const ElsAdvertisement& limits) {
  if (lanes > kLanesPerBank) {
    return error(Code::out_of_range, fmt::format("ELS set-points of {} lanes: a bank has 1..8", lanes));
  }
  // A stored word is on the encoding grid; the limits are compared on it with a tolerance
  // of a hundredth of a step, so that 6000 x 0.1 mA equals an advertised 600 mA.
  constexpr double kTolerance = 1e-2;
  for (unsigned i = 0; i < lanes; ++i) {
    const Milliamps bias(get(page1b, field::kElsBiasSetpoint, i) * kBiasStep);
    const Milliwatts power(get(page1b, field::kElsPowerSetpoint, i) * kPowerStep);
    CPO_RETURN_IF_ERROR(check_advertised(bias_setpoint_name(i + 1), bias,
                                         Milliamps(limits.min_bias.value() - kTolerance * kBiasStep),
                                         Milliamps(limits.max_bias.value() + kTolerance * kBiasStep), "mA", 1));
    CPO_RETURN_IF_ERROR(check_advertised(
        power_setpoint_name(i + 1), power, Milliwatts(limits.min_optical_power.value() - kTolerance * kPowerStep),
        Milliwatts(limits.max_optical_power.value() + kTolerance * kPowerStep), "mW", 2));
  }
  return ok_status();
}

}  // namespace cpo::cmis
