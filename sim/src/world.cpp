// The world: clock, timers, mailbox firmware and unit setup. Physics, links, thermal and the
// status region are in physics_links.cpp; CMIS optics in optics.cpp.
#include "world.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
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
  u.writes.fetch_add(1, std::memory_order_relaxed);
  u.win.store(offset, value);
  // Doorbell notification: the firmware serves the units rung, it never scans the fabric.
  if (offset == rd::reg::kMbxDoorbell || offset == rd::reg::kHardReset) world_->ring(*sw_, u);
}

std::chrono::nanoseconds UnitBar::now() const noexcept { return world_->now(); }
void UnitBar::wait(std::chrono::nanoseconds duration) noexcept { world_->bar_wait(duration); }

// ---------------------------------------------------------------------------- world
World::World(ClockMode clock) : clock_(clock) {}

World::~World() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void World::start_clock_thread() {
  if (clock_ != ClockMode::real_time || thread_.joinable()) return;
  thread_ = std::thread([this] {
    const auto start = std::chrono::steady_clock::now() - now();
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

void World::bar_wait(std::chrono::nanoseconds d) {
  if (clock_ == ClockMode::real_time) {
    std::this_thread::sleep_for(d);
    return;
  }
  cpo::Lock lock(mu_);
  run_until(now_ns_.load() + d.count());
}

void World::advance(std::chrono::nanoseconds d) {
  if (clock_ == ClockMode::real_time) return;
  cpo::Lock lock(mu_);
  run_until(now_ns_.load() + d.count());
}

void World::schedule(std::int64_t at_ns, Timer t) { timers_.emplace(at_ns, t); }

void World::run_until(std::int64_t end_ns) {
  if (!tick_scheduled_) {
    tick_scheduled_ = true;
    schedule(now_ns_.load() + tick_ns_, Timer{TimerKind::tick, 0, 0, 0, 0, 0});
  }
  scan_doorbells();
  settle();
  for (;;) {
    auto it = timers_.begin();
    if (it == timers_.end() || it->first > end_ns) break;
    now_ns_.store(std::max(now_ns_.load(), it->first), std::memory_order_release);
    const Timer t = it->second;
    timers_.erase(it);
    fire(t);
    // Everything due at the same instant runs before the model settles.
    auto next = timers_.begin();
    if (next == timers_.end() || next->first != now_ns_.load()) {
      scan_doorbells();
      settle();
    }
  }
  now_ns_.store(std::max(now_ns_.load(), end_ns), std::memory_order_release);
  scan_doorbells();
  settle();
}

// Per-port dirty tracking: the switches changed since the last settle recompute their
// transmitters; a far switch is recomputed only for lanes whose light changed, re-evaluates
// its links only for ports whose far end changed, and is republished only if something it
// shows changed. A command on one switch never costs work on the rest of the fabric.
void World::settle() {
  if (dirty_list_.empty()) return;
  // Changes made while settling (a link going down) are settled by the next call.
  settle_now_.swap(dirty_list_);
  dirty_list_.clear();
  settle_rx_.clear();
  settle_links_.clear();
  settle_pub_.clear();
  rx_hit_.clear();
  link_hit_.clear();
  const std::uint64_t stamp = ++settle_stamp_;
  auto add = [&](std::vector<std::size_t>& list, std::uint64_t SwitchModel::*mark, std::size_t i) {
    SwitchModel& s = *switches_[i];
    if (s.*mark == stamp) return;
    s.*mark = stamp;
    list.push_back(i);
  };
  for (const std::size_t i : settle_now_) {
    SwitchModel& s = *switches_[i];
    s.dirty = false;
    recompute(s);
    far_views(s);
    add(settle_rx_, &SwitchModel::rx_stamp, i);
    add(settle_links_, &SwitchModel::link_stamp, i);
    add(settle_pub_, &SwitchModel::pub_stamp, i);
  }
  settle_now_.clear();
  for (const std::size_t p : rx_hit_) add(settle_rx_, &SwitchModel::rx_stamp, p);
  for (const std::size_t i : settle_rx_) {
    if (!recompute_rx(*switches_[i])) continue;
    add(settle_links_, &SwitchModel::link_stamp, i);
    add(settle_pub_, &SwitchModel::pub_stamp, i);
  }
  for (const std::size_t p : link_hit_) add(settle_links_, &SwitchModel::link_stamp, p);
  for (const std::size_t i : settle_links_)
    if (evaluate_links(*switches_[i])) add(settle_pub_, &SwitchModel::pub_stamp, i);
  for (const std::size_t i : settle_pub_) publisher_.publish(*switches_[i]);
}

void World::fire(const Timer& t) {
  SwitchModel& s = *switches_[t.sw];
  switch (t.kind) {
    case TimerKind::tick: {
      tick(tick_ns_);
      schedule(now_ns_.load() + tick_ns_, t);
      break;
    }
    case TimerKind::command: {
      UnitModel& u = *s.units[t.a];
      if (u.cmd_token != t.token || !u.busy || u.hung) break;
      execute(s, u);
      break;
    }
    case TimerKind::reset: {
      UnitModel& u = *s.units[t.a];
      if (u.cmd_token != t.token) break;
      reset_unit_state(s, u);
      break;
    }
    case TimerKind::oe_step: {
      OeModel& oe = s.oes[t.a];
      if (oe.token != t.token) break;
      if (oe.state == rd::ModuleState::kPwrUp)
        oe_set_state(s, t.a, rd::ModuleState::kReady);
      else if (oe.state == rd::ModuleState::kPwrDn)
        oe_set_state(s, t.a, rd::ModuleState::kLowPwr);
      oe_control_changed(s, t.a);
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
        schedule(now_ns_.load() + ns_of(phys::kDpTxTurnOnSeconds),
                 Timer{TimerKind::dp_step, s.index, t.a, t.b, t.c, ++b.dp_token[t.c]});
      if (next == D::kDeinit)
        schedule(now_ns_.load() + ns_of(phys::kDpDeinitSeconds),
                 Timer{TimerKind::dp_step, s.index, t.a, t.b, t.c, ++b.dp_token[t.c]});
      if (next == D::kActivated || next == D::kDeactivated) {
        publisher_.oe_event(s, t.a, t.b, rd::EventType::kDataPathState, static_cast<std::uint32_t>(next), t.c);
        raise_flag(s, b.dp_changed, static_cast<std::uint8_t>(b.dp_changed.current | (1u << t.c)), true, t.a, t.b,
                   cmis::field::kDataPathStateChanged);
        b.dp_changed.current = 0;  // a change is an edge, not a condition
      }
      dp_evaluate(s, t.a, t.b * s.platform.lanes_per_bank() + t.c);
      touch(s);
      break;
    }
    case TimerKind::laser_ramp: {
      LaserModel& l = s.els[t.a].lasers[t.b];
      if (l.token != t.token || l.state != rd::LaserState::kRamping) break;
      l.state = rd::LaserState::kOn;
      l.power_mw = l.target_mw;
      touch(s);
      break;
    }
    case TimerKind::train: {
      PortModel& p = s.ports[t.a];
      if (p.train_token[t.b] != t.token || !(p.training & (1u << t.b))) break;
      p.training &= ~(1u << t.b);
      rd::LinkCause cause = rd::LinkCause::kNone;
      if (subport_ok(s, t.a, t.b, cause)) {
        p.oper |= 1u << t.b;
        ++p.up_count;
        publisher_.port_event(s, t.a, t.b, rd::EventType::kLinkUp, rd::LinkCause::kNone);
      }
      touch(s);
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
  s.world = this;
  s.index = switches_.size();
  s.options = options;
  s.rng.seed(options.seed);
  s.coolant_c = phys::kCoolantDefaultC;
  if (options.status_period.count() > 0) tick_ns_ = options.status_period.count();

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
  }
  s.els.resize(pf.els_modules().size());
  for (auto& e : s.els) {
    e.lasers.resize(s.lasers_per_els);
    e.banks.resize((s.lasers_per_els + 7) / 8);
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
    auto ports = pf.ports_of(ui.id);
    if (!ports.ok() || ports->empty())
      return Status(Code::invalid_argument, "sim " + pf.name() + ": unit without ports");
    u->first_port = ports->front().value();
    u->port_count = u32(ports->size());
    u->first_lane = s.ports[u->first_port].first_lane;
    u->lane_count = u->port_count * s.lanes_per_port;
    std::uint32_t min_oe = ~0u, max_oe = 0, min_els = ~0u, max_els = 0;
    for (std::uint32_t l = u->first_lane; l < u->first_lane + u->lane_count; ++l) {
      min_oe = std::min(min_oe, s.lanes[l].oe);
      max_oe = std::max(max_oe, s.lanes[l].oe);
      min_els = std::min(min_els, s.lanes[l].els);
      max_els = std::max(max_els, s.lanes[l].els);
    }
    u->first_oe = min_oe;
    u->oe_count = max_oe - min_oe + 1;
    u->first_els = min_els;
    u->els_count = max_els - min_els + 1;
    if (u->port_count > rd::record::kPort.capacity || u->lane_count > rd::record::kLane.capacity ||
        u->oe_count > rd::record::kOe.capacity || u->els_count > rd::record::kEls.capacity ||
        u->els_count * s.lasers_per_els > rd::record::kLaser.capacity || s.lanes_per_port > 8)
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
    u->bar = std::make_unique<UnitBar>(this, &s, u->index);
    s.units.push_back(std::move(u));
  }
  // Start at the thermal steady state of the start conditions, so a switch left alone is
  // quiet from its first tick (no aging: no time has passed).
  for (int i = 0; i < 8; ++i) (void)thermal(s, 1e6, false);
  switches_.push_back(std::move(sp));
  for (const auto& u : s.units)
    if (u->polled) polled_.emplace_back(s.index, u->index);
  touch(s);
  settle();
  return s.index;
}

Status World::connect(std::size_t sa, PortId a, std::size_t sb, PortId b, double loss_db, bool settle_now) {
  SwitchModel& A = *switches_[sa];
  SwitchModel& B = *switches_[sb];
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
        LaneModel& old = switches_[l.peer_sw]->lanes[l.peer_lane];
        old.peer_sw = l.peer_sw;
        old.peer_lane = l.peer_lane;  // the old far end gets a loopback plug
        old.fiber_loss_db = phys::kLoopbackPlugLossDb;
        touch(*switches_[l.peer_sw]);
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
  if (sa != sb) {
    if (std::find(A.peers.begin(), A.peers.end(), sb) == A.peers.end()) A.peers.push_back(sb);
    if (std::find(B.peers.begin(), B.peers.end(), sa) == B.peers.end()) B.peers.push_back(sa);
  }
  touch(A);
  touch(B);
  if (settle_now) settle();
  return ok_status();
}

// ---------------------------------------------------------------------------- mailbox
void World::ring(SwitchModel& s, UnitModel& u) noexcept {
  if (u.rung.exchange(true, std::memory_order_acq_rel)) return;  // already queued
  cpo::Lock lock(bell_mu_);
  rung_.emplace_back(s.index, u.index);
}

// The units rung since the last pass (in ring order), then the polled ones: the cost of a
// pass is the number of units that need the firmware, not the size of the fabric.
void World::scan_doorbells() {
  {
    cpo::Lock lock(bell_mu_);
    if (rung_.empty() && polled_.empty()) return;
    serving_.swap(rung_);
  }
  for (const auto& [si, ui] : serving_) {
    SwitchModel& s = *switches_[si];
    UnitModel& u = *s.units[ui];
    // Cleared before the look: a ring after this point queues the unit again.
    u.rung.store(false, std::memory_order_release);
    service_doorbell(s, u);
  }
  serving_.clear();
  for (const auto& [si, ui] : polled_) service_doorbell(*switches_[si], *switches_[si]->units[ui]);
}

void World::service_doorbell(SwitchModel& s, UnitModel& u) {
  if (u.win.load(rd::reg::kHardReset) == rd::kHardResetKey) {
    u.win.store(rd::reg::kHardReset, 0);
    hard_reset(s, u, false);
    return;
  }
  const std::uint32_t tag = u.win.load(rd::reg::kMbxDoorbell);
  if (tag == u.last_doorbell) return;
  u.last_doorbell = tag;
  if (u.hung || u.resetting) return;  // nobody serves the mailbox
  on_doorbell(s, u, tag);
}

void World::on_doorbell(SwitchModel& s, UnitModel& u, std::uint32_t tag) {
  Window& w = u.win;
  if (u.busy) {
    // The executing command keeps the mailbox; the newcomer is told so under its own tag.
    w.store(rd::mbx_result(0), 0);
    w.store(rd::reg::kMbxCompCode, static_cast<std::uint32_t>(rd::Completion::kBusy));
    w.store(rd::reg::kMbxCompTag, tag);
    return;
  }
  u.busy = true;
  u.tag = tag;
  u.opcode = w.load(rd::reg::kMbxOpcode);
  for (std::size_t i = 0; i < u.args.size(); ++i) u.args[i] = w.load(rd::mbx_arg(i));
  for (std::size_t i = 0; i < 32; ++i) {
    const std::uint32_t word = w.load(rd::mbx_data_word(i));
    for (std::size_t k = 0; k < 4; ++k) u.data[4 * i + k] = static_cast<std::uint8_t>(word >> (8 * k));
  }
  w.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kBusy));
  std::uint32_t bad = 0;
  u.early = validate(s, u, bad);
  u.early_result0 = bad;
  ++u.cmd_token;
  // Rejections come back after the firmware's parse time; accepted commands after their
  // documented latency (refdev::typical_latency).
  std::int64_t latency = 10'000;
  if (u.early == rd::Completion::kOk) {
    const auto op = static_cast<rd::Opcode>(u.opcode);
    latency = std::chrono::duration_cast<std::chrono::nanoseconds>(rd::typical_latency(op)).count();
    if (op == rd::Opcode::kUnitReset) {
      u.resetting = true;
      u.reset_from_mailbox = true;
      w.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kResetting));
      schedule(now_ns_.load() + latency, Timer{TimerKind::reset, s.index, u32(u.index), 0, 0, u.cmd_token});
      touch(s);
      return;
    }
  }
  schedule(now_ns_.load() + latency, Timer{TimerKind::command, s.index, u32(u.index), 0, 0, u.cmd_token});
}

