// The reference driver's public Driver methods: argument checks, then one command or one
// status read through the parts in driver_impl.h.
#include "driver_impl.h"

#include <fmt/format.h>

namespace cpo::reference {

Status ReferenceDriver::Impl::check_equal_split(const Unit& u, PortId port, const BreakoutMode& mode) {
  const Identity& id = u.ident;
  const auto refuse = [&](std::string_view why) {
    std::string allowed;
    for (std::uint32_t n = 1; n <= id.lanes_per_port && n <= 8; n *= 2) {
      if (id.lanes_per_port % n == 0)
        allowed += fmt::format("{}{}x{}G", allowed.empty() ? "" : ", ", n, id.port_speed_gbps / n);
    }
    return error(Code::unsupported,
                 fmt::format("{}: breakout {} is not an equal split of the port's {} lanes ({}); the reference "
                             "device splits a {}G port only into {}",
                             to_string(port), mode.to_string(), id.lanes_per_port, why, id.port_speed_gbps, allowed));
  };
  const auto& groups = mode.groups();
  if (groups.size() != 1) return refuse("it mixes sub-port groups");
  const BreakoutGroup& g = groups[0];
  if (g.count == 0 || g.count > id.lanes_per_port || id.lanes_per_port % g.count != 0) {
    return refuse("the lanes do not divide evenly");
  }
  if (g.lanes != 0 && g.lanes != id.lanes_per_port) return refuse("it does not use exactly the port's lanes");
  if (std::uint64_t{g.speed.value()} * g.count != id.port_speed_gbps) {
    return refuse(fmt::format("{} sub-ports of this port run at {}G, not {}G", g.count, id.port_speed_gbps / g.count,
                              g.speed.value()));
  }
  for (Gbps alt : g.alt_speeds) {
    if (std::uint64_t{alt.value()} * g.count > id.port_speed_gbps) {
      return refuse(fmt::format("{}G is more than a sub-port's {}G", alt.value(), id.port_speed_gbps / g.count));
    }
  }
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// ports

namespace {

// An AdminState cast from an integer outside the enum is refused, not read as "down".
Status check_admin(std::string_view what, AdminState state) {
  if (state == AdminState::up || state == AdminState::down) return ok_status();
  return error(Code::invalid_argument,
               fmt::format("{}: admin state value {} is not an AdminState (down, up)", what, static_cast<int>(state)));
}

}  // namespace

Status ReferenceDriver::set_admin_state(PortId port, AdminState state) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  CPO_RETURN_IF_ERROR(check_admin(to_string(port), state));
  const auto args =
      rd::pack(rd::PortAdminArgs{.Port = loc->local, .Subport = rd::kAllSubports, .Up = state == AdminState::up});
  return impl_->note(impl_->command(*loc->unit, args, to_string(port)));
}

Status ReferenceDriver::set_subport_admin_state(const LogicalPort& port, AdminState state) {
  auto loc = impl_->port(port.port);
  if (!loc) return loc.status();
  CPO_RETURN_IF_ERROR(check_admin(to_string(port), state));
  const auto args =
      rd::pack(rd::PortAdminArgs{.Port = loc->local, .Subport = port.subport, .Up = state == AdminState::up});
  return impl_->note(impl_->command(*loc->unit, args, to_string(port)));
}

Status ReferenceDriver::set_breakout(std::span<const BreakoutRequest> requests) {
  struct Run {
    Impl::Unit* unit;
    std::uint32_t first_local;
    std::uint32_t count;
    std::uint32_t subports;
    PortId first;
  };
  // Every request is checked before the first command, so a refusal leaves the switch as it was.
  std::vector<Run> runs;
  std::vector<bool> seen(impl_->port_loc.size(), false);
  for (const auto& req : requests) {
    auto loc = impl_->port(req.port);
    if (!loc) return loc.status();
    if (seen[req.port.value()]) {
      return error(Code::invalid_argument,
                   fmt::format("{} appears twice in one breakout call (each port at most once)", to_string(req.port)));
    }
    seen[req.port.value()] = true;
    CPO_RETURN_IF_ERROR(Impl::check_equal_split(*loc->unit, req.port, req.mode));
    const std::uint32_t subports = req.mode.groups()[0].count;
    if (!runs.empty()) {
      Run& last = runs.back();
      if (last.unit == loc->unit && last.subports == subports && last.first_local + last.count == loc->local) {
        ++last.count;
        continue;
      }
    }
    runs.push_back({loc->unit, loc->local, 1, subports, req.port});
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    const auto args =
        rd::pack(rd::BreakoutArgs{.FirstPort = run.first_local, .Count = run.count, .Subports = run.subports});
    const std::string what = run.count == 1
                                 ? to_string(run.first)
                                 : fmt::format("ports {}..{}", run.first.value(), run.first.value() + run.count - 1);
    Impl::Reply reply;
    Status s = impl_->command(*run.unit, args, what, &reply);
    if (!s.ok()) {
      if (s.code() == Code::failed_precondition) {
        s = error(s.code(),
                  fmt::format("{} (port {} has a sub-port admin up)", s.message(),
                              run.unit->ident.first_port + rd::unpack_results<rd::BreakoutResults>(reply.result).Port));
      }
      if (runs.size() > 1) {
        s = s.with_context(
            fmt::format("breakout step {} of {} ({} earlier applied, this one and later not)", i + 1, runs.size(), i));
      }
      return impl_->note(std::move(s));
    }
  }
  return ok_status();
}

Status ReferenceDriver::set_fec(PortId port, FecMode mode) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  const auto dev = fec_to_device(mode);
  if (!dev) {
    return error(Code::invalid_argument, fmt::format("{}: FEC mode value {} is not a FecMode (none, fc, rs528, rs544)",
                                                     to_string(port), static_cast<int>(mode)));
  }
  const auto args = rd::pack(rd::FecModeArgs{.Port = loc->local, .Mode = static_cast<std::uint32_t>(*dev)});
  return impl_->note(impl_->command(*loc->unit, args, fmt::format("{} FEC {}", to_string(port), to_string(mode))));
}

