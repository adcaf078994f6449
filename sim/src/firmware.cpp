// The units' mailbox firmware: doorbells, command validation and execution, completions,
// unit resets, SetMtu, and the status snapshot channel.
#include "firmware.h"

#include "cpo/hal/backend/refdev/mailbox.h"
#include "cpo/hal/backend/refdev/snapshot_channel.h"
#include "world.h"

namespace cpo::sim {

namespace {
constexpr std::int64_t ns_of(double seconds) { return static_cast<std::int64_t>(seconds * 1e9); }
std::uint32_t u32(std::size_t v) { return static_cast<std::uint32_t>(v); }
}  // namespace

// ---------------------------------------------------------------------------- mailbox
void Firmware::ring(SwitchModel& s, UnitModel& u) noexcept {
  if (u.rung.exchange(true, std::memory_order_acq_rel)) return;  // already queued
  Firmware* to = this;
  for (;;) {
    Firmware* next = nullptr;
    {
      cpo::Lock lock(to->bell_mu_);
      if (to->forward_ == nullptr) {
        to->rung_.emplace_back(s.index, u.index);
        return;
      }
      next = to->forward_;
    }
    to = next;
  }
}

void Firmware::absorb(Firmware& other) {
  // Lock order: the merged-away world's queue, then this one's (ring() holds one at a time).
  cpo::Lock theirs(other.bell_mu_);
  cpo::Lock mine(bell_mu_);
  rung_.insert(rung_.end(), other.rung_.begin(), other.rung_.end());
  other.rung_.clear();
  other.forward_ = this;
  polled_.insert(polled_.end(), other.polled_.begin(), other.polled_.end());
  other.polled_.clear();
}

// The units rung since the last pass (in ring order), then the polled ones: the cost of a
// pass is the number of units that need the firmware, not the size of the fabric.
void Firmware::scan_doorbells() {
  {
    cpo::Lock lock(bell_mu_);
    if (rung_.empty() && polled_.empty()) return;
    serving_.swap(rung_);
  }
  // Serves unit ui of switch si, unless a batch running beside this thread may write its node
  // (false: its doorbell waits, still rung). Serving writes the unit's mailbox and timers,
  // nothing a batch two fibers away reads.
  auto serve = [this](std::size_t si, std::size_t ui, bool rung) {
    SwitchModel& s = world_.sw(si);
    NodeModel& n = s.node_of(ui);
    if (world_.written(n.id)) return false;
    UnitModel& u = *s.units[ui];
    // Cleared before the look: a ring after this point queues the unit again.
    if (rung) u.rung.store(false, std::memory_order_release);
    world_.within(n, [&] { service_doorbell(s, u); });
    return true;
  };
  deferred_.clear();
  for (const auto& [si, ui] : serving_)
    if (!serve(si, ui, true)) deferred_.emplace_back(si, ui);
  serving_.clear();
  if (!deferred_.empty()) {
    cpo::Lock lock(bell_mu_);
    rung_.insert(rung_.begin(), deferred_.begin(), deferred_.end());
  }
  for (const auto& [si, ui] : polled_) (void)serve(si, ui, false);
}

void Firmware::service_doorbell(SwitchModel& s, UnitModel& u) {
  // The snapshot channel first and apart from the mailbox: a copy is served while a command
  // executes (or a reset runs), only a hung firmware serves nothing.
  if (const std::uint32_t seq = u.win.load(rd::reg::kSnapRequest); seq != u.last_snap_request) {
    u.last_snap_request = seq;
    if (!u.hung) serve_snapshot(s, u, seq);
  }
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

void Firmware::on_doorbell(SwitchModel& s, UnitModel& u, std::uint32_t tag) {
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
      world_.schedule(world_.now().count() + latency,
                      Timer{TimerKind::reset, s.index, u32(u.index), 0, 0, u.cmd_token});
      world_.touch(s, u);
      return;
    }
  }
  world_.schedule(world_.now().count() + latency, Timer{TimerKind::command, s.index, u32(u.index), 0, 0, u.cmd_token});
}

