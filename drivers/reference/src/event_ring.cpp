// The event ring: draining entries into typed events, ownership of shared ELS and lasers, and
// resynchronising from the status region after an overrun.
#include "driver_impl.h"

#include <fmt/format.h>

namespace cpo::reference {

bool ReferenceDriver::Impl::owns_laser(const Unit& u, std::uint32_t els_local, std::uint32_t laser) const {
  const std::uint32_t els = u.ident.first_els + els_local;
  const std::size_t flat = static_cast<std::size_t>(els) * u.ident.lasers_per_els + laser;
  return flat < laser_owner.size() && laser_owner[flat] == static_cast<int>(u.id.value());
}

bool ReferenceDriver::Impl::owns_els(const Unit& u, std::uint32_t els_local) const {
  const std::uint32_t els = u.ident.first_els + els_local;
  return els < els_loc.size() && els_loc[els].unit == &u;
}

void ReferenceDriver::Impl::decode_event(Unit& u, std::uint32_t type, std::uint32_t object, std::uint32_t cause,
                                         std::uint32_t detail, nanoseconds t, std::vector<Event>& out) {
  const auto kind = static_cast<rd::ObjectKind>(rd::bits::kObjectKind.get(object));
  const std::uint32_t index = rd::bits::kObjectIndex.get(object);
  const std::uint32_t sub = rd::bits::kObjectSub.get(object);
  EventObject what;
  switch (kind) {
    case rd::ObjectKind::kUnit: what = u.id; break;
    case rd::ObjectKind::kPort: what = LogicalPort{PortId(u.ident.first_port + index), sub}; break;
    case rd::ObjectKind::kLane: what = LaneId(u.ident.first_lane + index); break;
    case rd::ObjectKind::kOe:
      if (sub == 0xff) {
        what = OeId(u.ident.first_oe + index);
      } else {
        what = OeBank{OeId(u.ident.first_oe + index), BankId(sub)};
      }
      break;
    case rd::ObjectKind::kEls:
      if (!owns_els(u, index)) return;
      what = ElsId(u.ident.first_els + index);
      break;
    case rd::ObjectKind::kLaser:
      if (!owns_laser(u, index, sub)) return;
      what = LaserRef{ElsId(u.ident.first_els + index), sub};
      break;
  }
  const auto emit = [&](EventPayload payload) { out.push_back(Event{u.id, t, false, std::move(payload)}); };
  const auto module = [&]() -> std::optional<ModuleRef> {
    if (const auto* oe = std::get_if<OeId>(&what)) return ModuleRef{*oe};
    if (const auto* bank = std::get_if<OeBank>(&what)) return ModuleRef{bank->oe};
    if (const auto* els = std::get_if<ElsId>(&what)) return ModuleRef{*els};
    return std::nullopt;
  };
  KnownState& k = u.known;
  switch (static_cast<rd::EventType>(type)) {
    case rd::EventType::kLinkUp:
    case rd::EventType::kLinkDown: {
      const auto* port = std::get_if<LogicalPort>(&what);
      if (port == nullptr) return;
      const bool up = static_cast<rd::EventType>(type) == rd::EventType::kLinkUp;
      if (index < k.oper_mask.size() && sub < 32) {
        if (up) {
          k.oper_mask[index] |= 1u << sub;
        } else {
          k.oper_mask[index] &= ~(1u << sub);
        }
      }
      emit(LinkChange{*port, up ? OperState::up : OperState::down,
                      up ? LinkCause::none : link_cause_from_device(cause)});
      return;
    }
    case rd::EventType::kElsInserted:
    case rd::EventType::kElsRemoved: {
      const auto* els = std::get_if<ElsId>(&what);
      if (els == nullptr) return;
      const bool in = static_cast<rd::EventType>(type) == rd::EventType::kElsInserted;
      if (index < k.els_present.size()) k.els_present[index] = in ? 1 : 0;
      emit(ElsPresence{*els, in});
      return;
    }
    case rd::EventType::kCmisFlag: {
      const auto m = module();
      if (!m) return;
      const auto* bank = std::get_if<OeBank>(&what);
      emit(CmisFlag{*m, bank != nullptr ? bank->bank : BankId(0), static_cast<std::uint8_t>(detail >> 16),
                    static_cast<std::uint8_t>(detail >> 8), static_cast<std::uint8_t>(detail)});
      return;
    }
    case rd::EventType::kLaserFault: {
      const auto* laser = std::get_if<LaserRef>(&what);
      if (laser == nullptr) return;
      const std::size_t flat = static_cast<std::size_t>(index) * u.ident.lasers_per_els + sub;
      if (flat < k.laser_faulted.size()) k.laser_faulted[flat] = 1;
      emit(LaserFault{*laser, laser_fault_from_device(cause)});
      return;
    }
    case rd::EventType::kTempAlarm: {
      // The device reports the worst temperature flag now; readers get a crossing per
      // threshold: the one left (cleared) and the one entered (asserted).
      const double value = temp_256(detail).value();
      const auto key = std::make_pair(static_cast<std::uint32_t>(kind), index);
      const auto now_flag = temperature_threshold_from_device(cause);
      const auto it = k.temperature.find(key);
      const std::optional<TemperatureThreshold> before =
          it != k.temperature.end() ? std::optional(it->second) : std::nullopt;
      if (before == now_flag) return;
      const double unknown = std::numeric_limits<double>::quiet_NaN();
      if (before)
        emit(ThresholdCrossing{what, Measure::temperature, before->level, before->bound, false, value, unknown});
      if (now_flag) {
        emit(ThresholdCrossing{what, Measure::temperature, now_flag->level, now_flag->bound, true, value, unknown});
        k.temperature[key] = *now_flag;
      } else {
        k.temperature.erase(key);
      }
      return;
    }
    case rd::EventType::kModuleState: {
      const auto m = module();
      if (m) emit(ModuleStateChange{*m, module_state_from_device(cause)});
      return;
    }
    case rd::EventType::kDataPathState: {
      const auto* bank = std::get_if<OeBank>(&what);
      if (bank != nullptr) emit(DataPathStateChange{*bank, detail, data_path_state_from_device(cause)});
      return;
    }
    case rd::EventType::kOeFault:
      if (const auto* oe = std::get_if<OeId>(&what)) emit(OeFaultEvent{*oe});
      return;
    case rd::EventType::kThermalShutdown: emit(ThermalShutdown{what}); return;
    case rd::EventType::kUnitReset: emit(UnitReset{}); return;
  }
}

Status ReferenceDriver::Impl::resync_locked(Unit& u, std::vector<Event>& out, std::uint32_t lost_hint) {
  const std::uint32_t producer = u.rd32(rd::reg::kEvtProducer);
  if (producer == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
  const std::uint32_t lost = u.rd32(rd::reg::kEvtLost);
  UnitTelemetry now;
  CPO_RETURN_IF_ERROR(unit_snapshot(u, now));
  out.push_back(Event{u.id, now.timestamp, true, Resync{std::max(lost, lost_hint)}});
  append_differences(u, now, out);
  // Acknowledge everything up to `producer` and clear EvtLost (EventAck, registers.def).
  const rd::ArgWords args = rd::pack(rd::EventAckArgs{.Consumer = producer});
  Reply reply;
  Status s;
  {
    cpo::Lock lock(u.mailbox_mutex);
    s = command_locked(
        u, args, "event ring resync", reply, [] {}, [] {});
  }
  CPO_RETURN_IF_ERROR(s);
  u.consumer = producer;
  return ok_status();
}

void ReferenceDriver::Impl::append_differences(Unit& u, const UnitTelemetry& now, std::vector<Event>& out) {
  KnownState& k = u.known;
  for (std::uint32_t i = 0; i < now.ports.size(); ++i) {
    const PortTelemetry& p = now.ports[i];
    const std::uint32_t changed = p.oper_mask ^ k.oper_mask[i];
    for (std::uint32_t s = 0; s < 32; ++s) {
      if ((changed & (1u << s)) == 0) continue;
      const bool up = ((p.oper_mask >> s) & 1u) != 0;
      out.push_back(Event{u.id, now.timestamp, true,
                          LinkChange{LogicalPort{p.port, s}, up ? OperState::up : OperState::down,
                                     up ? LinkCause::none : p.down_cause}});
    }
    k.oper_mask[i] = p.oper_mask;
  }
  for (std::size_t i = 0; i < now.els.size(); ++i) {
    const std::uint32_t local = u.owned_els[i];
    const std::uint8_t present = now.els[i].present ? 1 : 0;
    if (present != k.els_present[local]) {
      out.push_back(Event{u.id, now.timestamp, true, ElsPresence{now.els[i].els, present != 0}});
      k.els_present[local] = present;
    }
  }
  for (std::size_t i = 0; i < now.lasers.size(); ++i) {
    const std::uint32_t local = u.owned_lasers[i];
    const LaserTelemetry& l = now.lasers[i];
    const std::uint8_t faulted = l.state == LaserState::fault ? 1 : 0;
    if (faulted != 0 && k.laser_faulted[local] == 0) {
      out.push_back(Event{u.id, now.timestamp, true, LaserFault{l.laser, l.fault}});
    }
    k.laser_faulted[local] = faulted;
  }
}

void ReferenceDriver::Impl::init_known(Unit& u, const UnitTelemetry& now) {
  KnownState& k = u.known;
  k.oper_mask.assign(u.ident.port_count, 0);
  k.els_present.assign(u.ident.els_count, 0);
  k.laser_faulted.assign(static_cast<std::size_t>(u.ident.els_count) * u.ident.lasers_per_els, 0);
  for (std::uint32_t i = 0; i < now.ports.size(); ++i) k.oper_mask[i] = now.ports[i].oper_mask;
  for (std::size_t i = 0; i < now.els.size(); ++i) k.els_present[u.owned_els[i]] = now.els[i].present ? 1 : 0;
  for (std::size_t i = 0; i < now.lasers.size(); ++i) {
    k.laser_faulted[u.owned_lasers[i]] = now.lasers[i].state == LaserState::fault ? 1 : 0;
  }
}

Status ReferenceDriver::Impl::drain_locked(Unit& u, std::vector<Event>& out) {
  if (u.gone.load(std::memory_order_relaxed)) return gone_status(u);
  if (!u.pending.empty()) {
    out.insert(out.end(), u.pending.begin(), u.pending.end());
    u.pending.clear();
  }
  const std::uint32_t n_entries = u.ident.event_ring_size;
  const std::uint32_t producer = u.rd32(rd::reg::kEvtProducer);
  if (producer == kAllOnes) {
    CPO_RETURN_IF_ERROR(check_identity(u));
    return ok_status();  // a transient all-ones read; next call retries
  }
  const std::uint32_t lost = u.rd32(rd::reg::kEvtLost);
  const std::uint32_t backlog = producer - u.consumer;  // unsigned 32-bit, as the table says
  if (backlog > n_entries || lost != 0) return resync_locked(u, out, backlog > n_entries ? backlog - n_entries : 0);
  const std::size_t first_out = out.size();
  std::uint32_t n = u.consumer;
  for (; n != producer; ++n) {
    const std::size_t base = rd::at(rd::record::kEvent, n % n_entries, 0);
    const std::uint32_t seq = u.rd32(base + rd::field::kEventSeq);
    if (seq != n) {
      // Seq ahead of n: the entry was overwritten by a newer event (the ring lapped us).
      // Otherwise the device has not finished writing it yet: take it next time.
      if (static_cast<std::int32_t>(seq - n) > 0 && seq != kAllOnes) {
        out.resize(first_out);
        return resync_locked(u, out, 0);
      }
      if (seq == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
      break;
    }
    const std::uint32_t type = u.rd32(base + rd::field::kEventType);
    const std::uint32_t object = u.rd32(base + rd::field::kEventObject);
    const std::uint32_t cause = u.rd32(base + rd::field::kEventCause);
    const std::uint32_t detail = u.rd32(base + rd::field::kEventDetail);
    const nanoseconds t(u64(u.rd32(base + rd::field::kEventTimeLo), u.rd32(base + rd::field::kEventTimeHi)));
    if (u.rd32(base + rd::field::kEventSeq) != n) {
      // Overwritten while we copied it: what we read may mix two events.
      out.resize(first_out);
      return resync_locked(u, out, 0);
    }
    decode_event(u, type, object, cause, detail, t, out);
  }
  if (n != u.consumer) {
    u.bar->write32(rd::reg::kEvtConsumer, n);
    u.consumer = n;
  }
  return ok_status();
}

}  // namespace cpo::reference
