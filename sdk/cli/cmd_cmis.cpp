// cpoctl cmis decode FILE [--json]: decodes a CMIS memory dump (sfputil eeprom-hexdump,
// ethtool -m hex/raw, or a binary image; auto-detected) and prints every decodable field,
// grouped by page, with units. JSON keys are snake_case with a unit suffix (_c, _v, _mw,
// _dbm, _ma, _ghz, _w, _m) and are documented in docs/cmis.md.
// cpoctl cmis dump --oe N --bank B | --els N | --port P [--page P] [--raw-pages]: reads a
// module's pages from the device and prints them in the sfputil hexdump layout (which `cmis
// decode` reads). ELS pages are numbered as OIF-ELSFP-CMIS does (1Ah, 1Bh) on every profile;
// --raw-pages shows them where the module serves them (B0h, B1h on davisson102t), and
// `cmis decode --profile NAME` reads such a dump through the profile's page map.
// cmis read|write: raw bytes (writes to the laser controls are refused by the facade).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "cpo/sdk/cmis.h"
#include "cpo/sdk/input_file.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;
using namespace cpo::cmis;

// Lane masks become per-lane booleans; lanes are numbered module-wide (bank 1 lane 1 = 9).
bool on(std::uint8_t mask, std::size_t index) { return ((static_cast<unsigned>(mask) >> index) & 1U) != 0; }

ordered_json dbm_or_null(cpo::Milliwatts mw) {
  // 0 mW is -inf dBm, which JSON cannot carry.
  if (mw.value() <= 0) return nullptr;
  return cpo::to_dbm(mw).value();
}

template <typename T>
ordered_json thresholds(const ThresholdSet<T>& t) {
  return {{"high_alarm", t.high_alarm.value()},
          {"low_alarm", t.low_alarm.value()},
          {"high_warning", t.high_warning.value()},
          {"low_warning", t.low_warning.value()}};
}

ordered_json flag_set(const LaneFlagSet& f, std::size_t i) {
  return {{"high_alarm", on(f.high_alarm, i)},
          {"low_alarm", on(f.low_alarm, i)},
          {"high_warning", on(f.high_warning, i)},
          {"low_warning", on(f.low_warning, i)}};
}

std::string hex2(unsigned v) { return fmt::format("0x{:02x}", v); }

ordered_json lower_json(const LowerPage& l) {
  const auto& f = l.flags;
  return {
      {"identifier", hex2(l.identifier)},
      {"identifier_name", identifier_name(l.identifier)},
      {"identifier_abbreviation", identifier_abbreviation(l.identifier)},
      {"cmis_revision", to_string(l.revision)},
      {"flat_memory", l.flat_memory},
      {"stepped_config_only", l.stepped_config_only},
      {"mci_max_speed_code", l.mci_max_speed},
      {"auto_commissioning_code", l.auto_commissioning},
      {"module_state", to_string(l.module_state)},
      {"module_state_code", static_cast<unsigned>(l.module_state)},
      {"interrupt_asserted", l.interrupt_asserted},
      {"flags",
       {{"module_state_changed", f.state_changed},
        {"module_firmware_fault", f.module_firmware_fault},
        {"datapath_firmware_fault", f.datapath_firmware_fault},
        {"cdb1_complete", f.cdb1_complete},
        {"cdb2_complete", f.cdb2_complete},
        {"temperature_high_alarm", f.temp_high_alarm},
        {"temperature_low_alarm", f.temp_low_alarm},
        {"temperature_high_warning", f.temp_high_warning},
        {"temperature_low_warning", f.temp_low_warning},
        {"vcc_high_alarm", f.vcc_high_alarm},
        {"vcc_low_alarm", f.vcc_low_alarm},
        {"vcc_high_warning", f.vcc_high_warning},
        {"vcc_low_warning", f.vcc_low_warning},
        {"aux1_aux2_flags", hex2(f.aux1_aux2)},
        {"aux3_custom_flags", hex2(f.aux3_custom)}}},
      {"temperature_c", l.temperature.value()},
      {"vcc_v", l.vcc.value()},
      {"aux1_raw", l.aux1},
      {"aux2_raw", l.aux2},
      {"aux3_raw", l.aux3},
      {"custom_monitor_raw", l.custom_monitor},
      {"control",
       {{"bank_broadcast_enable", l.control.bank_broadcast_enable},
        {"low_power_allow_request_hw", l.control.low_power_allow_request_hw},
        {"squelch_method_select", l.control.squelch_method_select},
        {"low_power_request_sw", l.control.low_power_request_sw},
        {"software_reset", l.control.software_reset}}},
      {"active_firmware", to_string(l.active_firmware)},
      {"fault_cause", l.fault_cause},
      {"fault_cause_name", fault_cause_name(l.fault_cause)},
      {"media_type", hex2(l.media_type)},
      {"media_type_name", media_type_name(l.media_type)},
      {"bank_select", l.bank_select},
      {"page_select", hex2(l.page_select)},
  };
}

