// Taking a snapshot: every unit's telemetry, then what the SDK derives from it.
#include <algorithm>
#include <limits>

#include "core/switch_impl.h"

namespace cpo::sdk {

Status DeviceSwitch::Impl::take_snapshot(Snapshot& out) {
  out.schema_version = kSnapshotSchemaVersion;
  out.platform = platform.name();
  CPO_RETURN_IF_ERROR(read_units(out.units));

  std::vector<const LaneTelemetry*> lanes(platform.lanes().size(), nullptr);
  for (const auto& u : out.units.units)
    for (const auto& l : u.lanes)
      if (l.lane.value() < lanes.size()) lanes[l.lane.value()] = &l;

  const auto& modes = platform.breakout_modes();
  const BreakoutMap current = breakout_of(out.units);
  out.logical_ports.clear();
  for (const auto& u : out.units.units) {
    for (const auto& p : u.ports) {
      const BreakoutMode& mode = p.breakout < modes.size() ? modes[p.breakout] : platform.default_breakout();
      auto subs = platform.subports(p.port, mode);
      if (!subs) continue;
      const PortInfo& info = platform.ports()[p.port.value()];
      for (std::uint32_t s = 0; s < subs->size(); ++s) {
        LogicalPortTelemetry lp;
        lp.port = LogicalPort{p.port, s};
        auto name = sonic_name(platform, lp.port, current);
        if (name) lp.name = std::move(*name);
        lp.speed = (*subs)[s].speed;
        lp.admin = ((p.admin_mask >> s) & 1u) != 0 ? AdminState::up : AdminState::down;
        lp.oper = ((p.oper_mask >> s) & 1u) != 0 ? OperState::up : OperState::down;
        double rx_min = std::numeric_limits<double>::infinity();
        for (std::uint32_t k = 0; k < (*subs)[s].count; ++k) {
          const LaneId id = info.lanes[(*subs)[s].first + k];
          lp.lanes.push_back(id);
          if (const LaneTelemetry* l = lanes[id.value()]) {
            lp.fec_corrected += l->fec_corrected;
            lp.fec_uncorrected += l->fec_uncorrected;
            lp.pre_fec_ber_max = std::max(lp.pre_fec_ber_max, l->pre_fec_ber);
            rx_min = std::min(rx_min, l->rx_power.value());
          }
        }
        lp.rx_power_min = Milliwatts(std::isfinite(rx_min) ? rx_min : 0.0);
        out.logical_ports.push_back(std::move(lp));
      }
    }
  }
  {
    Lock lock(thresholds_mu);
    out.oe_thresholds = oe_thresholds;
  }
  out.laser_thresholds = laser_thresholds();
  account_energy(platform, out);
  return ok_status();
}

Status DeviceSwitch::snapshot(Snapshot& out) { return impl_->take_snapshot(out); }

}  // namespace cpo::sdk
