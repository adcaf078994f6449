// What cpo-simd serves: one switch (--profile, --seed, --socket) or a fabric read from a
// topology file (--topology, --socket-dir). Private to sim/daemon; the file format is in
// docs/simd.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cpo/hal/status.h"

namespace cpo::simd {

struct SwitchSpec {
  std::string name;     // switch label, socket file name (DIR/<name>.sock)
  std::string profile;  // built-in name or profile file
  std::uint64_t seed = 1;
  std::string socket_path;
};

struct LinkSpec {
  std::string a, b;  // switch names
  std::uint32_t a_port = 0, b_port = 0;
  double loss_db = 1.5;
};

struct Topology {
  std::vector<SwitchSpec> switches;
  std::vector<LinkSpec> links;
};

// Parses a topology document; `origin` names it in messages; sockets go to
// `socket_dir`/<name>.sock. Errors: invalid_argument naming the entry and what is allowed
// (unknown key, missing name, duplicate name, a link to an unknown switch or a malformed
// "name:port").
Result<Topology> parse_topology(std::string_view text, std::string_view origin, const std::string& socket_dir);
// Reads and parses a topology file. Errors: not_found / io_error for the file, then as above.
Result<Topology> load_topology(const std::string& path, const std::string& socket_dir);

}  // namespace cpo::simd
