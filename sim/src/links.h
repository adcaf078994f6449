// Physics and links of the simulated switch: light -> SNR -> BER -> FEC per receiver, links
// with hysteresis and training, thermal and aging, the firmware tick, and settling (what a
// change costs: only the switches and ports it reaches). Private to cposdk_sim; every method
// runs with the world lock held, the per-switch ones inside the world's parallel passes
// (World::each): they write only the switch they are given.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "cpo/hal/backend/refdev/refdev.h"

namespace cpo::sim {

namespace rd = cpo::refdev;

class World;
struct SwitchModel;
struct NodeModel;
struct LaneModel;

class Links {
 public:
  explicit Links(World& world) noexcept : world_(world) {}

  // Settling's lists, one per batch (batches of one world may settle side by side).
  struct Scratch {
    std::vector<std::size_t> now, phys, rx, links, pub;
    std::vector<std::pair<std::size_t, std::uint32_t>> rx_hit, link_hit;  // (node, lane) and (node, port)
  };
  // Recomputes physics and links of the nodes in `dirty` (taken and cleared: their listed ports,
  // or all of them) and of the far lanes and ports their fibers reach, and publishes them.
  void settle(std::vector<std::size_t>& dirty, Scratch& scratch);
  void tick(std::int64_t dt_ns);
  // Returns true when every temperature is at its target (within kThermalEpsilonC) and no
  // laser ramps: nothing the next pass computes would differ visibly. `aging` false: the
  // start-up pass that puts a new switch at its thermal steady state.
  bool thermal(SwitchModel& s, double dt_s, bool aging = true);
  void link_down(SwitchModel& s, std::uint32_t port, std::uint32_t sub, rd::LinkCause cause);
  bool subport_ok(SwitchModel& s, std::uint32_t port, std::uint32_t sub, rd::LinkCause& cause);

 private:
  // Settling, per port: recompute() reports the far lanes of transmitters whose light, taps
  // or PRBS generator changed (NodeModel::rx_hits), far_views() the far ports of ports whose
  // configuration changed and recompute_rx() those of lanes whose receiver state changed
  // (link_hits); settle() gathers them into the far nodes' rx_lanes and link_ports.
  // recompute_rx and evaluate_links return whether anything the status region shows changed.
  void recompute(SwitchModel& s, NodeModel& n);
  // Lists in `hits` lane l's far lane (`port` false) or its port, with its node, unless that
  // is n itself and n's pass does all of it (`whole`).
  void hit(std::vector<std::pair<std::size_t, std::uint32_t>>& hits, const NodeModel& n, const LaneModel& l, bool port,
           bool whole);
  void far_views(SwitchModel& s, NodeModel& n);
  // `stamp`: the settle's, for the node's own link ports it lists.
  bool recompute_rx(SwitchModel& s, NodeModel& n, std::uint64_t stamp);
  bool evaluate_links(SwitchModel& s, NodeModel& n);
  // Page 11h Tx bias flags of every OE bank against the page 02h thresholds.
  void tx_bias_flags(SwitchModel& s);
  void count(SwitchModel& s, double dt_s);
  // One switch's part of the tick (a parallel pass); true when it must be republished whole
  // after the settle.
  bool tick_switch(SwitchModel& s, double dt_s);

  World& world_;
  std::uint64_t tick_count_ = 0;
  std::vector<std::size_t> ticked_;
  std::atomic<std::uint64_t> settle_stamp_{0};
};

}  // namespace cpo::sim
