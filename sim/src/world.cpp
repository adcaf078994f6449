// The world: the switches, their shared clock and timers, unit setup and fibers. Its roles:
// firmware.cpp (mailbox), optics.cpp (CMIS), links.cpp (physics, links, tick, settling),
// publisher.cpp (status region, events).
#include "world.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <thread>

#include "cpo/hal/backend/refdev/mailbox.h"
#include "physics.h"

namespace cpo::sim {

namespace {
constexpr std::int64_t ns_of(double seconds) { return static_cast<std::int64_t>(seconds * 1e9); }
std::uint32_t u32(std::size_t v) { return static_cast<std::uint32_t>(v); }
}  // namespace

bool WindowMemory::map(std::size_t units) noexcept {
  const std::size_t bytes = units * rd::kWindowBytes;
  void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return false;
  base_ = m;
  bytes_ = bytes;
  return true;
}

WindowMemory::~WindowMemory() {
  if (base_ != nullptr) ::munmap(base_, bytes_);
}

// ---------------------------------------------------------------------------- Bar
std::uint32_t UnitBar::read32(std::size_t offset) const noexcept {
  UnitModel& u = *sw_->units[unit_];
  if (u.removed.load(std::memory_order_acquire) || offset >= rd::kWindowBytes || offset % 4 != 0) return 0xFFFFFFFFu;
  std::uint32_t pending = u.pcie_error_reads.load(std::memory_order_acquire);
  while (pending > 0) {
    if (u.pcie_error_reads.compare_exchange_weak(pending, pending - 1, std::memory_order_acq_rel)) return 0xFFFFFFFFu;
  }
  return u.win.load(offset);
}

void UnitBar::write32(std::size_t offset, std::uint32_t value) noexcept {
  UnitModel& u = *sw_->units[unit_];
  if (u.removed.load(std::memory_order_acquire) || offset >= rd::kWindowBytes || offset % 4 != 0) return;
  // writes() counts state-changing writes: the snapshot channel's registers only ask for a
  // copy of the status region and EvtConsumer only acknowledges events read, so reading
  // telemetry or events (an SDK's event thread does so at any time) leaves the count alone.
  const bool snapshot_channel = offset - rd::region::kSnapshot.offset < rd::region::kSnapshot.bytes;
  if (!snapshot_channel && offset != rd::reg::kEvtConsumer) u.writes.fetch_add(1, std::memory_order_relaxed);
  u.win.store(offset, value);
  // Doorbell notification: the firmware serves the units rung, it never scans the fabric.
  if (offset == rd::reg::kMbxDoorbell || offset == rd::reg::kHardReset || offset == rd::reg::kSnapRequest)
    sw_->world.load(std::memory_order_acquire)->firmware().ring(*sw_, u);
}

std::chrono::nanoseconds UnitBar::now() const noexcept {
  return sw_->world.load(std::memory_order_acquire)->clock_now();
}
void UnitBar::wait(std::chrono::nanoseconds duration) noexcept { World::bar_wait(*sw_, unit_, duration); }

// ---------------------------------------------------------------------------- world
thread_local World::Current World::tl_;
thread_local NodeModel* World::tl_node_ = nullptr;

World::World(ClockMode clock, std::size_t workers, SwitchStore& store, std::chrono::nanoseconds start)
    : clock_(clock), now_ns_(start.count()), store_(store), workers_(workers) {
  main_.now = start.count();
  if (workers_ == Fabric::kAutoWorkers) {
    // The advancing thread is one of the min(hardware threads, 8) that run a pass.
    const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
    workers_ = std::min<std::size_t>(hw, 8) - 1;
  }
}

World::~World() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void World::start_clock_thread() {
  if (clock_ != ClockMode::real_time || thread_.joinable()) return;
  thread_ = std::thread([this] {
    const auto start = std::chrono::steady_clock::now() - clock_now();
    while (!stop_.load()) {
      // The firmware's service period in real-time mode: doorbells are seen within 200 us.
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      const auto target =
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
      cpo::Lock lock(mu_);
      run_until(target.count());
    }
  });
}

void World::bar_wait(SwitchModel& s, std::size_t unit, std::chrono::nanoseconds d) {
  // A real-time fabric never merges worlds: its one world's clock thread serves every switch.
  if (s.world.load(std::memory_order_acquire)->clock_ == ClockMode::real_time) {
    std::this_thread::sleep_for(d);
    return;
  }
  // Announced before the lock: a batch that starts while another thread waits for the lock
  // marks its writes, so this thread's batch may run beside it (World::dispatchable).
  World* w = s.world.load(std::memory_order_acquire);
  w->runners_.fetch_add(1, std::memory_order_acq_rel);
  {
    SwitchLock held(s, false);
    held.world().run_until(held.world().now_ns_.load() + d.count(), &s.node_of(unit));
  }
  w->runners_.fetch_sub(1, std::memory_order_acq_rel);
}

void World::advance_to(std::chrono::nanoseconds until) {
  runners_.fetch_add(1, std::memory_order_acq_rel);
  {
    cpo::Lock lock(mu_);
    run_to(until);
  }
  runners_.fetch_sub(1, std::memory_order_acq_rel);
}

void World::run_to(std::chrono::nanoseconds until, bool alone) {
  // A world merged away has no switch left to run.
  if (clock_ == ClockMode::real_time || all_.empty()) return;
  run_until(std::max(now_ns_.load(), until.count()), nullptr, alone);
}

void World::schedule_tick() {
  tick_scheduled_ = true;
  schedule((now_ns_.load() / tick_ns_ + 1) * tick_ns_, Timer{TimerKind::tick, 0, 0, 0, 0, 0});
}

// The instants up to end_ns, in order. An instant whose timers touch fewer than
// WorkerPool::kMinItems nodes runs as a batch with the lock released, so that another
// thread's instant may start beside it when the two are far enough apart in the fibers and in
// time (dispatchable); a larger instant (and the firmware tick) runs with the lock held and
// no batch beside it, its nodes' work spread over the pool.
void World::run_until(std::int64_t end_ns, const NodeModel* own, bool alone) CPO_NO_THREAD_SAFETY_ANALYSIS {
  if (!tick_scheduled_) schedule_tick();
  service();
  for (;;) {
    auto it = timers_.begin();
    if (it == timers_.end() || it->first > end_ns) break;
    const std::int64_t t = it->first;
    std::unique_ptr<Batch> b = take_spare();
    bool tick = false;
    const bool few = take(t, *b, tick);
    // Nodes of the instant far apart in the fibers make batches of their own, which other
    // threads may take beside this one; a batch of fewer than WorkerPool::kMinItems nodes
    // gains nothing from the pool. An instant of many nodes (link training after a
    // fabric-wide bring-up) runs whole.
    if (few && !tick && !alone) {
      if (b->serial)
        list_writes(t, *b);
      else
        keep_near_first(t, *b);
    }
    const bool small = few && (pool_ == nullptr || b->groups.size() + b->trains.size() < WorkerPool::kMinItems);
    if (small && !tick && !alone) {
      // Changes left by a back-door call settle first, with nothing running beside.
      const bool settled = main_.dirty.empty() && main_.completions.empty();
      if (!settled && running_.empty()) settle();
      if (!settled || !dispatchable(t, *b)) {
        give_back(std::move(b));
        if (!running_.empty()) wait_batch_end();
        continue;
      }
      take_due(t, *b);
      b->now = t;
      run_beside(std::move(b));
      service();
      continue;
    }
    give_back(std::move(b));
    if (!running_.empty()) {
      wait_batch_end();
      continue;
    }
    // Everything due at the same instant runs before the model settles.
    set_clock(std::max(now_ns_.load(), t));
    main_.now = t;  // behind the clock when other threads' batches overtook this instant
    fire_instant();
    settle();
    main_.now = now_ns_.load();
    service();
  }
  // The caller sees every instant up to end_ns finished, or, for a Bar's wait, those that
  // write its node: a batch that does not may still run beside.
  auto pending = [&] {
    if (running_.empty() || *running_.begin() > end_ns) return false;
    return own == nullptr || unmarked_ > 0 || own->writers > 0;
  };
  while (pending()) wait_batch_end();
  set_clock(std::max(now_ns_.load(), end_ns));
  service();
}

std::unique_ptr<Batch> World::take_spare() {
  if (spare_.empty()) return std::make_unique<Batch>();
  std::unique_ptr<Batch> b = std::move(spare_.back());
  spare_.pop_back();
  return b;
}

void World::give_back(std::unique_ptr<Batch> b) {
  b->groups.clear();
  b->trains.clear();
  b->serial = false;
  spare_.push_back(std::move(b));
}

void World::catch_up() CPO_NO_THREAD_SAFETY_ANALYSIS {
  for (;;) {
    // Waiting releases the lock: other threads may start batches meanwhile, later ones too.
    if (!running_.empty()) {
      wait_batch_end();
      continue;
    }
    // Instants left behind the clock run alone: the lock stays held from here on.
    if (!timers_.empty() && timers_.begin()->first <= now_ns_.load()) run_until(now_ns_.load(), nullptr, true);
    return;
  }
}

void World::wait_batch_end() CPO_NO_THREAD_SAFETY_ANALYSIS {
  const std::uint64_t seen = batch_ends_;
  batch_end_.wait(mu_, [&] { return batch_ends_ != seen; });
}

void World::service() {
  // An instant left behind the clock runs first: a doorbell seen now must not overtake it.
  if (!timers_.empty() && timers_.begin()->first < now_ns_.load()) return;
  firmware_.scan_doorbells();
  // What the doorbells changed (a unit reset) settles once nothing runs beside.
  if ((!main_.dirty.empty() || !main_.completions.empty()) && running_.empty()) settle();
}

bool World::written(std::size_t c) const noexcept { return unmarked_ > 0 || node(c).writers > 0; }

template <typename F>
void World::for_writes(const Timer& t, F&& fn) const {
  const SwitchModel& s = sw(t.sw);
  const std::size_t own = node_of(t);
  fn(own);
  auto port_far_ends = [&](std::uint32_t first, std::uint32_t count) {
    for (std::uint32_t p = first; p < first + count; ++p) {
      const PortModel& port = s.ports[p];
      for (std::uint32_t k = 0; k < port.lanes; ++k) fn(far_node(s.lanes[port.first_lane + k]));
    }
  };
  auto all_far_ends = [&](std::size_t id) {
    for (const std::size_t p : node(id).peers) fn(p);
  };
  Firmware::Scope scope;
  if (t.kind == TimerKind::command)
    scope = Firmware::scope(s, *s.units[t.a]);
  else if (t.kind == TimerKind::train)
    scope = {Firmware::Scope::ports, t.a, 1};
  switch (scope.kind) {
    case Firmware::Scope::shows: break;
    case Firmware::Scope::ports: port_far_ends(scope.first, scope.count); break;
    case Firmware::Scope::whole: all_far_ends(own); break;
  }
  for_partners(t, [&](std::size_t p) {
    fn(p);
    if (scope.kind == Firmware::Scope::whole) all_far_ends(p);
  });
}

void World::writes_at(std::int64_t t, const std::vector<std::size_t>& nodes, std::uint64_t stamp,
                      std::vector<std::size_t>& out) {
  auto add = [&](std::size_t i) {
    NodeModel& n = node(i);
    if (n.reach_stamp == stamp) return;
    n.reach_stamp = stamp;
    out.push_back(i);
  };
  // A partner another timer brought in writes at least itself.
  for (const std::size_t c : nodes) add(c);
  for (auto it = timers_.begin(); it != timers_.end() && it->first == t; ++it) {
    const Timer& tm = it->second;
    if (tm.kind == TimerKind::tick) continue;
    if (std::find(nodes.begin(), nodes.end(), node_of(tm)) != nodes.end()) for_writes(tm, add);
  }
}

bool World::take(std::int64_t t, Batch& b, bool& tick) {
  b.groups.clear();
  b.trains.clear();
  tick = false;
  b.head = node_of(timers_.begin()->second);
  // Only looks: a node's due lists may belong to a batch running beside this thread.
  for (auto it = timers_.begin(); it != timers_.end() && it->first == t; ++it) {
    const Timer& tm = it->second;
    if (tm.kind == TimerKind::tick) {
      tick = true;
      continue;
    }
    auto& list = tm.kind == TimerKind::train ? b.trains : b.groups;
    const std::size_t n = node_of(tm);
    if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
    // A timer writing a shared ELS reserves the other nodes it lights: they join the batch
    // (their own timers of this instant with them), which stays whole.
    for_partners(tm, [&](std::size_t p) {
      b.serial = true;
      if (std::find(b.groups.begin(), b.groups.end(), p) == b.groups.end()) b.groups.push_back(p);
    });
    if (b.groups.size() + b.trains.size() >= kSplitMax) return false;
  }
  return true;
}

void World::list_writes(std::int64_t t, Batch& b) {
  b.centers.assign(b.groups.begin(), b.groups.end());
  b.centers.insert(b.centers.end(), b.trains.begin(), b.trains.end());
  b.writes.clear();
  writes_at(t, b.centers, ++reach_stamp_, b.writes);
}

void World::keep_near_first(std::int64_t t, Batch& b) {
  std::vector<std::size_t>& c = b.centers;
  c.clear();
  for (const auto* list : {&b.groups, &b.trains})
    for (const std::size_t i : *list)
      if (std::find(c.begin(), c.end(), i) == c.end()) c.push_back(i);
  if (c.size() < 2) {
    list_writes(t, b);
    return;
  }
  // The head timer's node, then every other one whose timers write a node the kept ones'
  // write (their settles would meet, so they share the batch, as one instant).
  std::vector<std::vector<std::size_t>>& w = b.center_writes;
  if (w.size() < c.size()) w.resize(c.size());
  for (std::size_t k = 0; k < c.size(); ++k) {
    w[k].clear();
    writes_at(t, {c[k]}, ++reach_stamp_, w[k]);
  }
  const std::uint64_t kept_stamp = ++reach_stamp_;
  std::vector<bool> kept(c.size(), false);
  auto keep_one = [&](std::size_t k) {
    kept[k] = true;
    for (const std::size_t i : w[k]) node(i).reach_stamp = kept_stamp;
  };
  for (std::size_t k = 0; k < c.size(); ++k)
    if (c[k] == b.head) keep_one(k);
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t k = 0; k < c.size(); ++k)
      if (!kept[k] &&
          std::any_of(w[k].begin(), w[k].end(), [&](std::size_t i) { return node(i).reach_stamp == kept_stamp; })) {
        keep_one(k);
        grew = true;
      }
  }
  auto keep = [&](std::vector<std::size_t>& list) {
    std::erase_if(list, [&](std::size_t i) {
      return !kept[static_cast<std::size_t>(std::find(c.begin(), c.end(), i) - c.begin())];
    });
  };
  keep(b.groups);
  keep(b.trains);
  // The batch's writes: those of the kept nodes, once each.
  b.writes.clear();
  const std::uint64_t once = ++reach_stamp_;
  for (std::size_t k = 0; k < c.size(); ++k)
    if (kept[k])
      for (const std::size_t i : w[k])
        if (node(i).reach_stamp != once) {
          node(i).reach_stamp = once;
          b.writes.push_back(i);
        }
}

