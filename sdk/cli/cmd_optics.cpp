// cpoctl oe show, els show|swap, laser show|set|enable|disable: the optical engines and the
// external laser sources, through the facade's laser-safety policy.
#include <cmath>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "commands.h"
#include "cpo/sdk/exit_codes.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;

std::string flags_text(const std::string& s) { return s.empty() ? "-" : s; }

// ------------------------------------------------------------------------------ oe show

int oe_show(const Context& ctx, const std::string& which) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  const cpo::Platform& p = sw.platform();
  auto oes = oes_arg(sw, which);
  if (!oes) return fail(oes.status());
  auto snap = sw.snapshot();
  if (!snap) return fail(snap.status());
  std::map<std::uint32_t, const cpo::OeTelemetry*> by_id;
  std::vector<const cpo::LaneTelemetry*> lanes(p.lanes().size(), nullptr);
  for (const auto& u : snap->units.units) {
    for (const auto& o : u.oes) by_id[o.oe.value()] = &o;
    for (const auto& l : u.lanes) lanes[l.lane.value()] = &l;
  }
  // Per bank: how many lanes are in each CMIS data-path state.
  auto bank_states = [&](const cpo::BankInfo& bank) {
    std::map<std::string, unsigned> count;
    for (auto lane : bank.lanes)
      if (const auto* l = lanes[lane.value()]) ++count[std::string(cpo::cmis::to_string(l->data_path_state))];
    return count;
  };
  ordered_json list = ordered_json::array();
  Table table({"OE", "UNIT", "MODULE STATE", "TEMP C", "VCC V", "POWER W", "FAULTS", "FLAGS", "DATA PATHS"});
  for (auto id : *oes) {
    const cpo::OeInfo& info = p.optical_engines()[id.value()];
    auto it = by_id.find(id.value());
    if (it == by_id.end()) continue;
    const cpo::OeTelemetry& o = *it->second;
    ordered_json banks = ordered_json::array();
    std::string summary;
    for (const auto& bank : info.banks) {
      ordered_json states = ordered_json::object();
      std::string text;
      for (const auto& [state, n] : bank_states(bank)) {
        states[state] = n;
        text += fmt::format("{}{} {}", text.empty() ? "" : ", ", n, state);
      }
      banks.push_back({{"bank", bank.id.value()}, {"lanes", bank.lanes.size()}, {"data_path_states", states}});
      summary += fmt::format("{}bank{}: {}", summary.empty() ? "" : "; ", bank.id.value(), text);
    }
    list.push_back({{"oe", id.value()},
                    {"unit", info.unit.value()},
                    {"module_state", std::string(cpo::cmis::to_string(o.module_state))},
                    {"temperature_c", o.temperature.value()},
                    {"vcc_v", o.vcc.value()},
                    {"power_w", o.power.value() / 1000.0},
                    {"faults", cpo::to_string(o.faults)},
                    {"flags", cpo::to_string(o.flags)},
                    {"banks", banks}});
    table.add({fmt::format("oe{}", id.value()), std::to_string(info.unit.value()),
               std::string(cpo::cmis::to_string(o.module_state)), fixed(o.temperature.value(), 1),
               fixed(o.vcc.value(), 3), fixed(o.power.value() / 1000.0, 2), flags_text(cpo::to_string(o.faults)),
               flags_text(cpo::to_string(o.flags)), summary});
  }
  if (ctx.json) {
    print_json(ctx, {{"device", sw.uri()}, {"optical_engines", list}});
  } else {
    table.print();
  }
  return 0;
}

// ------------------------------------------------------------------------------ els show