ordered_json page00_json(const Page00& u) {
  return {
      {"identifier", hex2(u.identifier)},
      {"identifier_name", identifier_name(u.identifier)},
      {"vendor_name", u.vendor_name},
      {"vendor_oui", fmt::format("{:02x}:{:02x}:{:02x}", u.vendor_oui[0], u.vendor_oui[1], u.vendor_oui[2])},
      {"part_number", u.part_number},
      {"revision", u.revision},
      {"serial_number", u.serial_number},
      {"date_code", u.date_code ? ordered_json(fmt::format("{:04}-{:02}-{:02}", u.date_code->year, u.date_code->month,
                                                           u.date_code->day))
                                : ordered_json(nullptr)},
      {"lot_code", u.date_code ? ordered_json(u.date_code->lot) : ordered_json(nullptr)},
      {"date_code_raw", u.date_code_raw},
      {"clei", u.clei},
      {"power_class", u.power_class},
      {"max_power_w", u.max_power_w},
      {"cable_length_m", u.cable_length_m},
      {"connector", hex2(u.connector)},
      {"connector_name", connector_name(u.connector)},
      {"copper_attenuation_db", u.copper_attenuation_db},
      {"media_lane_unsupported", hex2(u.media_lane_unsupported)},
      {"cable_assembly_info", hex2(u.cable_assembly_info)},
      {"media_technology", hex2(u.media_technology)},
      {"media_technology_name", media_technology_name(u.media_technology)},
      {"checksum", hex2(u.checksum)},
      {"checksum_ok", u.checksum_ok},
  };
}

ordered_json page01_json(const Advertisement& a) {
  return {
      {"inactive_firmware", to_string(a.inactive_firmware)},
      {"hardware_revision", to_string(a.hardware)},
      {"banks_supported", a.banks_supported},
      {"page_03h_supported", a.page03_supported},
      {"diagnostic_pages_supported", a.diagnostic_pages_supported},
      {"vdm_pages_supported", a.vdm_pages_supported},
      {"dp_init_duration_code", a.dp_init_duration},
      {"dp_deinit_duration_code", a.dp_deinit_duration},
      {"rx_power_is_average", a.rx_power_is_average},
      {"tx_disable_supported", a.tx_disable_supported},
      {"rx_disable_supported", a.rx_disable_supported},
      {"tx_fault_flag_supported", a.tx_fault_flag_supported},
      {"tx_los_flag_supported", a.tx_los_flag_supported},
      {"tx_cdr_lol_flag_supported", a.tx_cdr_lol_flag_supported},
      {"rx_los_flag_supported", a.rx_los_flag_supported},
      {"rx_cdr_lol_flag_supported", a.rx_cdr_lol_flag_supported},
      {"temperature_monitor", a.temperature_monitor},
      {"vcc_monitor", a.vcc_monitor},
      {"aux1_monitor", a.aux1_monitor},
      {"aux2_monitor", a.aux2_monitor},
      {"aux3_monitor", a.aux3_monitor},
      {"custom_monitor", a.custom_monitor},
      {"tx_bias_monitor", a.tx_bias_monitor},
      {"tx_power_monitor", a.tx_power_monitor},
      {"rx_power_monitor", a.rx_power_monitor},
      {"tx_bias_multiplier", a.tx_bias_multiplier},
  };
}

ordered_json page02_json(const Thresholds& t) {
  return {{"temperature_c", thresholds(t.temperature)},
          {"vcc_v", thresholds(t.vcc)},
          {"tx_power_mw", thresholds(t.tx_power)},
          {"tx_bias_ma", thresholds(t.tx_bias)},
          {"rx_power_mw", thresholds(t.rx_power)}};
}

ordered_json page10_json(const LaneControls& c, std::uint8_t bank) {
  ordered_json lanes = ordered_json::array();
  for (std::size_t i = 0; i < kLanesPerBank; ++i) {
    lanes.push_back({{"lane", bank * kLanesPerBank + i + 1},
                     {"data_path_deinit", on(c.data_path_deinit, i)},
                     {"tx_disable", on(c.tx_disable, i)},
                     {"rx_disable", on(c.rx_disable, i)},
                     {"tx_polarity_flip", on(c.tx_polarity_flip, i)},
                     {"rx_polarity_flip", on(c.rx_polarity_flip, i)},
                     {"tx_squelch_disable", on(c.tx_squelch_disable, i)},
                     {"tx_force_squelch", on(c.tx_force_squelch, i)},
                     {"rx_squelch_disable", on(c.rx_squelch_disable, i)},
                     {"apply_dp_init", on(c.apply_dp_init, i)},
                     {"apply_immediate", on(c.apply_immediate, i)},
                     {"staged_app_sel", c.staged[i].app_sel},
                     {"staged_data_path_id", c.staged[i].data_path_id},
                     {"staged_explicit_control", c.staged[i].explicit_control}});
  }
  return {{"lanes", lanes}};
}