void World::take_due(std::int64_t t, const Batch& b) {
  auto in = [](const std::vector<std::size_t>& list, std::size_t i) {
    return std::find(list.begin(), list.end(), i) != list.end();
  };
  auto it = timers_.begin();
  while (it != timers_.end() && it->first == t) {
    const Timer& tm = it->second;
    const bool train = tm.kind == TimerKind::train;
    const std::size_t id = node_of(tm);
    // Nodes of another batch of this instant stay queued for it.
    if (!in(b.groups, id) && !in(b.trains, id)) {
      ++it;
      continue;
    }
    NodeModel& n = node(id);
    (train ? n.due_trains : n.due).push_back(tm);
    it = timers_.erase(it);
  }
}

// Conservative: a batch starts beside running ones only if (1) no running batch started
// unmarked, (2) no running batch may write a node it may write (for_writes; none reads a node
// it does not write), and (3) it is due less than a link training time after the earliest
// running one. A batch writes its nodes and the far ends of the fibers of the ports it
// changes (receivers, links, flags, events, status regions); settling those far ends reads
// only the lanes and ports their fibers lead back to. A command that changes only what its
// unit shows writes its node alone. A batch's timers fall on its own nodes (any delay: the
// same writes, so they commute with whatever started beside it) or, for link training, on
// the far ends kLinkTrainingSeconds later; (3) keeps those after every batch that started
// beside it. Its result is then that of the instants in time order.
bool World::dispatchable(std::int64_t t, const Batch& b) {
  if (running_.empty()) return true;
  constexpr auto kTrain = static_cast<std::int64_t>(phys::kLinkTrainingSeconds * 1e9);
  if (t >= *running_.begin() + kTrain) return false;
  return std::none_of(b.writes.begin(), b.writes.end(), [this](std::size_t i) { return written(i); });
}

