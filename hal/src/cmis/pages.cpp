// CMIS lower page, pages 00h, 01h, 02h, 10h and 11h. Byte offsets are CMIS 5.2 section 8
// (the same offsets ethtool's cmis.h and sonic_xcvr mem_maps/public/cmis/pages use).
#include "cpo/hal/cmis/pages.h"

#include "cpo/hal/cmis/fields.h"

#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "bytes.h"

namespace cpo::cmis {

using namespace detail;

namespace {

// Monitor scales (CMIS 5.2 Table 8-7 for module monitors, Table 8-80 for lane monitors).
constexpr double kTempStep = 1.0 / 256.0;  // degC
constexpr double kVccStep = 1e-4;          // V (100 uV)
constexpr double kPowerStep = 1e-4;        // mW (0.1 uW)
constexpr double kBiasStep = 2e-3;         // mA (2 uA), times the multiplier

Celsius temp_at(const PageBytes& p, std::size_t a) { return Celsius(s16(p, a) * kTempStep); }
Volts vcc_at(const PageBytes& p, std::size_t a) { return Volts(u16(p, a) * kVccStep); }
Milliwatts power_at(const PageBytes& p, std::size_t a) { return Milliwatts(u16(p, a) * kPowerStep); }
Milliamps bias_at(const PageBytes& p, std::size_t a, std::uint8_t mult) {
  return Milliamps(u16(p, a) * kBiasStep * mult);
}

template <typename Name>
Status put_temp(PageBytes& p, std::size_t a, Celsius v, const Name& field) {
  auto raw = quantise(v.value(), kTempStep, -32768, 32767, field, "degC");
  if (!raw) return raw.status();
  put_s16(p, a, static_cast<std::int16_t>(*raw));
  return ok_status();
}
template <typename Name>
Status put_u16_field(PageBytes& p, std::size_t a, double v, double step, const Name& field, std::string_view unit) {
  auto raw = to_u16(v, step, field, unit);
  if (!raw) return raw.status();
  put_u16(p, a, *raw);
  return ok_status();
}

template <typename T, typename Put>
Status put_thresholds(const ThresholdSet<T>& t, std::size_t first, std::string_view name, Put put_one) {
  CPO_RETURN_IF_ERROR(put_one(first, t.high_alarm, [&] { return fmt::format("{} high alarm", name); }));
  CPO_RETURN_IF_ERROR(put_one(first + 2, t.low_alarm, [&] { return fmt::format("{} low alarm", name); }));
  CPO_RETURN_IF_ERROR(put_one(first + 4, t.high_warning, [&] { return fmt::format("{} high warning", name); }));
  return put_one(first + 6, t.low_warning, [&] { return fmt::format("{} low warning", name); });
}

template <typename T, typename Get>
ThresholdSet<T> get_thresholds(std::size_t first, Get get) {
  return ThresholdSet<T>{get(first), get(first + 2), get(first + 4), get(first + 6)};
}

// Application descriptor at `address` (4 bytes: host code, media code, lane counts, host
// lane assignment; CMIS 5.2 Table 8-23).
ApplicationDescriptor app_at(const PageBytes& p, std::size_t address, std::uint8_t app_sel) {
  ApplicationDescriptor d;
  d.app_sel = app_sel;
  d.host_interface = at(p, address);
  d.media_interface = at(p, address + 1);
  d.host_lane_count = bits(at(p, address + 2), 4, 4);
  d.media_lane_count = bits(at(p, address + 2), 0, 4);
  d.host_lane_assignment = at(p, address + 3);
  return d;
}

template <std::size_t N>
std::uint8_t read_apps(const PageBytes& p, std::size_t first, std::uint8_t first_app_sel,
                       std::array<ApplicationDescriptor, N>& out) {
  std::uint8_t count = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const std::size_t address = first + 4 * i;
    if (at(p, address) == kApplicationListEnd) break;
    out[count++] = app_at(p, address, static_cast<std::uint8_t>(first_app_sel + i));
  }
  return count;
}

template <std::size_t N>
Status write_apps(PageBytes& p, std::size_t first, std::uint8_t first_app_sel,
                  const std::array<ApplicationDescriptor, N>& apps, std::uint8_t count) {
  if (count > N) {
    return error(Code::out_of_range, fmt::format("application count {}: this page holds 0..{}", count, N));
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto& d = apps[i];
    const auto expected = static_cast<unsigned>(first_app_sel + i);
    if (d.app_sel != expected) {
      return error(Code::out_of_range, fmt::format("application {}: ApSel {} must equal its table position {}", i + 1,
                                                   d.app_sel, expected));
    }
    if (d.host_interface == kApplicationListEnd) {
      return error(Code::invalid_argument,
                   fmt::format("ApSel {}: host interface code FFh marks the end of the table", d.app_sel));
    }
    CPO_RETURN_IF_ERROR(
        check_max(d.host_lane_count, 15, [&] { return fmt::format("ApSel {} host lane count", d.app_sel); }));
    CPO_RETURN_IF_ERROR(
        check_max(d.media_lane_count, 15, [&] { return fmt::format("ApSel {} media lane count", d.app_sel); }));
    const std::size_t address = first + 4 * i;
    put(p, address, d.host_interface);
    put(p, address + 1, d.media_interface);
    put(p, address + 2, static_cast<std::uint8_t>((d.host_lane_count << 4) | d.media_lane_count));
    put(p, address + 3, d.host_lane_assignment);
  }
  if (count < N) put(p, first + 4 * count, kApplicationListEnd);
  return ok_status();
}

// Printable ASCII field, trailing spaces and NULs removed. Non-printable bytes become '.',
// so the text is always valid UTF-8 (JSON output); encoders refuse them.
std::string ascii_at(const PageBytes& p, std::size_t address, std::size_t length) {
  std::string s;
  s.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    const auto c = at(p, address + i);
    s.push_back((c >= 0x20 && c <= 0x7E) ? static_cast<char>(c) : '.');
  }
  // Trailing padding: spaces per SFF-8024, NULs on some modules (shown as '.' above).
  std::size_t end = length;
  while (end > 0) {
    const auto c = at(p, address + end - 1);
    if (c != 0x20 && c != 0x00) break;
    --end;
  }
  s.resize(end);
  return s;
}

