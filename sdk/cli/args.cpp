// Object, duration and number arguments, through the SDK's one object parser (objects.h).
#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "commands.h"
#include "cpo/sdk/decimal.h"

namespace cpoctl {
namespace {

std::string_view kind_of(const cpo::sdk::ObjectRef& o) {
  static constexpr std::string_view kKinds[] = {"a port",     "a sub-port", "a lane",  "an optical engine",
                                                "an OE bank", "an ELS",     "a laser", "a unit"};
  return o.index() < std::size(kKinds) ? kKinds[o.index()] : "an object";
}

cpo::Status wrong_kind(const cpo::sdk::ObjectRef& o, std::string_view expected) {
  return cpo::error(cpo::Code::invalid_argument,
                    fmt::format("'{}' is {}; expected {}", cpo::sdk::format_object(o), kind_of(o), expected));
}

cpo::Result<std::vector<cpo::sdk::ObjectRef>> objects(cpo::Switch& sw, const std::string& text) {
  auto map = sw.breakout_map();
  if (!map) return map.status();
  return cpo::sdk::parse_objects(text, sw.platform(), *map);
}

}  // namespace

std::string examples(std::initializer_list<std::string_view> lines) {
  std::string out = "Examples:";
  for (auto l : lines) out += fmt::format("\n  {}", l);
  return out;
}

cpo::Result<std::vector<cpo::PortId>> ports_arg(cpo::Switch& sw, const std::string& text) {
  if (text.empty()) {
    std::vector<cpo::PortId> all;
    for (const auto& p : sw.platform().ports()) all.push_back(p.id);
    return all;
  }
  auto map = sw.breakout_map();
  if (!map) return map.status();
  return cpo::sdk::parse_ports(text, sw.platform(), *map);
}

cpo::Result<std::vector<cpo::sdk::ObjectRef>> port_objects_arg(cpo::Switch& sw, const std::string& text) {
  auto list = objects(sw, text);
  if (!list) return list.status();
  for (const auto& o : *list) {
    if (!std::holds_alternative<cpo::PortId>(o) && !std::holds_alternative<cpo::LogicalPort>(o))
      return wrong_kind(o, "ports or sub-ports (59, 59/2, Ethernet236, 0-15)");
  }
  return list;
}

cpo::Result<std::vector<cpo::LaneId>> lanes_arg(cpo::Switch& sw, const std::string& text) {
  const cpo::Platform& p = sw.platform();
  std::vector<cpo::LaneId> out;
  if (text.empty()) {
    for (const auto& l : p.lanes()) out.push_back(l.id);
    return out;
  }
  auto list = objects(sw, text);
  if (!list) return list.status();
  auto map = sw.breakout_map();
  if (!map) return map.status();
  for (const auto& o : *list) {
    if (const auto* lane = std::get_if<cpo::LaneId>(&o)) {
      out.push_back(*lane);
    } else if (const auto* port = std::get_if<cpo::PortId>(&o)) {
      for (auto l : p.ports()[port->value()].lanes) out.push_back(l);
    } else if (const auto* lp = std::get_if<cpo::LogicalPort>(&o)) {
      const cpo::BreakoutMode& mode = map->count(lp->port) != 0 ? map->at(lp->port) : p.default_breakout();
      auto subs = p.subports(lp->port, mode);
      if (!subs) return subs.status();
      if (lp->subport >= subs->size()) return wrong_kind(o, "lanes");
      const auto& sub = (*subs)[lp->subport];
      for (std::uint32_t k = 0; k < sub.count; ++k) out.push_back(p.ports()[lp->port.value()].lanes[sub.first + k]);
    } else {
      return wrong_kind(o, "lanes (lane148, lane0-7) or ports");
    }
  }
  return out;
}

cpo::Result<std::vector<cpo::OeId>> oes_arg(cpo::Switch& sw, const std::string& text) {
  std::vector<cpo::OeId> out;
  if (text.empty()) {
    for (const auto& oe : sw.platform().optical_engines()) out.push_back(oe.id);
    return out;
  }
  auto list = objects(sw, text);
  if (!list) return list.status();
  for (const auto& o : *list) {
    if (const auto* oe = std::get_if<cpo::OeId>(&o)) {
      out.push_back(*oe);
    } else if (const auto* bank = std::get_if<cpo::OeBank>(&o)) {
      out.push_back(bank->oe);
    } else {
      return wrong_kind(o, "optical engines (oe5, oe0-3)");
    }
  }
  return out;
}

cpo::Result<std::vector<cpo::ElsId>> els_arg(cpo::Switch& sw, const std::string& text) {
  std::vector<cpo::ElsId> out;
  if (text.empty()) {
    for (const auto& e : sw.platform().els_modules()) out.push_back(e.id);
    return out;
  }
  auto list = objects(sw, text);
  if (!list) return list.status();
  for (const auto& o : *list) {
    if (const auto* e = std::get_if<cpo::ElsId>(&o)) {
      out.push_back(*e);
    } else {
      return wrong_kind(o, "ELS modules (els7, els0-3)");
    }
  }
  return out;
}

cpo::Result<std::vector<cpo::LaserRef>> lasers_arg(cpo::Switch& sw, const std::string& text) {
  const cpo::Platform& p = sw.platform();
  std::vector<cpo::LaserRef> out;
  if (text.empty()) {
    for (const auto& e : p.els_modules())
      for (const auto& l : e.lasers) out.push_back(l.ref);
    return out;
  }
  auto list = objects(sw, text);
  if (!list) return list.status();
  for (const auto& o : *list) {
    if (const auto* l = std::get_if<cpo::LaserRef>(&o)) {
      out.push_back(*l);
    } else if (const auto* e = std::get_if<cpo::ElsId>(&o)) {
      for (const auto& info : p.els_modules()[e->value()].lasers) out.push_back(info.ref);
    } else {
      return wrong_kind(o, "lasers (els7/3, els7/0-3) or ELS modules");
    }
  }
  return out;
}

cpo::Result<cpo::LaserRef> laser_arg(cpo::Switch& sw, const std::string& text) {
  auto o = sw.resolve(text);
  if (!o) return o.status();
  if (const auto* l = std::get_if<cpo::LaserRef>(&*o)) return *l;
  return wrong_kind(*o, "one laser (ELS/LASER, e.g. els7/3)");
}

cpo::Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    double ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double scale = 1e9;
  std::string_view number = text;
  for (const auto& u : kUnits) {
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      const std::string_view rest = text.substr(0, text.size() - u.suffix.size());
      // "5ms" ends with "s" too: take the longest suffix that leaves a number.
      if (!rest.empty() && (std::isdigit(static_cast<unsigned char>(rest.back())) != 0 || rest.back() == '.')) {
        scale = u.ns;
        number = rest;
        break;
      }
    }
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || ptr != number.data() + number.size() || !(value >= 0) || !std::isfinite(value) ||
      value * scale > 1e18) {
    return cpo::error(cpo::Code::invalid_argument,
                      fmt::format("'{}' is not a duration (examples: 5s, 100ms, 2m, 1h, 250us, 1.5)", text));
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(value * scale)));
}