void World::mark(Batch& b) {
  for (const std::size_t i : b.writes) ++node(i).writers;
  b.marked = true;
}

void World::unmark(Batch& b) {
  if (b.marked)
    for (const std::size_t i : b.writes) --node(i).writers;
  else
    --unmarked_;
  b.writes.clear();
  b.marked = false;
}

void World::run_beside(std::unique_ptr<Batch> owned) CPO_NO_THREAD_SAFETY_ANALYSIS {
  Batch& b = *owned;
  b.own = true;
  // Reaches are marked once the world has seen two threads run it at once (so a batch may
  // start beside this one); a world run by one thread never pays for them.
  if (runners_.load(std::memory_order_acquire) > 1 || !running_.empty()) shared_ = true;
  if (shared_)
    mark(b);
  else
    ++unmarked_;
  running_.insert(b.now);
  if (b.now > now_ns_.load()) set_clock(b.now);
  mu_.unlock();
  tl_ = {this, &b};
  // The instant: the timers due (and those they schedule for the same instant), then the
  // settle of what they changed (and of what links going down changed), then completions.
  for (;;) {
    fire_due(b.groups, b.trains);
    b.groups.clear();
    b.trains.clear();
    std::size_t kept = 0;
    for (auto& [at, tm] : b.timers) {
      if (at > b.now) {
        b.timers[kept++] = {at, tm};
        continue;
      }
      queue_due(tm, b.groups, b.trains);
    }
    b.timers.resize(kept);
    if (b.groups.empty() && b.trains.empty()) break;
  }
  while (!b.dirty.empty() || !b.completions.empty()) settle();
  tl_ = {};
  mu_.lock();
  for (const auto& [at, tm] : b.timers) timers_.emplace(at, tm);
  b.timers.clear();
  unmark(b);
  running_.erase(running_.find(b.now));
  b.own = false;
  give_back(std::move(owned));
  ++batch_ends_;
  batch_end_.notify_all();
}

