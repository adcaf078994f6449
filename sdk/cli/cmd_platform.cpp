// cpoctl platform show | impact: the topology of a profile and failure impact queries.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "cpo/sdk/switch.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;

std::string join_modes(const cpo::Platform& p) {
  std::string out;
  for (const auto& m : p.breakout_modes()) out += (out.empty() ? "" : ", ") + m.to_string();
  return out;
}

int show(const Context& ctx, const std::string& profile) {
  auto platform = cpo::Platform::resolve(profile);
  if (!platform) return fail(platform.status());
  const cpo::Platform& p = *platform;
  if (ctx.json) {
    ordered_json doc;
    doc["profile"] = p.name();
    doc["description"] = p.description();
    doc["units"] = p.units().size();
    doc["ports"] = p.ports().size();
    doc["lanes"] = p.lanes().size();
    doc["optical_engines"] = p.optical_engines().size();
    doc["banks"] = p.bank_count();
    doc["els"] = p.els_modules().size();
    doc["lasers"] = p.laser_count();
    doc["port_speed_gbps"] = p.port_speed().value();
    doc["lane_rate_gbps"] = p.lane_rate().value();
    doc["lanes_per_port"] = p.ports().front().lanes.size();
    doc["breakout_modes"] = ordered_json::array();
    for (const auto& m : p.breakout_modes()) doc["breakout_modes"].push_back(m.to_string());
    doc["default_breakout"] = p.default_breakout().to_string();
    // Only a relocating profile has the key, so standard-layout documents stay as they were.
    if (!p.els_page_map().empty()) {
      auto& map = doc["els_cmis_page_map"] = ordered_json::object();
      for (const auto& r : p.els_page_map())
        map[fmt::format("{:02X}h", r.logical)] = fmt::format("{:02X}h", r.physical);
    }
    auto& units = doc["unit_list"] = ordered_json::array();
    for (const auto& u : p.units()) {
      auto ports = p.ports_of(u.id);
      ordered_json ports_json = ordered_json::array();
      for (auto id : *ports) ports_json.push_back(id.value());
      ordered_json oes = ordered_json::array();
      for (const auto& oe : p.optical_engines()) {
        if (oe.unit == u.id) oes.push_back(oe.id.value());
      }
      units.push_back({{"id", u.id.value()}, {"name", u.name}, {"ports", ports_json}, {"optical_engines", oes}});
    }
    print_json(ctx, doc);
    return 0;
  }
  std::cout << fmt::format("{}: {} units, {} ports, {} lanes, {} OEs, {} banks, {} ELS, {} lasers\n", p.name(),
                           p.units().size(), p.ports().size(), p.lanes().size(), p.optical_engines().size(),
                           p.bank_count(), p.els_modules().size(), p.laser_count());
  if (!p.description().empty()) std::cout << "  " << p.description() << "\n";
  std::cout << fmt::format("  ports            {} x {} ({} lanes of {} each)\n", p.ports().size(),
                           cpo::to_string(p.port_speed()), p.ports().front().lanes.size(),
                           cpo::to_string(p.lane_rate()));
  std::cout << fmt::format("  breakout modes   {} (default {})\n", join_modes(p), p.default_breakout().to_string());
  std::cout << fmt::format("  optical engines  {} ({} CMIS banks of up to {} lanes)\n", p.optical_engines().size(),
                           p.bank_count(), p.lanes_per_bank());
  std::cout << fmt::format("  laser sources    {} ELS modules, {} lasers\n", p.els_modules().size(), p.laser_count());
  if (!p.els_page_map().empty()) {
    std::string pages;
    for (const auto& r : p.els_page_map())
      pages += fmt::format("{}{:02X}h at {:02X}h", pages.empty() ? "" : ", ", r.logical, r.physical);
    std::cout << fmt::format("  ELS page map     {} (ELSFP pages the modules serve elsewhere)\n", pages);
  }
  for (const auto& u : p.units()) {
    auto ports = *p.ports_of(u.id);
    std::size_t oes = 0;
    for (const auto& oe : p.optical_engines())
      if (oe.unit == u.id) ++oes;
    std::cout << fmt::format("  unit {} ({})  ports {}..{}, {} optical engines\n", u.id.value(), u.name,
                             ports.front().value(), ports.back().value(), oes);
  }
  return 0;
}

struct ImpactArgs {
  std::string profile = "cpo144";
  std::optional<std::uint32_t> els, laser, oe;
  std::string breakout;                    // every port
  std::vector<std::string> port_breakout;  // PORT=MODE
};