ordered_json page11_json(const LaneStatus& s, std::uint8_t bank) {
  ordered_json lanes = ordered_json::array();
  for (std::size_t i = 0; i < kLanesPerBank; ++i) {
    lanes.push_back({{"lane", bank * kLanesPerBank + i + 1},
                     {"data_path_state", to_string(s.data_path_state[i])},
                     {"data_path_state_code", static_cast<unsigned>(s.data_path_state[i])},
                     {"data_path_state_changed", on(s.data_path_state_changed, i)},
                     {"rx_output_valid", on(s.rx_output_status, i)},
                     {"tx_output_valid", on(s.tx_output_status, i)},
                     {"tx_fault", on(s.tx_fault, i)},
                     {"tx_los", on(s.tx_los, i)},
                     {"tx_cdr_lol", on(s.tx_cdr_lol, i)},
                     {"tx_adaptive_eq_fail", on(s.tx_adaptive_eq_fail, i)},
                     {"rx_los", on(s.rx_los, i)},
                     {"rx_cdr_lol", on(s.rx_cdr_lol, i)},
                     {"tx_power_mw", s.tx_power[i].value()},
                     {"tx_power_dbm", dbm_or_null(s.tx_power[i])},
                     {"tx_bias_ma", s.tx_bias[i].value()},
                     {"rx_power_mw", s.rx_power[i].value()},
                     {"rx_power_dbm", dbm_or_null(s.rx_power[i])},
                     {"tx_power_flags", flag_set(s.tx_power_flags, i)},
                     {"tx_bias_flags", flag_set(s.tx_bias_flags, i)},
                     {"rx_power_flags", flag_set(s.rx_power_flags, i)},
                     {"config_status", to_string(s.config_status[i])},
                     {"active_app_sel", s.active_config[i].app_sel},
                     {"active_data_path_id", s.active_config[i].data_path_id},
                     {"active_explicit_control", s.active_config[i].explicit_control},
                     {"dp_init_pending", on(s.dp_init_pending, i)}});
  }
  return {{"lanes", lanes}};
}

ordered_json lane_list(std::uint32_t mask) {
  ordered_json out = ordered_json::array();
  for (unsigned i = 0; i < 32; ++i) {
    if ((static_cast<unsigned>(mask) >> i) & 1U) out.push_back(i + 1);
  }
  return out;
}

ordered_json page1a_json(const ElsAdvertisement& a, std::uint8_t bank) {
  ordered_json lanes = ordered_json::array();
  for (std::size_t i = 0; i < kLanesPerBank; ++i) {
    lanes.push_back({{"lane", bank * kLanesPerBank + i + 1},
                     {"enabled", on(a.lane_enable, i)},
                     {"state", to_string(a.lane_state[i])},
                     {"output_fiber_checked", on(a.output_fiber_checked, i)},
                     {"fault_code", a.fault_code[i]},
                     {"fault", els_fault_code_name(a.fault_code[i])},
                     {"warning_code", a.warning_code[i]},
                     {"warning", els_warning_code_name(a.warning_code[i])},
                     {"bias_flags", flag_set(a.bias_flags, i)},
                     {"power_flags", flag_set(a.power_flags, i)},
                     {"bias_masks", flag_set(a.bias_masks, i)},
                     {"power_masks", flag_set(a.power_masks, i)},
                     {"global_alarm_mask", on(a.global_alarm_mask, i)},
                     {"global_warning_mask", on(a.global_warning_mask, i)},
                     {"fiber", a.lane_to_fiber[i]},
                     {"frequency_ghz", a.lane_frequency_ghz[i]}});
  }
  return {{"max_optical_power_mw", a.max_optical_power.value()},
          {"min_optical_power_mw", a.min_optical_power.value()},
          {"max_bias_ma", a.max_bias.value()},
          {"min_bias_ma", a.min_bias.value()},
          {"control_mode", to_string(a.control_mode)},
          {"lane_count", a.lane_count},
          {"bias_thresholds_ma", thresholds(a.bias_thresholds)},
          {"power_thresholds_mw", thresholds(a.power_thresholds)},
          {"lane_summary_fault", a.lane_summary_fault},
          {"lane_summary_warning", a.lane_summary_warning},
          {"fault_flag_lanes", lane_list(a.lane_fault_flags)},
          {"warning_flag_lanes", lane_list(a.lane_warning_flags)},
          {"save_restore_command", hex2(a.save_restore_command)},
          {"save_restore_status", els_save_restore_status_name(a.save_restore_status)},
          {"fiber_check_power_mw", a.fiber_check_power.value()},
          {"lanes", lanes}};
}

ordered_json page1b_json(const ElsMonitors& m, std::uint8_t bank) {
  ordered_json lanes = ordered_json::array();
  for (std::size_t i = 0; i < kLanesPerBank; ++i) {
    lanes.push_back({{"lane", bank * kLanesPerBank + i + 1},
                     {"bias_setpoint_ma", m.bias_setpoint[i].value()},
                     {"power_setpoint_mw", m.power_setpoint[i].value()},
                     {"bias_ma", m.bias[i].value()},
                     {"power_mw", m.power[i].value()},
                     {"power_dbm", dbm_or_null(m.power[i])},
                     {"voltage_v", m.voltage[i].value()}});
  }
  return {{"icc_ma", m.icc.value()}, {"lanes", lanes}};
}

