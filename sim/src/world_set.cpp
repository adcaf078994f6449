// A fabric's worlds: a world per group of fiber-connected switches, merged when a fiber joins
// two groups.
#include "world_set.h"

#include <algorithm>

namespace cpo::sim {

// ---------------------------------------------------------------------------- store
SwitchStore::SwitchStore() = default;
SwitchStore::~SwitchStore() = default;

void SwitchStore::add(std::unique_ptr<SwitchModel> s) {
  const std::size_t i = size_.load(std::memory_order_relaxed);
  auto& chunk = chunks_[i >> kChunkBits];
  if (chunk == nullptr) chunk = std::make_unique<std::unique_ptr<SwitchModel>[]>(kChunk);
  chunk[i & (kChunk - 1)] = std::move(s);
  size_.store(i + 1, std::memory_order_release);
}

// ---------------------------------------------------------------------------- worlds
WorldSet::WorldSet(ClockMode clock, std::size_t workers) : clock_(clock), workers_(workers) {
  if (clock_ == ClockMode::real_time) {
    // One clock thread serves the whole fabric.
    cpo::Lock lock(mu_);
    worlds_.push_back(std::make_unique<World>(clock_, workers_, store_));
    live_.push_back(worlds_.back().get());
  }
}

WorldSet::~WorldSet() {
  // Worlds first (their clock thread and pools), the switches after.
  cpo::Lock lock(mu_);
  live_.clear();
  worlds_.clear();
}

std::vector<World*> WorldSet::live_worlds() const {
  cpo::Lock lock(mu_);
  return live_;
}

Result<std::size_t> WorldSet::add_switch(const SimOptions& options) {
  cpo::Lock adding(add_mu_);
  if (store_.next_index() >= SwitchStore::kCapacity)
    return Status(Code::out_of_range,
                  "sim: a fabric holds at most " + std::to_string(SwitchStore::kCapacity) + " switches");
  if (clock_ == ClockMode::real_time) {
    World& w = *live_worlds().front();
    cpo::Lock lock(w.mutex());
    w.catch_up();  // the clock thread's batch may run beside
    return w.add_switch(options);
  }
  auto world = std::make_unique<World>(clock_, workers_, store_, now());
  Result<std::size_t> index = [&] {
    cpo::Lock lock(world->mutex());
    return world->add_switch(options);
  }();
  if (!index.ok()) return index;
  cpo::Lock lock(mu_);
  live_.push_back(world.get());
  worlds_.push_back(std::move(world));
  return index;
}

Status WorldSet::connect(std::size_t sa, PortId a, std::size_t sb, PortId b, double loss_db, bool settle_now) {
  SwitchModel& A = store_.at(sa);
  SwitchModel& B = store_.at(sb);
  auto catch_up = [](World* w) {
    cpo::Lock lock(w->mutex());
    w->catch_up();
  };
  for (;;) {
    World* wa = A.world.load(std::memory_order_acquire);
    World* wb = B.world.load(std::memory_order_acquire);
    if (wa == wb) {
      cpo::Lock lock(wa->mutex());
      if (A.world.load(std::memory_order_acquire) != wa || B.world.load(std::memory_order_acquire) != wa) continue;
      wa->catch_up();  // the fiber changes what batches beside this thread may read
      return wa->connect(sa, a, sb, b, loss_db, settle_now);
    }
    // Two worlds: locks in address order (no other path holds two world locks), with no batch
    // running beside in either (waiting for one would release one lock while holding the
    // other: they are waited for with one lock held, then both are taken again).
    World* first = std::less<World*>()(wa, wb) ? wa : wb;
    World* second = first == wa ? wb : wa;
    {
      cpo::Lock l1(first->mutex());
      cpo::Lock l2(second->mutex());
      if (A.world.load(std::memory_order_acquire) != wa || B.world.load(std::memory_order_acquire) != wb) continue;
      if (!wa->busy() && !wb->busy()) {
        // Refusals first: a refused fiber leaves both worlds as they were.
        if (a.value() >= A.ports.size() || b.value() >= B.ports.size() ||
            A.ports[a.value()].lanes != B.ports[b.value()].lanes)
          return wa->connect(sa, a, sb, b, loss_db, settle_now);
        // One clock: the earlier world runs up to the later one's time (holding its lock
        // throughout; a topology document's worlds share one clock, so nothing runs and its
        // settle waits for the last fiber), then the smaller joins the larger (a switch moves
        // O(log n) times however a topology is cabled).
        const auto t = std::max(wa->clock_now(), wb->clock_now());
        if (wa->clock_now() < t) wa->run_to(t, true);
        if (wb->clock_now() < t) wb->run_to(t, true);
        World* keep = wa->size() >= wb->size() ? wa : wb;
        World* gone = keep == wa ? wb : wa;
        keep->absorb(*gone);
        {
          cpo::Lock lock(mu_);
          live_.erase(std::find(live_.begin(), live_.end(), gone));
        }
        return keep->connect(sa, a, sb, b, loss_db, settle_now);
      }
    }
    catch_up(first);
    catch_up(second);
  }
}

void WorldSet::settle_all() {
  for (World* w : live_worlds()) {
    cpo::Lock lock(w->mutex());
    w->catch_up();
    w->settle();
  }
}

void WorldSet::advance(std::chrono::nanoseconds d) {
  if (clock_ == ClockMode::real_time) return;
  const auto until = now() + d;
  // A world merged away meanwhile is empty: its switches reach `until` with the one that took them.
  for (World* w : live_worlds()) w->advance_to(until);
}

std::chrono::nanoseconds WorldSet::now() const {
  std::chrono::nanoseconds t(0);
  for (World* w : live_worlds()) t = std::max(t, w->clock_now());
  return t;
}

void WorldSet::start_clock_thread() {
  if (clock_ != ClockMode::real_time) return;
  live_worlds().front()->start_clock_thread();
}

}  // namespace cpo::sim