int els_show(const Context& ctx, const std::string& which) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto ids = els_arg(sw, which);
  if (!ids) return fail(ids.status());
  auto snap = sw.snapshot();
  if (!snap) return fail(snap.status());
  std::map<std::uint32_t, const cpo::ElsTelemetry*> by_id;
  std::map<std::uint32_t, std::pair<unsigned, unsigned>> lit;  // lasers on / total
  for (const auto& u : snap->units.units) {
    for (const auto& e : u.els) by_id[e.els.value()] = &e;
    for (const auto& l : u.lasers) {
      auto& c = lit[l.laser.els.value()];
      ++c.second;
      if (l.state == cpo::LaserState::on) ++c.first;
    }
  }
  ordered_json list = ordered_json::array();
  Table table(
      {"ELS", "PRESENT", "MODULE STATE", "TEMP C", "VCC V", "ICC mA", "LASERS ON", "FAULTS", "FLAGS", "INSERTS"});
  for (auto id : *ids) {
    auto it = by_id.find(id.value());
    if (it == by_id.end()) continue;
    const cpo::ElsTelemetry& e = *it->second;
    const auto counts = lit[id.value()];
    list.push_back({{"els", id.value()},
                    {"present", e.present},
                    {"module_state", std::string(cpo::cmis::to_string(e.module_state))},
                    {"temperature_c", e.temperature.value()},
                    {"vcc_v", e.vcc.value()},
                    {"supply_current_ma", e.supply_current.value()},
                    {"lasers_on", counts.first},
                    {"lasers", counts.second},
                    {"faults", cpo::to_string(e.faults)},
                    {"flags", cpo::to_string(e.flags)},
                    {"insert_count", e.insert_count}});
    table.add({fmt::format("els{}", id.value()), e.present ? "yes" : "no",
               e.present ? std::string(cpo::cmis::to_string(e.module_state)) : std::string("-"),
               fixed(e.temperature.value(), 1), fixed(e.vcc.value(), 3), fixed(e.supply_current.value(), 0),
               fmt::format("{}/{}", counts.first, counts.second), flags_text(cpo::to_string(e.faults)),
               flags_text(cpo::to_string(e.flags)), std::to_string(e.insert_count)});
  }
  if (ctx.json) {
    print_json(ctx, {{"device", sw.uri()}, {"els", list}});
  } else {
    table.print();
  }
  return 0;
}

// ------------------------------------------------------------------------------ laser show

int laser_show(const Context& ctx, const std::string& which) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto lasers = lasers_arg(sw, which);
  if (!lasers) return fail(lasers.status());
  auto snap = sw.snapshot();
  if (!snap) return fail(snap.status());
  std::map<cpo::LaserRef, const cpo::LaserTelemetry*> by_ref;
  for (const auto& u : snap->units.units)
    for (const auto& l : u.lasers) by_ref[l.laser] = &l;
  auto map = sw.breakout_map();
  if (!map) return fail(map.status());
  ordered_json list = ordered_json::array();
  Table table(
      {"LASER", "STATE", "ENABLED", "SET-POINT mW", "POWER mW", "POWER dBm", "BIAS mA", "TEMP C", "FAULT", "PORTS"});
  for (const auto& ref : *lasers) {
    auto it = by_ref.find(ref);
    if (it == by_ref.end()) continue;
    const cpo::LaserTelemetry& l = *it->second;
    auto ports = sw.platform().impacted_ports(ref, *map);
    std::string port_text;
    ordered_json port_list = ordered_json::array();
    if (ports) {
      for (const auto& lp : *ports) port_list.push_back(cpo::sdk::format_object(lp));
      if (!ports->empty()) {
        port_text = cpo::sdk::format_object(ports->front());
        if (ports->size() > 1) port_text += fmt::format(" .. {}", cpo::sdk::format_object(ports->back()));
      }
    }
    const bool enabled = l.flags.has(cpo::LaserFlag::enabled);
    list.push_back(
        {{"laser", cpo::sdk::format_object(ref)},
         {"els", ref.els.value()},
         {"index", ref.index},
         {"state", std::string(cpo::to_string(l.state))},
         {"enabled", enabled},
         {"fault", std::string(cpo::to_string(l.fault))},
         {"power_setpoint_mw", l.power_setpoint.value()},
         {"power_mw", l.power.value()},
         {"power_dbm", l.power.value() > 0 ? number_or_null(cpo::to_dbm(l.power).value()) : ordered_json(nullptr)},
         {"bias_ma", l.bias.value()},
         {"temperature_c", l.temperature.value()},
         {"wavelength_nm", l.wavelength_nm},
         {"flags", cpo::to_string(l.flags)},
         {"ports", port_list}});
    table.add({cpo::sdk::format_object(ref), std::string(cpo::to_string(l.state)), enabled ? "yes" : "no",
               fixed(l.power_setpoint.value(), 2), fixed(l.power.value(), 2), dbm_text(l.power),
               fixed(l.bias.value(), 1), fixed(l.temperature.value(), 1), std::string(cpo::to_string(l.fault)),
               port_text.empty() ? "-" : port_text});
  }
  if (ctx.json) {
    print_json(ctx, {{"device", sw.uri()}, {"lasers", list}});
  } else {
    table.print();
  }
  return 0;
}

// ------------------------------------------------------------------------------ laser set

struct LaserSetArgs {
  std::string laser;
  std::optional<double> power_dbm, power_mw, ramp;
};