void World::fire_instant() {
  const std::int64_t now = main_.now;
  for (;;) {
    auto it = timers_.begin();
    if (it == timers_.end() || it->first > now) return;
    if (it->second.kind == TimerKind::tick) {
      const Timer t = it->second;
      timers_.erase(it);
      fire(t);
      continue;
    }
    // The timers due now up to the next tick, per node in queue order. Timers a pass
    // schedules for this same instant join the queue at the merge and run in the next round.
    std::vector<std::size_t>& groups = main_.groups;
    std::vector<std::size_t>& trains = main_.trains;
    groups.clear();
    trains.clear();
    while (it != timers_.end() && it->first <= now && it->second.kind != TimerKind::tick) {
      for_partners(it->second, [&](std::size_t) { main_.serial = true; });
      queue_due(it->second, groups, trains);
      it = timers_.erase(it);
    }
    fire_due(groups, trains);
    main_.serial = false;
  }
}

void World::queue_due(const Timer& t, std::vector<std::size_t>& groups, std::vector<std::size_t>& trains) {
  const std::size_t id = node_of(t);
  NodeModel& n = node(id);
  const bool train = t.kind == TimerKind::train;
  std::vector<Timer>& due = train ? n.due_trains : n.due;
  if (due.empty()) (train ? trains : groups).push_back(id);
  due.push_back(t);
}

void World::fire_due(const std::vector<std::size_t>& groups, const std::vector<std::size_t>& trains) {
  each(groups, 1, [this](SwitchModel&, NodeModel& n) {
    for (const Timer& t : n.due) fire(t);
    n.due.clear();
  });
  each(trains, 1, [this](SwitchModel&, NodeModel& n) {
    for (const Timer& t : n.due_trains) fire(t);
    n.due_trains.clear();
  });
}

void World::merge_one(NodeModel& n) {
  // Most nodes of a tick's pass leave nothing.
  if (!n.dirty_queued && n.touch_also.empty() && n.new_timers.empty() && n.completions.empty()) return;
  Batch& b = batch();
  if (n.dirty_queued) {
    n.dirty_queued = false;
    b.dirty.push_back(n.id);
  }
  for (const std::size_t other : n.touch_also) touch(node(other));
  n.touch_also.clear();
  for (const auto& [at, t] : n.new_timers) {
    if (b.own)
      b.timers.emplace_back(at, t);
    else
      timers_.emplace(at, t);
  }
  n.new_timers.clear();
  for (const Completion& c : n.completions) b.completions.emplace_back(node_switch(n.id), c);
  n.completions.clear();
}

std::size_t World::node_of(const Timer& t) const noexcept {
  const SwitchModel& s = sw(t.sw);
  std::size_t unit = 0;
  switch (t.kind) {
    case TimerKind::command:
    case TimerKind::reset: unit = t.a; break;
    case TimerKind::oe_step:
    case TimerKind::dp_step: unit = s.oes[t.a].unit; break;
    case TimerKind::laser_ramp: unit = s.els[t.a].unit; break;
    case TimerKind::train: unit = s.ports[t.a].unit; break;
    case TimerKind::tick: break;  // the whole world: never placed by node
  }
  return s.nodes[s.node_of_unit[unit]].id;
}