ordered_json module_json(const ParsedDump& dump, const Module& m) {
  ordered_json doc;
  doc["format"] = to_string(dump.format);
  ordered_json pages = ordered_json::array();
  if (dump.map.lower() != nullptr) pages.push_back("lower");
  for (const auto& up : dump.map.upper_pages()) {
    pages.push_back(is_banked(up.address.page) ? fmt::format("{:02x}h bank {}", up.address.page, up.address.bank)
                                               : fmt::format("{:02x}h", up.address.page));
  }
  doc["pages"] = pages;
  doc["lower"] = m.lower ? lower_json(*m.lower) : ordered_json(nullptr);
  ordered_json apps = ordered_json::array();
  const std::uint8_t media_type = m.lower ? m.lower->media_type : 0;
  for (std::uint8_t i = 0; i < m.application_count; ++i) {
    const auto& a = m.applications[i];
    apps.push_back({{"app_sel", a.app_sel},
                    {"host_interface", hex2(a.host_interface)},
                    {"host_interface_name", host_interface_name(a.host_interface)},
                    {"media_interface", hex2(a.media_interface)},
                    {"media_interface_name", media_interface_name(media_type, a.media_interface)},
                    {"host_lane_count", a.host_lane_count},
                    {"media_lane_count", a.media_lane_count},
                    {"host_lane_assignment", hex2(a.host_lane_assignment)},
                    {"media_lane_assignment",
                     a.media_lane_assignment ? ordered_json(hex2(*a.media_lane_assignment)) : ordered_json(nullptr)}});
  }
  doc["applications"] = apps;
  doc["page_00h"] = m.page00 ? page00_json(*m.page00) : ordered_json(nullptr);
  doc["page_01h"] = m.page01 ? page01_json(*m.page01) : ordered_json(nullptr);
  doc["advertisement_assumed"] = m.advertisement_assumed;
  doc["tx_bias_multiplier"] = m.advertisement.tx_bias_multiplier;
  doc["page_02h"] = m.page02 ? page02_json(*m.page02) : ordered_json(nullptr);
  ordered_json banks = ordered_json::array();
  for (const auto& b : m.banks) {
    ordered_json bank = {{"bank", b.bank}};
    if (b.controls) bank["page_10h"] = page10_json(*b.controls, b.bank);
    if (b.status) bank["page_11h"] = page11_json(*b.status, b.bank);
    if (b.els) bank["page_1ah"] = page1a_json(*b.els, b.bank);
    if (b.els_monitors) bank["page_1bh"] = page1b_json(*b.els_monitors, b.bank);
    banks.push_back(bank);
  }
  doc["banks"] = banks;
  return doc;
}

// ---- text rendering: the JSON document, with unit suffixes turned into units ---------------

struct UnitSuffix {
  std::string_view suffix;
  std::string_view unit;
};
constexpr UnitSuffix kUnits[] = {{"_dbm", "dBm"}, {"_mw", "mW"}, {"_ma", "mA"}, {"_ghz", "GHz"}, {"_db", "dB"},
                                 {"_c", "degC"},  {"_v", "V"},   {"_w", "W"},   {"_m", "m"}};

std::pair<std::string, std::string_view> split_unit(const std::string& key) {
  for (const auto& u : kUnits) {
    if (key.size() > u.suffix.size() && key.ends_with(u.suffix)) {
      return {key.substr(0, key.size() - u.suffix.size()), u.unit};
    }
  }
  return {key, {}};
}

std::string scalar(const ordered_json& v, std::string_view unit) {
  std::string s;
  if (v.is_null()) {
    s = "-";
  } else if (v.is_string()) {
    s = v.get<std::string>();
  } else if (v.is_number_float()) {
    s = fmt::format("{:.4f}", v.get<double>());
    // Trim trailing zeros but keep one decimal: 3.3000 -> 3.3, 0.2500 -> 0.25.
    while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  } else {
    s = v.dump();
  }
  if (!unit.empty() && !v.is_null()) s += fmt::format(" {}", unit);
  return s;
}

void render(std::ostream& out, const std::string& key, const ordered_json& v, int indent, std::string_view unit = {}) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    // Four thresholds or flags on one line read better than four lines.
    if (v.size() == 4 && v.contains("high_alarm")) {
      out << fmt::format("{}{}: high alarm {}, low alarm {}, high warning {}, low warning {}\n", pad, key,
                         scalar(v["high_alarm"], unit), scalar(v["low_alarm"], unit), scalar(v["high_warning"], unit),
                         scalar(v["low_warning"], unit));
      return;
    }
    out << pad << key << ":\n";
    for (const auto& [k, item] : v.items()) {
      auto [name, u] = split_unit(k);
      render(out, name, item, indent + 2, u);
    }
    return;
  }
  if (v.is_array() && !v.empty() && v.front().is_object()) {
    out << pad << key << ":\n";
    for (const auto& item : v) {
      const std::string label = item.contains("lane")      ? fmt::format("lane {}", item["lane"].get<unsigned>())
                                : item.contains("app_sel") ? fmt::format("ApSel {}", item["app_sel"].get<unsigned>())
                                                           : std::string("-");
      out << pad << "  " << label << ":\n";
      for (const auto& [k, field] : item.items()) {
        if (k == "lane" || k == "app_sel") continue;
        auto [name, u] = split_unit(k);
        render(out, name, field, indent + 4, u);
      }
    }
    return;
  }
  if (v.is_array()) {
    std::string items;
    for (const auto& item : v) items += (items.empty() ? "" : ", ") + scalar(item, {});
    out << fmt::format("{}{}: [{}]{}\n", pad, key, items, unit.empty() ? "" : fmt::format(" {}", unit));
    return;
  }
  out << fmt::format("{}{}: {}\n", pad, key, scalar(v, unit));
}

