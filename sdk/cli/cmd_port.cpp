// cpoctl port show|set|breakout and lane show|fir|prbs: the front-panel ports and their
// SerDes lanes, as SONiC's `show interfaces` and mlxlink present them.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "commands.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;

std::string admin_summary(std::uint32_t mask, std::uint32_t subports) {
  const auto up = static_cast<unsigned>(std::popcount(mask & ((subports >= 32 ? 0u : (1u << subports)) - 1u)));
  if (up == 0) return "down";
  if (up == subports) return "up";
  return fmt::format("up {}/{}", up, subports);
}

ordered_json state_list(std::uint32_t mask, std::uint32_t subports) {
  ordered_json out = ordered_json::array();
  for (std::uint32_t s = 0; s < subports; ++s) out.push_back(((mask >> s) & 1u) != 0 ? "up" : "down");
  return out;
}

struct PortRow {
  const cpo::PortTelemetry* port = nullptr;
  double rx_min_mw = INFINITY;
  double rx_max_mw = -INFINITY;
  double ber = 0;
};

// ------------------------------------------------------------------------------ port show

int port_show(const Context& ctx, const std::string& which) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  const cpo::Platform& p = sw.platform();
  std::vector<cpo::PortId> ports;
  if (which.empty()) {
    for (const auto& info : p.ports()) ports.push_back(info.id);
  } else {
    auto objs = port_objects_arg(sw, which);
    if (!objs) return fail(objs.status());
    std::set<cpo::PortId> seen;
    for (const auto& o : *objs) {
      const cpo::PortId id =
          std::holds_alternative<cpo::PortId>(o) ? std::get<cpo::PortId>(o) : std::get<cpo::LogicalPort>(o).port;
      if (seen.insert(id).second) ports.push_back(id);
    }
  }
  auto snap = sw.snapshot();
  if (!snap) return fail(snap.status());
  auto map = sw.breakout_map();
  if (!map) return fail(map.status());
  std::vector<PortRow> rows(p.ports().size());
  std::vector<const cpo::LaneTelemetry*> lanes(p.lanes().size(), nullptr);
  for (const auto& u : snap->units.units) {
    for (const auto& t : u.ports) rows[t.port.value()].port = &t;
    for (const auto& l : u.lanes) lanes[l.lane.value()] = &l;
  }
  for (auto id : ports) {
    PortRow& r = rows[id.value()];
    for (auto lane : p.ports()[id.value()].lanes) {
      const cpo::LaneTelemetry* l = lanes[lane.value()];
      if (l == nullptr) continue;
      r.rx_min_mw = std::min(r.rx_min_mw, l->rx_power.value());
      r.rx_max_mw = std::max(r.rx_max_mw, l->rx_power.value());
      r.ber = std::max(r.ber, l->pre_fec_ber);
    }
  }
  const auto& modes = p.breakout_modes();
  auto mode_of = [&](const cpo::PortTelemetry& t) {
    return t.breakout < modes.size() ? modes[t.breakout].to_string() : std::string("?");
  };
  auto name_of = [&](cpo::PortId id) {
    auto n = cpo::sdk::sonic_name(p, cpo::LogicalPort{id, 0}, *map);
    return n ? *n : std::string("-");
  };
  // MTU of the port's first sub-port, when the backend has port MTU.
  const bool has_mtu = sw.capabilities().mtu;
  auto mtu_of = [&](cpo::PortId id) -> std::optional<std::uint32_t> {
    if (!has_mtu) return std::nullopt;
    auto m = sw.mtu(cpo::LogicalPort{id, 0});
    return m ? std::optional<std::uint32_t>(*m) : std::nullopt;
  };
  if (ctx.json) {
    ordered_json doc;
    doc["device"] = sw.uri();
    doc["ports"] = ordered_json::array();
    for (auto id : ports) {
      const PortRow& r = rows[id.value()];
      if (r.port == nullptr) continue;
      const cpo::PortTelemetry& t = *r.port;
      ordered_json subs = ordered_json::array();
      for (std::uint32_t s = 0; s < t.subports; ++s) {
        auto n = cpo::sdk::sonic_name(p, cpo::LogicalPort{id, s}, *map);
        subs.push_back(n ? *n : std::string());
      }
      doc["ports"].push_back(
          {{"port", id.value()},
           {"name", name_of(id)},
           {"alias", p.ports()[id.value()].alias},
           {"subports", t.subports},
           {"subport_names", subs},
           {"breakout", mode_of(t)},
           {"admin", std::string(cpo::to_string(t.admin()))},
           {"oper", std::string(cpo::to_string(t.oper()))},
           {"admin_subports", state_list(t.admin_mask, t.subports)},
           {"oper_subports", state_list(t.oper_mask, t.subports)},
           {"speed_gbps", t.subport_speed.value()},
           {"fec", std::string(cpo::to_string(t.fec))},
           {"rx_power_min_dbm", r.rx_min_mw > 0 ? number_or_null(cpo::to_dbm(cpo::Milliwatts(r.rx_min_mw)).value())
                                                : ordered_json(nullptr)},
           {"rx_power_max_dbm", r.rx_max_mw > 0 ? number_or_null(cpo::to_dbm(cpo::Milliwatts(r.rx_max_mw)).value())
                                                : ordered_json(nullptr)},
           {"pre_fec_ber", r.ber},
           {"down_cause", std::string(cpo::to_string(t.down_cause))},
           {"faults", cpo::to_string(t.faults)},
           {"mtu", mtu_of(id) ? ordered_json(*mtu_of(id)) : ordered_json(nullptr)}});
    }
    print_json(ctx, doc);
    return 0;
  }
  std::vector<std::string> header{"PORT",  "NAME", "SUB-PORTS",  "BREAKOUT",   "ADMIN",      "OPER",
                                  "SPEED", "FEC",  "RX MIN dBm", "RX MAX dBm", "PRE-FEC BER"};
  if (has_mtu) header.emplace_back("MTU");
  Table table(header);
  for (auto id : ports) {
    const PortRow& r = rows[id.value()];
    if (r.port == nullptr) continue;
    const cpo::PortTelemetry& t = *r.port;
    std::vector<std::string> row{std::to_string(id.value()),
                                 name_of(id),
                                 std::to_string(t.subports),
                                 mode_of(t),
                                 admin_summary(t.admin_mask, t.subports),
                                 admin_summary(t.oper_mask, t.subports),
                                 cpo::to_string(t.subport_speed),
                                 std::string(cpo::to_string(t.fec)),
                                 dbm_text(cpo::Milliwatts(r.rx_min_mw)),
                                 dbm_text(cpo::Milliwatts(r.rx_max_mw)),
                                 sci(r.ber)};
    if (has_mtu) row.push_back(mtu_of(id) ? std::to_string(*mtu_of(id)) : "-");
    table.add(std::move(row));
  }
  table.print();
  return 0;
}