void World::settle() {
  Batch& b = batch();
  links_.settle(b.dirty, b.settle);
  if (b.completions.empty()) return;
  b.posting.swap(b.completions);
  for (const auto& [i, c] : b.posting) firmware_.post(sw(i), c);
  b.posting.clear();
}

void World::fire(const Timer& t) {
  SwitchModel& s = sw(t.sw);
  switch (t.kind) {
    case TimerKind::tick: {
      links_.tick(tick_ns_);
      schedule(now().count() + tick_ns_, t);
      break;
    }
    case TimerKind::command: {
      UnitModel& u = *s.units[t.a];
      if (u.cmd_token != t.token || !u.busy || u.hung) break;
      firmware_.execute(s, u);
      break;
    }
    case TimerKind::reset: {
      UnitModel& u = *s.units[t.a];
      if (u.cmd_token != t.token) break;
      firmware_.reset_unit_state(s, u);
      break;
    }
    case TimerKind::oe_step: {
      OeModel& oe = s.oes[t.a];
      if (oe.token != t.token) break;
      if (oe.state == rd::ModuleState::kPwrUp)
        optics_.oe_set_state(s, t.a, rd::ModuleState::kReady);
      else if (oe.state == rd::ModuleState::kPwrDn)
        optics_.oe_set_state(s, t.a, rd::ModuleState::kLowPwr);
      optics_.oe_control_changed(s, t.a);
      break;
    }
    case TimerKind::dp_step: {
      BankModel& b = s.oes[t.a].banks[t.b];
      if (b.dp_token[t.c] != t.token) break;
      using D = rd::DataPathState;
      D& st = b.dp[t.c];
      D next = st;
      switch (st) {
        case D::kInit: next = D::kTxTurnOn; break;
        case D::kTxTurnOn: next = D::kActivated; break;
        case D::kTxTurnOff: next = D::kDeinit; break;
        case D::kDeinit: next = D::kDeactivated; break;
        default: break;
      }
      st = next;
      if (next == D::kTxTurnOn) b.config_ok = static_cast<std::uint8_t>(b.config_ok | (1u << t.c));
      if (next == D::kTxTurnOn)
        schedule(now().count() + ns_of(phys::kDpTxTurnOnSeconds),
                 Timer{TimerKind::dp_step, s.index, t.a, t.b, t.c, ++b.dp_token[t.c]});
      if (next == D::kDeinit)
        schedule(now().count() + ns_of(phys::kDpDeinitSeconds),
                 Timer{TimerKind::dp_step, s.index, t.a, t.b, t.c, ++b.dp_token[t.c]});
      if (next == D::kActivated || next == D::kDeactivated) {
        publisher_.oe_event(s, t.a, t.b, rd::EventType::kDataPathState, static_cast<std::uint32_t>(next), t.c);
        optics_.raise_flag(s, b.dp_changed, static_cast<std::uint8_t>(b.dp_changed.current | (1u << t.c)), true, t.a,
                           t.b, cmis::field::kDataPathStateChanged);
        b.dp_changed.current = 0;  // a change is an edge, not a condition
      }
      optics_.dp_evaluate(s, t.a, t.b * s.platform.lanes_per_bank() + t.c);
      touch(s);
      break;
    }
    case TimerKind::laser_ramp: {
      LaserModel& l = s.els[t.a].lasers[t.b];
      if (l.token != t.token || l.state != rd::LaserState::kRamping) break;
      l.state = rd::LaserState::kOn;
      l.power_mw = l.target_mw;
      touch_els(s, t.a);
      break;
    }
    case TimerKind::train: {
      PortModel& p = s.ports[t.a];
      if (p.train_token[t.b] != t.token || !(p.training & (1u << t.b))) break;
      p.training &= ~(1u << t.b);
      rd::LinkCause cause = rd::LinkCause::kNone;
      if (links_.subport_ok(s, t.a, t.b, cause)) {
        p.oper |= 1u << t.b;
        ++p.up_count;
        publisher_.port_event(s, t.a, t.b, rd::EventType::kLinkUp, rd::LinkCause::kNone);
      }
      touch_port(s, t.a);
      break;
    }
  }
}

// ---------------------------------------------------------------------------- setup
namespace {
std::uint32_t subports_of(const BreakoutMode& m) {
  if (m.groups().size() != 1) return 0;
  return m.groups()[0].count;
}
}  // namespace

