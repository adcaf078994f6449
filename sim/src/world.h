// The simulator's model: a world of switches sharing one clock and timeline lock, and the role
// classes that act on it (firmware.h, optics.h, links.h, publisher.h). A fabric runs one world
// per group of switches that fibers connect (world_set.h). The work of one virtual instant runs
// per switch in parallel passes (each(), worker_pool.h). Private to cposdk_sim.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "cpo/hal/mutex.h"
#include "cpo/sim/simulator.h"
#include "firmware.h"
#include "links.h"
#include "models.h"
#include "optics.h"
#include "publisher.h"
#include "switch_store.h"
#include "worker_pool.h"

namespace cpo::sim {

class World {
 public:
  // `workers`: helper threads for the parallel passes (Fabric::kAutoWorkers: min(hardware
  // threads, 8) - 1; 0: every pass inline); the pool starts once the world runs
  // WorkerPool::kMinItems switches. `store`: where the world's switches live (shared with the
  // fabric's other worlds); `start`: the clock's first reading.
  World(ClockMode clock, std::size_t workers, SwitchStore& store,
        std::chrono::nanoseconds start = std::chrono::nanoseconds(0));
  ~World();

  // Adds a switch at the store's next index (the caller serialises adds).
  Result<std::size_t> add_switch(const SimOptions& options);
  SwitchModel& sw(std::size_t i) { return store_.at(i); }
  const SwitchModel& sw(std::size_t i) const { return store_.at(i); }

  // Runs this world's switches up to now() + d, or to `until` (no earlier than now()); run_to
  // with the lock held.
  void advance(std::chrono::nanoseconds d);
  void advance_to(std::chrono::nanoseconds until);
  void run_to(std::chrono::nanoseconds until);
  std::chrono::nanoseconds now() const noexcept {
    return std::chrono::nanoseconds(now_ns_.load(std::memory_order_acquire));
  }
  // A Bar's wait on switch `s`: runs the world `s` belongs to (virtual time) or sleeps.
  static void bar_wait(SwitchModel& s, std::chrono::nanoseconds d);
  ClockMode clock() const noexcept { return clock_; }
  cpo::Mutex& mutex() { return mu_; }
  void start_clock_thread();
  // Takes `other`'s switches, timers, rung doorbells and pending changes: from now on this
  // world runs them. Both locks held, both clocks equal. `other` is left empty and forwards
  // rings a Bar thread still sends it here.
  void absorb(World& other);
  [[nodiscard]] std::size_t size() const noexcept { return all_.size(); }
  Firmware& firmware() { return firmware_; }

  // The roles (caller holds the mutex).
  Publisher& publisher() { return publisher_; }
  Optics& optics() { return optics_; }
  Links& links() { return links_; }
  // Inside a pass the timer lands in its switch's new_timers (merged after the pass).
  void schedule(std::int64_t at_ns, Timer t) {
    if (in_pass_)
      sw(t.sw).new_timers.emplace_back(at_ns, t);
    else
      timers_.emplace(at_ns, t);
  }
  // `s` changed: the next settle recomputes it (its dirty_list_ entry) and the next tick does
  // not skip it as quiet. Inside a pass only `s` is written; the merge appends it to the list.
  void touch(SwitchModel& s) {
    s.changed = true;
    if (s.dirty) return;
    s.dirty = true;
    if (in_pass_)
      s.dirty_queued = true;
    else
      dirty_list_.push_back(s.index);
  }
  // True while a parallel pass runs: the per-switch work may write only its own switch.
  [[nodiscard]] bool in_pass() const noexcept { return in_pass_; }
  // A parallel pass: fn(SwitchModel&) for every switch in `list` (each once), spread over the
  // pool in chunks of `grain`, then the merge of what the pass left in the switches (touches,
  // timers, completions) in list order, so the result never depends on the interleaving.
  // Precondition: fn writes only the switch it is given and reads of other switches only what
  // no function of the same pass writes.
  template <typename F>
  void each(const std::vector<std::size_t>& list, std::size_t grain, F&& fn) {
    in_pass_ = true;
    auto one = [&](std::size_t i) { fn(sw(i)); };
    if (pool_ != nullptr)
      pool_->for_each(list, grain, one);
    else
      for (const std::size_t i : list) one(i);
    in_pass_ = false;
    merge(list);
  }
  // This world's switch indices, ascending (the tick's pass).
  [[nodiscard]] const std::vector<std::size_t>& all() const noexcept { return all_; }