// ------------------------------------------------------------------------------ port set

struct SetArgs {
  std::string ports, field, value;
};

int port_set(const Context& ctx, const SetArgs& a) {
  if (a.field != "admin" && a.field != "fec" && a.field != "mtu") {
    return usage_error(fmt::format("port set PORTS {}: expected 'admin up|down', 'fec MODE' or 'mtu BYTES'", a.field));
  }
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  ordered_json done = ordered_json::array();
  if (a.field == "admin") {
    cpo::AdminState state{};
    if (a.value == "up") {
      state = cpo::AdminState::up;
    } else if (a.value == "down") {
      state = cpo::AdminState::down;
    } else {
      return fail(
          cpo::error(cpo::Code::invalid_argument, fmt::format("admin state '{}' (allowed: up, down)", a.value)));
    }
    auto objs = port_objects_arg(sw, a.ports);
    if (!objs) return fail(objs.status());
    for (const auto& o : *objs) {
      cpo::Status s = std::holds_alternative<cpo::PortId>(o) ? sw.set_admin(std::get<cpo::PortId>(o), state)
                                                             : sw.set_admin(std::get<cpo::LogicalPort>(o), state);
      if (!s.ok()) return fail(s);
      done.push_back(cpo::sdk::format_object(o));
    }
  } else if (a.field == "mtu") {
    std::uint32_t bytes = 0;
    const auto [end, ec] = std::from_chars(a.value.data(), a.value.data() + a.value.size(), bytes);
    if (ec != std::errc() || end != a.value.data() + a.value.size())
      return fail(cpo::error(cpo::Code::invalid_argument,
                             fmt::format("MTU '{}': a number of bytes{}", a.value,
                                         sw.capabilities().mtu ? fmt::format(" ({}..{})", sw.capabilities().mtu_min,
                                                                             sw.capabilities().mtu_max)
                                                               : std::string())));
    auto objs = port_objects_arg(sw, a.ports);
    if (!objs) return fail(objs.status());
    for (const auto& o : *objs) {
      const cpo::LogicalPort lp = std::holds_alternative<cpo::PortId>(o) ? cpo::LogicalPort{std::get<cpo::PortId>(o), 0}
                                                                         : std::get<cpo::LogicalPort>(o);
      if (auto s = sw.set_mtu(lp, bytes); !s.ok()) return fail(s);
      done.push_back(cpo::sdk::format_object(o));
    }
  } else {
    auto mode = cpo::parse_fec_mode(a.value);
    if (!mode) return fail(mode.status());
    auto ports = ports_arg(sw, a.ports);
    if (!ports) return fail(ports.status());
    for (auto p : *ports) {
      if (auto s = sw.set_fec(p, *mode); !s.ok()) return fail(s);
      done.push_back(cpo::sdk::format_object(p));
    }
  }
  if (ctx.json) {
    print_json(ctx, {{"field", a.field}, {"value", a.value}, {"objects", done}});
  } else if (!ctx.quiet) {
    std::cout << fmt::format("{} {} set on {} object{}\n", a.field, a.value, done.size(), done.size() == 1 ? "" : "s");
  }
  return 0;
}