Status ReferenceDriver::set_loopback(PortId port, LoopbackMode mode) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  const auto dev = loopback_to_device(mode);
  if (!dev) {
    return error(Code::invalid_argument,
                 fmt::format("{}: loopback value {} is not a LoopbackMode (none, phy_near_end, phy_far_end)",
                             to_string(port), static_cast<int>(mode)));
  }
  const auto args = rd::pack(rd::LoopbackArgs{.Port = loc->local, .Mode = static_cast<std::uint32_t>(*dev)});
  return impl_->note(impl_->command(*loc->unit, args, fmt::format("{} loopback {}", to_string(port), to_string(mode))));
}

Result<std::uint32_t> ReferenceDriver::mtu(const LogicalPort& port) {
  auto loc = impl_->port(port.port);
  if (!loc) return loc.status();
  if (!impl_->caps.mtu) return error(Code::unsupported, fmt::format("{}: the device has no port MTU", to_string(port)));
  Impl::Unit& u = *loc->unit;
  std::uint32_t subports = 0, bytes = 0, generation = 0;
  Status s = impl_->consistent(u, generation, [&] {
    subports = u.rd32(rd::at(rd::record::kPort, loc->local, rd::field::kPortBreakout));
    if (port.subport < subports && port.subport < 8) {
      bytes = u.rd32(rd::at(rd::record::kPort, loc->local, rd::field::kPortMtu0) + 4 * std::size_t{port.subport});
    }
    return subports != kAllOnes;
  });
  if (!s.ok()) return impl_->note(std::move(s));
  if (port.subport >= subports) {
    return error(Code::out_of_range, fmt::format("{} does not exist ({} runs {} sub-ports)", to_string(port),
                                                 to_string(port.port), subports));
  }
  return bytes;
}

Status ReferenceDriver::set_mtu(const LogicalPort& port, std::uint32_t bytes) {
  auto loc = impl_->port(port.port);
  if (!loc) return loc.status();
  if (!impl_->caps.mtu) return error(Code::unsupported, fmt::format("{}: the device has no port MTU", to_string(port)));
  const auto args = rd::pack(rd::SetMtuArgs{.Port = loc->local, .Subport = port.subport, .Bytes = bytes});
  return impl_->note(impl_->command(*loc->unit, args, fmt::format("{} MTU {}", to_string(port), bytes)));
}