Status put_ascii(PageBytes& p, std::size_t address, std::size_t length, std::string_view text, std::string_view field) {
  if (text.size() > length) {
    return error(Code::invalid_argument,
                 fmt::format("{} '{}': {} characters, the field holds at most {}", field, text, text.size(), length));
  }
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) {
      return error(Code::invalid_argument, fmt::format("{}: only printable ASCII (20h..7Eh) is allowed", field));
    }
  }
  for (std::size_t i = 0; i < length; ++i) {
    put(p, address + i, i < text.size() ? static_cast<std::uint8_t>(text[i]) : std::uint8_t{0x20});
  }
  return ok_status();
}

std::uint8_t checksum_of(const PageBytes& p) {
  unsigned sum = 0;
  for (std::size_t a = 128; a <= 221; ++a) sum += at(p, a);
  return static_cast<std::uint8_t>(sum & 0xFF);
}

DataPathConfig dp_config_at(const PageBytes& p, std::size_t address) {
  const auto b = at(p, address);
  return DataPathConfig{bits(b, 4, 4), bits(b, 1, 3), bit(b, 0)};
}

Status put_dp_config(PageBytes& p, std::size_t address, const DataPathConfig& c, std::string_view field,
                     unsigned lane) {
  CPO_RETURN_IF_ERROR(check_max(c.app_sel, 15, [&] { return fmt::format("{} lane {} ApSel", field, lane); }));
  CPO_RETURN_IF_ERROR(check_max(c.data_path_id, 7, [&] { return fmt::format("{} lane {} DataPathID", field, lane); }));
  put(p, address,
      static_cast<std::uint8_t>((unsigned{c.app_sel} << 4) | (unsigned{c.data_path_id} << 1) |
                                (c.explicit_control ? 1U : 0U)));
  return ok_status();
}

}  // namespace

std::string to_string(Revision revision) { return fmt::format("{}.{}", revision.major, revision.minor); }

std::string to_string(const DateCode& date) {
  std::string s = fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
  if (!date.lot.empty()) s += "-" + date.lot;
  return s;
}

std::string_view to_string(ModuleState state) noexcept {
  switch (state) {
    case ModuleState::low_power: return "ModuleLowPwr";
    case ModuleState::power_up: return "ModulePwrUp";
    case ModuleState::ready: return "ModuleReady";
    case ModuleState::power_down: return "ModulePwrDn";
    case ModuleState::fault: return "ModuleFault";
    case ModuleState::reserved: break;
  }
  return "Reserved";
}

std::string_view to_string(DataPathState state) noexcept {
  switch (state) {
    case DataPathState::deactivated: return "Deactivated";
    case DataPathState::init: return "Init";
    case DataPathState::deinit: return "Deinit";
    case DataPathState::activated: return "Activated";
    case DataPathState::tx_turn_on: return "TxTurnOn";
    case DataPathState::tx_turn_off: return "TxTurnOff";
    case DataPathState::initialized: return "Initialized";
    case DataPathState::reserved: break;
  }
  return "Reserved";
}

std::string_view to_string(ConfigStatus status) noexcept {
  switch (status) {
    case ConfigStatus::undefined: return "ConfigUndefined";
    case ConfigStatus::success: return "ConfigSuccess";
    case ConfigStatus::rejected: return "ConfigRejected";
    case ConfigStatus::rejected_invalid_app_sel: return "ConfigRejectedInvalidAppSel";
    case ConfigStatus::rejected_invalid_data_path: return "ConfigRejectedInvalidDataPath";
    case ConfigStatus::rejected_invalid_si: return "ConfigRejectedInvalidSI";
    case ConfigStatus::rejected_lanes_in_use: return "ConfigRejectedLanesInUse";
    case ConfigStatus::rejected_partial_data_path: return "ConfigRejectedPartialDataPath";
    case ConfigStatus::in_progress: return "ConfigInProgress";
  }
  // CMIS 5.2 Table 8-89: 8..11 reserved, 13..15 custom.
  return static_cast<unsigned>(status) >= 13 ? "Custom" : "Reserved";
}

