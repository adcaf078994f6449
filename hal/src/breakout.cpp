#include "cpo/hal/breakout.h"

#include <charconv>

#include <fmt/format.h>

namespace cpo {
namespace {

// No port has more lanes than this (an 800G CPO port has 8, a 1.6T port 8 or 16): counts above
// it are typos or attacks, refused before they size anything.
constexpr std::uint32_t kMaxCount = 1024;

// Recursive-descent reader over the SONiC breakout grammar:
//   mode  := group ('+' group)*
//   group := COUNT 'x' SPEED ('[' SPEED (',' SPEED)* ']')? ('(' LANES ')')?
//   SPEED := NUMBER 'G'
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  bool accept(char c) {
    if (!at_end() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // A decimal number in 1..max (digits only: no sign, blank or leading zero).
  Result<std::uint32_t> number(std::string_view what, std::uint32_t max) {
    std::uint32_t value = 0;
    const char* begin = text_.data() + pos_;
    auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), value);
    if (end == begin) return fail(fmt::format("expected {}", what));
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && value > max))
      return fail(fmt::format("{} is too large (allowed 1..{})", what, max));
    if (ec != std::errc()) return fail(fmt::format("expected {}", what));
    if (value == 0) return fail(fmt::format("{} must be at least 1", what));
    if (*begin == '0') return fail(fmt::format("{} has a leading zero", what));
    pos_ += static_cast<std::size_t>(end - begin);
    return value;
  }
  Result<Gbps> speed() {
    // 1.6T is the fastest Ethernet port; 100000G leaves room without admitting wraparound.
    auto n = number("a speed such as 400G", 100000);
    if (!n) return n.status();
    if (!accept('G')) return fail("expected 'G' after the speed");
    return Gbps(*n);
  }
  Status fail(std::string_view expected) const {
    return error(Code::invalid_argument,
                 fmt::format("breakout mode '{}': {} at position {}", text_, expected, pos_ + 1));
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string_view to_string(FecMode mode) noexcept {
  switch (mode) {
    case FecMode::none: return "none";
    case FecMode::fc: return "fc";
    case FecMode::rs528: return "rs528";
    case FecMode::rs544: return "rs544";
  }
  return "unknown";
}

Result<FecMode> parse_fec_mode(std::string_view text) {
  if (text == "none") return FecMode::none;
  if (text == "fc") return FecMode::fc;
  if (text == "rs" || text == "rs544") return FecMode::rs544;
  if (text == "rs528") return FecMode::rs528;
  return error(Code::invalid_argument, fmt::format("fec mode '{}': allowed none, fc, rs, rs528, rs544", text));
}

Result<Gbps> parse_speed(std::string_view text) {
  Reader reader(text);
  auto speed = reader.speed();
  if (!speed) return speed.status();
  if (!reader.at_end()) return reader.fail("unexpected text after the speed");
  return speed;
}

Result<BreakoutMode> BreakoutMode::parse(std::string_view text) {
  Reader reader(text);
  BreakoutMode mode;
  do {
    BreakoutGroup group;
    auto count = reader.number("a sub-port count such as the 2 of 2x400G", kMaxCount);
    if (!count) return count.status();
    group.count = *count;
    if (!reader.accept('x')) return reader.fail("expected 'x' after the sub-port count");
    auto speed = reader.speed();
    if (!speed) return speed.status();
    group.speed = *speed;
    if (reader.accept('[')) {
      do {
        auto alt = reader.speed();
        if (!alt) return alt.status();
        group.alt_speeds.push_back(*alt);
      } while (reader.accept(','));
      if (!reader.accept(']')) return reader.fail("expected ',' or ']' in the speed list");
    }
    if (reader.accept('(')) {
      auto lanes = reader.number("a lane count", kMaxCount);
      if (!lanes) return lanes.status();
      group.lanes = *lanes;
      if (!reader.accept(')')) return reader.fail("expected ')' after the lane count");
    }
    mode.groups_.push_back(std::move(group));
  } while (reader.accept('+'));
  if (!reader.at_end()) return reader.fail("expected '+' or the end of the mode");
  if (mode.groups_.size() > 1) {
    for (const auto& group : mode.groups_) {
      if (group.lanes == 0) {
        return error(Code::invalid_argument,
                     fmt::format("breakout mode '{}': a mixed mode gives every group its lane count, "
                                 "as in 1x400G(2)+2x200G(2)",
                                 text));
      }
    }
  }
  return mode;
}

std::uint32_t BreakoutMode::subport_count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& group : groups_) n += group.count;
  return n > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(n);
}

std::string BreakoutMode::to_string() const {
  std::string out;
  for (const auto& group : groups_) {
    if (!out.empty()) out += '+';
    out += fmt::format("{}x{}G", group.count, group.speed.value());
    if (!group.alt_speeds.empty()) {
      out += '[';
      for (std::size_t i = 0; i < group.alt_speeds.size(); ++i) {
        if (i) out += ',';
        out += fmt::format("{}G", group.alt_speeds[i].value());
      }
      out += ']';
    }
    if (group.lanes) out += fmt::format("({})", group.lanes);
  }
  return out;
}

Result<std::vector<SubportLanes>> BreakoutMode::assign(std::uint32_t port_lanes, Gbps lane_rate) const {
  const std::string name = to_string();
  std::vector<SubportLanes> out;
  std::uint32_t next = 0;
  for (const auto& group : groups_) {
    const std::uint32_t lanes = group.lanes ? group.lanes : port_lanes;
    // Checked before a sub-port is laid out, in 64 bits: the port bounds every count, so a mode
    // like 1x800G(4294967295)+1x800G(5) neither wraps nor allocates.
    if (group.count == 0 || std::uint64_t{next} + lanes > port_lanes) {
      return error(Code::invalid_argument,
                   fmt::format("breakout mode '{}' needs more than the port's {} lanes", name, port_lanes));
    }
    if (lanes % group.count != 0) {
      return error(Code::invalid_argument, fmt::format("breakout mode '{}': {} lanes do not divide among {} sub-ports",
                                                       name, lanes, group.count));
    }
    const std::uint32_t per_subport = lanes / group.count;
    const std::uint64_t capacity = std::uint64_t{per_subport} * lane_rate.value();
    auto check_speed = [&](Gbps speed) -> Status {
      if (speed.value() > capacity) {
        return error(Code::invalid_argument,
                     fmt::format("breakout mode '{}': {}G needs more than {} lane(s) of {}G (at most {}G)", name,
                                 speed.value(), per_subport, lane_rate.value(), capacity));
      }
      return ok_status();
    };
    CPO_RETURN_IF_ERROR(check_speed(group.speed));
    for (Gbps alt : group.alt_speeds) CPO_RETURN_IF_ERROR(check_speed(alt));
    for (std::uint32_t i = 0; i < group.count; ++i) {
      out.push_back(SubportLanes{next, per_subport, group.speed});
      next += per_subport;
    }
  }
  if (next != port_lanes) {
    return error(Code::invalid_argument,
                 fmt::format("breakout mode '{}' uses {} lanes, but the port has {}", name, next, port_lanes));
  }
  return out;
}

}  // namespace cpo
