// Reading the status region: seqlock-consistent copies decoded into telemetry.
#include "driver_impl.h"

#include <fmt/format.h>

namespace cpo::reference {

Status ReferenceDriver::Impl::consistent(Unit& u, std::uint32_t& generation, FunctionRef<bool()> copy) {
  if (u.gone.load(std::memory_order_relaxed)) return gone_status(u);
  // The deadline runs while the generation stays the same (a writer stuck mid-update); a
  // generation that moves on means the firmware is alive, so the wait starts again. Under a
  // virtual clock other threads' waits move time in jumps, which must not read as a stuck
  // writer. A writer that publishes faster than a copy can be made ends after
  // kMaxGenerationChanges.
  constexpr std::uint32_t kMaxGenerationChanges = 1000;
  DeviceDeadline deadline(*u.bar, options.status_timeout);
  std::uint32_t watched = kAllOnes;
  std::uint32_t changes = 0;
  for (std::uint32_t attempt = 0;; ++attempt) {
    const std::uint32_t g1 = u.rd32(rd::reg::kGeneration);
    if (g1 == kAllOnes) {
      CPO_RETURN_IF_ERROR(check_identity(u));
    } else if ((g1 & 1u) == 0) {
      const bool clean = copy();
      const std::uint32_t g2 = u.rd32(rd::reg::kGeneration);
      if (g2 == g1 && clean) {
        generation = g1;
        return ok_status();
      }
      if (!clean || g2 == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
    }
    // A writer is active: spin a little (it updates in microseconds), then let device
    // time pass so a simulator in virtual time can finish its update.
    if (attempt >= 8) {
      // Back off from 1 us to 1 ms so a stuck generation costs few waits before timeout.
      const nanoseconds backoff = std::min<nanoseconds>(
          std::chrono::microseconds(1) * (1u << std::min(attempt - 8, 10u)), std::chrono::milliseconds(1));
      if (g1 != watched) {
        watched = g1;
        deadline.restart();
        ++changes;
      }
      if (deadline.expired() || changes > kMaxGenerationChanges) {
        return error(Code::timeout,
                     fmt::format("{}: status region not consistent (generation {} stuck for {} us, or {} changes "
                                 "without a consistent copy)",
                                 to_string(u.id), g1, options.status_timeout.count() / 1000, changes));
      }
      deadline.wait(backoff);
    }
  }
}

void ReferenceDriver::Impl::read_port(const Unit& u, const StatusWords& w, std::uint32_t local,
                                      PortTelemetry& p) const {
  const auto f = [&](std::size_t field) { return w(rd::at(rd::record::kPort, local, field)); };
  p.port = PortId(u.ident.first_port + local);
  p.admin_mask = f(rd::field::kPortAdminMask);
  p.oper_mask = f(rd::field::kPortOperMask);
  p.subports = f(rd::field::kPortBreakout);
  p.fec = fec_from_device(f(rd::field::kPortFec));
  p.faults = port_faults(f(rd::field::kPortFaults));
  p.loopback = loopback_from_device(f(rd::field::kPortLoopback));
  p.down_cause = link_cause_from_device(f(rd::field::kPortDownCause));
  p.subport_speed = Gbps(f(rd::field::kPortSubportGbps));
  p.link_downs = f(rd::field::kPortLinkDownCount);
  p.link_ups = f(rd::field::kPortLinkUpCount);
  p.fec_corrected = u64(f(rd::field::kPortFecCorrectedLo), f(rd::field::kPortFecCorrectedHi));
  p.fec_uncorrected = u64(f(rd::field::kPortFecUncorrectedLo), f(rd::field::kPortFecUncorrectedHi));
  p.breakout = breakout_index(p.subports);
}

std::uint32_t ReferenceDriver::Impl::breakout_index(std::uint32_t subports) const {
  const auto& modes = platform.breakout_modes();
  for (std::size_t i = 0; i < modes.size(); ++i) {
    if (modes[i].groups().size() == 1 && modes[i].groups()[0].count == subports) return static_cast<std::uint32_t>(i);
  }
  return 0;
}

bool ReferenceDriver::Impl::read_lane(const Unit& u, const StatusWords& w, std::uint32_t local, LaneTelemetry& l) {
  const auto f = [&](std::size_t field) { return w(rd::at(rd::record::kLane, local, field)); };
  l.lane = LaneId(u.ident.first_lane + local);
  const std::uint32_t flags = f(rd::field::kLaneFlags);
  l.signal_detect = rd::bits::kLaneFlagsSignalDetect.get(flags) != 0;
  l.cdr_lock = rd::bits::kLaneFlagsCdrLock.get(flags) != 0;
  l.prbs_lock = rd::bits::kLaneFlagsPrbsLock.get(flags) != 0;
  l.tx_enabled = rd::bits::kLaneFlagsTxEnabled.get(flags) != 0;
  l.pre_fec_ber = static_cast<double>(std::bit_cast<float>(f(rd::field::kLanePreFecBer)));
  l.snr = Decibels(static_cast<double>(static_cast<std::int32_t>(f(rd::field::kLaneSnr))) / 100.0);
  l.rx_power = power_100nw(f(rd::field::kLaneRxPower));
  l.tx_power = power_100nw(f(rd::field::kLaneTxPower));
  l.laser_input_power = power_100nw(f(rd::field::kLaneLaserInPower));
  l.tx_fir.pre = static_cast<std::int32_t>(f(rd::field::kLaneTxFirPre));
  l.tx_fir.main = static_cast<std::int32_t>(f(rd::field::kLaneTxFirMain));
  l.tx_fir.post = static_cast<std::int32_t>(f(rd::field::kLaneTxFirPost));
  const std::uint32_t prbs = f(rd::field::kLanePrbs);
  l.prbs.pattern = prbs_from_device(rd::bits::kPrbsConfigPattern.get(prbs));
  l.prbs.generator = rd::bits::kPrbsConfigGenerator.get(prbs) != 0;
  l.prbs.checker = rd::bits::kPrbsConfigChecker.get(prbs) != 0;
  const std::uint32_t dp_state = f(rd::field::kLaneDataPathState);
  l.data_path_state = data_path_state_from_device(dp_state);
  l.fec_corrected = u64(f(rd::field::kLaneFecCorrectedLo), f(rd::field::kLaneFecCorrectedHi));
  l.fec_uncorrected = u64(f(rd::field::kLaneFecUncorrectedLo), f(rd::field::kLaneFecUncorrectedHi));
  l.prbs_errors = u64(f(rd::field::kLanePrbsErrorsLo), f(rd::field::kLanePrbsErrorsHi));
  l.prbs_bits = u64(f(rd::field::kLanePrbsBitsLo), f(rd::field::kLanePrbsBitsHi));
  return dp_state != kAllOnes;
}

void ReferenceDriver::Impl::read_oe(const Unit& u, const StatusWords& w, std::uint32_t local, OeTelemetry& o) {
  const auto f = [&](std::size_t field) { return w(rd::at(rd::record::kOe, local, field)); };
  o.oe = OeId(u.ident.first_oe + local);
  o.module_state = module_state_from_device(f(rd::field::kOeModuleState));
  o.faults = oe_faults(f(rd::field::kOeFaults));
  o.temperature = temp_256(f(rd::field::kOeTemp));
  o.vcc = vcc_100uv(f(rd::field::kOeVcc));
  o.power = Milliwatts(static_cast<double>(f(rd::field::kOePowerMw)));
  o.flags = threshold_flags(f(rd::field::kOeTempFlags));
}

void ReferenceDriver::Impl::read_els(const Unit& u, const StatusWords& w, std::uint32_t local, ElsTelemetry& e) {
  const auto f = [&](std::size_t field) { return w(rd::at(rd::record::kEls, local, field)); };
  e.els = ElsId(u.ident.first_els + local);
  e.present = f(rd::field::kElsPresent) == 1;
  e.module_state = module_state_from_device(f(rd::field::kElsModuleState));
  e.temperature = temp_256(f(rd::field::kElsTemp));
  e.vcc = vcc_100uv(f(rd::field::kElsVcc));
  e.flags = threshold_flags(f(rd::field::kElsTempFlags));
  e.insert_count = f(rd::field::kElsInsertCount);
  e.supply_current = Milliamps(static_cast<double>(f(rd::field::kElsSupplyCurrent)) / 1000.0);
  e.faults = els_faults(f(rd::field::kElsFlags));
}

void ReferenceDriver::Impl::read_laser(const Unit& u, const StatusWords& w, std::uint32_t local, LaserTelemetry& l) {
  const auto f = [&](std::size_t field) { return w(rd::at(rd::record::kLaser, local, field)); };
  l.laser = LaserRef{ElsId(u.ident.first_els + local / u.ident.lasers_per_els), local % u.ident.lasers_per_els};
  l.state = laser_state_from_device(f(rd::field::kLaserState));
  l.fault = laser_fault_from_device(f(rd::field::kLaserFaultCode));
  l.power_setpoint = power_100nw(f(rd::field::kLaserPowerSetpoint));
  l.power = power_100nw(f(rd::field::kLaserPowerMon));
  l.bias = Milliamps(static_cast<double>(f(rd::field::kLaserBiasMon)) / 1000.0);
  l.temperature = temp_256(f(rd::field::kLaserTemp));
  l.wavelength_nm = static_cast<double>(f(rd::field::kLaserWavelengthPm)) / 1000.0;
  l.age_hours = f(rd::field::kLaserAgeHours);
  l.flags = laser_flags(f(rd::field::kLaserFlags));
}

bool ReferenceDriver::Impl::decode_unit(Unit& u, const StatusWords& w, UnitTelemetry& out) const {
  const Identity& id = u.ident;
  out.timestamp = nanoseconds(u64(w(rd::reg::kTimeLo), w(rd::reg::kTimeHi)));
  const std::uint32_t flags = w(rd::reg::kUnitFlags);
  out.flags = unit_flags(flags);
  out.coolant_temperature = temp_256(w(rd::reg::kCoolantTemp));
  out.asic_temperature = temp_256(w(rd::reg::kAsicTemp));
  out.optics_power = Milliwatts(static_cast<double>(w(rd::reg::kPowerMw)));
  for (std::uint32_t i = 0; i < id.port_count; ++i) read_port(u, w, i, out.ports[i]);
  for (std::uint32_t i = 0; i < id.lane_count; ++i) read_lane(u, w, i, out.lanes[i]);
  for (std::uint32_t i = 0; i < id.oe_count; ++i) read_oe(u, w, i, out.oes[i]);
  for (std::size_t i = 0; i < u.owned_els.size(); ++i) read_els(u, w, u.owned_els[i], out.els[i]);
  for (std::size_t i = 0; i < u.owned_lasers.size(); ++i) read_laser(u, w, u.owned_lasers[i], out.lasers[i]);
  // The unit flags word never has all bits set; all-ones means the window went away.
  return flags != kAllOnes;
}

Status ReferenceDriver::Impl::channel_copy_locked(Unit& u, std::uint32_t& generation) {
  if (u.gone.load(std::memory_order_relaxed)) return gone_status(u);
  // The request registers every time: writes are posted (cheap on PCIe) and another driver
  // instance or a reset may have changed them.
  u.bar->write32(rd::reg::kSnapAddrLo, static_cast<std::uint32_t>(u.dma.bus_address));
  u.bar->write32(rd::reg::kSnapAddrHi, static_cast<std::uint32_t>(u.dma.bus_address >> 32));
  u.bar->write32(rd::reg::kSnapBytes, u.snapshot_bytes);
  const std::uint32_t seq = rd::next_snapshot_sequence(u.last_snap_seq);
  u.last_snap_seq = seq;
  u.bar->write32(rd::reg::kSnapRequest, seq);
  // Poll from 1 us doubling up to 50 us: a virtual clock serves the request at the first wait,
  // a firmware with a service period of 200 us costs a handful of reads.
  DeviceDeadline deadline(*u.bar, options.status_timeout);
  nanoseconds step = std::chrono::microseconds(1);
  for (;;) {
    const std::uint32_t done = u.rd32(rd::reg::kSnapDone);
    if (done == seq) break;
    if (done == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
    if (deadline.expired()) {
      return error(Code::timeout, fmt::format("{}: status snapshot request {} not served within {} us", to_string(u.id),
                                              seq, options.status_timeout.count() / 1000));
    }
    deadline.wait(step);
    step = std::min<nanoseconds>(step * 2, std::chrono::microseconds(50));
  }
  const auto code = static_cast<rd::Completion>(u.rd32(rd::reg::kSnapStatus));
  if (code != rd::Completion::kOk) {
    const std::uint32_t rejected = u.rd32(rd::reg::kSnapRejected);
    const std::string_view reg =
        rd::register_name(rejected).empty() ? "an unknown register" : rd::register_name(rejected);
    return error(Code::out_of_range, fmt::format("{}: status snapshot refused by the device: {} ({} at {:#x})",
                                                 to_string(u.id), rd::name(code), reg, rejected));
  }
  generation = u.rd32(rd::reg::kSnapGeneration);
  return ok_status();
}

Status ReferenceDriver::Impl::unit_snapshot(Unit& u, UnitTelemetry& out) {
  const Identity& id = u.ident;
  out.unit = u.id;
  out.ports.resize(id.port_count);
  out.lanes.resize(id.lane_count);
  out.oes.resize(id.oe_count);
  out.els.resize(u.owned_els.size());
  out.lasers.resize(u.owned_lasers.size());
  if (u.snapshot_bytes != 0) {
    // Refdev 1.4 with a DMA buffer: the snapshot channel copies a consistent status region
    // into host memory, read there instead of through thousands of register reads. Only the
    // channel's lock is taken, never the mailbox's, so a slow command does not delay telemetry;
    // it keeps a second reader from overwriting the buffer while this one decodes it.
    Status s;
    {
      cpo::Lock lock(u.snapshot_mutex);
      std::uint32_t generation = 0;
      s = channel_copy_locked(u, generation);
      if (s.ok()) {
        decode_unit(u, StatusWords{u.bar, u.dma.words.data()}, out);
        out.generation = generation;
        u.channel_copies.fetch_add(1, std::memory_order_relaxed);
        return ok_status();
      }
    }
    if (s.code() == Code::device_gone) return s;
    // A timeout (a hung firmware) or a refusal: this call reads the registers; the next one
    // tries the channel again. Logged once per unit, with no lock held.
    if (!u.snapshot_failure_logged.exchange(true, std::memory_order_relaxed)) {
      logger()->warn("{}; reading the status registers instead (logged once per unit)", s.to_string());
    }
  }
  std::uint32_t generation = 0;
  const StatusWords w{u.bar};
  CPO_RETURN_IF_ERROR(consistent(u, generation, [&] { return decode_unit(u, w, out); }));
  out.generation = generation;
  u.register_copies.fetch_add(1, std::memory_order_relaxed);
  return ok_status();
}

}  // namespace cpo::reference