Result<std::size_t> World::add_switch(const SimOptions& options) {
  auto platform = Platform::resolve(options.profile);
  if (!platform.ok()) return platform.status();
  auto sp = std::make_unique<SwitchModel>(std::move(platform).value());
  SwitchModel& s = *sp;
  const Platform& pf = s.platform;
  s.world.store(this, std::memory_order_release);
  s.index = store_.next_index();
  s.options = options;
  s.rng.seed(options.seed);
  s.coolant_c = phys::kCoolantDefaultC;
  if (options.status_period.count() > 0) {
    tick_ns_ = options.status_period.count();
    tick_set_ = true;
  }

  if (!options.unit_memory.empty() && options.unit_memory.size() != pf.units().size())
    return Status(Code::invalid_argument,
                  "sim " + pf.name() + ": unit_memory has " + std::to_string(options.unit_memory.size()) +
                      " windows, the profile has " + std::to_string(pf.units().size()) + " units");
  s.lanes_per_port = u32(pf.ports().front().lanes.size());
  s.lasers_per_els = u32(pf.els_modules().front().lasers.size());
  for (const auto& m : pf.breakout_modes()) {
    const std::uint32_t n = subports_of(m);
    if (n > 0 && n <= 8 && n <= s.lanes_per_port) s.breakout_caps |= 1u << n;
  }
  s.default_breakout = subports_of(pf.default_breakout());
  if (s.default_breakout == 0) s.default_breakout = 1;

  // Lanes and topology.
  s.lanes.resize(pf.lanes().size());
  std::uniform_real_distribution<double> spread(0.0, 0.6);
  for (const auto& li : pf.lanes()) {
    LaneModel& l = s.lanes[li.id.value()];
    l.port = li.port.value();
    l.index_in_port = li.index_in_port;
    l.oe = li.oe.value();
    l.bank = li.bank.value();
    l.index_in_bank = li.index_in_bank;
    l.els = li.laser.els.value();
    l.laser = li.laser.index;
    l.fiber_loss_db = phys::kLoopbackPlugLossDb;
    l.peer_sw = s.index;
    l.peer_lane = li.id.value();
    l.static_penalty_db = spread(s.rng);
  }
  s.ports.resize(pf.ports().size());
  for (const auto& pi : pf.ports()) {
    PortModel& p = s.ports[pi.id.value()];
    p.unit = pi.unit.value();
    p.first_lane = pi.lanes.front().value();
    p.lanes = u32(pi.lanes.size());
    p.breakout = s.default_breakout;
  }
  s.oes.resize(pf.optical_engines().size());
  for (const auto& oi : pf.optical_engines()) {
    OeModel& oe = s.oes[oi.id.value()];
    oe.unit = oi.unit.value();
    oe.banks.resize(oi.banks.size());
    std::size_t lanes = 0;
    for (const auto& b : oi.banks) lanes += b.lanes.size();
    oe.ports_served = u32(lanes / s.lanes_per_port);
    const bool cold = options.start == StartState::cold;
    oe.control = oe_power_on_control(options.start);
    oe.state = cold ? rd::ModuleState::kLowPwr : rd::ModuleState::kReady;
    for (auto& b : oe.banks) {
      b.dp.fill(cold ? rd::DataPathState::kDeactivated : rd::DataPathState::kActivated);
      b.config_ok = cold ? 0 : 0xFF;  // warm: the data paths were initialised before the simulation began
    }
    oe.temp_c =
        s.coolant_c + phys::kOeKPerWatt * (cold ? phys::kOeLowPowerWatts : phys::kOeWattsPerPort * oe.ports_served);
    oe.bank_lanes.assign(oe.banks.size() * cmis::kLanesPerBank, OeModel::kNoLane);
  }
  for (std::uint32_t i = 0; i < s.lanes.size(); ++i) {
    const LaneModel& l = s.lanes[i];
    s.oes[l.oe].bank_lanes[l.bank * cmis::kLanesPerBank + l.index_in_bank] = i;
  }
  s.els.resize(pf.els_modules().size());
  for (std::size_t i = 0; i < s.els.size(); ++i) {
    ElsModel& e = s.els[i];
    e.lasers.resize(s.lasers_per_els);
    e.banks.resize(pf.els_modules()[i].cmis_banks());
    e.fiber_loss_db.resize(s.lasers_per_els);
    e.fiber_gain.resize(s.lasers_per_els);
    for (std::uint32_t k = 0; k < s.lasers_per_els; ++k) e.set_fiber_loss(k, phys::kElsToOeLossDb);
    e.insert_count = 0;
    // Operational: lasers enabled, output fibers checked, on at their set-points (APC).
    const bool on = options.start == StartState::operational;
    for (std::uint32_t b = 0; b < e.banks.size(); ++b)
      init_els_bank(e.banks[b], std::min<std::uint32_t>(8, s.lasers_per_els - 8 * b), on);
    for (std::uint32_t k = 0; k < s.lasers_per_els; ++k) {
      LaserModel& l = e.lasers[k];
      l.enabled = on;
      l.fiber_checked = on;
      l.state = on ? rd::LaserState::kOn : rd::LaserState::kOff;
      l.setpoint_mw = phys::kLaserSetpointMw;
      l.bias_setpoint_ma = phys::kBiasSetpointDefaultMa;
      l.power_mw = on ? l.setpoint_mw : 0;
      l.target_mw = l.power_mw;
    }
    const double p = on ? phys::kLaserWatts * s.lasers_per_els : phys::kLaserOffWatts * s.lasers_per_els;
    e.temp_c = s.coolant_c + phys::els_k_per_watt(e.lasers.size()) * p;
    for (auto& l : e.lasers) {
      l.temp_c = e.temp_c + phys::kLaserKPerWatt * (on ? phys::kLaserWatts : 0.0);
      l.bias_ma = on ? phys::required_bias_ma(l.power_mw, l.temp_c, l.age_h) : 0.0;
    }
  }

  // Units: identity, windows, Bars.
  if (options.unit_memory.empty() && !s.window_memory.map(pf.units().size()))
    return Status(Code::internal, "sim " + pf.name() + ": cannot map " + std::to_string(pf.units().size()) + " x " +
                                      std::to_string(rd::kWindowBytes) + " bytes of register windows");
  for (const auto& ui : pf.units()) {
    auto u = std::make_unique<UnitModel>();
    u->index = ui.id.value();
    if (options.unit_memory.empty()) {
      u->win.attach(s.window_memory.window(u->index));
    } else {
      u->polled = true;
      void* mem = options.unit_memory[u->index];
      if (mem == nullptr || reinterpret_cast<std::uintptr_t>(mem) % 4 != 0)
        return Status(Code::invalid_argument,
                      "sim " + pf.name() + ": unit_memory[" + std::to_string(u->index) + "] is null or misaligned");
      u->win.attach(static_cast<std::uint32_t*>(mem));
      u->win.clear(0, rd::kWindowBytes);
    }
    // The unit's id ranges as the platform defines them (the driver and ValidatedDriver use the same).
    auto ranges = pf.unit_ranges(ui.id);
    if (!ranges.ok()) return Status(ranges.status().code(), "sim " + pf.name() + ": " + ranges.status().message());
    if (ranges->port_count == 0) return Status(Code::invalid_argument, "sim " + pf.name() + ": unit without ports");
    u->first_port = ranges->first_port;
    u->port_count = ranges->port_count;
    u->first_lane = ranges->first_lane;
    u->lane_count = ranges->lane_count;
    u->first_oe = ranges->first_oe;
    u->oe_count = ranges->oe_count;
    u->first_els = ranges->first_els;
    u->els_count = ranges->els_count;
    if (u->port_count > rd::record::kPort.capacity || u->lane_count > rd::record::kLane.capacity ||
        u->oe_count > rd::record::kOe.capacity || u->els_count > rd::record::kEls.capacity ||
        std::size_t{u->els_count} * s.lasers_per_els > rd::record::kLaser.capacity || s.lanes_per_port > 8)
      return Status(Code::unsupported, "sim " + pf.name() + ": unit " + std::to_string(u->index) +
                                           " does not fit the reference device window (ports <= 128, lanes <= 512, "
                                           "OEs <= 32, ELS <= 32, lasers <= 256, lanes per port <= 8)");
    Window& w = u->win;
    w.store(rd::reg::kMagic, rd::kMagic);
    w.store(rd::reg::kVersion, rd::kVersion);
    w.store(rd::reg::kUnitIndex, u32(u->index));
    w.store(rd::reg::kUnitCount, u32(pf.units().size()));
    w.store(rd::reg::kPortCount, u->port_count);
    w.store(rd::reg::kFirstPort, u->first_port);
    w.store(rd::reg::kLanesPerPort, s.lanes_per_port);
    w.store(rd::reg::kLaneCount, u->lane_count);
    w.store(rd::reg::kFirstLane, u->first_lane);
    w.store(rd::reg::kOeCount, u->oe_count);
    w.store(rd::reg::kFirstOe, u->first_oe);
    w.store(rd::reg::kBanksPerOe, u32(s.oes[u->first_oe].banks.size()));
    w.store(rd::reg::kLanesPerBank, pf.lanes_per_bank());
    w.store(rd::reg::kElsCount, u->els_count);
    w.store(rd::reg::kFirstEls, u->first_els);
    w.store(rd::reg::kLasersPerEls, s.lasers_per_els);
    w.store(rd::reg::kLaneRateGbps, pf.lane_rate().value());
    w.store(rd::reg::kPortSpeedGbps, pf.port_speed().value());
    std::uint32_t caps = 0;
    for (auto c : {rd::Capability::kCmis, rd::Capability::kPrbs, rd::Capability::kLoopback, rd::Capability::kTxFir,
                   rd::Capability::kEventRing, rd::Capability::kMtu, rd::Capability::kStatusSnapshot,
                   rd::Capability::kSimulated})
      caps |= 1u << static_cast<std::uint32_t>(c);
    w.store(rd::reg::kCapabilities, caps);
    w.store(rd::reg::kMtuMin, PortModel::kMtuMin);
    w.store(rd::reg::kMtuMax, PortModel::kMtuMax);
    w.store(rd::reg::kBreakoutCaps, s.breakout_caps);
    // PAM4 lanes (100G and 200G) run RS(544,514) or nothing (IEEE 802.3 clauses 91, 119, 120).
    w.store(rd::reg::kFecCaps,
            (1u << static_cast<std::uint32_t>(rd::Fec::kNone)) | (1u << static_cast<std::uint32_t>(rd::Fec::kRs544)));
    w.store(rd::reg::kPrbsCaps, 0x1Fu);  // Off, PRBS7, PRBS31, PRBS13Q, PRBS31Q
    w.store(rd::reg::kLoopbackCaps, 0x7u);
    w.store(rd::reg::kEventRingSize, rd::kEventRingEntries);
    w.store(rd::reg::kFirmwareVersion, 0x00010000u);
    w.store(rd::reg::kSerialLo, static_cast<std::uint32_t>(options.seed * 4 + u->index));
    w.store(rd::reg::kSerialHi, 0x53494D00u);  // "\0MIS"
    w.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kIdle));
    u->bar = std::make_unique<UnitBar>(&s, u->index);
    s.units.push_back(std::move(u));
  }
  if (Status st = make_nodes(s); !st.ok()) return st;
  // Start at the thermal steady state of the start conditions, so a switch left alone is
  // quiet from its first tick (no aging: no time has passed).
  for (int i = 0; i < 8; ++i) (void)links_.thermal(s, 1e6, false);
  store_.add(std::move(sp));
  all_.push_back(s.index);
  if (all_.size() >= WorkerPool::kMinItems && workers_ > 0 && pool_ == nullptr)
    pool_ = std::make_unique<WorkerPool>(workers_);
  for (const auto& u : s.units)
    if (u->polled) firmware_.poll(s.index, u->index);
  touch(s);
  settle();
  return s.index;
}

