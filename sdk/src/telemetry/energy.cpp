// Energy accounting per port (cpo/sdk/telemetry.h, docs/telemetry.md "Energy per port").
//
// Every watt is charged to lanes first, then summed per port:
// - an ELS's electrical power (Vcc x ICC) goes to its lasers in proportion to their bias
//   current, and each laser's share equally to the lanes it lights;
// - an optical engine's dissipated power goes equally to its lanes.
// Inputs that are missing, negative or not finite count as 0, so the result is always finite
// and never negative; an ELS none of whose lasers draws bias charges nobody. Results are
// rounded to 1e-9 (1 nW, 0.001 fJ/bit), far below the inputs' resolution (ICC in 200 uA steps
// is 0.66 mW at 3.3 V): the figures print short, and exactly, in both renderings.
#include <cmath>
#include <cstddef>
#include <vector>

#include "cpo/sdk/telemetry.h"

namespace cpo::sdk {
namespace {

// A physical input usable for accounting: finite and positive, else 0.
double usable(double v) noexcept { return std::isfinite(v) && v > 0.0 ? v : 0.0; }
double finite_or_zero(double v) noexcept { return std::isfinite(v) ? v : 0.0; }
// To the nearest 1e-9; values too large for that grid (beyond 1e6) are kept as they are.
double nano(double v) noexcept { return std::isfinite(v) && std::fabs(v) < 1e6 ? std::nearbyint(v * 1e9) / 1e9 : v; }

}  // namespace

void account_energy(const Platform& platform, Snapshot& snapshot) {
  const auto lanes = platform.lanes();
  const auto ports = platform.ports();
  const auto els_modules = platform.els_modules();
  const auto oes = platform.optical_engines();

  // The snapshot's records by id (the first record wins when an id repeats).
  std::vector<std::size_t> laser_base(els_modules.size() + 1, 0);
  for (std::size_t e = 0; e < els_modules.size(); ++e) laser_base[e + 1] = laser_base[e] + els_modules[e].lasers.size();
  std::vector<const ElsTelemetry*> els_t(els_modules.size(), nullptr);
  std::vector<const LaserTelemetry*> laser_t(laser_base.back(), nullptr);
  std::vector<const OeTelemetry*> oe_t(oes.size(), nullptr);
  std::vector<const PortTelemetry*> port_t(ports.size(), nullptr);
  for (const UnitTelemetry& unit : snapshot.units.units) {
    for (const auto& e : unit.els)
      if (e.els.value() < els_t.size() && els_t[e.els.value()] == nullptr) els_t[e.els.value()] = &e;
    for (const auto& l : unit.lasers) {
      const std::size_t e = l.laser.els.value();
      if (e >= els_modules.size() || l.laser.index >= els_modules[e].lasers.size()) continue;
      const LaserTelemetry*& slot = laser_t[laser_base[e] + l.laser.index];
      if (slot == nullptr) slot = &l;
    }
    for (const auto& o : unit.oes)
      if (o.oe.value() < oe_t.size() && oe_t[o.oe.value()] == nullptr) oe_t[o.oe.value()] = &o;
    for (const auto& p : unit.ports)
      if (p.port.value() < port_t.size() && port_t[p.port.value()] == nullptr) port_t[p.port.value()] = &p;
  }

  std::vector<double> lane_laser_w(lanes.size(), 0.0);
  std::vector<double> lane_oe_w(lanes.size(), 0.0);

  // ELS: Vcc x ICC, over its lasers by bias, each laser's share over its lanes.
  for (std::size_t e = 0; e < els_modules.size(); ++e) {
    const ElsTelemetry* t = els_t[e];
    if (t == nullptr || !t->present) continue;
    const double watts = usable(t->vcc.value() * t->supply_current.value() / 1000.0);
    if (watts == 0.0) continue;
    const auto& lasers = els_modules[e].lasers;
    std::vector<double> bias(lasers.size(), 0.0);
    double total_bias = 0.0;
    for (std::size_t k = 0; k < lasers.size(); ++k) {
      const LaserTelemetry* l = laser_t[laser_base[e] + k];
      bias[k] = l != nullptr ? usable(l->bias.value()) : 0.0;
      total_bias += bias[k];
    }
    if (!(total_bias > 0.0) || !std::isfinite(total_bias)) continue;
    for (std::size_t k = 0; k < lasers.size(); ++k) {
      if (bias[k] == 0.0 || lasers[k].lanes.empty()) continue;
      const double per_lane = watts * (bias[k] / total_bias) / static_cast<double>(lasers[k].lanes.size());
      for (LaneId lane : lasers[k].lanes)
        if (lane.value() < lane_laser_w.size()) lane_laser_w[lane.value()] += per_lane;
    }
  }

  // Optical engines: dissipated power over their lanes.
  for (std::size_t o = 0; o < oes.size(); ++o) {
    const OeTelemetry* t = oe_t[o];
    if (t == nullptr) continue;
    const double watts = usable(t->power.value() / 1000.0);
    std::size_t count = 0;
    for (const BankInfo& bank : oes[o].banks) count += bank.lanes.size();
    if (watts == 0.0 || count == 0) continue;
    const double per_lane = watts / static_cast<double>(count);
    for (const BankInfo& bank : oes[o].banks)
      for (LaneId lane : bank.lanes)
        if (lane.value() < lane_oe_w.size()) lane_oe_w[lane.value()] += per_lane;
  }

  // Ports: the sum over their lanes; pJ/bit at the configured speed.
  snapshot.energy.clear();
  snapshot.energy.reserve(ports.size());
  double total = 0.0;
  for (const PortInfo& info : ports) {
    PortEnergy e;
    e.port = info.id;
    for (LaneId lane : info.lanes) {
      if (lane.value() >= lanes.size()) continue;
      e.laser_watts += lane_laser_w[lane.value()];
      e.oe_watts += lane_oe_w[lane.value()];
    }
    e.laser_watts = nano(finite_or_zero(e.laser_watts));
    e.oe_watts = nano(finite_or_zero(e.oe_watts));
    e.watts = nano(finite_or_zero(e.laser_watts + e.oe_watts));
    const PortTelemetry* p = info.id.value() < port_t.size() ? port_t[info.id.value()] : nullptr;
    const double gbps =
        p != nullptr ? static_cast<double>(p->subport_speed.value()) * static_cast<double>(p->subports) : 0.0;
    // W / (Gb/s) = nJ/bit; x 1000 = pJ/bit.
    e.pj_per_bit = gbps > 0.0 ? nano(finite_or_zero(e.watts / gbps * 1000.0)) : 0.0;
    total += e.watts;
    snapshot.energy.push_back(e);
  }
  snapshot.total_optics_watts = nano(finite_or_zero(total));
}

}  // namespace cpo::sdk
