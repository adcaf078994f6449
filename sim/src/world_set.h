// A fabric's worlds: one timeline (World: clock, timers, lock) per group of switches that
// fibers connect, over one store of switches. Switches no fiber joins share nothing, so their
// commands, waits and faults run on their own threads at the same time; a fiber between two
// groups merges their worlds (docs/simulator.md "Threads and locks"). A real-time fabric keeps
// one world: its clock thread serves every switch. Private to cposdk_sim.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "cpo/hal/mutex.h"
#include "cpo/hal/status.h"
#include "cpo/sim/simulator.h"
#include "switch_store.h"
#include "world.h"

namespace cpo::sim {

class WorldSet {
 public:
  WorldSet(ClockMode clock, std::size_t workers);
  ~WorldSet();
  WorldSet(const WorldSet&) = delete;
  WorldSet& operator=(const WorldSet&) = delete;

  // A new switch in a world of its own (virtual time) whose clock starts at now().
  Result<std::size_t> add_switch(const SimOptions& options);
  // Fibers sa:a <-> sb:b; switches of two worlds first bring the later world's clock to the
  // other's, then run as one world. `settle_now` false: the caller settles (settle_all).
  Status connect(std::size_t sa, PortId a, std::size_t sb, PortId b, double loss_db, bool settle_now = true);
  void settle_all();
  // Every world to now() + d (virtual time).
  void advance(std::chrono::nanoseconds d);
  // The latest clock of the worlds: every world reaches it at its next advance().
  [[nodiscard]] std::chrono::nanoseconds now() const;
  [[nodiscard]] SwitchModel& sw(std::size_t i) const noexcept { return store_.at(i); }
  void start_clock_thread();

 private:
  [[nodiscard]] std::vector<World*> live_worlds() const;

  ClockMode clock_;
  std::size_t workers_;
  SwitchStore store_;
  // Serialises adds (a switch's index is the store's next one until it is added). Lock order:
  // add_mu_, then a world's lock, then mu_.
  cpo::Mutex add_mu_;
  mutable cpo::Mutex mu_;
  // Every world made; merged ones stay (empty) for the threads that may still hold their
  // address. live_ lists those that still run switches, in creation order.
  std::vector<std::unique_ptr<World>> worlds_ CPO_GUARDED_BY(mu_);
  std::vector<World*> live_ CPO_GUARDED_BY(mu_);
};

}  // namespace cpo::sim