void Firmware::complete(SwitchModel& s, UnitModel& u, rd::Completion code, std::array<std::uint32_t, 4> results) {
  Completion c{u.index, code, results};
  if (world_.in_pass()) {
    s.node_of(u.index).completions.push_back(c);
    s.queued.store(true, std::memory_order_relaxed);
    return;
  }
  world_.settle();
  post(s, c);
}

void Firmware::post(SwitchModel& s, const Completion& c) {
  UnitModel& u = *s.units[c.unit];
  // Firmware publishes what the command changed before it signals completion, so a driver
  // that reads the status region right after the completion sees the new state (with a
  // real-time clock the driver's read may follow within microseconds).
  const std::array<std::uint32_t, 4>& results = c.results;
  Window& w = u.win;
  for (std::size_t i = 0; i < results.size(); ++i) w.store(rd::mbx_result(i), results[i]);
  w.store(rd::reg::kMbxCompCode, static_cast<std::uint32_t>(c.code));
  w.store(rd::reg::kMbxCompTag, u.tag);  // last: the completion is now visible
  w.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kIdle));
  u.busy = false;
}

rd::Completion Firmware::validate(SwitchModel& s, UnitModel& u, std::uint32_t& bad) {
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
  };
  const rd::Refusal r = rd::check(u.opcode, u.args, View{s, u});
  bad = r.arg;
  return r.code;
}

Firmware::Scope Firmware::scope(const SwitchModel& s, const UnitModel& u) noexcept {
  using K = Scope::Kind;
  if (u.early != rd::Completion::kOk) return {K::shows};  // refused: nothing changes
  // The arguments passed the generated checks at the doorbell: ports and lanes are in range.
  const auto lane_port = [&](std::uint32_t lane) { return Scope{K::ports, s.lanes[u.first_lane + lane].port, 1}; };
  switch (static_cast<rd::Opcode>(u.opcode)) {
    case rd::Opcode::kNop:
    case rd::Opcode::kCmisRead:  // clears latched flags
    case rd::Opcode::kEventAck:
    case rd::Opcode::kSetMtu:
    case rd::Opcode::kCountersClear: return {K::shows};
    case rd::Opcode::kPortAdmin: return {K::ports, u.first_port + rd::unpack_args<rd::PortAdminArgs>(u.args).Port, 1};
    case rd::Opcode::kFecMode:
    case rd::Opcode::kLoopback: return {K::ports, u.first_port + rd::unpack_args<rd::FecModeArgs>(u.args).Port, 1};
    case rd::Opcode::kBreakout: {
      const auto a = rd::unpack_args<rd::BreakoutArgs>(u.args);
      return {K::ports, u.first_port + a.FirstPort, a.Count};
    }
    case rd::Opcode::kTxFir: return lane_port(rd::unpack_args<rd::TxFirArgs>(u.args).Lane);
    case rd::Opcode::kPrbs: return lane_port(rd::unpack_args<rd::PrbsArgs>(u.args).Lane);
    default: return {K::whole};
  }
}

void Firmware::execute(SwitchModel& s, UnitModel& u) {
  using C = rd::Completion;
  if (u.early != C::kOk) {
    complete(s, u, u.early, {u.early_result0, 0, 0, 0});
    return;
  }
  std::array<std::uint32_t, 4> res{};
  C code = C::kOk;
  switch (const Scope sc = scope(s, u); sc.kind) {
    case Scope::shows: world_.show(s, u); break;
    case Scope::ports:
      for (std::uint32_t p = sc.first; p < sc.first + sc.count; ++p) world_.touch_port(s, p);
      break;
    case Scope::whole: world_.touch(s, u); break;
  }
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
          if (mask & (1u << sub)) world_.links().link_down(s, port, sub, rd::LinkCause::kAdminDown);
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
        for (std::uint32_t sub = 0; sub < p.breakout; ++sub)
          world_.links().link_down(s, port, sub, rd::LinkCause::kReconfigured);
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
      for (std::uint32_t sub = 0; sub < p.breakout; ++sub)
        world_.links().link_down(s, port, sub, rd::LinkCause::kReconfigured);
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
      code = world_.optics().cmis_read(s, u, bad);
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
      code = world_.optics().cmis_write(s, u, bad);
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

void Firmware::hard_reset(SwitchModel& s, UnitModel& u, bool from_mailbox) {
  u.hung = false;
  u.busy = false;
  u.resetting = true;
  u.reset_from_mailbox = from_mailbox;
  ++u.cmd_token;
  u.win.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kResetting));
  world_.schedule(world_.now().count() + ns_of(0.2), Timer{TimerKind::reset, s.index, u32(u.index), 0, 0, u.cmd_token});
  world_.touch(s, u);
}

