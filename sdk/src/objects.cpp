// The one parser of object references (objects.h) and the SONiC names.
#include "cpo/sdk/objects.h"

#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "cpo/hal/decimal.h"

namespace cpo::sdk {
namespace {

constexpr std::string_view kForms =
    "PORT (59, Ethernet236, or the profile's alias such as etp60), SUB-PORT (59/2 or its SONiC name), "
    "LANE (lane148), OE (oe5), BANK (oe5/bank1), ELS (els7), LASER (els7/3), UNIT (unit2)";

Status malformed(std::string_view text, std::string_view why) {
  return error(Code::invalid_argument,
               fmt::format("'{}' is not an object reference: {} (accepted: {})", text, why, kForms));
}

// A strict decimal (cpo/hal/decimal.h) that fits 32 bits.
std::optional<std::uint32_t> number(std::string_view s) {
  const auto v = decimal_value(s);
  if (!v || *v > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

Result<std::uint32_t> indexed(std::string_view text, std::string_view digits, std::string_view what) {
  auto n = number(digits);
  if (!n) {
    return malformed(
        text, fmt::format("'{}' after '{}' is not a decimal number (no sign, blanks or leading zeros)", digits, what));
  }
  return *n;
}

const BreakoutMode& mode_of(const Platform& platform, const BreakoutMap& breakout, PortId port) {
  auto it = breakout.find(port);
  return it != breakout.end() ? it->second : platform.default_breakout();
}

Result<ObjectRef> from_sonic_lane(std::string_view text, std::uint32_t lane_id, const Platform& platform,
                                  const BreakoutMap& breakout) {
  if (lane_id >= platform.lanes().size()) {
    return error(Code::not_found, fmt::format("{} names no port (SONiC names run Ethernet0..Ethernet{} on {})", text,
                                              platform.ports().back().lanes.front().value(), platform.name()));
  }
  const LaneInfo& lane = platform.lanes()[lane_id];
  const BreakoutMode& mode = mode_of(platform, breakout, lane.port);
  auto subs = platform.subports(lane.port, mode);
  if (!subs) return subs.status();
  for (std::uint32_t s = 0; s < subs->size(); ++s) {
    if ((*subs)[s].first != lane.index_in_port) continue;
    if (subs->size() == 1) return ObjectRef{lane.port};
    return ObjectRef{LogicalPort{lane.port, s}};
  }
  std::string names;
  const PortInfo& port = platform.ports()[lane.port.value()];
  for (const auto& sub : *subs) {
    names += names.empty() ? "" : ", ";
    names += fmt::format("Ethernet{}", port.lanes[sub.first].value());
  }
  return error(Code::not_found, fmt::format("{} is not a sub-port of port {} under its breakout {} (its sub-ports: {})",
                                            text, lane.port.value(), mode.to_string(), names));
}

Status check_port(const Platform& platform, std::uint32_t port) {
  if (port < platform.ports().size()) return ok_status();
  return error(Code::out_of_range, fmt::format("port {} does not exist (ports 0..{} on {})", port,
                                               platform.ports().size() - 1, platform.name()));
}

Result<ObjectRef> parse_one(std::string_view text, const Platform& platform, const BreakoutMap& breakout) {
  if (text.empty()) return malformed(text, "empty");
  for (const auto& port : platform.ports()) {
    if (!port.alias.empty() && port.alias == text) return ObjectRef{port.id};
  }
  const auto slash = text.find('/');
  const std::string_view head = text.substr(0, slash);
  const std::optional<std::string_view> tail =
      slash == std::string_view::npos ? std::nullopt : std::optional(text.substr(slash + 1));

  if (starts_with(head, "Ethernet")) {
    if (tail) return malformed(text, "a SONiC name takes no '/'");
    auto lane = indexed(text, head.substr(8), "Ethernet");
    if (!lane) return lane.status();
    return from_sonic_lane(text, *lane, platform, breakout);
  }
  if (starts_with(head, "lane")) {
    if (tail) return malformed(text, "a lane takes no '/'");
    auto n = indexed(text, head.substr(4), "lane");
    if (!n) return n.status();
    CPO_RETURN_IF_ERROR(platform.lane(LaneId(*n)).status());
    return ObjectRef{LaneId(*n)};
  }
  if (starts_with(head, "unit")) {
    if (tail) return malformed(text, "a unit takes no '/'");
    auto n = indexed(text, head.substr(4), "unit");
    if (!n) return n.status();
    CPO_RETURN_IF_ERROR(platform.unit(UnitId(*n)).status());
    return ObjectRef{UnitId(*n)};
  }
  if (starts_with(head, "oe")) {
    auto n = indexed(text, head.substr(2), "oe");
    if (!n) return n.status();
    auto oe = platform.optical_engine(OeId(*n));
    if (!oe) return oe.status();
    if (!tail) return ObjectRef{OeId(*n)};
    if (!starts_with(*tail, "bank")) return malformed(text, "after 'oeN/' comes 'bankB'");
    auto b = indexed(text, tail->substr(4), "bank");
    if (!b) return b.status();
    if (*b >= (*oe)->banks.size()) {
      return error(Code::out_of_range, fmt::format("oe {} bank {} does not exist (oe {} has banks 0..{})", *n, *b, *n,
                                                   (*oe)->banks.size() - 1));
    }
    return ObjectRef{OeBank{OeId(*n), BankId(*b)}};
  }
  if (starts_with(head, "els")) {
    auto n = indexed(text, head.substr(3), "els");
    if (!n) return n.status();
    auto els = platform.els(ElsId(*n));
    if (!els) return els.status();
    if (!tail) return ObjectRef{ElsId(*n)};
    auto k = indexed(text, *tail, "els N/");
    if (!k) return k.status();
    CPO_RETURN_IF_ERROR(platform.laser(LaserRef{ElsId(*n), *k}).status());
    return ObjectRef{LaserRef{ElsId(*n), *k}};
  }
  if (!head.empty() && head[0] >= '0' && head[0] <= '9') {
    auto p = number(head);
    if (!p && decimal_value(head)) {
      return error(Code::out_of_range, fmt::format("port {} does not exist (ports 0..{} on {})", head,
                                                   platform.ports().size() - 1, platform.name()));
    }
    if (!p) return malformed(text, "a port is a decimal number without sign, blanks or leading zeros");
    CPO_RETURN_IF_ERROR(check_port(platform, *p));
    if (!tail) return ObjectRef{PortId(*p)};
    auto s = number(*tail);
    if (!s) return malformed(text, "a sub-port is PORT/N with N a decimal number");
    const BreakoutMode& mode = mode_of(platform, breakout, PortId(*p));
    if (*s >= mode.subport_count()) {
      return error(Code::out_of_range, fmt::format("port {}/{} does not exist (port {} runs {}: sub-ports 0..{})", *p,
                                                   *s, *p, mode.to_string(), mode.subport_count() - 1));
    }
    return ObjectRef{LogicalPort{PortId(*p), *s}};
  }
  return malformed(text, "unknown form");
}

std::size_t object_budget(const Platform& platform) {
  return platform.ports().size() + platform.lanes().size() + platform.optical_engines().size() + platform.bank_count() +
         platform.els_modules().size() + platform.laser_count() + platform.units().size();
}

}  // namespace

std::string_view object_forms() noexcept { return kForms; }

Result<ObjectRef> parse_object(std::string_view text, const Platform& platform, const BreakoutMap& breakout) {
  return parse_one(text, platform, breakout);
}

Result<std::vector<ObjectRef>> parse_objects(std::string_view text, const Platform& platform,
                                             const BreakoutMap& breakout) {
  std::vector<ObjectRef> out;
  std::set<std::string> seen;
  const std::size_t budget = object_budget(platform);
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (item.empty()) return malformed(text, "an empty item in the list");
    const std::size_t dash = item.rfind('-');
    std::vector<std::string> names;
    if (dash == std::string_view::npos) {
      names.emplace_back(item);
    } else {
      // "<prefix>A-B": the items <prefix>A .. <prefix>B.
      const std::string_view left = item.substr(0, dash);
      const std::string_view right = item.substr(dash + 1);
      std::size_t digits = left.size();
      while (digits > 0 && left[digits - 1] >= '0' && left[digits - 1] <= '9') --digits;
      const auto a = number(left.substr(digits));
      const auto b = number(right);
      if (!a || !b) return malformed(item, "a range is <item>A-B with decimal A and B, as in 0-15 or els7/0-3");
      if (*b < *a) return malformed(item, fmt::format("the range ends ({}) before it starts ({})", *b, *a));
      // 64-bit: 0-4294967295 spans 2^32 items, which 32 bits would wrap to 0.
      const std::uint64_t span = std::uint64_t{*b} - *a + 1;
      if (span > budget) {
        return error(Code::out_of_range,
                     fmt::format("'{}' spans {} items; {} has {} objects in all", item, span, platform.name(), budget));
      }
      for (std::uint64_t k = *a; k <= *b; ++k) names.push_back(fmt::format("{}{}", left.substr(0, digits), k));
    }
    for (const auto& name : names) {
      auto ref = parse_one(name, platform, breakout);
      if (!ref) return ref.status();
      if (!seen.insert(format_object(*ref)).second) {
        return error(Code::invalid_argument,
                     fmt::format("'{}' names {} twice (each object at most once)", text, format_object(*ref)));
      }
      out.push_back(*ref);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::vector<PortId>> parse_ports(std::string_view text, const Platform& platform, const BreakoutMap& breakout) {
  auto refs = parse_objects(text, platform, breakout);
  if (!refs) return refs.status();
  std::vector<PortId> ports;
  for (const auto& ref : *refs) {
    if (const auto* p = std::get_if<PortId>(&ref)) {
      ports.push_back(*p);
    } else {
      return error(Code::invalid_argument,
                   fmt::format("{} is not a port (expected ports such as 59, Ethernet236, 0-15)", format_object(ref)));
    }
  }
  return ports;
}

Result<std::vector<LaserRef>> parse_lasers(std::string_view text, const Platform& platform) {
  auto refs = parse_objects(text, platform);
  if (!refs) return refs.status();
  std::vector<LaserRef> lasers;
  for (const auto& ref : *refs) {
    if (const auto* l = std::get_if<LaserRef>(&ref)) {
      lasers.push_back(*l);
    } else {
      return error(
          Code::invalid_argument,
          fmt::format("{} is not a laser (expected ELS/LASER such as els7/3 or els7/0-7)", format_object(ref)));
    }
  }
  return lasers;
}

std::string format_object(const ObjectRef& object) {
  return std::visit(
      [](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, PortId>) {
          return std::to_string(o.value());
        } else if constexpr (std::is_same_v<T, LogicalPort>) {
          return fmt::format("{}/{}", o.port.value(), o.subport);
        } else if constexpr (std::is_same_v<T, LaneId>) {
          return fmt::format("lane{}", o.value());
        } else if constexpr (std::is_same_v<T, OeId>) {
          return fmt::format("oe{}", o.value());
        } else if constexpr (std::is_same_v<T, OeBank>) {
          return fmt::format("oe{}/bank{}", o.oe.value(), o.bank.value());
        } else if constexpr (std::is_same_v<T, ElsId>) {
          return fmt::format("els{}", o.value());
        } else if constexpr (std::is_same_v<T, LaserRef>) {
          return fmt::format("els{}/{}", o.els.value(), o.index);
        } else {
          return fmt::format("unit{}", o.value());
        }
      },
      object);
}

Result<std::string> sonic_name(const Platform& platform, const LogicalPort& port, const BreakoutMap& breakout) {
  auto info = platform.port(port.port);
  if (!info) return info.status();
  const BreakoutMode& mode = mode_of(platform, breakout, port.port);
  auto subs = platform.subports(port.port, mode);
  if (!subs) return subs.status();
  if (port.subport >= subs->size()) {
    return error(Code::out_of_range,
                 fmt::format("{} does not exist (port {} runs {}: sub-ports 0..{})", to_string(port), port.port.value(),
                             mode.to_string(), subs->size() - 1));
  }
  return fmt::format("Ethernet{}", (*info)->lanes[(*subs)[port.subport].first].value());
}

}  // namespace cpo::sdk
