// The smallest useful platform profile, for tests that write or corrupt a profile document:
// two units of two 4-lane ports each, one OE per unit with one 8-lane bank, one ELS of four
// lasers (one per port).
#pragma once

#include <string_view>

namespace cpo::testing {

inline constexpr std::string_view kTinyProfileJson = R"({
    "schema_version": 1, "name": "tiny", "description": "test",
    "port_speed_gbps": 800, "lane_rate_gbps": 200, "lanes_per_bank": 8,
    "breakout_modes": ["1x800G", "2x400G", "4x200G"],
    "units": [{"id": 0, "name": "a"}, {"id": 1}],
    "ports": [{"id": 0, "unit": 0, "lanes": [0, 1, 2, 3]}, {"id": 1, "unit": 0, "lanes": [4, 5, 6, 7]},
              {"id": 2, "unit": 1, "lanes": [8, 9, 10, 11]}, {"id": 3, "unit": 1, "lanes": [12, 13, 14, 15]}],
    "optical_engines": [{"id": 0, "unit": 0, "banks": [[0, 1, 2, 3, 4, 5, 6, 7]]},
                        {"id": 1, "unit": 1, "banks": [[8, 9, 10, 11, 12, 13, 14, 15]]}],
    "els": [{"id": 0, "lasers": [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]}]
  })";

}  // namespace cpo::testing