cpo::Result<double> parse_number(std::string_view text, std::string_view what) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    return cpo::error(cpo::Code::invalid_argument,
                      fmt::format("{} '{}' is not a finite decimal number (such as 3, -1.5 or 2e-3)", what, text));
  }
  return value;
}

namespace {

// The option's name as users type it ("--els"), for messages.
std::string option_name(const std::string& name) {
  const auto comma = name.rfind(',');
  return comma == std::string::npos ? name : name.substr(comma + 1);
}

// An option whose text goes through `parse(text, shown)` (a cpo::Result) and, when valid,
// into `store(value)`; a refusal becomes InvalidOptionValue, which main() maps to exit 3.
template <typename Parse, typename Store>
CLI::Option* add_parsed_option(CLI::App* app, const std::string& name, const std::string& description, const char* type,
                               Parse parse, Store store) {
  const std::string shown = option_name(name);
  return app
      ->add_option_function<std::string>(
          name,
          [shown, parse, store](const std::string& text) {
            auto v = parse(text, shown);
            if (!v) throw InvalidOptionValue(v.status());
            store(*v);
          },
          description)
      ->type_name(type);
}

}  // namespace

cpo::Result<std::uint64_t> parse_unsigned(std::string_view text, std::string_view what, std::uint64_t min,
                                          std::uint64_t max) {
  return cpo::parse_decimal(text, what, min, max);
}

cpo::Result<std::int64_t> parse_signed(std::string_view text, std::string_view what, std::int64_t min,
                                       std::int64_t max) {
  return cpo::parse_signed_decimal(text, what, min, max);
}

CLI::Option* add_unsigned_option(CLI::App* app, const std::string& name, std::optional<std::uint32_t>& target,
                                 const std::string& description, std::uint32_t max) {
  return add_parsed_option(
      app, name, description, "UINT",
      [max](std::string_view t, std::string_view w) { return parse_unsigned(t, w, 0, max); },
      [&target](std::uint64_t v) { target = static_cast<std::uint32_t>(v); });
}

CLI::Option* add_unsigned_option(CLI::App* app, const std::string& name, std::uint32_t& target,
                                 const std::string& description, std::uint32_t min, std::uint32_t max) {
  return add_parsed_option(
             app, name, description, "UINT",
             [min, max](std::string_view t, std::string_view w) { return parse_unsigned(t, w, min, max); },
             [&target](std::uint64_t v) { target = static_cast<std::uint32_t>(v); })
      ->default_str(std::to_string(target));
}

CLI::Option* add_unsigned_option(CLI::App* app, const std::string& name, std::optional<std::uint64_t>& target,
                                 const std::string& description, std::uint64_t min, std::uint64_t max) {
  return add_parsed_option(
      app, name, description, "UINT",
      [min, max](std::string_view t, std::string_view w) { return parse_unsigned(t, w, min, max); },
      [&target](std::uint64_t v) { target = v; });
}

CLI::Option* add_decimal_option(CLI::App* app, const std::string& name, std::optional<double>& target,
                                const std::string& description) {
  return add_parsed_option(
      app, name, description, "NUMBER", [](std::string_view t, std::string_view w) { return parse_number(t, w); },
      [&target](double v) { target = v; });
}

CLI::Option* add_signed_option(CLI::App* app, const std::string& name, std::optional<int>& target,
                               const std::string& description, int min, int max) {
  return add_parsed_option(
      app, name, description, "INT",
      [min, max](std::string_view t, std::string_view w) { return parse_signed(t, w, min, max); },
      [&target](std::int64_t v) { target = static_cast<int>(v); });
}

}  // namespace cpoctl