// ---------------------------------------------------------------------------------------
// Lower page.

// Lower byte 26, CMIS 5.2 Table 8-10: bits 7..3; bits 2..0 reserved.
ModuleControl decode_module_control(std::uint8_t c) noexcept {
  return ModuleControl{bit(c, 7), bit(c, 6), bit(c, 5), bit(c, 4), bit(c, 3)};
}

std::uint8_t encode_module_control(const ModuleControl& c) noexcept {
  PageBytes b{};
  put_bit(b, 26, 7, c.bank_broadcast_enable);
  put_bit(b, 26, 6, c.low_power_allow_request_hw);
  put_bit(b, 26, 5, c.squelch_method_select);
  put_bit(b, 26, 4, c.low_power_request_sw);
  put_bit(b, 26, 3, c.software_reset);
  return b[26];
}

LowerPage decode_lower(const PageBytes& p) noexcept {
  LowerPage v;
  v.identifier = p[0];
  v.revision = Revision{bits(p[1], 4, 4), bits(p[1], 0, 4)};
  v.flat_memory = bit(p[2], 7);
  v.stepped_config_only = bit(p[2], 6);
  v.mci_max_speed = bits(p[2], 2, 2);
  v.auto_commissioning = bits(p[2], 0, 2);
  v.module_state = static_cast<ModuleState>(get(p, field::kModuleState));
  v.interrupt_asserted = !bit(p[3], 0);  // Interrupt bit reads 0 while IntL is asserted
  const auto f8 = p[8];
  const auto f9 = p[9];
  v.flags = ModuleFlags{bit(f8, 0), bit(f8, 1), bit(f8, 2), bit(f8, 6), bit(f8, 7), bit(f9, 0), bit(f9, 1), bit(f9, 2),
                        bit(f9, 3), bit(f9, 4), bit(f9, 5), bit(f9, 6), bit(f9, 7), p[10],      p[11]};
  v.temperature = temp_at(p, field::kTemperature.byte);
  v.vcc = vcc_at(p, field::kVcc.byte);
  v.aux1 = s16(p, 18);
  v.aux2 = s16(p, 20);
  v.aux3 = s16(p, 22);
  v.custom_monitor = u16(p, 24);
  v.control = decode_module_control(static_cast<std::uint8_t>(get(p, field::kModuleControl)));
  v.active_firmware = Revision{p[39], p[40]};
  v.fault_cause = p[41];
  v.media_type = static_cast<std::uint8_t>(get(p, field::kMediaType));
  v.application_count = read_apps(p, 86, 1, v.applications);
  v.bank_select = p[kBankSelectByte];
  v.page_select = p[kPageSelectByte];
  return v;
}