void Firmware::reset_unit_state(SwitchModel& s, UnitModel& u) {
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
    world_.optics().oe_control_changed(s, u.first_oe + i);
  }
  u.evt_producer = 0;
  u.evt_lost = 0;
  u.win.clear(rd::region::kEventRing.offset, rd::region::kEventRing.bytes);
  u.win.store(rd::reg::kEvtProducer, 0);
  u.win.store(rd::reg::kEvtConsumer, 0);
  u.win.store(rd::reg::kEvtLost, 0);
  u.resetting = false;
  u.win.store(rd::reg::kMbxState, static_cast<std::uint32_t>(rd::MailboxState::kIdle));
  world_.publisher().event(s, u, rd::EventType::kUnitReset, rd::make_object(rd::ObjectKind::kUnit, 0), 0, 0);
  if (u.reset_from_mailbox) {
    u.busy = true;
    complete(s, u, rd::Completion::kOk, {0, 0, 0, 0});
  }
  u.last_doorbell = u.win.load(rd::reg::kMbxDoorbell);
  world_.touch(s, u);
}

// ---------------------------------------------------------------------------- snapshot channel
// A request read from the Snap registers, checked by the table's SNAP_REFUSE rows, copied, and
// answered with SnapDone written last. It touches nothing the mailbox uses and changes no
// model state (no touch(): nothing for the physics to settle).
void Firmware::serve_snapshot(SwitchModel& s, UnitModel& u, std::uint32_t sequence) {
  struct View {
    const UnitModel& u;
    bool dma_target(std::uint32_t lo, std::uint32_t hi, std::uint32_t bytes) const {
      // The only host memory this device may write is the buffer its Bar handed out.
      return u.dma != nullptr && reinterpret_cast<std::uintptr_t>(u.dma.get()) == ((std::uint64_t{hi} << 32) | lo) &&
             bytes <= rd::region::kStatus.bytes;
    }
  };
  Window& w = u.win;
  const rd::SnapshotRequest req{.AddrLo = w.load(rd::reg::kSnapAddrLo),
                                .AddrHi = w.load(rd::reg::kSnapAddrHi),
                                .Bytes = w.load(rd::reg::kSnapBytes)};
  const rd::Refusal r = rd::check_snapshot(req, View{u});
  if (r.ok()) w.store(rd::reg::kSnapGeneration, world_.publisher().copy_status(s, u, u.dma.get(), req.Bytes));
  w.store(rd::reg::kSnapStatus, static_cast<std::uint32_t>(r.code));
  w.store(rd::reg::kSnapRejected, r.arg);
  w.store(rd::reg::kSnapDone, sequence);  // last: the copy is now in host memory
}

// ---------------------------------------------------------------------------- SetMtu
// SetMtu (refdev 1.3): the MTU of one sub-port. The firmware keeps it in PortModel::mtu and
// publishes it in the port record's Mtu fields with the rest of the status region.
std::array<std::uint32_t, 4> Firmware::set_mtu(SwitchModel& s, UnitModel& u) {
  // The arguments passed the generated check at the doorbell (port, sub-port, range).
  const auto a = rd::unpack_args<rd::SetMtuArgs>(u.args);
  PortModel& p = s.ports[u.first_port + a.Port];
  p.mtu[a.Subport] = a.Bytes;
  return rd::pack_results(rd::SetMtuResults{.Mtu = p.mtu[a.Subport]});
}

}  // namespace cpo::sim