void print_text(const ordered_json& doc) {
  std::cout << fmt::format("CMIS dump ({}), pages: ", doc["format"].get<std::string>());
  std::string pages;
  for (const auto& p : doc["pages"]) pages += (pages.empty() ? "" : ", ") + p.get<std::string>();
  std::cout << pages << "\n";
  const std::pair<const char*, const char*> sections[] = {{"lower", "Lower page"},
                                                          {"applications", "Application advertisement"},
                                                          {"page_00h", "Page 00h (administrative)"},
                                                          {"page_01h", "Page 01h (advertising)"},
                                                          {"page_02h", "Page 02h (thresholds)"}};
  for (const auto& [key, title] : sections) {
    const auto& v = doc[key];
    std::cout << "\n" << title << ":\n";
    if (v.is_null()) {
      std::cout << "  (absent)\n";
      if (std::string_view(key) == "page_01h") {
        std::cout << fmt::format("  assumed: Tx bias multiplier x{}, one bank, no monitor advertised\n",
                                 doc["tx_bias_multiplier"].get<unsigned>());
      }
      continue;
    }
    if (v.is_array()) {
      if (v.empty()) std::cout << "  (none)\n";
      for (const auto& item : v) {
        std::cout << fmt::format(
            "  ApSel {}: host {} {} ({} lanes), media {} {} ({} lanes), host lane options {}{}\n",
            item["app_sel"].get<unsigned>(), item["host_interface"].get<std::string>(),
            item["host_interface_name"].get<std::string>(), item["host_lane_count"].get<unsigned>(),
            item["media_interface"].get<std::string>(), item["media_interface_name"].get<std::string>(),
            item["media_lane_count"].get<unsigned>(), item["host_lane_assignment"].get<std::string>(),
            item["media_lane_assignment"].is_null()
                ? std::string()
                : ", media lane options " + item["media_lane_assignment"].get<std::string>());
      }
      continue;
    }
    for (const auto& [k, item] : v.items()) {
      auto [name, u] = split_unit(k);
      render(std::cout, name, item, 2, u);
    }
  }
  for (const auto& bank : doc["banks"]) {
    const auto b = bank["bank"].get<unsigned>();
    const std::pair<const char*, const char*> banked[] = {{"page_10h", "Page 10h (lane controls)"},
                                                          {"page_11h", "Page 11h (lane status)"},
                                                          {"page_1ah", "Page 1Ah (ELSFP advertisements and controls)"},
                                                          {"page_1bh", "Page 1Bh (ELSFP set-points and monitors)"}};
    for (const auto& [key, title] : banked) {
      if (!bank.contains(key)) continue;
      std::cout << fmt::format("\n{}, bank {} (lanes {}..{}):\n", title, b, b * 8 + 1, b * 8 + 8);
      for (const auto& [k, item] : bank[key].items()) {
        auto [name, u] = split_unit(k);
        render(std::cout, name, item, 2, u);
      }
    }
  }
}

// ---- reading modules from the device ---------------------------------------------------------

// sfputil's layout: "{offset:08x} {8 bytes}  {8 bytes} |{ascii}|", sections "Lower page 0h" and
// "Upper page {page:x}h" (with cposdk's " bank N" for banked pages), upper offsets from 0x80.
std::string hexdump_page(const std::string& title, std::span<const std::uint8_t> bytes, unsigned base) {
  std::string out = title + "\n";
  for (std::size_t row = 0; row < bytes.size(); row += 16) {
    std::string hex, ascii;
    for (std::size_t i = 0; i < 16 && row + i < bytes.size(); ++i) {
      const std::uint8_t b = bytes[row + i];
      hex += fmt::format("{}{:02x}", i == 8 ? "  " : " ", b);
      ascii += (b >= 0x20 && b <= 0x7E) ? static_cast<char>(b) : '.';
    }
    out += fmt::format("{:08x}{} |{}|\n", base + row, hex, ascii);
  }
  return out;
}

struct DumpArgs {
  std::optional<std::uint32_t> oe, bank, els;
  std::string port;
  std::string page;
  bool raw_pages = false;  // the module page view (CmisPageView::physical)
};

// The dump's ELS pages under their OIF-ELSFP numbers: a page the profile's map relocates (B0h
// on davisson102t) moves to its logical number (1Ah); other pages stay. Errors:
// invalid_argument when the dump holds a page under both numbers.
cpo::Result<MemoryMap> logical_view(const MemoryMap& map, const cpo::Platform& platform) {
  MemoryMap out;
  if (const PageBytes* lower = map.lower(); lower != nullptr) out.set_lower(*lower);
  for (const auto& up : map.upper_pages()) {
    const std::uint8_t page = platform.els_logical_page(up.address.page).value_or(up.address.page);
    if (out.upper(page, up.address.bank) != nullptr || (page != up.address.page && map.upper(page, up.address.bank))) {
      return cpo::error(cpo::Code::invalid_argument,
                        fmt::format("the dump holds page {:02X}h bank {} twice: as itself and at page {:02X}h, where "
                                    "profile {} relocates it",
                                    page, up.address.bank, platform.els_page(page).value_or(page), platform.name()));
    }
    CPO_RETURN_IF_ERROR(out.set_upper(page, up.address.bank, up.bytes));
  }
  return out;
}

cpo::Result<std::uint8_t> parse_page(const std::string& text) {
  std::string t = text;
  if (t.size() > 2 && (t.rfind("0x", 0) == 0 || t.rfind("0X", 0) == 0)) t = t.substr(2);
  if (!t.empty() && (t.back() == 'h' || t.back() == 'H')) t.pop_back();
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 16);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || v > 0xFF) {
    return cpo::error(cpo::Code::invalid_argument,
                      fmt::format("page '{}': expected a hex page number 00h..FFh (11h, 0x1a, 1A)", text));
  }
  return static_cast<std::uint8_t>(v);
}