// ------------------------------------------------------------------------------ port breakout

struct BreakoutArgs {
  std::string ports, mode;
  bool dry_run = false;
};

int port_breakout(const Context& ctx, const BreakoutArgs& a) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  cpo::sdk::BreakoutOptions opts;
  opts.dry_run = a.dry_run;
  auto r = sw.breakout(a.ports, a.mode, opts);
  if (!r) return fail(r.status());
  if (ctx.json) {
    ordered_json changes = ordered_json::array();
    for (const auto& c : r->changes)
      changes.push_back({{"port", c.port.value()}, {"from", c.from.to_string()}, {"to", c.to.to_string()}});
    ordered_json created = ordered_json::array(), removed = ordered_json::array();
    for (const auto& lp : r->created) created.push_back(cpo::sdk::format_object(lp));
    for (const auto& lp : r->removed) removed.push_back(cpo::sdk::format_object(lp));
    print_json(ctx, {{"dry_run", a.dry_run},
                     {"applied", r->applied},
                     {"changes", changes},
                     {"created", created},
                     {"removed", removed}});
    return 0;
  }
  for (const auto& c : r->changes)
    std::cout << fmt::format("port {}: {} -> {}\n", c.port.value(), c.from.to_string(), c.to.to_string());
  std::cout << fmt::format("{}{} port{} changed, {} logical ports created, {} removed\n",
                           a.dry_run ? "dry run: would be " : "", r->changes.size(), r->changes.size() == 1 ? "" : "s",
                           r->created.size(), r->removed.size());
  return 0;
}

// ------------------------------------------------------------------------------ lanes