cpo::sdk::RampOptions ramp_with_progress(const Context& ctx, Progress& progress, std::optional<double> rate) {
  cpo::sdk::RampOptions ramp;
  if (rate) ramp.ramp_rate = cpo::Decibels(*rate);
  if (ctx.progress()) {
    ramp.progress = [&progress](const cpo::sdk::LaserProgress& p) {
      progress.update(fmt::format("{} {} step {}/{}: {:.2f} dBm", cpo::sdk::format_object(p.laser),
                                  p.phase == cpo::sdk::LaserPhase::fiber_check ? "fiber check" : "ramp", p.step,
                                  p.steps, cpo::to_dbm(p.setpoint).value()));
    };
  }
  return ramp;
}

int laser_set(const Context& ctx, const LaserSetArgs& a) {
  if (a.power_dbm.has_value() == a.power_mw.has_value())
    return usage_error("laser set: give exactly one of --power-dbm and --power-mw");
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto laser = laser_arg(sw, a.laser);
  if (!laser) return fail(laser.status());
  const cpo::Milliwatts target = a.power_mw ? cpo::Milliwatts(*a.power_mw) : cpo::to_milliwatts(cpo::Dbm(*a.power_dbm));
  const auto t0 = sw.now();
  Progress progress(ctx);
  cpo::Status s = sw.set_laser_power(*laser, target, ramp_with_progress(ctx, progress, a.ramp));
  progress.finish();
  if (!s.ok()) return fail(s);
  const double seconds = std::chrono::duration<double>(sw.now() - t0).count();
  if (ctx.json) {
    print_json(ctx, {{"laser", cpo::sdk::format_object(*laser)},
                     {"power_mw", target.value()},
                     {"power_dbm", cpo::to_dbm(target).value()},
                     {"device_seconds", seconds}});
  } else if (!ctx.quiet) {
    std::cout << fmt::format("{}: power set-point {:.2f} mW ({:.2f} dBm) after {:.2f} s of device time\n",
                             cpo::sdk::format_object(*laser), target.value(), cpo::to_dbm(target).value(), seconds);
  }
  return 0;
}

// ------------------------------------------------------------------------------ enable / disable

struct LaserOnOffArgs {
  std::string laser;
  bool force = false;
  std::optional<double> power_dbm, power_mw, ramp;
};

int laser_enable(const Context& ctx, const LaserOnOffArgs& a) {
  if (a.power_dbm && a.power_mw) return usage_error("laser enable: give at most one of --power-dbm and --power-mw");
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto laser = laser_arg(sw, a.laser);
  if (!laser) return fail(laser.status());
  cpo::sdk::EnableOptions opts;
  if (a.power_mw) opts.power = cpo::Milliwatts(*a.power_mw);
  if (a.power_dbm) opts.power = cpo::to_milliwatts(cpo::Dbm(*a.power_dbm));
  Progress progress(ctx);
  opts.ramp = ramp_with_progress(ctx, progress, a.ramp);
  auto check = sw.enable_laser(*laser, opts);
  progress.finish();
  if (!check) return fail(check.status());
  if (ctx.json) {
    print_json(ctx, {{"laser", cpo::sdk::format_object(*laser)},
                     {"enabled", true},
                     {"fiber_check",
                      {{"verdict", std::string(cpo::sdk::to_string(check->verdict))},
                       {"launched_mw", check->launched.value()},
                       {"worst_arrival_mw", check->worst_arrival.value()},
                       {"worst_lane", check->worst_lane.value()},
                       {"loss_db", number_or_null(check->loss.value())},
                       {"allowed_db", check->allowed.value()}}}});
  } else if (!ctx.quiet) {
    std::cout << fmt::format("{}: fiber check {} (loss {:.2f} dB, allowed {:.2f} dB); enabled\n",
                             cpo::sdk::format_object(*laser), cpo::sdk::to_string(check->verdict), check->loss.value(),
                             check->allowed.value());
  }
  return 0;
}

int laser_disable(const Context& ctx, const LaserOnOffArgs& a) {
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto laser = laser_arg(sw, a.laser);
  if (!laser) return fail(laser.status());
  if (auto s = sw.disable_laser(*laser, a.force); !s.ok()) return fail(s);
  if (ctx.json) {
    print_json(ctx, {{"laser", cpo::sdk::format_object(*laser)}, {"enabled", false}, {"forced", a.force}});
  } else if (!ctx.quiet) {
    std::cout << fmt::format("{}: disabled{}\n", cpo::sdk::format_object(*laser), a.force ? " (forced)" : "");
  }
  return 0;
}

// ------------------------------------------------------------------------------ els swap