Result<PortTelemetry> ReferenceDriver::port_telemetry(PortId port) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  PortTelemetry p;
  std::uint32_t generation = 0;
  Status s = impl_->consistent(*loc->unit, generation, [&] {
    impl_->read_port(*loc->unit, StatusWords{loc->unit->bar}, loc->local, p);
    return p.subports != kAllOnes;
  });
  if (!s.ok()) return impl_->note(std::move(s));
  return p;
}

Result<OperState> ReferenceDriver::oper_state(PortId port) {
  // The fast path: one register, no lock, every unusual case in oper_state_slow. OperMask is
  // a single word the device writes atomically, so it needs no seqlock section; with at
  // most 8 sub-ports it never reads all-ones on a live device.
  if (port.value() >= fast_port_count_) [[unlikely]]
    return oper_state_slow(port);
  const FastPort& f = fast_ports_[port.value()];
  if (f.gone->load(std::memory_order_relaxed)) [[unlikely]]
    return oper_state_slow(port);
  const std::uint32_t mask = f.bar->read32(f.oper_offset);
  if (mask == kAllOnes) [[unlikely]]
    return oper_state_slow(port);
  return mask != 0 ? OperState::up : OperState::down;
}

Result<OperStateProbe> ReferenceDriver::oper_state_probe(PortId port) {
  if (port.value() >= fast_port_count_) return impl_->platform.port(port).status();
  const FastPort& f = fast_ports_[port.value()];
  // A probe on a gone unit would only ever fall back to oper_state(); say so now.
  if (f.gone->load(std::memory_order_relaxed)) {
    auto state = oper_state_slow(port);
    if (!state.ok()) return state.status();
  }
  return OperStateProbe(*this, port, *f.bar, f.oper_offset);
}

Result<OperState> ReferenceDriver::oper_state_slow(PortId port) {
  if (port.value() >= impl_->port_loc.size()) return impl_->platform.port(port).status();
  const Impl::PortLoc loc = impl_->port_loc[port.value()];
  Impl::Unit& u = *loc.unit;
  if (u.gone.load(std::memory_order_relaxed)) return impl_->note(Impl::gone_status(u));
  const std::size_t off = rd::at(rd::record::kPort, loc.local, rd::field::kPortOperMask);
  std::uint32_t mask = u.rd32(off);
  for (int retry = 0; retry < 3 && mask == kAllOnes; ++retry) {
    Status s = Impl::check_identity(u);
    if (!s.ok()) return impl_->note(std::move(s));
    mask = u.rd32(off);  // the identity reads right: a transient all-ones read, read again
  }
  if (mask == kAllOnes) {
    return error(Code::device_error,
                 fmt::format("{}: oper state of {} keeps reading 0xffffffff", to_string(u.id), to_string(port)));
  }
  return mask != 0 ? OperState::up : OperState::down;
}

// ---------------------------------------------------------------------------------------------
// lanes

Status ReferenceDriver::set_tx_fir(LaneId lane, const TxFir& taps) {
  auto loc = impl_->lane(lane);
  if (!loc) return loc.status();
  const auto args = rd::pack(rd::TxFirArgs{.Lane = loc->local,
                                           .Pre = static_cast<std::uint32_t>(taps.pre),
                                           .Main = static_cast<std::uint32_t>(taps.main),
                                           .Post = static_cast<std::uint32_t>(taps.post)});
  return impl_->note(
      impl_->command(*loc->unit, args,
                     fmt::format("{} tx-FIR pre {} main {} post {}", to_string(lane), taps.pre, taps.main, taps.post)));
}

Status ReferenceDriver::set_prbs(LaneId lane, const PrbsConfig& config) {
  auto loc = impl_->lane(lane);
  if (!loc) return loc.status();
  std::uint32_t pattern = static_cast<std::uint32_t>(rd::PrbsPattern::kOff);
  std::uint32_t flags = 0;
  if (config.generator || config.checker) {
    rd::PrbsPattern dev{};
    if (!prbs_to_device(config.pattern, dev)) {
      return error(Code::unsupported, fmt::format("{}: PRBS pattern {} is not defined by the reference device "
                                                  "(prbs7, prbs13q, prbs31, prbs31q)",
                                                  to_string(lane), to_string(config.pattern)));
    }
    pattern = static_cast<std::uint32_t>(dev);
    // A checker starts from clean counters.
    flags = rd::bits::kPrbsFlagsGenerator.put(config.generator ? 1u : 0u) |
            rd::bits::kPrbsFlagsChecker.put(config.checker ? 1u : 0u) |
            rd::bits::kPrbsFlagsClearCounters.put(config.checker ? 1u : 0u);
  }
  const auto args = rd::pack(rd::PrbsArgs{.Lane = loc->local, .Pattern = pattern, .Flags = flags});
  return impl_->note(
      impl_->command(*loc->unit, args,
                     fmt::format("{} PRBS {}{}{}", to_string(lane), to_string(config.pattern),
                                 config.generator ? " generator" : "", config.checker ? " checker" : "")));
}

