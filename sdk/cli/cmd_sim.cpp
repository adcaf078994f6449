// cpoctl sim advance|fault: device time and fault injection on a simulated switch
// (Switch::simulator(); refused on hardware).
#include <iostream>

#include <fmt/format.h>

#include "commands.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;

// The simulator's nominal losses (docs/simulator.md): ELS jumper and two connectors from a
// laser to its optical engine; the loopback plug of a front-panel fiber.
constexpr double kNominalLaserFiberLossDb = 1.5;
constexpr double kNominalPortFiberLossDb = 0.5;

cpo::Result<cpo::sdk::SimulatorControl*> simulator(const Context& ctx, cpo::Switch*& sw) {
  auto dev = ctx.device();
  if (!dev) return dev.status();
  sw = *dev;
  cpo::sdk::SimulatorControl* sim = sw->simulator();
  if (sim == nullptr) {
    return cpo::error(
        cpo::Code::failed_precondition,
        fmt::format("{} is not a simulated switch: sim commands need sim:// (or another simulated scheme)", sw->uri()));
  }
  return sim;
}

int advance_time(const Context& ctx, const std::string& text) {
  auto d = parse_duration(text);
  if (!d) return fail(d.status());
  cpo::Switch* sw = nullptr;
  auto sim = simulator(ctx, sw);
  if (!sim) return fail(sim.status());
  const auto t0 = sw->now();
  sw->sleep_for(*d);
  const double now = std::chrono::duration<double>(sw->now()).count();
  if (ctx.json) {
    print_json(ctx, {{"advanced_s", std::chrono::duration<double>(sw->now() - t0).count()}, {"device_time_s", now}});
  } else if (!ctx.quiet) {
    std::cout << fmt::format("advanced {:.6f} s, device time {:.6f} s\n",
                             std::chrono::duration<double>(sw->now() - t0).count(), now);
  }
  return 0;
}

struct FaultArgs {
  std::string kind;
  std::vector<std::string> args;
};

constexpr const char* kFaults =
    "laser-fail ELS/L | fiber-loss PORT DB | dirty-connector ELS/L DB | els-remove ELS | els-insert ELS | "
    "interlock-open ELS | interlock-close ELS | over-temperature OE DEGC | clear";