// The module and banks a dump reads, from --oe/--bank, --els or --port.
struct DumpTarget {
  std::variant<cpo::OeId, cpo::ElsId> module;
  std::vector<std::uint32_t> banks;
  std::string title;   // "oe 5 bank 1", "els 7", "port 59 (oe 4 bank 1)"
  std::string header;  // sfputil's first line, for a port: "EEPROM hexdump for port Ethernet236"
};

cpo::Result<DumpTarget> dump_target(cpo::Switch& sw, const DumpArgs& a) {
  const int given = (a.oe ? 1 : 0) + (a.els ? 1 : 0) + (a.port.empty() ? 0 : 1);
  if (given != 1)
    return cpo::error(cpo::Code::invalid_argument, "give exactly one of --oe N --bank B, --els N, --port P");
  const cpo::Platform& p = sw.platform();
  DumpTarget t;
  if (a.oe) {
    auto info = p.optical_engine(cpo::OeId(*a.oe));
    if (!info) return info.status();
    if (!a.bank) return cpo::error(cpo::Code::invalid_argument, "--oe needs --bank B (the CMIS bank, 0-based)");
    if (*a.bank >= (*info)->banks.size()) {
      return cpo::error(cpo::Code::out_of_range,
                        fmt::format("oe {} has banks 0..{}", *a.oe, (*info)->banks.size() - 1));
    }
    t.module = cpo::OeId(*a.oe);
    t.banks = {*a.bank};
    t.title = cpo::to_string(cpo::OeId(*a.oe), cpo::BankId(*a.bank));
  } else if (a.els) {
    if (a.bank) return cpo::error(cpo::Code::invalid_argument, "--bank goes with --oe; an ELS dump shows every bank");
    auto info = p.els(cpo::ElsId(*a.els));
    if (!info) return info.status();
    t.module = cpo::ElsId(*a.els);
    for (std::uint32_t b = 0; b * 8 < (*info)->lasers.size(); ++b) t.banks.push_back(b);
    t.title = cpo::to_string(cpo::ElsId(*a.els));
  } else {
    if (a.bank) return cpo::error(cpo::Code::invalid_argument, "--bank goes with --oe; --port dumps its lanes' banks");
    // The module behind a port, as ethtool -m addresses it: the OE bank(s) of its lanes.
    auto ports = ports_arg(sw, a.port);
    if (!ports) return ports.status();
    if (ports->size() != 1) return cpo::error(cpo::Code::invalid_argument, "--port takes one port");
    const auto& info = p.ports()[ports->front().value()];
    const cpo::LaneInfo& first = p.lanes()[info.lanes.front().value()];
    t.module = first.oe;
    for (auto lane : info.lanes) {
      const cpo::LaneInfo& l = p.lanes()[lane.value()];
      if (l.oe != first.oe) continue;  // a port is served by one optical engine
      if (std::find(t.banks.begin(), t.banks.end(), l.bank.value()) == t.banks.end()) t.banks.push_back(l.bank.value());
    }
    t.title = fmt::format("{} ({})", cpo::to_string(ports->front()), cpo::to_string(first.oe));
    auto map = sw.breakout_map();
    if (!map) return map.status();
    auto name = cpo::sdk::sonic_name(p, cpo::LogicalPort{ports->front(), 0}, *map);
    t.header = fmt::format("EEPROM hexdump for port {}\n", name ? *name : std::to_string(ports->front().value()));
  }
  return t;
}

int dump(const Context& ctx, const DumpArgs& a) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto target = dump_target(sw, a);
  if (!target) return fail(target.status());
  const bool is_oe = std::holds_alternative<cpo::OeId>(target->module);
  std::vector<std::uint8_t> pages;
  if (!a.page.empty()) {
    auto page = parse_page(a.page);
    if (!page) return fail(page.status());
    pages = {*page};
  } else if (is_oe) {
    pages = {0x00, 0x01, 0x02, 0x10, 0x11};
  } else {
    pages = {0x00, 0x01, 0x02};
    for (const std::uint8_t page : kElsfpPages) {
      pages.push_back(a.raw_pages ? sw.platform().els_page(page).value_or(page) : page);
    }
  }
  const auto view = a.raw_pages ? cpo::CmisPageView::physical : cpo::CmisPageView::logical;
  // sfputil names only ports in its first line; a module dump starts with its lower page.
  std::string text = target->header;
  MemoryMap map;
  PageBytes lower{};
  if (auto s = sw.read_cmis(cpo::CmisAddress{target->module, cpo::BankId(0), 0, 0, view}, lower); !s.ok())
    return fail(s);
  map.set_lower(lower);
  text += hexdump_page("Lower page 0h", lower, 0);
  for (std::uint8_t page : pages) {
    const std::vector<std::uint32_t> banks = is_banked(page) ? target->banks : std::vector<std::uint32_t>{0};
    for (std::uint32_t bank : banks) {
      PageBytes bytes{};
      auto s = sw.read_cmis(cpo::CmisAddress{target->module, cpo::BankId(bank), page, 128, view}, bytes);
      if (!s.ok()) return fail(s);
      if (auto st = map.set_upper(page, static_cast<std::uint8_t>(bank), bytes); !st.ok()) return fail(st);
      const std::string title = is_banked(page) ? fmt::format("\nUpper page {:x}h bank {}", page, bank)
                                                : fmt::format("\nUpper page {:x}h", page);
      text += hexdump_page(title, bytes, 0x80);
    }
  }
  if (ctx.json) {
    // The dump and what `cmis decode --profile` makes of it, from the same bytes.
    auto logical = logical_view(map, sw.platform());
    if (!logical) return fail(logical.status());
    auto module = decode(*logical);
    if (!module) return fail(module.status());
    ordered_json decoded = module_json(ParsedDump{DumpFormat::sfputil, map}, *module);
    print_json(ctx, {{"device", sw.uri()}, {"module", target->title}, {"hexdump", text}, {"decoded", decoded}});
  } else {
    std::cout << text;
  }
  return 0;
}