int impact(const Context& ctx, const ImpactArgs& args) {
  if (args.els.has_value() == args.oe.has_value()) return usage_error("give exactly one of --els or --oe");
  if (args.laser && !args.els) return usage_error("--laser needs --els");
  auto platform = cpo::Platform::resolve(args.profile);
  if (!platform) return fail(platform.status());
  const cpo::Platform& p = *platform;

  cpo::BreakoutMap breakout;
  if (!args.breakout.empty()) {
    auto mode = cpo::BreakoutMode::parse(args.breakout);
    if (!mode) return fail(mode.status());
    for (const auto& port : p.ports()) breakout[port.id] = *mode;
  }
  for (const auto& entry : args.port_breakout) {
    auto eq = entry.find('=');
    if (eq == std::string::npos)
      return usage_error(fmt::format("--port-breakout '{}': expected PORT=MODE, as 12=4x200G", entry));
    auto port = parse_unsigned(std::string_view(entry).substr(0, eq), fmt::format("--port-breakout '{}': PORT", entry),
                               0, p.ports().size() - 1);
    if (!port) return fail(port.status());
    auto mode = cpo::BreakoutMode::parse(entry.substr(eq + 1));
    if (!mode) return fail(mode.status());
    breakout[cpo::PortId(static_cast<std::uint32_t>(*port))] = *mode;
  }

  cpo::FailureDomain domain = args.oe      ? cpo::FailureDomain(cpo::OeId(*args.oe))
                              : args.laser ? cpo::FailureDomain(cpo::LaserRef{cpo::ElsId(*args.els), *args.laser})
                                           : cpo::FailureDomain(cpo::ElsId(*args.els));
  auto ports = p.impacted_ports(domain, breakout);
  if (!ports) return fail(ports.status());
  auto lanes = p.impacted_lanes(domain);
  if (!lanes) return fail(lanes.status());

  if (ctx.json) {
    ordered_json doc;
    doc["profile"] = p.name();
    doc["failure"] = cpo::to_string(domain);
    doc["ports"] = ordered_json::array();
    for (const auto& lp : *ports) {
      doc["ports"].push_back({{"port", lp.port.value()}, {"subport", lp.subport}, {"name", cpo::to_string(lp)}});
    }
    doc["lanes"] = ordered_json::array();
    for (auto lane : *lanes) doc["lanes"].push_back(lane.value());
    print_json(ctx, doc);
    return 0;
  }
  std::cout << fmt::format("{} fails: {} logical port(s) lose light ({} lanes)\n", cpo::to_string(domain),
                           ports->size(), lanes->size());
  for (const auto& lp : *ports) std::cout << "  " << cpo::to_string(lp) << "\n";
  return 0;
}

}  // namespace

void add_platform_commands(CLI::App& app, Context& ctx) {
  auto* platform = app.add_subcommand("platform", "Platform topology of a profile");
  platform->require_subcommand(1);

  auto profile = std::make_shared<std::string>("cpo144");
  auto* show_cmd =
      platform->add_subcommand("show", "Summarise the topology: units, ports, lanes, OEs, banks, ELS, lasers");
  show_cmd->add_option("--profile", *profile, "Built-in profile name (cpo144, bailly51t, davisson102t) or a JSON file")
      ->capture_default_str();
  show_cmd->add_flag("--json", ctx.json, "Print JSON");
  show_cmd->footer(examples({"cpoctl platform show", "cpoctl platform show --profile bailly51t --json",
                             "cpoctl platform show --profile ./my-switch.json"}));
  show_cmd->callback([&ctx, profile] { ctx.exit_code = show(ctx, *profile); });

  auto args = std::make_shared<ImpactArgs>();
  auto* impact_cmd = platform->add_subcommand(
      "impact", "Which logical ports lose light when an ELS, one of its lasers, or an optical engine fails");
  impact_cmd->add_option("--profile", args->profile, "Built-in profile name or a JSON file")->capture_default_str();
  auto* els = add_unsigned_option(impact_cmd, "--els", args->els, "ELS module id");
  add_unsigned_option(impact_cmd, "--laser", args->laser, "Laser index within the ELS (needs --els)");
  auto* oe = add_unsigned_option(impact_cmd, "--oe", args->oe, "Optical engine id");
  els->excludes(oe);
  impact_cmd->add_option("--breakout", args->breakout,
                         "Breakout mode of every port, e.g. 4x200G (default: the profile's)");
  impact_cmd->add_option("--port-breakout", args->port_breakout, "PORT=MODE for one port, repeatable, e.g. 12=2x400G");
  impact_cmd->add_flag("--json", ctx.json, "Print JSON");
  impact_cmd->footer(examples({"cpoctl platform impact --els 7 --laser 3 --breakout 4x200G",
                               "cpoctl platform impact --oe 5 --port-breakout 12=2x400G --json"}));
  impact_cmd->callback([&ctx, args] { ctx.exit_code = impact(ctx, *args); });
}

}  // namespace cpoctl
