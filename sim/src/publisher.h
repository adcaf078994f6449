// The firmware's publisher: what the host reads of a unit's window besides the mailbox (the
// status region under its seqlock, the event ring) and the snapshot channel's copy of it. Private
// to cposdk_sim; every method runs with the world lock held.
#pragma once

#include <array>
#include <cstdint>

#include "cpo/hal/backend/refdev/refdev.h"

namespace cpo::sim {

namespace rd = cpo::refdev;

class World;
struct SwitchModel;
struct UnitModel;

class Publisher {
 public:
  explicit Publisher(World& world) noexcept : world_(world) {}

  void publish(SwitchModel& s);
  void publish_monitors(SwitchModel& s);  // modules and lasers, not ports and lanes
  void publish_heartbeat(SwitchModel& s, bool counters);
  void publish_unit(SwitchModel& s, UnitModel& u, bool links);

  void event(SwitchModel& s, UnitModel& u, rd::EventType type, std::uint32_t object, std::uint32_t cause,
             std::uint32_t detail);
  void port_event(SwitchModel& s, std::uint32_t port, std::uint32_t sub, rd::EventType type, rd::LinkCause cause);
  void oe_event(SwitchModel& s, std::uint32_t oe, std::uint32_t sub, rd::EventType type, std::uint32_t cause,
                std::uint32_t detail);
  void els_event(SwitchModel& s, std::uint32_t els, std::uint32_t laser, bool laser_object, rd::EventType type,
                 std::uint32_t cause, std::uint32_t detail);

  // Status snapshot channel (refdev 1.4): settles, then copies the first `bytes` bytes of the
  // unit's status region into `host` (DMA) as of one even generation, which it returns.
  // Precondition: bytes % 4 == 0, bytes <= the status region, `host` holds bytes / 4 words.
  std::uint32_t copy_status(SwitchModel& s, UnitModel& u, std::uint32_t* host, std::uint32_t bytes);

 private:
  void write_counters(SwitchModel& s, UnitModel& u);

  World& world_;
};

}  // namespace cpo::sim