struct RawArgs {
  DumpArgs where;
  std::string page = "0";
  std::uint32_t offset = 128;
  std::uint32_t length = 1;
  std::vector<std::string> bytes;
};

cpo::Result<cpo::CmisAddress> raw_address(cpo::Switch& sw, const RawArgs& a) {
  DumpArgs w = a.where;
  if (w.oe && !w.bank) w.bank = 0;
  if (!w.port.empty())
    return cpo::error(cpo::Code::invalid_argument, "cmis read/write address a module: --oe N [--bank B] or --els N");
  auto t = dump_target(sw, w);
  if (!t) return t.status();
  auto page = parse_page(a.page);
  if (!page) return page.status();
  if (a.offset > 255) return cpo::error(cpo::Code::out_of_range, fmt::format("offset {} (allowed 0..255)", a.offset));
  std::uint32_t bank =
      std::holds_alternative<cpo::OeId>(t->module) ? t->banks.front() : (a.where.bank ? *a.where.bank : 0);
  return cpo::CmisAddress{t->module, cpo::BankId(bank), *page, static_cast<std::uint16_t>(a.offset),
                          a.where.raw_pages ? cpo::CmisPageView::physical : cpo::CmisPageView::logical};
}

cpo::Status check_span(std::uint32_t offset, std::size_t length) {
  if (length == 0 || length > 128 || (offset < 128 && offset + length > 128) || offset + length > 256) {
    return cpo::error(cpo::Code::out_of_range,
                      fmt::format("{} byte(s) at offset {}: a transfer is 1..128 bytes and stays within bytes 0..127 "
                                  "or 128..255",
                                  length, offset));
  }
  return cpo::ok_status();
}

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
  std::string out;
  for (auto b : bytes) out += fmt::format("{}{:02x}", out.empty() ? "" : " ", b);
  return out;
}

int raw_read(const Context& ctx, const RawArgs& a) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  auto address = raw_address(**dev, a);
  if (!address) return fail(address.status());
  if (auto s = check_span(a.offset, a.length); !s.ok()) return fail(s);
  std::vector<std::uint8_t> bytes(a.length);
  if (auto s = (*dev)->read_cmis(*address, bytes); !s.ok()) return fail(s);
  if (ctx.json) {
    print_json(ctx, {{"address", cpo::to_string(*address)}, {"offset", a.offset}, {"bytes", bytes}});
  } else {
    std::cout << fmt::format("{}: {}\n", cpo::to_string(*address), hex_bytes(bytes));
  }
  return 0;
}

int raw_write(const Context& ctx, const RawArgs& a) {
  std::vector<std::uint8_t> bytes;
  for (const auto& t : a.bytes) {
    std::string h = t.rfind("0x", 0) == 0 ? t.substr(2) : t;
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(h.data(), h.data() + h.size(), v, 16);
    if (h.empty() || h.size() > 2 || ec != std::errc() || ptr != h.data() + h.size()) {
      return fail(cpo::error(cpo::Code::invalid_argument, fmt::format("'{}' is not a hex byte (00..ff)", t)));
    }
    bytes.push_back(static_cast<std::uint8_t>(v));
  }
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  auto address = raw_address(**dev, a);
  if (!address) return fail(address.status());
  if (auto s = check_span(a.offset, bytes.size()); !s.ok()) return fail(s);
  if (auto s = (*dev)->write_cmis(*address, bytes); !s.ok()) return fail(s);
  if (ctx.json) {
    print_json(ctx, {{"address", cpo::to_string(*address)}, {"offset", a.offset}, {"written", bytes}});
  } else if (!ctx.quiet) {
    std::cout << fmt::format("{}: wrote {}\n", cpo::to_string(*address), hex_bytes(bytes));
  }
  return 0;
}

int decode_file(const Context& ctx, const std::string& path, const std::string& profile) {
  std::optional<cpo::Platform> platform;
  if (!profile.empty()) {
    auto p = cpo::Platform::resolve(profile);
    if (!p) return fail(p.status());
    platform = std::move(*p);
  }
  auto text = cpo::read_input_file(path, "dump file");
  if (!text) return fail(text.status());
  const std::vector<std::uint8_t> data(text->begin(), text->end());
  auto dump = parse_dump(data);
  if (!dump) return fail(dump.status().with_context(path));
  if (platform) {
    auto logical = logical_view(dump->map, *platform);
    if (!logical) return fail(logical.status().with_context(path));
    dump->map = std::move(*logical);
  }
  auto module = decode(dump->map);
  if (!module) return fail(module.status().with_context(path));
  const ordered_json doc = module_json(*dump, *module);
  if (ctx.json) {
    print_json(ctx, doc);
  } else {
    print_text(doc);
  }
  return 0;
}

}  // namespace