  // Fibers a <-> b. `settle_now` false leaves the settle to the caller (a topology document
  // settles once after its last fiber).
  Status connect(std::size_t sa, PortId a, std::size_t sb, PortId b, double loss_db, bool settle_now = true);

  // Back-door helpers (caller holds the mutex).
  void mark_dirty() {
    for (const std::size_t i : all_) touch(sw(i));
  }
  void mark_dirty(SwitchModel& s) { touch(s); }
  // Recomputes physics and links of the switches changed since the last settle and of the
  // switches their fibers reach, and publishes them; then posts the completions of the
  // commands fired in the last passes (a driver sees a completion only once what the command
  // changed is published).
  void settle();

 private:
  friend class UnitBar;
  void run_until(std::int64_t end_ns);
  // Fires every timer due at now(): the tick alone on this thread, the others grouped by
  // switch in one pass (a switch's timers in queue order); link training last, in a pass of
  // its own, because it reads the far end's ports the other timers may write.
  void fire_instant();
  void fire(const Timer& t);
  void merge(const std::vector<std::size_t>& list);
  // The firmware tick falls on multiples of tick_ns_ from time 0, in every world alike, so a
  // switch's ticks do not depend on which world runs it.
  void schedule_tick();

  ClockMode clock_;
  cpo::Mutex mu_;
  std::atomic<std::int64_t> now_ns_{0};
  std::multimap<std::int64_t, Timer> timers_;
  SwitchStore& store_;
  Publisher publisher_{*this};     // the status region and event ring of every unit
  Firmware firmware_{*this, mu_};  // the mailbox and doorbells of every unit
  Optics optics_{*this};           // CMIS pages, module, data path and laser state machines
  Links links_{*this};             // physics, receivers, links, thermal, the tick, settling
  // Switches changed since the last settle (each once), see touch().
  std::vector<std::size_t> dirty_list_;
  bool tick_scheduled_ = false;
  std::int64_t tick_ns_ = 100'000'000;
  bool tick_set_ = false;  // a switch's options set tick_ns_
  std::thread thread_;
  std::atomic<bool> stop_{false};
  // Parallel passes (each()). Written by the thread holding mu_ around a pass; the pool's
  // hand-off orders it for the helpers.
  std::size_t workers_;
  std::unique_ptr<WorkerPool> pool_;
  bool in_pass_ = false;
  std::vector<std::size_t> all_;
  std::vector<std::size_t> groups_, trains_;  // fire_instant's switch lists
  // Completions posted by commands of the last pass, in merge order; World::settle posts them.
  std::vector<std::pair<std::size_t, Completion>> completions_, posting_;
};

// A switch's world locked for a scope, whichever world runs the switch when the lock is
// taken (a fiber to another world may merge it away while the lock is awaited).
class SwitchLock {
 public:
  explicit SwitchLock(SwitchModel& s) CPO_NO_THREAD_SAFETY_ANALYSIS : s_(s) {
    for (;;) {
      world_ = s_.world.load(std::memory_order_acquire);
      world_->mutex().lock();
      if (s_.world.load(std::memory_order_acquire) == world_) return;
      world_->mutex().unlock();
    }
  }
  ~SwitchLock() CPO_NO_THREAD_SAFETY_ANALYSIS { world_->mutex().unlock(); }
  SwitchLock(const SwitchLock&) = delete;
  SwitchLock& operator=(const SwitchLock&) = delete;
  [[nodiscard]] World& world() const noexcept { return *world_; }
  [[nodiscard]] SwitchModel& sw() const noexcept { return s_; }

 private:
  SwitchModel& s_;
  World* world_ = nullptr;
};

}  // namespace cpo::sim