int fault(const Context& ctx, const FaultArgs& a) {
  struct Shape {
    const char* kind;
    std::size_t args;
  };
  static constexpr Shape kShapes[] = {{"laser-fail", 1},      {"fiber-loss", 2},       {"dirty-connector", 2},
                                      {"els-remove", 1},      {"els-insert", 1},       {"interlock-open", 1},
                                      {"interlock-close", 1}, {"over-temperature", 2}, {"clear", 0}};
  const Shape* shape = nullptr;
  for (const auto& s : kShapes)
    if (a.kind == s.kind) shape = &s;
  if (shape == nullptr) return usage_error(fmt::format("sim fault {}: expected {}", a.kind, kFaults));
  if (a.args.size() != shape->args)
    return usage_error(fmt::format("sim fault {} takes {} argument{} ({})", a.kind, shape->args,
                                   shape->args == 1 ? "" : "s", kFaults));
  cpo::Switch* sw = nullptr;
  auto simr = simulator(ctx, sw);
  if (!simr) return fail(simr.status());
  cpo::sdk::SimulatorControl& sim = **simr;
  std::string done;
  cpo::Status s;
  if (a.kind == "laser-fail" || a.kind == "dirty-connector") {
    auto laser = laser_arg(*sw, a.args[0]);
    if (!laser) return fail(laser.status());
    if (a.kind == "laser-fail") {
      s = sim.fail_laser(*laser);
      done = fmt::format("{} failed", cpo::sdk::format_object(*laser));
    } else {
      auto db = parse_number(a.args[1], "loss in dB");
      if (!db) return fail(db.status());
      s = sim.set_laser_fiber_loss(*laser, cpo::Decibels(*db));
      done = fmt::format("{}: fiber to its optical engine {:.2f} dB (nominal {:.1f} dB)",
                         cpo::sdk::format_object(*laser), *db, kNominalLaserFiberLossDb);
    }
  } else if (a.kind == "fiber-loss") {
    auto ports = ports_arg(*sw, a.args[0]);
    if (!ports) return fail(ports.status());
    auto db = parse_number(a.args[1], "loss in dB");
    if (!db) return fail(db.status());
    for (auto p : *ports) {
      s = sim.set_port_fiber_loss(p, -1, cpo::Decibels(*db));
      if (!s.ok()) break;
    }
    done = fmt::format("{} port{}: front-panel fiber {:.2f} dB", ports->size(), ports->size() == 1 ? "" : "s", *db);
  } else if (a.kind == "els-remove" || a.kind == "els-insert") {
    auto ids = els_arg(*sw, a.args[0]);
    if (!ids) return fail(ids.status());
    for (auto e : *ids) {
      s = a.kind == "els-remove" ? sim.remove_els(e) : sim.insert_els(e);
      if (!s.ok()) break;
    }
    done = fmt::format("{} {}", a.args[0], a.kind == "els-remove" ? "removed" : "inserted");
  } else if (a.kind == "interlock-open" || a.kind == "interlock-close") {
    auto ids = els_arg(*sw, a.args[0]);
    if (!ids) return fail(ids.status());
    const bool open = a.kind == "interlock-open";
    for (auto e : *ids) {
      s = open ? sim.open_interlock(e) : sim.close_interlock(e);
      if (!s.ok()) break;
    }
    done = open ? fmt::format("{}: interlock open, every laser off", a.args[0])
                : fmt::format("{}: interlock closed (its lasers stay off until enabled)", a.args[0]);
  } else if (a.kind == "over-temperature") {
    auto oes = oes_arg(*sw, a.args[0]);
    if (!oes) return fail(oes.status());
    auto rise = parse_number(a.args[1], "temperature rise in degC");
    if (!rise) return fail(rise.status());
    for (auto oe : *oes) {
      s = sim.overheat_oe(oe, cpo::Celsius(*rise));
      if (!s.ok()) break;
    }
    done = fmt::format("{}: {:.1f} degC above its steady state", a.args[0], *rise);
  } else {  // clear: undo every fault these commands inject
    const cpo::Platform& p = sw->platform();
    for (const auto& els : p.els_modules()) {
      (void)sim.insert_els(els.id);       // failed_precondition when present: nothing to undo
      (void)sim.close_interlock(els.id);  // failed_precondition when closed: nothing to undo
      for (const auto& l : els.lasers) {
        (void)sim.repair_laser(l.ref);
        if (s.ok()) s = sim.set_laser_fiber_loss(l.ref, cpo::Decibels(kNominalLaserFiberLossDb));
      }
    }
    for (const auto& port : p.ports())
      if (s.ok()) s = sim.set_port_fiber_loss(port.id, -1, cpo::Decibels(kNominalPortFiberLossDb));
    for (const auto& oe : p.optical_engines())
      if (s.ok()) s = sim.overheat_oe(oe.id, cpo::Celsius(0.0));
    done = "faults cleared (repaired lasers stay off until enabled)";
  }
  if (!s.ok()) return fail(s);
  if (ctx.json) {
    print_json(ctx, {{"fault", a.kind}, {"args", a.args}, {"done", done}});
  } else if (!ctx.quiet) {
    std::cout << done << '\n';
  }
  return 0;
}

}  // namespace

void add_sim_commands(CLI::App& app, Context& ctx) {
  auto* sim = app.add_subcommand("sim", "Simulated switches: let device time pass, inject faults");
  sim->require_subcommand(1);
  auto d = std::make_shared<std::string>();
  auto* adv = sim->add_subcommand("advance", "Let DURATION of device time pass (instant on the virtual clock)");
  adv->add_option("DURATION", *d, "5s, 100ms, 2m, 1h, or seconds")->required();
  adv->footer(examples({"cpoctl -f - <<< $'port set 9 admin up\\nsim advance 3s\\nport show 9'"}));
  adv->callback([&ctx, d] { ctx.exit_code = advance_time(ctx, *d); });

  auto f = std::make_shared<FaultArgs>();
  auto* fl = sim->add_subcommand("fault", std::string("Inject a fault: ") + kFaults);
  fl->add_option("KIND", f->kind,
                 "laser-fail, fiber-loss, dirty-connector, els-remove, els-insert, interlock-open, "
                 "interlock-close, over-temperature, clear")
      ->required();
  fl->add_option("ARGS", f->args, "The fault's object and value");
  fl->footer(examples({"cpoctl sim fault laser-fail els1/1", "cpoctl sim fault fiber-loss 12 9.5",
                       "cpoctl sim fault dirty-connector els7/3 5", "cpoctl sim fault els-remove els2",
                       "cpoctl sim fault interlock-open els7", "cpoctl sim fault interlock-close els7",
                       "cpoctl sim fault over-temperature oe5 30", "cpoctl sim fault clear"}));
  fl->callback([&ctx, f] { ctx.exit_code = fault(ctx, *f); });
}

}  // namespace cpoctl
