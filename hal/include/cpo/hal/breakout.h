// Port speeds, FEC modes and breakout modes, spelled the way SONiC spells them.
//
// A breakout mode splits a port's lanes into sub-ports: "1x800G[400G]" (one sub-port at
// 800G that may also run at 400G), "2x400G", "4x200G", "8x100G", or a mix whose groups
// give their lane counts in parentheses: "1x400G(2)+2x200G(2)". Lanes are assigned to
// sub-ports in order, group by group.
//
// Thread safety: plain values; all functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/hal/status.h"
#include "cpo/hal/units.h"

namespace cpo {

// Forward error correction. SONiC names: "none", "fc" (BASE-R), "rs" (RS(528,514) at
// 25G/lane rates, RS(544,514) on PAM4 lanes); cposdk spells the RS variants out.
enum class FecMode { none, fc, rs528, rs544 };

std::string_view to_string(FecMode mode) noexcept;
// Accepts "none", "fc", "rs528", "rs544" and SONiC's "rs" (read as rs544, the only RS
// code defined for 100G and 200G PAM4 lanes).
Result<FecMode> parse_fec_mode(std::string_view text);

// Parses "800G", "400G", "100G" (a positive whole number of Gb/s followed by G).
Result<Gbps> parse_speed(std::string_view text);

struct BreakoutGroup {
  std::uint32_t count = 0;       // sub-ports in this group
  Gbps speed;                    // native speed of each sub-port
  std::vector<Gbps> alt_speeds;  // further speeds each sub-port supports ([...])
  std::uint32_t lanes = 0;       // lanes used by the whole group; 0 = every lane of the port
  friend bool operator==(const BreakoutGroup&, const BreakoutGroup&) = default;
};

// The lanes of one sub-port, as indexes within the port (0 = the port's first lane).
struct SubportLanes {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  Gbps speed;
  friend bool operator==(const SubportLanes&, const SubportLanes&) = default;
};

class BreakoutMode {
 public:
  // Parses a SONiC breakout spelling. Errors: invalid_argument naming the position and
  // what was expected there.
  static Result<BreakoutMode> parse(std::string_view text);

  [[nodiscard]] const std::vector<BreakoutGroup>& groups() const noexcept { return groups_; }
  [[nodiscard]] std::uint32_t subport_count() const noexcept;
  // The canonical spelling; parse(to_string()) gives an equal mode.
  [[nodiscard]] std::string to_string() const;

  // Lays the sub-ports out on a port of `port_lanes` lanes running at `lane_rate` each.
  // Errors: invalid_argument when the groups do not use exactly the port's lanes, when a
  // group's lanes do not divide evenly among its sub-ports, or when a speed exceeds what
  // its lanes can carry; the message names the mode, the port width and the limit.
  [[nodiscard]] Result<std::vector<SubportLanes>> assign(std::uint32_t port_lanes, Gbps lane_rate) const;

  friend bool operator==(const BreakoutMode&, const BreakoutMode&) = default;

 private:
  std::vector<BreakoutGroup> groups_;
};

}  // namespace cpo