void World::complete(SwitchModel& s, UnitModel& u, rd::Completion code, std::array<std::uint32_t, 4> results) {
  (void)s;
  // Firmware publishes what the command changed before it signals completion, so a driver
  // that reads the status region right after the completion sees the new state (with a
  // real-time clock the driver's read may follow within microseconds).
  settle();
  Window& w = u.win;
  for (std::size_t i = 0; i < results.size(); ++i) w.store(rd::mbx_result(i), results[i]);
  w.store(rd::reg::kMbxCompCode, static_cast<std::uint32_t>(code));
  w.store(rd::reg::kMbxCompTag, u.tag);  // last: the completion is now visible
  w.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kIdle));
  u.busy = false;
}

rd::Completion World::validate(SwitchModel& s, UnitModel& u, std::uint32_t& bad) {
  // The unit as the table's REFUSE rows ask about it (refdev/mailbox.h generates the checks).
  struct View {
    const SwitchModel& s;
    const UnitModel& u;
    std::uint32_t port_count() const { return u.port_count; }
    std::uint32_t lane_count() const { return u.lane_count; }
    std::uint32_t lanes_per_port() const { return s.lanes_per_port; }
    std::uint32_t subports(std::uint32_t port) const { return s.ports[u.first_port + port].breakout; }
    std::uint32_t modules(std::uint32_t target) const {
      return target == static_cast<std::uint32_t>(rd::CmisTarget::kOe) ? u.oe_count : u.els_count;
    }
    std::uint32_t banks(std::uint32_t target, std::uint32_t index) const {
      return target == static_cast<std::uint32_t>(rd::CmisTarget::kOe)
                 ? u32(s.platform.optical_engines()[u.first_oe + index].banks.size())
                 : s.platform.els_modules()[u.first_els + index].cmis_banks();
    }
    std::uint32_t breakout_caps() const { return s.breakout_caps; }
    std::uint32_t fec_caps() const { return u.win.load(rd::reg::kFecCaps); }
    std::uint32_t prbs_caps() const { return u.win.load(rd::reg::kPrbsCaps); }
    std::uint32_t loopback_caps() const { return u.win.load(rd::reg::kLoopbackCaps); }
    std::uint32_t event_producer() const { return u.evt_producer; }
    std::uint32_t mtu_min() const { return PortModel::kMtuMin; }
    std::uint32_t mtu_max() const { return PortModel::kMtuMax; }
    bool dma_target(std::uint32_t lo, std::uint32_t hi, std::uint32_t bytes) const {
      // The only host memory this device may write is the buffer its Bar handed out.
      return u.dma != nullptr && reinterpret_cast<std::uintptr_t>(u.dma.get()) == ((std::uint64_t{hi} << 32) | lo) &&
             bytes <= rd::region::kStatus.bytes;
    }
  };
  const rd::Refusal r = rd::check(u.opcode, u.args, View{s, u});
  bad = r.arg;
  return r.code;
}

