// Laser power: read a laser's limits, ramp it with progress, show its monitors, see an unsafe
// set-point refused, and (on the simulator) watch the fiber check catch a dirty connector.
//
//   laser_power [URI] [ELS/LASER] [TARGET_DBM]      defaults: sim://cpo144 els7/3 19.0
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include <cpo/sdk/switch.h>

int main(int argc, char** argv) {
  const std::string uri = argc > 1 ? argv[1] : "sim://cpo144";
  const std::string which = argc > 2 ? argv[2] : "els7/3";
  const double target_dbm = argc > 3 ? std::strtod(argv[3], nullptr) : 19.0;

  auto opened = cpo::Switch::open(uri);
  if (!opened) {
    std::fprintf(stderr, "open %s: %s\n", uri.c_str(), opened.status().to_string().c_str());
    return 4;
  }
  cpo::Switch& sw = **opened;
  auto ref = sw.resolve(which);
  if (!ref || !std::holds_alternative<cpo::LaserRef>(*ref)) {
    std::fprintf(stderr, "%s is not a laser (expected ELS/LASER, e.g. els7/3)\n", which.c_str());
    return 3;
  }
  const cpo::LaserRef laser = std::get<cpo::LaserRef>(*ref);

  // 1. Limits: the module's advertisement (ELSFP page 1Ah) and the platform's class limit.
  auto limits = sw.laser_limits(laser);
  if (!limits) {
    std::fprintf(stderr, "limits: %s\n", limits.status().to_string().c_str());
    return 4;
  }
  std::printf("%s: power %.1f .. %.1f mW (class limit %.1f mW), bias %.0f .. %.0f mA, ramp <= %.0f dB/s\n",
              which.c_str(), limits->min_power.value(), limits->max_power.value(), limits->max_allowed.value(),
              limits->min_bias.value(), limits->max_bias.value(), limits->max_ramp_rate.value());

  // 2. Ramp to the target in bounded steps, reporting each one.
  cpo::sdk::RampOptions ramp;
  ramp.ramp_rate = cpo::Decibels(5.0);
  ramp.progress = [](const cpo::sdk::LaserProgress& p) {
    std::printf("  step %u/%u: %.2f dBm\n", p.step, p.steps, cpo::to_dbm(p.setpoint).value());
  };
  if (auto s = sw.set_laser_power(laser, cpo::Dbm(target_dbm), ramp); !s.ok()) {
    std::fprintf(stderr, "ramp: %s\n", s.to_string().c_str());
    return 5;
  }
  sw.sleep_for(std::chrono::milliseconds(300));  // let the monitors settle
  if (auto st = sw.laser_status(laser)) {
    std::printf("monitors: %.2f mW (%.2f dBm), bias %.1f mA, %.1f degC, state %s\n", st->power.value(),
                cpo::to_dbm(st->power).value(), st->bias.value(), st->temperature.value(),
                std::string(cpo::to_string(st->state)).c_str());
  }

  // 3. An unsafe set-point is refused, never clamped.
  if (auto s = sw.set_laser_power(laser, cpo::Dbm(22.0)); !s.ok()) {
    std::printf("refused: %s\n", s.to_string().c_str());
  }

  // 4. On the simulator: a dirty connector between the ELS and its optical engine. The laser
  // is turned off first (its ports are admin down), then enabling it runs the fiber check.
  if (auto* sim = sw.simulator()) {
    if (auto s = sw.disable_laser(laser); !s.ok()) {
      std::fprintf(stderr, "disable: %s\n", s.to_string().c_str());
      return 5;
    }
    (void)sim->set_laser_fiber_loss(laser, cpo::Decibels(5.0));
    auto check = sw.enable_laser(laser);
    if (!check) std::printf("fiber check: %s\n", check.status().to_string().c_str());
    auto st = sw.laser_status(laser);
    std::printf("laser enabled after the failed check: %s\n", st && st->enabled ? "yes" : "no");
  }
  return 0;
}