Status encode_lower(const LowerPage& v, PageBytes& p) {
  CPO_RETURN_IF_ERROR(check_max(v.revision.major, 15, "CMIS revision major"));
  CPO_RETURN_IF_ERROR(check_max(v.revision.minor, 15, "CMIS revision minor"));
  CPO_RETURN_IF_ERROR(check_max(v.mci_max_speed, 3, "MciMaxSpeed"));
  CPO_RETURN_IF_ERROR(check_max(v.auto_commissioning, 3, "AutoCommissioning"));
  CPO_RETURN_IF_ERROR(check_max(static_cast<unsigned>(v.module_state), 7, "module state"));
  PageBytes out = p;  // all-or-nothing: the caller's page changes only on success
  out[0] = v.identifier;
  out[1] = static_cast<std::uint8_t>((v.revision.major << 4) | v.revision.minor);
  put_bit(out, 2, 7, v.flat_memory);
  put_bit(out, 2, 6, v.stepped_config_only);
  put_bits(out, 2, 2, 2, v.mci_max_speed);
  put_bits(out, 2, 0, 2, v.auto_commissioning);
  CPO_RETURN_IF_ERROR(set(out, field::kModuleState, static_cast<unsigned>(v.module_state)));
  put_bit(out, 3, 0, !v.interrupt_asserted);
  const auto& f = v.flags;
  put_bit(out, 8, 0, f.state_changed);
  put_bit(out, 8, 1, f.module_firmware_fault);
  put_bit(out, 8, 2, f.datapath_firmware_fault);
  put_bit(out, 8, 6, f.cdb1_complete);
  put_bit(out, 8, 7, f.cdb2_complete);
  const bool f9[] = {f.temp_high_alarm, f.temp_low_alarm, f.temp_high_warning, f.temp_low_warning,
                     f.vcc_high_alarm,  f.vcc_low_alarm,  f.vcc_high_warning,  f.vcc_low_warning};
  for (unsigned b = 0; b < 8; ++b) put_bit(out, 9, b, f9[b]);
  out[10] = f.aux1_aux2;
  out[11] = f.aux3_custom;
  CPO_RETURN_IF_ERROR(put_temp(out, field::kTemperature.byte, v.temperature, "module temperature"));
  CPO_RETURN_IF_ERROR(put_u16_field(out, field::kVcc.byte, v.vcc.value(), kVccStep, "module Vcc", "V"));
  put_s16(out, 18, v.aux1);
  put_s16(out, 20, v.aux2);
  put_s16(out, 22, v.aux3);
  put_u16(out, 24, v.custom_monitor);
  out[26] = static_cast<std::uint8_t>((out[26] & 0x07u) | encode_module_control(v.control));
  out[39] = v.active_firmware.major;
  out[40] = v.active_firmware.minor;
  out[41] = v.fault_cause;
  CPO_RETURN_IF_ERROR(set(out, field::kMediaType, v.media_type));
  CPO_RETURN_IF_ERROR(write_apps(out, 86, 1, v.applications, v.application_count));
  out[kBankSelectByte] = v.bank_select;
  out[kPageSelectByte] = v.page_select;
  p = out;
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// Page 00h.

Page00 decode_page00(const PageBytes& p) noexcept {
  Page00 v;
  v.identifier = at(p, 128);
  v.vendor_name = ascii_at(p, 129, 16);
  v.vendor_oui = {at(p, 145), at(p, 146), at(p, 147)};
  v.part_number = ascii_at(p, 148, 16);
  v.revision = ascii_at(p, 164, 2);
  v.serial_number = ascii_at(p, 166, 16);
  v.date_code_raw = ascii_at(p, 182, 8);
  // Date code: YYMMDD digits then a 2-character lot code (CMIS 5.2 Table 8-29).
  bool digits = true;
  unsigned d[6] = {};
  for (std::size_t i = 0; i < 6; ++i) {
    const auto c = at(p, 182 + i);
    digits = digits && c >= '0' && c <= '9';
    d[i] = static_cast<unsigned>(c - '0');
  }
  if (digits) {
    DateCode date;
    date.year = static_cast<std::uint16_t>(2000 + d[0] * 10 + d[1]);
    date.month = static_cast<std::uint8_t>(d[2] * 10 + d[3]);
    date.day = static_cast<std::uint8_t>(d[4] * 10 + d[5]);
    date.lot = ascii_at(p, 188, 2);
    if (date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= 31) v.date_code = std::move(date);
  }
  v.clei = ascii_at(p, 190, 10);
  v.power_class = static_cast<std::uint8_t>(bits(at(p, 200), 5, 3) + 1);
  v.max_power_w = at(p, 201) * 0.25;
  static constexpr double kLengthScale[] = {0.1, 1.0, 10.0, 100.0};
  v.cable_length_m = bits(at(p, 202), 0, 6) * kLengthScale[bits(at(p, 202), 6, 2)];
  v.connector = at(p, 203);
  for (std::size_t i = 0; i < v.copper_attenuation_db.size(); ++i) v.copper_attenuation_db[i] = at(p, 204 + i);
  v.media_lane_unsupported = at(p, 210);
  v.cable_assembly_info = at(p, 211);
  v.media_technology = at(p, 212);
  v.checksum = at(p, 222);
  v.checksum_ok = v.checksum == checksum_of(p);
  return v;
}

Status encode_page00(const Page00& v, PageBytes& p) {
  PageBytes out = p;
  put(out, 128, v.identifier);
  CPO_RETURN_IF_ERROR(put_ascii(out, 129, 16, v.vendor_name, "vendor name"));
  for (std::size_t i = 0; i < 3; ++i) put(out, 145 + i, v.vendor_oui[i]);
  CPO_RETURN_IF_ERROR(put_ascii(out, 148, 16, v.part_number, "vendor part number"));
  CPO_RETURN_IF_ERROR(put_ascii(out, 164, 2, v.revision, "vendor revision"));
  CPO_RETURN_IF_ERROR(put_ascii(out, 166, 16, v.serial_number, "vendor serial number"));
  if (v.date_code) {
    const auto& d = *v.date_code;
    if (d.year < 2000 || d.year > 2099 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) {
      return error(Code::out_of_range,
                   fmt::format("date code {}: allowed years 2000..2099, months 1..12, days 1..31", to_string(d)));
    }
    const std::string text = fmt::format("{:02}{:02}{:02}", d.year - 2000, d.month, d.day);
    CPO_RETURN_IF_ERROR(put_ascii(out, 182, 6, text, "date code"));
    CPO_RETURN_IF_ERROR(put_ascii(out, 188, 2, d.lot, "date code lot"));
  } else {
    CPO_RETURN_IF_ERROR(put_ascii(out, 182, 8, v.date_code_raw, "date code"));
  }
  CPO_RETURN_IF_ERROR(put_ascii(out, 190, 10, v.clei, "CLEI code"));
  if (v.power_class < 1 || v.power_class > 8) {
    return error(Code::out_of_range, fmt::format("power class {}: allowed 1..8", v.power_class));
  }
  put_bits(out, 200, 5, 3, static_cast<unsigned>(v.power_class - 1));
  auto max_power = quantise(v.max_power_w, 0.25, 0, 255, "max power", "W");
  if (!max_power) return max_power.status();
  put(out, 201, static_cast<std::uint8_t>(*max_power));
  // Cable length: a scale whose product gives the length bit for bit (so decode returns the
  // same double), else the finest scale within rounding error.
  static constexpr double kLengthScale[] = {0.1, 1.0, 10.0, 100.0};
  bool placed = false;
  for (int pass = 0; pass < 2 && !placed; ++pass) {
    for (unsigned m = 0; m < 4 && !placed; ++m) {
      const double base = std::round(v.cable_length_m / kLengthScale[m]);
      if (!(base >= 0 && base <= 63)) continue;
      const double back = base * kLengthScale[m];
      if (pass == 0 ? back == v.cable_length_m : std::fabs(back - v.cable_length_m) < 1e-9 * (1 + base)) {
        put(out, 202, static_cast<std::uint8_t>((m << 6) | static_cast<unsigned>(base)));
        placed = true;
      }
    }
  }
  if (!placed) {
    return error(Code::out_of_range,
                 fmt::format("cable length {} m: allowed 0..6.3 m in 0.1 m, ..63 m in 1 m, ..630 m in 10 m or "
                             "..6300 m in 100 m steps",
                             v.cable_length_m));
  }
  put(out, 203, v.connector);
  for (std::size_t i = 0; i < v.copper_attenuation_db.size(); ++i) put(out, 204 + i, v.copper_attenuation_db[i]);
  put(out, 210, v.media_lane_unsupported);
  put(out, 211, v.cable_assembly_info);
  put(out, 212, v.media_technology);
  put(out, 222, checksum_of(out));
  p = out;
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// Page 01h.

Advertisement assumed_advertisement() noexcept { return Advertisement{}; }

Advertisement decode_page01(const PageBytes& p) noexcept {
  Advertisement v;
  v.inactive_firmware = Revision{at(p, 128), at(p, 129)};
  v.hardware = Revision{at(p, 130), at(p, 131)};
  const auto pages = at(p, 142);
  // Code 3 is reserved in CMIS 5.2; co-packaged engines of 8 banks (Broadcom Bailly) use it
  // for 8 banks, as sonic_xcvr's BaillyCodes.MAX_BANKS_SUPPORTED reads it.
  static constexpr std::uint8_t kBanks[] = {1, 2, 4, 8};
  v.banks_supported = kBanks[bits(pages, 0, 2)];
  v.page03_supported = bit(pages, 2);
  v.diagnostic_pages_supported = bit(pages, 5);
  v.vdm_pages_supported = bit(pages, 6);
  v.dp_init_duration = bits(at(p, 144), 0, 4);
  v.dp_deinit_duration = bits(at(p, 144), 4, 4);
  v.rx_power_is_average = bit(at(p, 151), 4);
  v.tx_disable_supported = bit(at(p, 155), 1);
  v.rx_disable_supported = bit(at(p, 156), 1);
  v.tx_fault_flag_supported = bit(at(p, 157), 0);
  v.tx_los_flag_supported = bit(at(p, 157), 1);
  v.tx_cdr_lol_flag_supported = bit(at(p, 157), 2);
  v.rx_los_flag_supported = bit(at(p, 158), 1);
  v.rx_cdr_lol_flag_supported = bit(at(p, 158), 2);
  const auto mods = at(p, 159);
  v.temperature_monitor = bit(mods, 0);
  v.vcc_monitor = bit(mods, 1);
  v.aux1_monitor = bit(mods, 2);
  v.aux2_monitor = bit(mods, 3);
  v.aux3_monitor = bit(mods, 4);
  v.custom_monitor = bit(mods, 5);
  const auto lanes = at(p, 160);
  v.tx_bias_monitor = bit(lanes, 0);
  v.tx_power_monitor = bit(lanes, 1);
  v.rx_power_monitor = bit(lanes, 2);
  static constexpr std::uint8_t kMultiplier[] = {1, 2, 4, 1};  // code 3 reserved: x1 (as ethtool)
  v.tx_bias_multiplier = kMultiplier[bits(lanes, 3, 2)];
  for (std::size_t i = 0; i < v.media_lane_assignment.size(); ++i) v.media_lane_assignment[i] = at(p, 176 + i);
  v.application_count = read_apps(p, 223, 9, v.applications);
  v.cdb_instances = bits(at(p, 163), 6, 2);
  v.module_pwr_up_duration = bits(at(p, 167), 0, 4);
  v.module_pwr_dn_duration = bits(at(p, 167), 4, 4);
  v.dp_tx_turn_on_duration = bits(at(p, 168), 0, 4);
  v.dp_tx_turn_off_duration = bits(at(p, 168), 4, 4);
  return v;
}

namespace {
// Lower bounds of the duration codes 0..13 in seconds (CMIS 5.2 Table 8-31).
constexpr double kDurationFloor[] = {0.0, 0.001, 0.005, 0.010, 0.050, 0.100, 0.500,
                                     1.0, 5.0,   10.0,  60.0,  300.0, 600.0, 3000.0};
constexpr std::size_t kDurationCodes = sizeof(kDurationFloor) / sizeof(kDurationFloor[0]);
}  // namespace

std::optional<DurationRange> duration_range(std::uint8_t code) noexcept {
  if (code >= kDurationCodes) return std::nullopt;
  const double max = code + 1U < kDurationCodes ? kDurationFloor[code + 1U] : std::numeric_limits<double>::infinity();
  return DurationRange{kDurationFloor[code], max};
}

std::uint8_t duration_code(double seconds) noexcept {
  std::uint8_t code = 0;
  for (std::size_t c = 1; c < kDurationCodes; ++c)
    if (seconds >= kDurationFloor[c]) code = static_cast<std::uint8_t>(c);
  return code;
}

Status encode_page01(const Advertisement& v, PageBytes& p) {
  unsigned banks_code = 0;
  switch (v.banks_supported) {
    case 1: banks_code = 0; break;
    case 2: banks_code = 1; break;
    case 4: banks_code = 2; break;
    case 8: banks_code = 3; break;
    default:
      return error(Code::out_of_range, fmt::format("banks supported {}: allowed 1, 2, 4 or 8", v.banks_supported));
  }
  unsigned mult_code = 0;
  switch (v.tx_bias_multiplier) {
    case 1: mult_code = 0; break;
    case 2: mult_code = 1; break;
    case 4: mult_code = 2; break;
    default:
      return error(Code::out_of_range, fmt::format("Tx bias multiplier {}: allowed 1, 2 or 4", v.tx_bias_multiplier));
  }
  CPO_RETURN_IF_ERROR(check_max(v.dp_init_duration, 15, "DataPathInit duration code"));
  CPO_RETURN_IF_ERROR(check_max(v.dp_deinit_duration, 15, "DataPathDeinit duration code"));
  CPO_RETURN_IF_ERROR(check_max(v.module_pwr_up_duration, 15, "ModulePwrUp duration code"));
  CPO_RETURN_IF_ERROR(check_max(v.module_pwr_dn_duration, 15, "ModulePwrDn duration code"));
  CPO_RETURN_IF_ERROR(check_max(v.dp_tx_turn_on_duration, 15, "DPTxTurnOn duration code"));
  CPO_RETURN_IF_ERROR(check_max(v.dp_tx_turn_off_duration, 15, "DPTxTurnOff duration code"));
  CPO_RETURN_IF_ERROR(check_max(v.cdb_instances, 3, "CDB instances"));  // 3 reserved, kept
  PageBytes out = p;
  put(out, 128, v.inactive_firmware.major);
  put(out, 129, v.inactive_firmware.minor);
  put(out, 130, v.hardware.major);
  put(out, 131, v.hardware.minor);
  put_bits(out, 142, 0, 2, banks_code);
  put_bit(out, 142, 2, v.page03_supported);
  put_bit(out, 142, 5, v.diagnostic_pages_supported);
  put_bit(out, 142, 6, v.vdm_pages_supported);
  put(out, 144, static_cast<std::uint8_t>((v.dp_deinit_duration << 4) | v.dp_init_duration));
  put_bit(out, 151, 4, v.rx_power_is_average);
  put_bit(out, 155, 1, v.tx_disable_supported);
  put_bit(out, 156, 1, v.rx_disable_supported);
  put_bit(out, 157, 0, v.tx_fault_flag_supported);
  put_bit(out, 157, 1, v.tx_los_flag_supported);
  put_bit(out, 157, 2, v.tx_cdr_lol_flag_supported);
  put_bit(out, 158, 1, v.rx_los_flag_supported);
  put_bit(out, 158, 2, v.rx_cdr_lol_flag_supported);
  const bool mods[] = {v.temperature_monitor, v.vcc_monitor,  v.aux1_monitor,
                       v.aux2_monitor,        v.aux3_monitor, v.custom_monitor};
  for (unsigned b = 0; b < 6; ++b) put_bit(out, 159, b, mods[b]);
  put_bit(out, 160, 0, v.tx_bias_monitor);
  put_bit(out, 160, 1, v.tx_power_monitor);
  put_bit(out, 160, 2, v.rx_power_monitor);
  put_bits(out, 160, 3, 2, mult_code);
  for (std::size_t i = 0; i < v.media_lane_assignment.size(); ++i) put(out, 176 + i, v.media_lane_assignment[i]);
  CPO_RETURN_IF_ERROR(write_apps(out, 223, 9, v.applications, v.application_count));
  put_bits(out, 163, 6, 2, v.cdb_instances);
  put(out, 167, static_cast<std::uint8_t>((v.module_pwr_dn_duration << 4) | v.module_pwr_up_duration));
  put(out, 168, static_cast<std::uint8_t>((v.dp_tx_turn_off_duration << 4) | v.dp_tx_turn_on_duration));
  p = out;
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// Page 02h.

Thresholds decode_page02(const PageBytes& p, std::uint8_t mult) noexcept {
  Thresholds t;
  t.temperature = get_thresholds<Celsius>(128, [&](std::size_t a) { return temp_at(p, a); });
  t.vcc = get_thresholds<Volts>(136, [&](std::size_t a) { return vcc_at(p, a); });
  t.tx_power = get_thresholds<Milliwatts>(176, [&](std::size_t a) { return power_at(p, a); });
  t.tx_bias = get_thresholds<Milliamps>(184, [&](std::size_t a) { return bias_at(p, a, mult); });
  t.rx_power = get_thresholds<Milliwatts>(192, [&](std::size_t a) { return power_at(p, a); });
  return t;
}

Status encode_page02(const Thresholds& t, PageBytes& p, std::uint8_t mult) {
  if (mult != 1 && mult != 2 && mult != 4) {
    return error(Code::out_of_range, fmt::format("Tx bias multiplier {}: allowed 1, 2 or 4", mult));
  }
  PageBytes out = p;
  CPO_RETURN_IF_ERROR(put_thresholds(t.temperature, 128, "temperature",
                                     [&](std::size_t a, Celsius v, const auto& f) { return put_temp(out, a, v, f); }));
  CPO_RETURN_IF_ERROR(put_thresholds(t.vcc, 136, "Vcc", [&](std::size_t a, Volts v, const auto& f) {
    return put_u16_field(out, a, v.value(), kVccStep, f, "V");
  }));
  CPO_RETURN_IF_ERROR(put_thresholds(t.tx_power, 176, "Tx power", [&](std::size_t a, Milliwatts v, const auto& f) {
    return put_u16_field(out, a, v.value(), kPowerStep, f, "mW");
  }));
  CPO_RETURN_IF_ERROR(put_thresholds(t.tx_bias, 184, "Tx bias", [&](std::size_t a, Milliamps v, const auto& f) {
    return put_u16_field(out, a, v.value(), kBiasStep * mult, f, "mA");
  }));
  CPO_RETURN_IF_ERROR(put_thresholds(t.rx_power, 192, "Rx power", [&](std::size_t a, Milliwatts v, const auto& f) {
    return put_u16_field(out, a, v.value(), kPowerStep, f, "mW");
  }));
  p = out;
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// Page 10h.

LaneControls decode_page10(const PageBytes& p) noexcept {
  LaneControls c;
  c.data_path_deinit = at(p, field::kDataPathDeinit.byte);
  c.tx_polarity_flip = at(p, 129);
  c.tx_disable = at(p, field::kOutputDisableTx.byte);
  c.tx_squelch_disable = at(p, 131);
  c.tx_force_squelch = at(p, 132);
  c.rx_polarity_flip = at(p, 137);
  c.rx_disable = at(p, field::kOutputDisableRx.byte);
  c.rx_squelch_disable = at(p, 139);
  c.apply_dp_init = at(p, field::kApplyDpInit.byte);
  c.apply_immediate = at(p, field::kApplyImmediate.byte);
  for (unsigned i = 0; i < kLanesPerBank; ++i) c.staged[i] = dp_config_at(p, field::kStagedConfig.byte_of(i));
  return c;
}

Status encode_page10(const LaneControls& c, PageBytes& p) {
  PageBytes out = p;
  put(out, field::kDataPathDeinit.byte, c.data_path_deinit);
  put(out, 129, c.tx_polarity_flip);
  put(out, field::kOutputDisableTx.byte, c.tx_disable);
  put(out, 131, c.tx_squelch_disable);
  put(out, 132, c.tx_force_squelch);
  put(out, 137, c.rx_polarity_flip);
  put(out, field::kOutputDisableRx.byte, c.rx_disable);
  put(out, 139, c.rx_squelch_disable);
  put(out, field::kApplyDpInit.byte, c.apply_dp_init);
  put(out, field::kApplyImmediate.byte, c.apply_immediate);
  for (unsigned i = 0; i < kLanesPerBank; ++i) {
    CPO_RETURN_IF_ERROR(
        put_dp_config(out, field::kStagedConfig.byte_of(i), c.staged[i], "staged control set 0", i + 1));
  }
  p = out;
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// Page 11h.

LaneStatus decode_page11(const PageBytes& p, std::uint8_t mult) noexcept {
  LaneStatus s;
  for (unsigned i = 0; i < kLanesPerBank; ++i) {
    // Lane 1 is the low nibble of byte 128, lane 2 the high nibble (CMIS 5.2 Table 8-76).
    const auto byte = at(p, field::kDataPathState.byte_of(i / 2));
    s.data_path_state[i] = static_cast<DataPathState>(bits(byte, (i % 2) * 4, 4));
    const auto cfg = at(p, 202 + i / 2);
    s.config_status[i] = static_cast<ConfigStatus>(bits(cfg, (i % 2) * 4, 4));
    s.tx_power[i] = power_at(p, field::kTxPower.byte_of(i));
    s.tx_bias[i] = bias_at(p, field::kTxBias.byte_of(i), mult);
    s.rx_power[i] = power_at(p, field::kRxPower.byte_of(i));
    s.active_config[i] = dp_config_at(p, 206 + i);
  }
  s.rx_output_status = at(p, 132);
  s.tx_output_status = at(p, 133);
  s.data_path_state_changed = at(p, field::kDataPathStateChanged.byte);
  s.tx_fault = at(p, field::kTxFault.byte);
  s.tx_los = at(p, field::kTxLos.byte);
  s.tx_cdr_lol = at(p, 137);
  s.tx_adaptive_eq_fail = at(p, 138);
  s.tx_power_flags = flags_at(p, field::kTxPowerFlags.byte);
  s.tx_bias_flags = flags_at(p, field::kTxBiasFlags.byte);
  s.rx_los = at(p, field::kRxLos.byte);
  s.rx_cdr_lol = at(p, field::kRxCdrLol.byte);
  s.rx_power_flags = flags_at(p, field::kRxPowerFlags.byte);
  s.dp_init_pending = at(p, field::kDataPathInitPending.byte);
  return s;
}

Status encode_page11(const LaneStatus& s, PageBytes& p, std::uint8_t mult) {
  if (mult != 1 && mult != 2 && mult != 4) {
    return error(Code::out_of_range, fmt::format("Tx bias multiplier {}: allowed 1, 2 or 4", mult));
  }
  PageBytes out = p;
  for (unsigned i = 0; i < kLanesPerBank; ++i) {
    const unsigned lane = i + 1;
    const auto state = static_cast<unsigned>(s.data_path_state[i]);
    const auto cfg = static_cast<unsigned>(s.config_status[i]);
    CPO_RETURN_IF_ERROR(check_max(state, 15, [&] { return fmt::format("lane {} data path state", lane); }));
    CPO_RETURN_IF_ERROR(check_max(cfg, 15, [&] { return fmt::format("lane {} config status", lane); }));
    put_bits(out, field::kDataPathState.byte_of(i / 2), (i % 2) * 4, 4, state);
    put_bits(out, 202 + i / 2, (i % 2) * 4, 4, cfg);
    CPO_RETURN_IF_ERROR(put_u16_field(
        out, field::kTxPower.byte_of(i), s.tx_power[i].value(), kPowerStep,
        [&] { return fmt::format("lane {} Tx power", lane); }, "mW"));
    CPO_RETURN_IF_ERROR(put_u16_field(
        out, field::kTxBias.byte_of(i), s.tx_bias[i].value(), kBiasStep * mult,
        [&] { return fmt::format("lane {} Tx bias", lane); }, "mA"));
    CPO_RETURN_IF_ERROR(put_u16_field(
        out, field::kRxPower.byte_of(i), s.rx_power[i].value(), kPowerStep,
        [&] { return fmt::format("lane {} Rx power", lane); }, "mW"));
    CPO_RETURN_IF_ERROR(put_dp_config(out, 206 + i, s.active_config[i], "active control set", lane));
  }
  put(out, 132, s.rx_output_status);
  put(out, 133, s.tx_output_status);
  put(out, field::kDataPathStateChanged.byte, s.data_path_state_changed);
  put(out, field::kTxFault.byte, s.tx_fault);
  put(out, field::kTxLos.byte, s.tx_los);
  put(out, 137, s.tx_cdr_lol);
  put(out, 138, s.tx_adaptive_eq_fail);
  put_flags(out, field::kTxPowerFlags.byte, s.tx_power_flags);
  put_flags(out, field::kTxBiasFlags.byte, s.tx_bias_flags);
  put(out, field::kRxLos.byte, s.rx_los);
  put(out, field::kRxCdrLol.byte, s.rx_cdr_lol);
  put_flags(out, field::kRxPowerFlags.byte, s.rx_power_flags);
  put(out, field::kDataPathInitPending.byte, s.dp_init_pending);
  p = out;
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// Single writable fields.

Status set_low_power_request(PageBytes& lower, bool low_power) noexcept {
  return set(lower, field::kLowPwrRequestSW, low_power ? 1U : 0U);
}

Status set_software_reset(PageBytes& lower, bool reset) noexcept {
  return set(lower, field::kSoftwareReset, reset ? 1U : 0U);
}

Status set_data_path_deinit(PageBytes& page10, unsigned lane, bool deinit) {
  return put_lane_bit(page10, field::kDataPathDeinit, lane, deinit, "DPDeinit");
}

Status set_tx_disable(PageBytes& page10, unsigned lane, bool disable) {
  return put_lane_bit(page10, field::kOutputDisableTx, lane, disable, "Tx disable");
}

Status set_rx_disable(PageBytes& page10, unsigned lane, bool disable) {
  return put_lane_bit(page10, field::kOutputDisableRx, lane, disable, "Rx disable");
}

Status set_staged_config(PageBytes& page10, unsigned lane, DataPathConfig config) {
  CPO_RETURN_IF_ERROR(check_lane(lane, "staged control set 0"));
  return put_dp_config(page10, field::kStagedConfig.byte_of(lane - 1), config, "staged control set 0", lane);
}

Status set_apply_dp_init(PageBytes& page10, std::uint8_t lane_mask) noexcept {
  return set(page10, field::kApplyDpInit, lane_mask);
}

Status set_apply_immediate(PageBytes& page10, std::uint8_t lane_mask) noexcept {
  return set(page10, field::kApplyImmediate, lane_mask);
}

}  // namespace cpo::cmis
