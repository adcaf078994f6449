// Telemetry: one snapshot of the whole switch, its five worst lanes by pre-FEC BER, and the
// energy each port costs.
//
//   telemetry [URI]        default sim://cpo144
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <cpo/sdk/switch.h>

int main(int argc, char** argv) {
  const std::string uri = argc > 1 ? argv[1] : "sim://cpo144";
  auto opened = cpo::Switch::open(uri);
  if (!opened) {
    std::fprintf(stderr, "open %s: %s\n", uri.c_str(), opened.status().to_string().c_str());
    return 4;
  }
  cpo::Switch& sw = **opened;

  // On a fresh simulator every port is admin down: bring the first 32 up and let them train.
  if (sw.simulator() != nullptr) {
    for (std::uint32_t p = 0; p < 32; ++p) (void)sw.set_admin(cpo::PortId(p), cpo::AdminState::up);
    (void)sw.simulator()->degrade_lane(cpo::LaneId(9), cpo::Decibels(3.0));  // one weak lane
    sw.sleep_for(std::chrono::seconds(3));
  }

  auto snap = sw.snapshot();
  if (!snap) {
    std::fprintf(stderr, "snapshot: %s\n", snap.status().to_string().c_str());
    return 4;
  }
  std::size_t up = 0, lit = 0;
  std::vector<const cpo::LaneTelemetry*> lanes;
  for (const auto& unit : snap->units.units) {
    for (const auto& p : unit.ports) up += p.oper() == cpo::OperState::up ? 1u : 0u;
    for (const auto& l : unit.lasers) lit += l.state == cpo::LaserState::on ? 1u : 0u;
    for (const auto& l : unit.lanes)
      if (l.cdr_lock) lanes.push_back(&l);
  }
  std::printf("%s: %zu ports, %zu up; %zu logical ports; %zu lasers lit; optics %.1f W\n", snap->platform.c_str(),
              sw.platform().ports().size(), up, snap->logical_ports.size(), lit, snap->total_optics_watts);

  std::sort(lanes.begin(), lanes.end(), [](auto* a, auto* b) { return a->pre_fec_ber > b->pre_fec_ber; });
  std::printf("worst lanes by pre-FEC BER:\n");
  for (std::size_t i = 0; i < std::min<std::size_t>(5, lanes.size()); ++i) {
    std::printf("  lane%-4u BER %.2e  SNR %.1f dB  rx %.3f mW\n", lanes[i]->lane.value(), lanes[i]->pre_fec_ber,
                lanes[i]->snr.value(), lanes[i]->rx_power.value());
  }

  std::printf("energy per port (laser share + optical engine share):\n");
  for (const auto& e : snap->energy) {
    if (e.port.value() >= 8) break;
    std::printf("  port %-3u %5.2f W = %4.2f + %4.2f W   %5.2f pJ/bit\n", e.port.value(), e.watts, e.laser_watts,
                e.oe_watts, e.pj_per_bit);
  }
  return 0;
}