int lane_show(const Context& ctx, const std::string& which) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  const cpo::Platform& p = sw.platform();
  auto lanes = lanes_arg(sw, which);
  if (!lanes) return fail(lanes.status());
  auto snap = sw.snapshot();
  if (!snap) return fail(snap.status());
  std::vector<const cpo::LaneTelemetry*> by_id(p.lanes().size(), nullptr);
  for (const auto& u : snap->units.units)
    for (const auto& l : u.lanes) by_id[l.lane.value()] = &l;
  ordered_json list = ordered_json::array();
  Table table({"LANE", "PORT", "OE/BANK", "LASER", "RX dBm", "TX dBm", "LASER IN dBm", "SNR dB", "PRE-FEC BER",
               "TX FIR", "PRBS", "DATA PATH"});
  for (auto id : *lanes) {
    const cpo::LaneInfo& info = p.lanes()[id.value()];
    const cpo::LaneTelemetry* l = by_id[id.value()];
    if (l == nullptr) continue;
    const std::string prbs = l->prbs.generator || l->prbs.checker
                                 ? fmt::format("{}{}{}", cpo::to_string(l->prbs.pattern),
                                               l->prbs.generator ? " gen" : "", l->prbs.checker ? " chk" : "")
                                 : std::string("off");
    if (ctx.json) {
      list.push_back({{"lane", id.value()},
                      {"port", info.port.value()},
                      {"lane_in_port", info.index_in_port},
                      {"oe", info.oe.value()},
                      {"bank", info.bank.value()},
                      {"lane_in_bank", info.index_in_bank},
                      {"laser", cpo::sdk::format_object(info.laser)},
                      {"rx_power_mw", l->rx_power.value()},
                      {"tx_power_mw", l->tx_power.value()},
                      {"laser_input_power_mw", l->laser_input_power.value()},
                      {"snr_db", number_or_null(l->snr.value())},
                      {"pre_fec_ber", l->pre_fec_ber},
                      {"signal_detect", l->signal_detect},
                      {"cdr_lock", l->cdr_lock},
                      {"tx_fir", {{"pre", l->tx_fir.pre}, {"main", l->tx_fir.main}, {"post", l->tx_fir.post}}},
                      {"prbs",
                       {{"pattern", std::string(cpo::to_string(l->prbs.pattern))},
                        {"generator", l->prbs.generator},
                        {"checker", l->prbs.checker},
                        {"locked", l->prbs_lock},
                        {"errors", l->prbs_errors},
                        {"bits", l->prbs_bits}}},
                      {"data_path_state", std::string(cpo::cmis::to_string(l->data_path_state))}});
    } else {
      table.add({fmt::format("lane{}", id.value()), fmt::format("{}/{}", info.port.value(), info.index_in_port),
                 fmt::format("oe{}/bank{}", info.oe.value(), info.bank.value()), cpo::sdk::format_object(info.laser),
                 dbm_text(l->rx_power), dbm_text(l->tx_power), dbm_text(l->laser_input_power), fixed(l->snr.value(), 1),
                 sci(l->pre_fec_ber), fmt::format("{}/{}/{}", l->tx_fir.pre, l->tx_fir.main, l->tx_fir.post), prbs,
                 std::string(cpo::cmis::to_string(l->data_path_state))});
    }
  }
  if (ctx.json) {
    print_json(ctx, {{"device", sw.uri()}, {"lanes", list}});
  } else {
    table.print();
  }
  return 0;
}

struct FirArgs {
  std::string lanes;
  std::optional<int> pre, main, post;
};

int lane_fir(const Context& ctx, const FirArgs& a) {
  if (!a.pre && !a.main && !a.post) return usage_error("lane fir: give at least one of --pre, --main, --post");
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto lanes = lanes_arg(sw, a.lanes);
  if (!lanes) return fail(lanes.status());
  ordered_json done = ordered_json::array();
  for (auto lane : *lanes) {
    auto now = sw.lane(lane);
    if (!now) return fail(now.status());
    cpo::TxFir taps = now->tx_fir;
    if (a.pre) taps.pre = *a.pre;
    if (a.main) taps.main = *a.main;
    if (a.post) taps.post = *a.post;
    if (auto s = sw.set_tx_fir(lane, taps); !s.ok()) return fail(s);
    done.push_back({{"lane", lane.value()}, {"pre", taps.pre}, {"main", taps.main}, {"post", taps.post}});
    if (!ctx.json && !ctx.quiet)
      std::cout << fmt::format("lane{}: tx FIR pre {} main {} post {}\n", lane.value(), taps.pre, taps.main, taps.post);
  }
  if (ctx.json) print_json(ctx, {{"lanes", done}});
  return 0;
}