Result<PrbsStatus> ReferenceDriver::prbs_status(LaneId lane) {
  auto t = lane_telemetry(lane);
  if (!t) return t.status();
  PrbsStatus s;
  s.config = t->prbs;
  s.locked = t->prbs_lock;
  s.errors = t->prbs_errors;
  s.bits = t->prbs_bits;
  return s;
}

Result<LaneTelemetry> ReferenceDriver::lane_telemetry(LaneId lane) {
  auto loc = impl_->lane(lane);
  if (!loc) return loc.status();
  LaneTelemetry l;
  std::uint32_t generation = 0;
  Status s = impl_->consistent(*loc->unit, generation,
                               [&] { return Impl::read_lane(*loc->unit, StatusWords{loc->unit->bar}, loc->local, l); });
  if (!s.ok()) return impl_->note(std::move(s));
  return l;
}

// ---------------------------------------------------------------------------------------------
// CMIS, telemetry, events, reset

Status ReferenceDriver::read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) {
  return impl_->cmis(address, out, {});
}

Status ReferenceDriver::write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return error(Code::invalid_argument, fmt::format("{}: transfer of 0 bytes", to_string(address)));
  return impl_->cmis(address, {}, bytes);
}

Result<ReferenceDriver::TelemetryPaths> ReferenceDriver::telemetry_paths(UnitId unit) const {
  if (unit.value() >= impl_->units.size()) return impl_->platform.unit(unit).status();
  const Impl::Unit& u = *impl_->units[unit.value()];
  return TelemetryPaths{u.snapshot_bytes != 0, u.channel_copies.load(std::memory_order_relaxed),
                        u.register_copies.load(std::memory_order_relaxed)};
}

Status ReferenceDriver::read_telemetry(UnitId unit, UnitTelemetry& out) {
  if (unit.value() >= impl_->units.size()) return impl_->platform.unit(unit).status();
  return impl_->note(impl_->unit_snapshot(*impl_->units[unit.value()], out));
}

Status ReferenceDriver::read_events(std::vector<Event>& out) {
  Status first;
  for (auto& u : impl_->units) {
    if (((u->ident.capabilities >> static_cast<std::uint32_t>(rd::Capability::kEventRing)) & 1u) == 0) continue;
    Status s;
    {
      cpo::Lock lock(u->events_mutex);
      s = impl_->drain_locked(*u, out);
    }
    if (!s.ok() && first.ok()) first = s;  // keep reading the other units
    if (!s.ok()) static_cast<void>(impl_->note(s));
  }
  return first;
}

Status ReferenceDriver::reset_unit(UnitId unit) {
  if (unit.value() >= impl_->units.size()) return impl_->platform.unit(unit).status();
  Impl::Unit& u = *impl_->units[unit.value()];
  Status s;
  {
    // The reset clears the event ring (EvtProducer = EvtConsumer = 0), losing the link-down
    // events of the reset itself: hold the events lock so no reader drains half-way, then
    // restart from the device's consumer index and queue what changed as synthetic events.
    cpo::Lock events(u.events_mutex);
    s = impl_->command(u, rd::pack(rd::UnitResetArgs{}), to_string(unit));
    if (s.ok()) {
      const std::uint32_t consumer = u.rd32(rd::reg::kEvtConsumer);
      if (consumer != kAllOnes) u.consumer = consumer;
      UnitTelemetry now;
      s = impl_->unit_snapshot(u, now);
      if (s.ok()) impl_->append_differences(u, now, u.pending);
    }
  }
  return impl_->note(std::move(s));
}

}  // namespace cpo::reference