void World::execute(SwitchModel& s, UnitModel& u) {
  using C = rd::Completion;
  if (u.early != C::kOk) {
    complete(s, u, u.early, {u.early_result0, 0, 0, 0});
    return;
  }
  // A snapshot changes nothing in the model: no physics to settle for it.
  if (static_cast<rd::Opcode>(u.opcode) == rd::Opcode::kStatusSnapshot)
    return complete(s, u, C::kOk, publisher_.status_snapshot(s, u));
  std::array<std::uint32_t, 4> res{};
  C code = C::kOk;
  touch(s);
  switch (static_cast<rd::Opcode>(u.opcode)) {
    case rd::Opcode::kNop:
    case rd::Opcode::kUnitReset: break;
    case rd::Opcode::kPortAdmin: {
      const auto a = rd::unpack_args<rd::PortAdminArgs>(u.args);
      const std::uint32_t port = u.first_port + a.Port;
      PortModel& p = s.ports[port];
      const std::uint32_t all = (1u << p.breakout) - 1u;
      const std::uint32_t mask = a.Subport == rd::kAllSubports ? all : (1u << a.Subport);
      if (a.Up == 1) {
        p.admin |= mask;
      } else {
        p.admin &= ~mask;
        for (std::uint32_t sub = 0; sub < p.breakout; ++sub)
          if (mask & (1u << sub)) link_down(s, port, sub, rd::LinkCause::kAdminDown);
      }
      res = rd::pack_results(rd::PortAdminResults{.AdminMask = p.admin});
      break;
    }
    case rd::Opcode::kBreakout: {
      const auto a = rd::unpack_args<rd::BreakoutArgs>(u.args);
      // Atomic: every port is checked before any changes.
      for (std::uint32_t i = 0; i < a.Count; ++i) {
        if (s.ports[u.first_port + a.FirstPort + i].admin != 0) {
          code = C::kWrongState;
          res = rd::pack_results(rd::BreakoutResults{.Changed = 0, .Port = a.FirstPort + i});
          break;
        }
      }
      if (code != C::kOk) break;
      std::uint32_t changed = 0;
      for (std::uint32_t i = 0; i < a.Count; ++i) {
        const std::uint32_t port = u.first_port + a.FirstPort + i;
        PortModel& p = s.ports[port];
        if (p.breakout == a.Subports) continue;
        for (std::uint32_t sub = 0; sub < p.breakout; ++sub) link_down(s, port, sub, rd::LinkCause::kReconfigured);
        p.breakout = a.Subports;
        p.mtu = PortModel{}.mtu;  // new sub-ports start at the default MTU (SetMtu)
        p.training = 0;
        for (auto& t : p.train_token) ++t;
        ++changed;
      }
      res = rd::pack_results(rd::BreakoutResults{.Changed = changed, .Port = 0});
      break;
    }
    case rd::Opcode::kFecMode:
    case rd::Opcode::kLoopback: {
      // Both take (Port, Mode) in the same words; the table's offset checks keep it so.
      static_assert(rd::arg::kFecModePort == rd::arg::kLoopbackPort && rd::arg::kFecModeMode == rd::arg::kLoopbackMode);
      const auto a = rd::unpack_args<rd::FecModeArgs>(u.args);
      const std::uint32_t port = u.first_port + a.Port;
      PortModel& p = s.ports[port];
      const bool fec = static_cast<rd::Opcode>(u.opcode) == rd::Opcode::kFecMode;
      const bool same = fec ? p.fec == static_cast<rd::Fec>(a.Mode) : p.loopback == static_cast<rd::Loopback>(a.Mode);
      if (same) break;
      if (fec)
        p.fec = static_cast<rd::Fec>(a.Mode);
      else
        p.loopback = static_cast<rd::Loopback>(a.Mode);
      for (std::uint32_t sub = 0; sub < p.breakout; ++sub) link_down(s, port, sub, rd::LinkCause::kReconfigured);
      break;
    }
    case rd::Opcode::kTxFir: {
      const auto a = rd::unpack_args<rd::TxFirArgs>(u.args);
      LaneModel& l = s.lanes[u.first_lane + a.Lane];
      l.fir_pre = rd::as_i32(a.Pre);
      l.fir_main = rd::as_i32(a.Main);
      l.fir_post = rd::as_i32(a.Post);
      break;
    }
    case rd::Opcode::kPrbs: {
      const auto a = rd::unpack_args<rd::PrbsArgs>(u.args);
      LaneModel& l = s.lanes[u.first_lane + a.Lane];
      const bool chk_before = l.chk;
      l.pattern = static_cast<rd::PrbsPattern>(a.Pattern);
      l.gen = rd::bits::kPrbsFlagsGenerator.get(a.Flags) != 0;
      l.chk = rd::bits::kPrbsFlagsChecker.get(a.Flags) != 0;
      if (rd::bits::kPrbsFlagsClearCounters.get(a.Flags) != 0 || (l.chk && !chk_before)) {
        l.prbs_err = l.prbs_bits = 0;
        l.prbs_err_acc = l.prbs_bits_acc = 0;
      }
      break;
    }
    case rd::Opcode::kCmisRead: {
      std::uint32_t bad = 0;
      code = cmis_read(s, u, bad);
      res = rd::pack_results(rd::CmisReadResults{.Bytes = code == C::kOk ? rd::kMailboxDataBytes : bad});
      if (code == C::kOk) {
        for (std::size_t i = 0; i < rd::kMailboxDataBytes / 4; ++i) {
          std::uint32_t word = 0;
          for (std::size_t k = 0; k < 4; ++k) word |= static_cast<std::uint32_t>(u.data[4 * i + k]) << (8 * k);
          u.win.store(rd::mbx_data_word(i), word);
        }
      }
      break;
    }
    case rd::Opcode::kCmisWrite: {
      std::uint32_t bad = 0;
      code = cmis_write(s, u, bad);
      res[0] = code == C::kOk ? 0 : bad;  // CmisWrite has no results; Result0 names a refused argument
      break;
    }
    case rd::Opcode::kEventAck: {
      const auto a = rd::unpack_args<rd::EventAckArgs>(u.args);
      res = rd::pack_results(rd::EventAckResults{.Producer = u.evt_producer, .Lost = u.evt_lost});
      u.evt_lost = 0;
      u.win.store(rd::reg::kEvtConsumer, a.Consumer);
      u.win.store(rd::reg::kEvtLost, 0);
      break;
    }
    case rd::Opcode::kSetMtu: res = set_mtu(s, u); break;
    case rd::Opcode::kStatusSnapshot: break;  // above
    case rd::Opcode::kCountersClear: {
      const auto a = rd::unpack_args<rd::CountersClearArgs>(u.args);
      const std::uint32_t first = a.Port == rd::kAllPorts ? 0 : a.Port;
      const std::uint32_t n = a.Port == rd::kAllPorts ? u.port_count : 1;
      for (std::uint32_t i = first; i < first + n; ++i) {
        PortModel& p = s.ports[u.first_port + i];
        p.down_count = p.up_count = 0;
        for (std::uint32_t k = 0; k < p.lanes; ++k) {
          LaneModel& l = s.lanes[p.first_lane + k];
          l.corr = l.uncorr = 0;
          l.corr_acc = l.uncorr_acc = 0;
        }
      }
      break;
    }
  }
  complete(s, u, code, res);
}

