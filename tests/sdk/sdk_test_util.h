// Helpers of the facade tests: the state a refusal must leave untouched, and test profiles.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "../support/status_matchers.h"
#include "cpo/sdk/switch.h"

namespace cpo::sdk {

// Everything configurable or stateful of a switch, without clocks and counters (which move
// whenever device time passes): admin, oper, breakout, FEC, data paths, lasers, ELS presence.
inline std::string state_json(Switch& sw) {
  auto snap = sw.snapshot();
  if (!snap) return "snapshot failed: " + snap.status().to_string();
  std::string out;
  for (const auto& u : snap->units.units) {
    for (const auto& p : u.ports) {
      out += fmt::format("p{} {} {:x} {:x} {} {}\n", p.port.value(), p.subports, p.admin_mask, p.oper_mask,
                         to_string(p.fec), to_string(p.loopback));
    }
    for (const auto& l : u.lanes) {
      out += fmt::format("l{} {} {} {}\n", l.lane.value(), cmis::to_string(l.data_path_state), l.tx_enabled,
                         l.signal_detect);
    }
    for (const auto& e : u.els) out += fmt::format("e{} {} {}\n", e.els.value(), e.present, e.insert_count);
    for (const auto& l : u.lasers) {
      out += fmt::format("{} {} {} {:.2f} {}\n", to_string(l.laser), to_string(l.state), to_string(l.fault),
                         l.power_setpoint.value(), to_string(l.flags));
    }
  }
  return out;
}

// The whole snapshot as JSON: for refusals that must not even let device time pass.
inline std::string snapshot_json(Switch& sw) {
  auto snap = sw.snapshot();
  return snap ? sw.render_json(*snap) : "snapshot failed: " + snap.status().to_string();
}

// A 16-lane, one-OE profile whose second bank takes lanes 6, 7 and 10..15: ports 1 and 2
// straddle the two banks.
inline std::string write_profile_with_split_bank() {
  const auto dir = std::filesystem::temp_directory_path() / "cposdk_sdk_tests";
  std::filesystem::create_directories(dir);
  const auto path = dir / "split_bank.json";
  std::ofstream(path) << R"({
  "schema_version": 1, "name": "splitbank", "port_speed_gbps": 800, "lane_rate_gbps": 200,
  "lanes_per_bank": 8, "breakout_modes": ["2x400G", "1x800G[400G]", "4x200G"],
  "units": [{"id": 0}],
  "ports": [{"id": 0, "unit": 0, "lanes": [0, 1, 2, 3]}, {"id": 1, "unit": 0, "lanes": [4, 5, 6, 7]},
            {"id": 2, "unit": 0, "lanes": [8, 9, 10, 11]}, {"id": 3, "unit": 0, "lanes": [12, 13, 14, 15]}],
  "optical_engines": [{"id": 0, "unit": 0, "banks": [[0, 1, 2, 3, 4, 5, 8, 9], [6, 7, 10, 11, 12, 13, 14, 15]]}],
  "els": [{"id": 0, "lasers": [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]}]
})";
  return path.string();
}

}  // namespace cpo::sdk