void add_cmis_commands(CLI::App& app, Context& ctx) {
  auto* cmis = app.add_subcommand("cmis", "CMIS memory maps of optical engines and laser sources");
  cmis->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto profile = std::make_shared<std::string>();
  auto* decode_cmd = cmis->add_subcommand(
      "decode", "Decode a CMIS dump: sfputil eeprom-hexdump, ethtool -m hex/raw output or a binary image");
  decode_cmd->add_option("FILE", *file, "The dump file (format detected from its content)")->required();
  decode_cmd->add_option("--profile", *profile,
                         "Read ELS pages through this profile's page map (a dump of a module with relocated "
                         "ELSFP pages, such as `cmis dump --raw-pages` on davisson102t): built-in name or file");
  decode_cmd->add_flag("--json", ctx.json, "Print JSON");
  decode_cmd->footer(examples({"cpoctl cmis decode module.txt",
                               "cpoctl cmis dump --oe 5 --bank 1 > oe5.txt && cpoctl cmis decode oe5.txt",
                               "cpoctl cmis decode --profile davisson102t els3-raw.txt"}));
  decode_cmd->callback([&ctx, file, profile] { ctx.exit_code = decode_file(ctx, *file, *profile); });

  auto d = std::make_shared<DumpArgs>();
  auto* dump_cmd = cmis->add_subcommand(
      "dump", "Read a module's CMIS pages from the device and print them in the sfputil hexdump layout");
  add_unsigned_option(dump_cmd, "--oe", d->oe, "Optical engine id (with --bank)");
  add_unsigned_option(dump_cmd, "--bank", d->bank, "CMIS bank of the optical engine (0-based)");
  add_unsigned_option(dump_cmd, "--els", d->els, "ELS module id (every bank)");
  dump_cmd->add_option("--port", d->port,
                       "A port: the optical-engine bank(s) of its lanes, as ethtool -m addresses it");
  dump_cmd->add_option("--page", d->page, "Only this upper page (hex: 11h, 0x1a), after the lower page");
  dump_cmd->add_flag("--raw-pages", d->raw_pages,
                     "ELS pages where the module serves them (the profile's els_cmis_page_map: B0h, B1h on "
                     "davisson102t) instead of their OIF-ELSFP numbers; --page is then a module page");
  dump_cmd->add_flag("--json", ctx.json, "Print the dump and its decoded fields as JSON");
  dump_cmd->footer(examples({"cpoctl cmis dump --oe 5 --bank 1", "cpoctl cmis dump --els 7 --page 1a",
                             "cpoctl cmis dump --port Ethernet236 > port59.txt && cpoctl cmis decode port59.txt",
                             "cpoctl --device sim://davisson102t cmis dump --els 3 --raw-pages > els3-raw.txt"}));
  dump_cmd->callback([&ctx, d] { ctx.exit_code = dump(ctx, *d); });

  auto r = std::make_shared<RawArgs>();
  auto* read_cmd = cmis->add_subcommand("read", "Read raw bytes (at most 128, not across byte 128)");
  add_unsigned_option(read_cmd, "--oe", r->where.oe, "Optical engine id");
  add_unsigned_option(read_cmd, "--bank", r->where.bank, "CMIS bank (default 0)");
  add_unsigned_option(read_cmd, "--els", r->where.els, "ELS module id");
  read_cmd->add_option("--page", r->page, "Upper page (hex)")->capture_default_str();
  read_cmd->add_flag("--raw-pages", r->where.raw_pages,
                     "--page is the module's own page (an ELS page relocated by the profile: B0h on davisson102t)");
  add_unsigned_option(read_cmd, "--offset", r->offset, "First byte, 0..255", 0, 255);
  add_unsigned_option(read_cmd, "--length", r->length, "Bytes to read, 1..128", 1, 128);
  read_cmd->footer(examples({"cpoctl cmis read --els 7 --page 1a --offset 128 --length 8",
                             "cpoctl cmis read --oe 5 --bank 1 --page 11 --offset 128 --length 4"}));
  read_cmd->callback([&ctx, r] { ctx.exit_code = raw_read(ctx, *r); });

  auto w = std::make_shared<RawArgs>();
  auto* write_cmd = cmis->add_subcommand(
      "write", "Write raw bytes (writes that change laser controls are refused: use the laser commands)");
  add_unsigned_option(write_cmd, "--oe", w->where.oe, "Optical engine id");
  add_unsigned_option(write_cmd, "--bank", w->where.bank, "CMIS bank (default 0)");
  add_unsigned_option(write_cmd, "--els", w->where.els, "ELS module id");
  write_cmd->add_option("--page", w->page, "Upper page (hex)")->capture_default_str();
  add_unsigned_option(write_cmd, "--offset", w->offset, "First byte, 0..255", 0, 255);
  write_cmd->add_option("BYTES", w->bytes, "Hex bytes: 01 ff 0x3c")->required();
  write_cmd->footer(examples({"cpoctl cmis write --els 7 --page 1a --offset 198 01"}));
  write_cmd->callback([&ctx, w] { ctx.exit_code = raw_write(ctx, *w); });
}

}  // namespace cpoctl