struct SwapArgs {
  std::string els;
  std::string removal_timeout = "10m", insertion_timeout = "10m";
  bool sim_technician = false;
};

int els_swap(const Context& ctx, const SwapArgs& a) {
  auto removal = parse_duration(a.removal_timeout);
  if (!removal) return fail(removal.status().with_context("--removal-timeout"));
  auto insertion = parse_duration(a.insertion_timeout);
  if (!insertion) return fail(insertion.status().with_context("--insertion-timeout"));
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  auto ids = els_arg(sw, a.els);
  if (!ids) return fail(ids.status());
  if (ids->size() != 1)
    return fail(cpo::error(cpo::Code::invalid_argument, "els swap replaces one ELS module at a time"));
  const cpo::ElsId els = ids->front();
  cpo::sdk::SimulatorControl* sim = sw.simulator();
  if (a.sim_technician && sim == nullptr) {
    return fail(cpo::error(cpo::Code::failed_precondition,
                           fmt::format("--sim-technician needs a simulated switch; {} is not one", sw.uri())));
  }
  cpo::sdk::HotSwapOptions opts;
  opts.removal_timeout = *removal;
  opts.insertion_timeout = *insertion;
  Progress progress(ctx);
  ordered_json steps = ordered_json::array();
  const bool human = !ctx.json && !ctx.quiet;
  opts.progress = [&](const cpo::sdk::SwapProgress& p) {
    const std::string step(cpo::to_string(p.step));
    if (p.done) steps.push_back({{"step", step}, {"detail", p.detail}});
    if (human) {
      if (p.done) {
        progress.finish();
        std::cout << fmt::format("  {:<18} done{}\n", step, p.detail.empty() ? "" : " (" + p.detail + ")")
                  << std::flush;
      } else if (p.step == cpo::SwapStep::wait_removal && !a.sim_technician) {
        std::cout << fmt::format("  remove els{} now\n", els.value()) << std::flush;
      } else if (p.step == cpo::SwapStep::wait_insertion && !a.sim_technician) {
        std::cout << fmt::format("  insert the new module into els{} now\n", els.value()) << std::flush;
      } else {
        progress.update(fmt::format("  {} ...", step));
      }
    }
    // The simulator's back door plays the technician.
    if (a.sim_technician && !p.done && p.step == cpo::SwapStep::wait_removal) (void)sim->remove_els(p.els);
    if (a.sim_technician && !p.done && p.step == cpo::SwapStep::wait_insertion) (void)sim->insert_els(p.els);
  };
  auto report = sw.hot_swap(els, opts);
  progress.finish();
  if (!report) return fail(report.status());
  if (ctx.json) {
    ordered_json checks = ordered_json::array();
    for (const auto& c : report->fiber_checks) {
      checks.push_back({{"laser", cpo::sdk::format_object(c.laser)},
                        {"verdict", std::string(cpo::sdk::to_string(c.verdict))},
                        {"loss_db", number_or_null(c.loss.value())}});
    }
    ordered_json restored = ordered_json::array();
    for (const auto& lp : report->restored) restored.push_back(cpo::sdk::format_object(lp));
    print_json(ctx, {{"els", els.value()},
                     {"lasers_lit", report->lasers_lit},
                     {"steps", steps},
                     {"fiber_checks", checks},
                     {"restored", restored},
                     {"failure", report->failure}});
  } else {
    std::cout << fmt::format("els{}: {}{}\n", els.value(), report->lasers_lit ? "new module lit" : "lasers stay off",
                             report->failure.empty() ? "" : ": " + report->failure);
  }
  // A module that failed its fiber check is a refusal: its lasers stay off.
  return report->lasers_lit ? 0 : static_cast<int>(cpo::sdk::ExitCode::refused_by_policy);
}

}  // namespace