void World::hard_reset(SwitchModel& s, UnitModel& u, bool from_mailbox) {
  u.hung = false;
  u.busy = false;
  u.resetting = true;
  u.reset_from_mailbox = from_mailbox;
  ++u.cmd_token;
  u.win.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kResetting));
  schedule(now_ns_.load() + ns_of(0.2), Timer{TimerKind::reset, s.index, u32(u.index), 0, 0, u.cmd_token});
  touch(s);
}

void World::reset_unit_state(SwitchModel& s, UnitModel& u) {
  for (std::uint32_t i = 0; i < u.port_count; ++i) {
    const std::uint32_t port = u.first_port + i;
    PortModel& p = s.ports[port];
    p.admin = 0;
    p.oper = 0;
    p.training = 0;
    for (auto& t : p.train_token) ++t;
    p.breakout = s.default_breakout;
    p.mtu = PortModel{}.mtu;
    p.fec = rd::Fec::kRs544;
    p.loopback = rd::Loopback::kNone;
    p.down_cause = rd::LinkCause::kUnitReset;
    p.down_count = p.up_count = 0;
    for (std::uint32_t k = 0; k < p.lanes; ++k) {
      LaneModel& l = s.lanes[p.first_lane + k];
      l.fir_pre = rd::kTxFirPreDefault;
      l.fir_main = rd::kTxFirMainDefault;
      l.fir_post = rd::kTxFirPostDefault;
      l.pattern = rd::PrbsPattern::kOff;
      l.gen = l.chk = false;
      l.corr = l.uncorr = l.prbs_err = l.prbs_bits = 0;
      l.corr_acc = l.uncorr_acc = l.prbs_err_acc = l.prbs_bits_acc = 0;
    }
  }
  for (std::uint32_t i = 0; i < u.oe_count; ++i) {
    OeModel& oe = s.oes[u.first_oe + i];
    oe.control = oe_power_on_control(s.options.start);
    for (auto& b : oe.banks) {
      b.p10.fill(0);
      b.init_pending = 0;
    }
    oe_control_changed(s, u.first_oe + i);
  }
  u.evt_producer = 0;
  u.evt_lost = 0;
  u.win.clear(rd::region::kEventRing.offset, rd::region::kEventRing.bytes);
  u.win.store(rd::reg::kEvtProducer, 0);
  u.win.store(rd::reg::kEvtConsumer, 0);
  u.win.store(rd::reg::kEvtLost, 0);
  u.resetting = false;
  u.win.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kIdle));
  publisher_.event(s, u, rd::EventType::kUnitReset, rd::make_object(rd::ObjectKind::kUnit, 0), 0, 0);
  if (u.reset_from_mailbox) {
    u.busy = true;
    complete(s, u, rd::Completion::kOk, {0, 0, 0, 0});
  }
  u.last_doorbell = u.win.load(rd::reg::kMbxDoorbell);
  touch(s);
}

}  // namespace cpo::sim