// A node per unit; units whose lanes share an optical engine form one (union-find over the
// lanes: settling a lane writes its OE). An ELS module lighting the lanes of several units
// lists them: only the timers that write it reserve all of them (for_partners).
Status World::make_nodes(SwitchModel& s) {
  const std::size_t units = s.units.size();
  if (units > kMaxNodes)
    return Status(Code::unsupported, "sim " + s.platform.name() + ": " + std::to_string(units) +
                                         " units (the simulator serves at most " + std::to_string(kMaxNodes) + ")");
  std::vector<std::uint32_t> root(units);
  for (std::uint32_t u = 0; u < units; ++u) root[u] = u;
  auto find = [&](std::uint32_t u) {
    while (root[u] != u) u = root[u] = root[root[u]];
    return u;
  };
  auto join = [&](std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a != b) root[std::max(a, b)] = std::min(a, b);
  };
  for (const LaneModel& l : s.lanes) {
    const std::uint32_t u = s.ports[l.port].unit;
    join(u, s.oes[l.oe].unit);
    std::vector<std::uint32_t>& lit = s.els[l.els].units;
    if (std::find(lit.begin(), lit.end(), u) == lit.end()) lit.push_back(u);
  }
  for (ElsModel& e : s.els) {
    std::sort(e.units.begin(), e.units.end());
    e.unit = e.units.empty() ? 0 : e.units.front();
  }
  s.node_of_unit.assign(units, 0);
  for (std::uint32_t u = 0; u < units; ++u) {
    const std::uint32_t r = find(u);
    if (r == u) {
      s.node_of_unit[u] = static_cast<std::uint32_t>(s.nodes.size());
      s.nodes.emplace_back();
      s.nodes.back().id = node_id(s.index, s.nodes.size() - 1);
      s.nodes.back().sw = &s;
    } else {
      s.node_of_unit[u] = s.node_of_unit[r];
    }
    s.nodes[s.node_of_unit[u]].units.push_back(u);
  }
  return ok_status();
}