void add_optics_commands(CLI::App& app, Context& ctx) {
  auto* oe = app.add_subcommand("oe", "Optical engines: module state, temperature, per-bank data paths");
  oe->require_subcommand(1);
  auto oe_which = std::make_shared<std::string>();
  auto* oe_show_cmd = oe->add_subcommand("show", "Table of optical engines");
  oe_show_cmd->add_option("OE", *oe_which, "Optical engines (oe5, oe0-3); default every one");
  oe_show_cmd->footer(examples({"cpoctl oe show", "cpoctl oe show oe5", "cpoctl --json oe show oe0-3"}));
  oe_show_cmd->callback([&ctx, oe_which] { ctx.exit_code = oe_show(ctx, *oe_which); });

  auto* els = app.add_subcommand("els", "External laser source modules: state, supply, hot-swap");
  els->require_subcommand(1);
  auto els_which = std::make_shared<std::string>();
  auto* els_show_cmd = els->add_subcommand("show", "Table of ELS modules");
  els_show_cmd->add_option("ELS", *els_which, "ELS modules (els7, els0-3); default every one");
  els_show_cmd->footer(examples({"cpoctl els show", "cpoctl els show els7"}));
  els_show_cmd->callback([&ctx, els_which] { ctx.exit_code = els_show(ctx, *els_which); });

  auto swap = std::make_shared<SwapArgs>();
  auto* swap_cmd = els->add_subcommand(
      "swap",
      "Guided hot-swap of one ELS module: data paths down, lasers off, removal, insertion, fiber check, ramp, "
      "data paths up, admin restored");
  swap_cmd->add_option("ELS", swap->els, "The ELS module (els7)")->required();
  swap_cmd->add_option("--removal-timeout", swap->removal_timeout, "Device time to wait for the removal")
      ->capture_default_str();
  swap_cmd->add_option("--insertion-timeout", swap->insertion_timeout, "Device time to wait for the insertion")
      ->capture_default_str();
  swap_cmd->add_flag("--sim-technician", swap->sim_technician,
                     "On a simulated switch, remove and insert the module when asked (demos, tests)");
  swap_cmd->footer(examples({"cpoctl els swap els7", "cpoctl --device sim://cpo144 els swap els2 --sim-technician"}));
  swap_cmd->callback([&ctx, swap] { ctx.exit_code = els_swap(ctx, *swap); });

  auto* laser = app.add_subcommand("laser", "Lasers of the ELS modules, under the laser-safety policy");
  laser->require_subcommand(1);
  auto laser_which = std::make_shared<std::string>();
  auto* lshow = laser->add_subcommand("show", "Table of lasers: state, set-point, monitors, the ports they light");
  lshow->add_option("LASERS", *laser_which, "Lasers (els7/3, els7/0-3) or ELS modules; default every laser");
  lshow->footer(examples({"cpoctl laser show els7", "cpoctl laser show els7/3", "cpoctl --json laser show"}));
  lshow->callback([&ctx, laser_which] { ctx.exit_code = laser_show(ctx, *laser_which); });

  auto set = std::make_shared<LaserSetArgs>();
  auto* set_cmd = laser->add_subcommand("set", "Ramp a laser's power in bounded steps (refused outside its limits)");
  set_cmd->add_option("LASER", set->laser, "One laser (els7/3)")->required();
  auto* dbm = add_decimal_option(set_cmd, "--power-dbm", set->power_dbm, "Target power, dBm");
  auto* mw = add_decimal_option(set_cmd, "--power-mw", set->power_mw, "Target power, mW");
  dbm->excludes(mw);
  add_decimal_option(set_cmd, "--ramp-db-per-s", set->ramp, "Ramp rate (at most the policy's, 10 dB/s by default)");
  set_cmd->footer(
      examples({"cpoctl laser set els7/3 --power-dbm 19", "cpoctl laser set els7/3 --power-mw 90 --ramp-db-per-s 5"}));
  set_cmd->callback([&ctx, set] { ctx.exit_code = laser_set(ctx, *set); });

  auto on = std::make_shared<LaserOnOffArgs>();
  auto* en = laser->add_subcommand("enable", "Light a laser through its fiber check, then ramp to its set-point");
  en->add_option("LASER", on->laser, "One laser (els7/3)")->required();
  add_decimal_option(en, "--power-dbm", on->power_dbm, "Target power after the fiber check, dBm");
  add_decimal_option(en, "--power-mw", on->power_mw, "Target power after the fiber check, mW");
  add_decimal_option(en, "--ramp-db-per-s", on->ramp, "Ramp rate");
  en->footer(examples({"cpoctl laser enable els7/3", "cpoctl laser enable els7/3 --power-mw 100"}));
  en->callback([&ctx, on] { ctx.exit_code = laser_enable(ctx, *on); });

  auto off = std::make_shared<LaserOnOffArgs>();
  auto* dis = laser->add_subcommand("disable", "Turn a laser off (refused while it lights admin-up ports)");
  dis->add_option("LASER", off->laser, "One laser (els7/3)")->required();
  dis->add_flag("--force", off->force, "Turn it off even though admin-up ports lose their light");
  dis->footer(examples({"cpoctl laser disable els7/3", "cpoctl laser disable els7/3 --force"}));
  dis->callback([&ctx, off] { ctx.exit_code = laser_disable(ctx, *off); });
}

}  // namespace cpoctl