struct PrbsArgs {
  std::string action, lanes, pattern = "prbs31q";
};

int lane_prbs(const Context& ctx, const PrbsArgs& a) {
  if (a.action != "start" && a.action != "stop" && a.action != "show")
    return usage_error(fmt::format("lane prbs {}: expected start, stop or show", a.action));
  cpo::PrbsPattern pattern = cpo::PrbsPattern::prbs31q;
  {
    bool found = false;
    std::string allowed;
    for (auto pt :
         {cpo::PrbsPattern::prbs7, cpo::PrbsPattern::prbs9, cpo::PrbsPattern::prbs13q, cpo::PrbsPattern::prbs15,
          cpo::PrbsPattern::prbs23, cpo::PrbsPattern::prbs31, cpo::PrbsPattern::prbs31q}) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(cpo::to_string(pt));
      if (cpo::to_string(pt) == a.pattern) {
        pattern = pt;
        found = true;
      }
    }
    if (!found)
      return fail(
          cpo::error(cpo::Code::invalid_argument, fmt::format("PRBS pattern '{}' (allowed: {})", a.pattern, allowed)));
  }
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto lanes = lanes_arg(sw, a.lanes);
  if (!lanes) return fail(lanes.status());
  ordered_json list = ordered_json::array();
  Table table({"LANE", "PATTERN", "GENERATOR", "CHECKER", "LOCKED", "ERRORS", "BITS", "BER"});
  for (auto lane : *lanes) {
    if (a.action != "show") {
      cpo::PrbsConfig config;
      config.pattern = pattern;
      config.generator = config.checker = a.action == "start";
      if (auto s = sw.set_prbs(lane, config); !s.ok()) return fail(s);
    }
    auto st = sw.prbs(lane);
    if (!st) return fail(st.status());
    const double ber = st->bits > 0 ? static_cast<double>(st->errors) / static_cast<double>(st->bits) : 0.0;
    list.push_back({{"lane", lane.value()},
                    {"pattern", std::string(cpo::to_string(st->config.pattern))},
                    {"generator", st->config.generator},
                    {"checker", st->config.checker},
                    {"locked", st->locked},
                    {"errors", st->errors},
                    {"bits", st->bits},
                    {"ber", ber}});
    table.add({fmt::format("lane{}", lane.value()), std::string(cpo::to_string(st->config.pattern)),
               st->config.generator ? "on" : "off", st->config.checker ? "on" : "off", st->locked ? "yes" : "no",
               std::to_string(st->errors), std::to_string(st->bits), sci(ber)});
  }
  if (ctx.json) {
    print_json(ctx, {{"action", a.action}, {"lanes", list}});
  } else if (a.action == "show" || !ctx.quiet) {
    table.print();
  }
  return 0;
}

}  // namespace