Status World::connect(std::size_t sa, PortId a, std::size_t sb, PortId b, double loss_db, bool settle_now) {
  SwitchModel& A = sw(sa);
  SwitchModel& B = sw(sb);
  if (a.value() >= A.ports.size())
    return Status(Code::out_of_range, to_string(a) + ": allowed 0.." + std::to_string(A.ports.size() - 1));
  if (b.value() >= B.ports.size())
    return Status(Code::out_of_range, to_string(b) + ": allowed 0.." + std::to_string(B.ports.size() - 1));
  const PortModel& pa = A.ports[a.value()];
  const PortModel& pb = B.ports[b.value()];
  if (pa.lanes != pb.lanes)
    return Status(Code::invalid_argument, to_string(a) + " has " + std::to_string(pa.lanes) + " lanes, " +
                                              to_string(b) + " has " + std::to_string(pb.lanes));
  auto unplug = [this](SwitchModel& s, const PortModel& p) {
    for (std::uint32_t i = 0; i < p.lanes; ++i) {
      LaneModel& l = s.lanes[p.first_lane + i];
      if (l.peer_sw != s.index || l.peer_lane != p.first_lane + i) {
        LaneModel& old = sw(l.peer_sw).lanes[l.peer_lane];
        old.peer_sw = l.peer_sw;
        old.peer_lane = l.peer_lane;  // the old far end gets a loopback plug
        old.fiber_loss_db = phys::kLoopbackPlugLossDb;
        touch(node(far_node(l)));
      }
    }
  };
  unplug(A, pa);
  unplug(B, pb);
  for (std::uint32_t i = 0; i < pa.lanes; ++i) {
    LaneModel& la = A.lanes[pa.first_lane + i];
    LaneModel& lb = B.lanes[pb.first_lane + i];
    la.peer_sw = sb;
    la.peer_lane = pb.first_lane + i;
    lb.peer_sw = sa;
    lb.peer_lane = pa.first_lane + i;
    la.fiber_loss_db = loss_db;
    lb.fiber_loss_db = loss_db;
  }
  NodeModel& na = A.node_of(pa.unit);
  NodeModel& nb = B.node_of(pb.unit);
  if (na.id != nb.id) {
    if (std::find(na.peers.begin(), na.peers.end(), nb.id) == na.peers.end()) na.peers.push_back(nb.id);
    if (std::find(nb.peers.begin(), nb.peers.end(), na.id) == nb.peers.end()) nb.peers.push_back(na.id);
  }
  touch(na);
  touch(nb);
  if (settle_now) settle();
  return ok_status();
}

void World::absorb(World& other) {
  // A tick per world: this one's stays, at the same instants as the other's (schedule_tick).
  for (const auto& [at, t] : other.timers_)
    if (t.kind != TimerKind::tick) timers_.emplace(at, t);
  if (!tick_scheduled_ && other.tick_scheduled_) schedule_tick();
  other.timers_.clear();
  other.tick_scheduled_ = false;
  if (!tick_set_ && other.tick_set_) {
    tick_ns_ = other.tick_ns_;
    tick_set_ = true;
  }
  for (const std::size_t i : other.all_) {
    SwitchModel& s = sw(i);
    // Settle list marks count from this world's stamps now.
    for (NodeModel& n : s.nodes) n.rx_stamp = n.link_stamp = n.pub_stamp = 0;
    s.world.store(this, std::memory_order_release);
  }
  std::vector<std::size_t> all;
  all.reserve(all_.size() + other.all_.size());
  std::merge(all_.begin(), all_.end(), other.all_.begin(), other.all_.end(), std::back_inserter(all));
  all_.swap(all);
  other.all_.clear();
  main_.dirty.insert(main_.dirty.end(), other.main_.dirty.begin(), other.main_.dirty.end());
  other.main_.dirty.clear();
  main_.completions.insert(main_.completions.end(), other.main_.completions.begin(), other.main_.completions.end());
  other.main_.completions.clear();
  firmware_.absorb(other.firmware_);
  shared_ = shared_ || other.shared_;
  other.pool_.reset();
  if (all_.size() >= WorkerPool::kMinItems && workers_ > 0 && pool_ == nullptr)
    pool_ = std::make_unique<WorkerPool>(workers_);
}

}  // namespace cpo::sim
