// What cpo-simd serves: one switch (--profile, --seed, --socket) or a fabric read from a
// topology file (--topology, --socket-dir) in the simulator's topology format
// (docs/simulator.md, "Topology files"). Private to sim/daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/hal/status.h"
#include "cpo/sim/simulator.h"

namespace cpo::simd {

struct SwitchSpec {
  std::string name;     // switch label, socket file name (DIR/<name>.sock)
  std::string profile;  // built-in name or profile file
  std::uint64_t seed = 1;
  std::optional<sim::StartState> start;  // unset: the daemon's --start
  std::string socket_path;
};

struct LinkSpec {
  std::size_t a = 0, b = 0;  // switch indexes
  std::uint32_t a_port = 0, b_port = 0;
  double loss_db = 1.5;
};

struct Topology {
  std::vector<SwitchSpec> switches;
  std::vector<LinkSpec> links;
};

// Parses a topology document ({"cposdk_topology": 1, "default_loss_db", "switches": [{"name",
// "profile", "seed", "start"}], "links": [[a, port, b, port(, loss_db)]]}); `origin` names it in
// messages; sockets go to `socket_dir`/<name>.sock, so names are limited to 1..64 characters of
// A-Z a-z 0-9 _ . - . Errors: invalid_argument naming the entry and what is allowed.
Result<Topology> parse_topology(std::string_view text, std::string_view origin, const std::string& socket_dir);
// Reads and parses a topology file. Errors: not_found / io_error for the file, then as above.
Result<Topology> load_topology(const std::string& path, const std::string& socket_dir);

}  // namespace cpo::simd
