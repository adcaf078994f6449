// The units' mailbox firmware: the doorbell queue Bar threads ring, command validation
// (refdev/mailbox.h's generated checks) and execution, completions and unit resets, and the
// status snapshot channel (refdev/snapshot_channel.h's checks). Private to
// cposdk_sim; everything but ring() runs with the world lock held.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/mutex.h"

namespace cpo::sim {

namespace rd = cpo::refdev;

class World;
struct SwitchModel;
struct UnitModel;
struct Completion;

class Firmware {
 public:
  // `world_mu`: the world's lock, named for the lock order below.
  Firmware(World& world, cpo::Mutex& world_mu) noexcept : world_(world), world_mu_(world_mu) {}

  // A Bar thread wrote a doorbell, HardReset or SnapRequest of `u`: queue the unit for the firmware. Takes
  // only the doorbell queue's lock, never the world's.
  void ring(SwitchModel& s, UnitModel& u) noexcept;
  // The firmware polls this unit's doorbell (UnitModel::polled) instead of waiting for a ring.
  void poll(std::size_t sw, std::size_t unit) { polled_.emplace_back(sw, unit); }
  void scan_doorbells();
  // `other`'s world merges into this one's: its rung and polled units move here, and a ring
  // it gets afterwards (a Bar thread that read the old world) is passed on here.
  void absorb(Firmware& other);

  void execute(SwitchModel& s, UnitModel& u);  // a command's timer fired
  // What the command u executes next changes: only what its unit shows (`shows`: a read's
  // latched flags, the event ring's consumer, an MTU, counters, a refusal), the configuration
  // of ports first..first + count - 1 of the switch (`ports`: their lanes, links and the far
  // ends of their fibers), or anything of its node (`whole`: a CMIS write). execute() settles
  // that much (World::show, touch_port, touch), and its timer's batch reserves that much
  // (World::for_writes).
  struct Scope {
    enum Kind { shows, ports, whole } kind = whole;
    std::uint32_t first = 0, count = 0;
  };
  [[nodiscard]] static Scope scope(const SwitchModel& s, const UnitModel& u) noexcept;
  void hard_reset(SwitchModel& s, UnitModel& u, bool from_mailbox);
  void reset_unit_state(SwitchModel& s, UnitModel& u);  // a reset's timer fired
  // Writes a completion a pass left (World::settle calls it once the model has settled).
  void post(SwitchModel& s, const Completion& c);

 private:
  void service_doorbell(SwitchModel& s, UnitModel& u);
  void serve_snapshot(SwitchModel& s, UnitModel& u, std::uint32_t sequence);
  void on_doorbell(SwitchModel& s, UnitModel& u, std::uint32_t tag);
  // Inside a pass the completion waits in the switch (SwitchModel::completions) for the settle
  // that publishes what the command changed; outside, it settles and posts at once.
  void complete(SwitchModel& s, UnitModel& u, rd::Completion code, std::array<std::uint32_t, 4> results);
  rd::Completion validate(SwitchModel& s, UnitModel& u, std::uint32_t& bad_arg);
  std::array<std::uint32_t, 4> set_mtu(SwitchModel& s, UnitModel& u);

  World& world_;
  cpo::Mutex& world_mu_;
  // Units rung through their Bars since the firmware last looked, in ring order. Lock order:
  // bell_mu_ is taken with or without the world's lock held, never the other way round.
  cpo::Mutex bell_mu_ CPO_ACQUIRED_AFTER(world_mu_);
  std::vector<std::pair<std::size_t, std::size_t>> rung_ CPO_GUARDED_BY(bell_mu_);
  Firmware* forward_ CPO_GUARDED_BY(bell_mu_) = nullptr;       // set once the world merged away
  std::vector<std::pair<std::size_t, std::size_t>> serving_;   // rung_ taken by scan_doorbells
  std::vector<std::pair<std::size_t, std::size_t>> deferred_;  // of those, the ones left rung
  std::vector<std::pair<std::size_t, std::size_t>> polled_;    // units with UnitModel::polled
};

}  // namespace cpo::sim
