// The simulator's model: a world of switches sharing one clock and lock, and the role classes
// that act on it (firmware.h, optics.h, links.h, publisher.h). A fabric runs one world per
// group of switches that fibers connect (world_set.h). Small instants run as batches beside
// each other on the threads that wait (Batch, run_until); a large one runs per switch in
// parallel passes (each(), worker_pool.h). Private to cposdk_sim.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
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

// The work of one virtual instant and what it leaves for its world: the nodes it changed
// (node ids, models.h), the timers it scheduled, the completions to post, settling's lists.
// A world's own batch serves the thread holding the world's lock; a batch that runs beside
// others (World::run_until) has its own and the world's lock is free while it runs.
struct Batch {
  std::int64_t now = 0;
  bool in_pass = false;  // a parallel pass runs (World::each)
  bool serial = false;   // passes run inline: a timer writes an ELS module two nodes share
  bool own = false;      // runs without the world's lock: its timers wait in `timers`
  std::vector<std::size_t> dirty;
  std::vector<std::pair<std::int64_t, Timer>> timers;
  // Completions to post, by switch index.
  std::vector<std::pair<std::size_t, Completion>> completions, posting;
  std::vector<std::size_t> groups, trains;  // the nodes whose timers it fires
  std::size_t head = 0;                     // the node of the instant's first timer
  std::vector<std::size_t> centers;         // groups and trains, once each (scratch)
  Links::Scratch settle;
  // The nodes its timers and their settles may write (World::for_writes), once each; marked in
  // NodeModel::writers while it runs unless no other thread was about as it started (`marked`
  // false): see World::dispatchable.
  std::vector<std::size_t> writes;
  std::vector<std::vector<std::size_t>> center_writes;  // keep_near_first's, per node (scratch)
  bool marked = false;
};

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
  NodeModel& node(std::size_t id) { return store_.at(node_switch(id)).nodes[node_index(id)]; }
  const NodeModel& node(std::size_t id) const { return store_.at(node_switch(id)).nodes[node_index(id)]; }
  // The node whose receiver lane l's light reaches (its fiber's far end, or l's own node).
  [[nodiscard]] std::size_t far_node(const LaneModel& l) const noexcept { return sw(l.peer_sw).lane_node(l.peer_lane); }
  // The node a timer works on: a command's or reset's unit, an OE's, an ELS's, a port's.
  [[nodiscard]] std::size_t node_of(const Timer& t) const noexcept;
  // fn(node id) for every other node the timer's unit shares a module with: those of the
  // units an ELS module it writes also lights (a CmisRead or CmisWrite of the module's
  // pages, a laser ramp).
  template <typename F>
  void for_partners(const Timer& t, F&& fn) const {
    const SwitchModel& s = sw(t.sw);
    std::optional<std::uint32_t> els;
    if (t.kind == TimerKind::laser_ramp)
      els = t.a;
    else if (t.kind == TimerKind::command)
      els = Optics::els_addressed(*s.units[t.a]);
    if (!els || s.els[*els].units.size() < 2) return;
    const std::size_t own = node_of(t);
    for (const std::uint32_t u : s.els[*els].units)
      if (const std::size_t id = s.node_of(u).id; id != own) fn(id);
  }

  // Runs this world's switches up to `until` (no earlier than now()); run_to with the lock
  // held.
  void advance_to(std::chrono::nanoseconds until);
  // `alone`: every instant with the lock held, none beside (the caller holds another world's
  // lock too and must not release this one).
  void run_to(std::chrono::nanoseconds until, bool alone = false);
  // Batches run beside the lock holder (catch_up ends them).
  [[nodiscard]] bool busy() const noexcept { return !running_.empty(); }
  // The world's clock: every instant up to it has started (Bars, the fabric).
  std::chrono::nanoseconds clock_now() const noexcept {
    return std::chrono::nanoseconds(now_ns_.load(std::memory_order_acquire));
  }
  // The instant the calling code works at: its batch's (the roles), which is behind the clock
  // for a batch another thread's has overtaken.
  std::chrono::nanoseconds now() noexcept { return std::chrono::nanoseconds(batch().now); }
  // With the lock held: waits for the batches other threads run and runs the instants they
  // left behind the clock, so that the caller acts on the whole world at clock_now().
  void catch_up();
  // A Bar's wait on a unit of switch `s`: runs the world `s` belongs to (virtual time) or sleeps.
  static void bar_wait(SwitchModel& s, std::size_t unit, std::chrono::nanoseconds d);
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
  // Inside a pass the timer lands in its node's new_timers (merged after the pass).
  void schedule(std::int64_t at_ns, Timer t) {
    Batch& b = batch();
    if (b.in_pass) {
      node(node_of(t)).new_timers.emplace_back(at_ns, t);
      sw(t.sw).queued.store(true, std::memory_order_relaxed);
    } else if (b.own)
      b.timers.emplace_back(at_ns, t);
    else
      timers_.emplace(at_ns, t);
  }
  // A node of `s` changed: the next settle recomputes it (its batch's dirty entry) and the next
  // tick does not skip it as quiet. Inside a pass only that node is written; the merge appends
  // it to the list. Which node: the one the calling thread works on (each() says) when it
  // is of `s`, since a node's work changes only its own units; else every node of `s` (the
  // tick, the back door and fibers, which run with no batch beside).
  void touch(SwitchModel& s) {
    NodeModel* n = tl_node_;
    if (n != nullptr && node_switch(n->id) == s.index) {
      touch(*n);
      return;
    }
    for (NodeModel& each : s.nodes) touch(each);
  }
  // Runs fn with `n` as the calling thread's node, so that touch() marks n alone: work confined
  // to n's units outside a pass (a doorbell served beside batches of other nodes).
  template <typename F>
  void within(NodeModel& n, F&& fn) {
    NodeModel* before = tl_node_;
    tl_node_ = &n;
    fn();
    tl_node_ = before;
  }
  // ELS module e changed: every node whose units it lights. Inside a pass the other nodes are
  // left in the calling node's touch_also (the merge touches them): a pass writes only its node.
  void touch_els(SwitchModel& s, std::uint32_t e) {
    NodeModel* ctx = tl_node_;
    const bool defer = batch().in_pass && ctx != nullptr && node_switch(ctx->id) == s.index;
    for (const std::uint32_t u : s.els[e].units) {
      NodeModel& n = s.node_of(u);
      if (defer && &n != ctx) {
        ctx->touch_also.push_back(n.id);
        s.queued.store(true, std::memory_order_relaxed);
      } else
        touch(n);
    }
  }
  // Unit u's node changed (the firmware: a doorbell is served beside batches of other nodes).
  void touch(SwitchModel& s, const UnitModel& u) { touch(s.node_of(u.index)); }
  // Only what unit u shows changed (latched flags a CMIS read cleared, an MTU, counters): the
  // settle republishes its node without recomputing the physics.
  void show(SwitchModel& s, const UnitModel& u) { touch(s.node_of(u.index), false); }
  // Port p's configuration or link changed: the settle recomputes its lanes, its link and the
  // far ends of its fibers, nothing else of its node (NodeModel::ports).
  void touch_port(SwitchModel& s, std::uint32_t p) {
    PortModel& port = s.ports[p];
    NodeModel& n = s.node_of(port.unit);
    if (!n.whole && !port.dirty) {
      port.dirty = true;
      n.ports.push_back(p);
    }
    touch(n, false);
  }
  // `whole` false: only what the node shows, or the ports touch_port listed.
  void touch(NodeModel& n, bool whole = true) {
    n.sw->changed.store(true, std::memory_order_relaxed);
    n.whole = n.whole || whole;
    if (n.dirty) return;
    n.dirty = true;
    Batch& b = batch();
    if (b.in_pass) {
      n.dirty_queued = true;
      n.sw->queued.store(true, std::memory_order_relaxed);
    } else {
      b.dirty.push_back(n.id);
    }
  }
  // Whether a batch running beside the lock holder may write node c: c's doorbell is not
  // served meanwhile.
  [[nodiscard]] bool written(std::size_t c) const noexcept;
  // fn(node id) for every node timer t and the settles it causes may write, some more than
  // once: its own; through its fibers, the far ends of the ports it changes (a command on
  // ports, link training) or of all of its node's ports (anything else); its partners
  // (for_partners). Nothing else is read either: settling a far end reads only the lanes and
  // ports its fibers lead back to. So batches whose writes are disjoint run beside each other.
  template <typename F>
  void for_writes(const Timer& t, F&& fn) const;
  // True while a parallel pass runs: the per-node work may write only its own node.
  [[nodiscard]] bool in_pass() noexcept { return batch().in_pass; }
  // A parallel pass: fn(SwitchModel&, NodeModel&) for every node in `list` (each once), spread
  // over the pool in chunks of `grain`, then the merge of what the pass left in the nodes
  // (touches, timers, completions) in list order, so the result never depends on the
  // interleaving. Precondition: fn writes only the node it is given and reads of other nodes
  // only what no function of the same pass writes.
  template <typename F>
  void each(const std::vector<std::size_t>& list, std::size_t grain, F&& fn) {
    pass(list, grain, [&](std::size_t id) {
      NodeModel& n = node(id);
      // Restored after: a pass may run inside within() (a doorbell's snapshot settles).
      NodeModel* const outer = tl_node_;
      tl_node_ = &n;
      fn(sw(node_switch(id)), n);
      tl_node_ = outer;
    });
    merge(list);
  }
  // The same over whole switches (the tick): fn(SwitchModel&) writes only its switch.
  template <typename F>
  void each_switch(const std::vector<std::size_t>& list, std::size_t grain, F&& fn) {
    pass(list, grain, [&](std::size_t i) { fn(sw(i)); });
    for (const std::size_t i : list)
      if (SwitchModel& s = sw(i); s.queued.exchange(false, std::memory_order_relaxed))
        for (NodeModel& n : s.nodes) merge_one(n);
  }
  // This world's switch indices, ascending (the tick's pass).
  [[nodiscard]] const std::vector<std::size_t>& all() const noexcept { return all_; }

  // Fibers a <-> b. `settle_now` false leaves the settle to the caller (a topology document
  // settles once after its last fiber).
  Status connect(std::size_t sa, PortId a, std::size_t sb, PortId b, double loss_db, bool settle_now = true);

  // Back-door helpers (caller holds the mutex, no batch beside): every node of s.
  void mark_dirty(SwitchModel& s) {
    for (NodeModel& n : s.nodes) touch(n);
  }
  // Recomputes physics and links of the nodes changed since the last settle and of the nodes
  // their fibers reach, and publishes them; then posts the completions of the
  // commands fired in the last passes (a driver sees a completion only once what the command
  // changed is published).
  void settle();

 private:
  friend class UnitBar;
  // `own`: the node of the Bar whose wait this is (nullptr: the whole world must reach end_ns).
  void run_until(std::int64_t end_ns, const NodeModel* own = nullptr, bool alone = false);
  Status make_nodes(SwitchModel& s);
  // Fires every timer due at now(): the tick alone on this thread, the others grouped by node
  // in one pass (a node's timers in queue order); link training last, in a pass of its own,
  // because it reads the far end's ports the other timers may write.
  void fire_instant();
  void fire(const Timer& t);
  // Puts t in its node's due list (link training in due_trains) and, for the node's first,
  // the node in groups (trains).
  void queue_due(const Timer& t, std::vector<std::size_t>& groups, std::vector<std::size_t>& trains);
  // Fires the due timers of `groups`' nodes in one pass, then link training of `trains`' in another.
  void fire_due(const std::vector<std::size_t>& groups, const std::vector<std::size_t>& trains);
  template <typename F>
  void pass(const std::vector<std::size_t>& list, std::size_t grain, F&& one) {
    Batch& b = batch();
    b.in_pass = true;
    // A batch beside others runs on its own thread: the pool serves the lock holder's.
    if (pool_ != nullptr && !b.own && !b.serial)
      pool_->for_each(list, grain, one);
    else
      for (const std::size_t i : list) one(i);
    b.in_pass = false;
  }
  void merge(const std::vector<std::size_t>& nodes) {
    for (const std::size_t id : nodes) merge_one(node(id));
  }
  void merge_one(NodeModel& n);
  // The batch the calling thread works for: the one it runs beside others, or the world's.
  Batch& batch() noexcept { return tl_.world == this ? *tl_.batch : main_; }
  void set_clock(std::int64_t t) {
    now_ns_.store(t, std::memory_order_release);
    main_.now = t;
  }
  // Doorbells (those of units no running batch writes), then the changes they made.
  void service();
  // Lists in `b` the nodes whose timers are due at `t` (groups, trains) and whether the
  // firmware tick is among them; false, the lists partial, at kSplitMax nodes (an instant
  // that large runs whole). take_due moves those timers to the nodes' due lists.
  static constexpr std::size_t kSplitMax = 16;
  bool take(std::int64_t t, Batch& b, bool& tick);
  // Keeps in b the node of the instant's first timer and those whose writes meet the kept
  // ones'; the others' timers stay queued for a batch of their own. Lists b's writes
  // (Batch::writes), as list_writes does for a batch kept whole.
  void keep_near_first(std::int64_t t, Batch& b);
  void list_writes(std::int64_t t, Batch& b);
  // Appends to `out` the nodes the timers of `nodes` due at t write, not stamped `stamp` yet,
  // stamping them (NodeModel::reach_stamp).
  void writes_at(std::int64_t t, const std::vector<std::size_t>& nodes, std::uint64_t stamp,
                 std::vector<std::size_t>& out);
  void take_due(std::int64_t t, const Batch& b);
  // Whether a batch of b's nodes may start at `t` beside the running ones.
  bool dispatchable(std::int64_t t, const Batch& b);
  void mark(Batch& b);
  void unmark(Batch& b);
  // Runs b's instant on this thread with the world's lock released, then merges it.
  void run_beside(std::unique_ptr<Batch> b);
  // A batch from the spares (their lists keep their capacity), and one given back.
  std::unique_ptr<Batch> take_spare();
  void give_back(std::unique_ptr<Batch> b);
  // Waits (lock released) until a running batch ends.
  void wait_batch_end();
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
  // The batch of the thread holding mu_ (dirty: switches changed since the last settle).
  Batch main_;
  struct Current {
    World* world = nullptr;
    Batch* batch = nullptr;
  };
  static thread_local Current tl_;
  // The node the calling thread's pass works on (each()), for touch().
  static thread_local NodeModel* tl_node_;
  // Batches running beside the lock holder: their instants, how many started unmarked, the
  // threads inside a run of this world (Bar waits, advances), and their end signal.
  std::multiset<std::int64_t> running_;
  std::size_t unmarked_ = 0;
  std::atomic<int> runners_{0};
  bool shared_ = false;  // two threads have run this world at once
  std::condition_variable_any batch_end_;
  std::uint64_t batch_ends_ = 0;  // batches ended: what a waiter watches
  std::vector<std::unique_ptr<Batch>> spare_;
  std::uint64_t reach_stamp_ = 0;
  bool tick_scheduled_ = false;
  std::int64_t tick_ns_ = 100'000'000;
  bool tick_set_ = false;  // a switch's options set tick_ns_
  std::thread thread_;
  std::atomic<bool> stop_{false};
  // Parallel passes (each()). Written by the thread holding mu_ around a pass; the pool's
  // hand-off orders it for the helpers.
  std::size_t workers_;
  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::size_t> all_;
};

// A switch's world locked for a scope, whichever world runs the switch when the lock is
// taken (a fiber to another world may merge it away while the lock is awaited), and caught
// up: no batch runs beside the holder.
class SwitchLock {
 public:
  // `catch_up` false: a run of the world (Bar waits) deals with the batches itself.
  explicit SwitchLock(SwitchModel& s, bool catch_up = true) CPO_NO_THREAD_SAFETY_ANALYSIS : s_(s) {
    for (;;) {
      world_ = s_.world.load(std::memory_order_acquire);
      world_->mutex().lock();
      if (s_.world.load(std::memory_order_acquire) == world_) {
        if (catch_up) world_->catch_up();
        return;
      }
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