void add_port_commands(CLI::App& app, Context& ctx) {
  auto* port = app.add_subcommand("port", "Front-panel ports: state, admin, FEC, breakout");
  port->require_subcommand(1);

  auto which = std::make_shared<std::string>();
  auto* show =
      port->add_subcommand("show", "Table of ports: sub-ports, breakout, admin, oper, speed, FEC, Rx power, BER");
  show->add_option("PORTS", *which, "Ports or sub-ports (59, Ethernet236, 0-15); default every port");
  show->footer(examples({"cpoctl port show", "cpoctl port show 0-15,59", "cpoctl --json port show Ethernet236"}));
  show->callback([&ctx, which] { ctx.exit_code = port_show(ctx, *which); });

  auto set = std::make_shared<SetArgs>();
  auto* set_cmd =
      port->add_subcommand("set", "Set the admin state or MTU (ports or sub-ports) or the FEC mode (ports)");
  set_cmd->add_option("PORTS", set->ports, "Ports (59, 0-15, Ethernet236) or, for admin and mtu, sub-ports (59/2)")
      ->required();
  set_cmd->add_option("FIELD", set->field, "admin, fec or mtu")->required();
  set_cmd->add_option("VALUE", set->value, "up|down for admin; none, fc, rs528, rs544 (rs) for fec; bytes for mtu")
      ->required();
  set_cmd->footer(
      examples({"cpoctl port set 0-15 admin up", "cpoctl port set 59/2 admin down", "cpoctl port set 12 fec rs544",
                "cpoctl --device 'netlink://?netns=lab' port set swp1 mtu 9100"}));
  set_cmd->callback([&ctx, set] { ctx.exit_code = port_set(ctx, *set); });

  auto brk = std::make_shared<BreakoutArgs>();
  auto* brk_cmd =
      port->add_subcommand("breakout", "Change the breakout of ports (validated whole, rolled back on failure)");
  brk_cmd->add_option("PORTS", brk->ports, "Ports (0-15, Ethernet48)")->required();
  brk_cmd->add_option("MODE", brk->mode, "Breakout mode: 1x800G, 1x800G[400G], 2x400G, 4x200G")->required();
  brk_cmd->add_flag("--dry-run", brk->dry_run, "Validate and show the plan; change nothing");
  brk_cmd->footer(examples({"cpoctl port breakout 0-15 4x200G", "cpoctl port breakout 16-31 2x400G --dry-run",
                            "cpoctl --json port breakout 0-15 1x800G"}));
  brk_cmd->callback([&ctx, brk] { ctx.exit_code = port_breakout(ctx, *brk); });

  auto* lane = app.add_subcommand("lane", "SerDes lanes: monitors, transmitter FIR, PRBS");
  lane->require_subcommand(1);
  auto lanes = std::make_shared<std::string>();
  auto* lshow = lane->add_subcommand("show", "Table of lanes: Rx/Tx/laser-input power, SNR, BER, FIR, PRBS, data path");
  lshow->add_option("LANES", *lanes, "Lanes (lane148, lane0-7) or ports (their lanes); default every lane");
  lshow->footer(examples({"cpoctl lane show 59", "cpoctl lane show lane236-239", "cpoctl --json lane show lane0"}));
  lshow->callback([&ctx, lanes] { ctx.exit_code = lane_show(ctx, *lanes); });

  auto fir = std::make_shared<FirArgs>();
  auto* fir_cmd = lane->add_subcommand("fir", "Set transmitter FIR taps (the taps not given keep their values)");
  fir_cmd->add_option("LANES", fir->lanes, "Lanes (lane148) or ports")->required();
  // The device's own tap ranges are checked by the SDK (Driver capabilities); here only that
  // each is a decimal integer of the driver interface's width.
  add_signed_option(fir_cmd, "--pre", fir->pre, "Pre-cursor tap", INT32_MIN, INT32_MAX);
  add_signed_option(fir_cmd, "--main", fir->main, "Main-cursor tap", INT32_MIN, INT32_MAX);
  add_signed_option(fir_cmd, "--post", fir->post, "Post-cursor tap", INT32_MIN, INT32_MAX);
  fir_cmd->footer(examples({"cpoctl lane fir lane148 --pre -4 --main 52 --post -7", "cpoctl lane fir 59 --post -6"}));
  fir_cmd->callback([&ctx, fir] { ctx.exit_code = lane_fir(ctx, *fir); });

  auto prbs = std::make_shared<PrbsArgs>();
  auto* prbs_cmd = lane->add_subcommand("prbs", "PRBS generator and checker: start, stop, show");
  prbs_cmd->add_option("ACTION", prbs->action, "start, stop or show")->required();
  prbs_cmd->add_option("LANES", prbs->lanes, "Lanes (lane148) or ports")->required();
  prbs_cmd->add_option("--pattern", prbs->pattern, "prbs7, prbs9, prbs13q, prbs15, prbs23, prbs31, prbs31q")
      ->capture_default_str();
  prbs_cmd->footer(examples({"cpoctl lane prbs start lane148 --pattern prbs31q", "cpoctl lane prbs show lane148",
                             "cpoctl lane prbs stop 59"}));
  prbs_cmd->callback([&ctx, prbs] { ctx.exit_code = lane_prbs(ctx, *prbs); });
}

}  // namespace cpoctl
