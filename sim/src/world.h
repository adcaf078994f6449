// The simulator's model: a world of switches sharing one clock and lock, and the role classes
// that act on it (firmware.h, optics.h, links.h, publisher.h). Private to cposdk_sim.
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

namespace cpo::sim {

class World {
 public:
  explicit World(ClockMode clock);
  ~World();

  Result<std::size_t> add_switch(const SimOptions& options);
  SwitchModel& sw(std::size_t i) { return *switches_[i]; }
  const SwitchModel& sw(std::size_t i) const { return *switches_[i]; }
  std::size_t size() const { return switches_.size(); }

  void advance(std::chrono::nanoseconds d);
  std::chrono::nanoseconds now() const noexcept {
    return std::chrono::nanoseconds(now_ns_.load(std::memory_order_acquire));
  }
  void bar_wait(std::chrono::nanoseconds d);
  ClockMode clock() const noexcept { return clock_; }
  cpo::Mutex& mutex() { return mu_; }
  void start_clock_thread();

  // The roles (caller holds the mutex).
  Publisher& publisher() { return publisher_; }
  Optics& optics() { return optics_; }
  Links& links() { return links_; }
  void schedule(std::int64_t at_ns, Timer t);
  // `s` changed: the next settle recomputes it (its dirty_list_ entry) and the next tick does
  // not skip it as quiet.
  void touch(SwitchModel& s) {
    s.changed = true;
    if (s.dirty) return;
    s.dirty = true;
    dirty_list_.push_back(s.index);
  }

  // Fibers a <-> b. `settle_now` false leaves the settle to the caller (a topology document
  // settles once after its last fiber).
  Status connect(std::size_t sa, PortId a, std::size_t sb, PortId b, double loss_db, bool settle_now = true);

  // Back-door helpers (caller holds the mutex).
  void mark_dirty() {
    for (auto& s : switches_) touch(*s);
  }
  void mark_dirty(SwitchModel& s) { touch(s); }
  // Recomputes physics and links of the switches changed since the last settle and of the
  // switches their fibers reach, and publishes them.
  void settle();

 private:
  friend class UnitBar;
  void run_until(std::int64_t end_ns);
  void fire(const Timer& t);

  ClockMode clock_;
  cpo::Mutex mu_;
  std::atomic<std::int64_t> now_ns_{0};
  std::multimap<std::int64_t, Timer> timers_;
  std::vector<std::unique_ptr<SwitchModel>> switches_;
  Publisher publisher_{*this};     // the status region and event ring of every unit
  Firmware firmware_{*this, mu_};  // the mailbox and doorbells of every unit
  Optics optics_{*this};           // CMIS pages, module, data path and laser state machines
  Links links_{*this};             // physics, receivers, links, thermal, the tick, settling
  // Switches changed since the last settle (each once), see touch().
  std::vector<std::size_t> dirty_list_;
  bool tick_scheduled_ = false;
  std::int64_t tick_ns_ = 100'000'000;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace cpo::sim
