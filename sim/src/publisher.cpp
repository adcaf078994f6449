// The firmware's publisher: the status region under its seqlock (heartbeat, monitors, links,
// counters), the event ring, and the snapshot channel's copy of the region into host memory.
#include <bit>
#include <cmath>
#include <cstring>

#include "cpo/hal/backend/refdev/mailbox.h"
#include "physics.h"
#include "publisher.h"
#include "world.h"

namespace cpo::sim {

namespace {
std::uint32_t s32(std::int32_t v) { return static_cast<std::uint32_t>(v); }
std::uint32_t uw10(double mw) {  // 0.1 uW in 32 bits, rounded to nearest (no libm call: every lane, every refresh)
  const double v = mw * 1e4 + 0.5;
  return !(v >= 1.0) ? 0u : v >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v);
}
// Hundredths, rounded half away from zero (std::lround without the libm call).
std::int32_t centi(double v) {
  const double x = v * 100.0;
  return static_cast<std::int32_t>(x < 0 ? x - 0.5 : x + 0.5);
}
}  // namespace

// ---------------------------------------------------------------------------- events
void Publisher::event(SwitchModel& s, UnitModel& u, rd::EventType type, std::uint32_t object, std::uint32_t cause,
                      std::uint32_t detail) {
  (void)s;
  if (u.hung) return;  // the firmware that would write it is not running
  Window& w = u.win;
  const std::uint32_t n = u.evt_producer;
  const std::size_t slot = n % rd::kEventRingEntries;
  const auto t = static_cast<std::uint64_t>(world_.now().count());
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventType), static_cast<std::uint32_t>(type));
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventObject), object);
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventCause), cause);
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventDetail), detail);
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventTimeLo), static_cast<std::uint32_t>(t));
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventTimeHi), static_cast<std::uint32_t>(t >> 32));
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventSeq), n);  // last: the entry is complete
  u.evt_producer = n + 1;
  w.store(rd::reg::kEvtProducer, u.evt_producer);
  const std::uint32_t consumer = w.load(rd::reg::kEvtConsumer);
  if (u.evt_producer - consumer > rd::kEventRingEntries && u.evt_lost != 0xFFFFFFFFu) {
    ++u.evt_lost;
    w.store(rd::reg::kEvtLost, u.evt_lost);
  }
}

void Publisher::port_event(SwitchModel& s, std::uint32_t port, std::uint32_t sub, rd::EventType type,
                           rd::LinkCause cause) {
  UnitModel& u = *s.units[s.ports[port].unit];
  event(s, u, type, rd::make_object(rd::ObjectKind::kPort, port - u.first_port, sub), static_cast<std::uint32_t>(cause),
        0);
}

void Publisher::oe_event(SwitchModel& s, std::uint32_t oe, std::uint32_t sub, rd::EventType type, std::uint32_t cause,
                         std::uint32_t detail) {
  UnitModel& u = *s.units[s.oes[oe].unit];
  event(s, u, type, rd::make_object(rd::ObjectKind::kOe, oe - u.first_oe, sub), cause, detail);
}

void Publisher::els_event(SwitchModel& s, std::uint32_t els, std::uint32_t laser, bool laser_object, rd::EventType type,
                          std::uint32_t cause, std::uint32_t detail) {
  // An ELS may feed two units; each of them reports it.
  for (auto& up : s.units) {
    UnitModel& u = *up;
    if (els < u.first_els || els >= u.first_els + u.els_count) continue;
    const std::uint32_t obj = laser_object ? rd::make_object(rd::ObjectKind::kLaser, els - u.first_els, laser)
                                           : rd::make_object(rd::ObjectKind::kEls, els - u.first_els);
    event(s, u, type, obj, cause, detail);
  }
}

// ---------------------------------------------------------------------------- status region
void Publisher::publish(SwitchModel& s) {
  for (auto& u : s.units) publish_unit(s, *u, true);
}

void Publisher::publish_monitors(SwitchModel& s) {
  for (auto& u : s.units) publish_unit(s, *u, false);
}

// What a tick changes in a steady switch's status region: time and heartbeat and, when its
// links carry FEC or PRBS traffic, the counters.
void Publisher::publish_heartbeat(SwitchModel& s, bool counters) {
  const auto t = static_cast<std::uint64_t>(world_.now().count());
  for (auto& up : s.units) {
    UnitModel& u = *up;
    if (u.hung) continue;
    Window& w = u.win;
    w.store(rd::reg::kGeneration, ++u.generation);
    w.store64(rd::reg::kTimeLo, t);
    w.store(rd::reg::kHeartbeat, u.heartbeat);
    if (counters) write_counters(s, u);
    w.store(rd::reg::kGeneration, ++u.generation);
  }
}

void Publisher::write_counters(SwitchModel& s, UnitModel& u) {
  Window& w = u.win;
  for (std::uint32_t i = 0; i < u.port_count; ++i) {
    const PortModel& p = s.ports[u.first_port + i];
    std::uint64_t corr = 0, uncorr = 0;
    for (std::uint32_t k = 0; k < p.lanes; ++k) {
      const LaneModel& l = s.lanes[p.first_lane + k];
      corr += l.corr;
      uncorr += l.uncorr;
    }
    w.store64(rd::at(rd::record::kPort, i, rd::field::kPortFecCorrectedLo), corr);
    w.store64(rd::at(rd::record::kPort, i, rd::field::kPortFecUncorrectedLo), uncorr);
  }
  for (std::uint32_t i = 0; i < u.lane_count; ++i) {
    const LaneModel& l = s.lanes[u.first_lane + i];
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLaneFecCorrectedLo), l.corr);
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLaneFecUncorrectedLo), l.uncorr);
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLanePrbsErrorsLo), l.prbs_err);
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLanePrbsBitsLo), l.prbs_bits);
  }
}

void Publisher::publish_unit(SwitchModel& s, UnitModel& u, bool links) {
  if (u.hung) return;  // a hung firmware stops refreshing
  Window& w = u.win;
  ++u.generation;  // odd: update in progress
  w.store(rd::reg::kGeneration, u.generation);

  const auto t = static_cast<std::uint64_t>(world_.now().count());
  w.store64(rd::reg::kTimeLo, t);
  w.store(rd::reg::kHeartbeat, u.heartbeat);
  bool thermal = false;
  double power_w = 0;
  for (std::uint32_t i = 0; i < u.oe_count; ++i) {
    const OeModel& oe = s.oes[u.first_oe + i];
    thermal = thermal || oe.thermal_shutdown;
    power_w += oe_watts(oe);
    const std::size_t r = i;
    std::uint32_t faults = 0;
    if (oe.faulted) faults |= rd::bits::kOeFaultsModuleFault.mask();
    if (oe.thermal_shutdown) faults |= rd::bits::kOeFaultsThermalShutdown.mask();
    if (oe.no_light) faults |= rd::bits::kOeFaultsNoLight.mask();
    w.store(rd::at(rd::record::kOe, r, rd::field::kOeModuleState), static_cast<std::uint32_t>(oe.state));
    w.store(rd::at(rd::record::kOe, r, rd::field::kOeFaults), faults);
    w.store(rd::at(rd::record::kOe, r, rd::field::kOeTemp), temp_word(oe.temp_c));
    w.store(rd::at(rd::record::kOe, r, rd::field::kOeVcc), 33000);
    w.store(rd::at(rd::record::kOe, r, rd::field::kOePowerMw), static_cast<std::uint32_t>(oe_watts(oe) * 1000.0));
    w.store(rd::at(rd::record::kOe, r, rd::field::kOeTempFlags), oe.temp_flags);
  }
  for (std::uint32_t i = 0; i < u.els_count; ++i) {
    const ElsModel& e = s.els[u.first_els + i];
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsPresent), e.present ? 1u : 0u);
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsModuleState),
            e.present ? static_cast<std::uint32_t>(rd::ModuleState::kReady) : 0u);
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsTemp), temp_word(e.temp_c));
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsVcc), e.present ? 33000u : 0u);
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsTempFlags), e.temp_flags);
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsInsertCount), e.insert_count);
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsSupplyCurrent),
            static_cast<std::uint32_t>(std::lround(els_icc_ma(e) * 1000.0)));
    w.store(rd::at(rd::record::kEls, i, rd::field::kElsFlags),
            e.interlock_open ? rd::bits::kElsFlagsInterlockOpen.mask() : 0u);
    for (std::uint32_t k = 0; k < e.lasers.size(); ++k) {
      const LaserModel& l = e.lasers[k];
      thermal = thermal || l.thermal_latched;
      power_w += e.present ? laser_watts(l) : 0.0;
      const std::size_t r = i * s.lasers_per_els + k;
      const double p = laser_output_mw(l, world_.now().count());
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserState), static_cast<std::uint32_t>(l.state));
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserFaultCode), static_cast<std::uint32_t>(l.fault));
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserPowerSetpoint), uw10(l.setpoint_mw));
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserPowerMon), uw10(p));
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserBiasMon), static_cast<std::uint32_t>(l.bias_ma * 1000.0));
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserTemp), temp_word(l.temp_c));
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserWavelengthPm),
              static_cast<std::uint32_t>((phys::kWavelengthNm + phys::kWavelengthNmPerK * (l.temp_c - 25.0)) * 1000.0));
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserAgeHours), static_cast<std::uint32_t>(l.age_h));
      // Enabled follows page 1Ah at once; the monitor flags are the last refresh's.
      const std::uint32_t enabled = rd::bits::kLaserFlagsEnabled.mask();
      w.store(rd::at(rd::record::kLaser, r, rd::field::kLaserFlags), (l.flags & ~enabled) | (l.enabled ? enabled : 0u));
    }
  }
  std::uint32_t unit_flags = 0;
  if (!u.resetting) unit_flags |= rd::bits::kUnitFlagsReady.mask();
  if (u.resetting) unit_flags |= rd::bits::kUnitFlagsResetting.mask();
  if (thermal) unit_flags |= rd::bits::kUnitFlagsThermalShutdown.mask();
  w.store(rd::reg::kUnitFlags, unit_flags);
  w.store(rd::reg::kCoolantTemp, temp_word(s.coolant_c));
  w.store(rd::reg::kAsicTemp, temp_word(s.coolant_c + 25.0));
  w.store(rd::reg::kPowerMw, static_cast<std::uint32_t>(power_w * 1000.0));

  if (!links) {
    // A quiet switch's monitor refresh: its ports and lanes did not change, its counters may.
    if (s.node_of(u.index).counting) write_counters(s, u);
    ++u.generation;
    w.store(rd::reg::kGeneration, u.generation);
    return;
  }
  const std::uint32_t lane_gbps = s.platform.lane_rate().value();
  for (std::uint32_t i = 0; i < u.port_count; ++i) {
    const PortModel& p = s.ports[u.first_port + i];
    std::uint32_t faults = 0;
    std::uint64_t corr = 0, uncorr = 0;
    for (std::uint32_t k = 0; k < p.lanes; ++k) {
      const LaneModel& l = s.lanes[p.first_lane + k];
      const OeModel& oe = s.oes[l.oe];
      const LaserModel& las = s.els[l.els].lasers[l.laser];
      corr += l.corr;
      uncorr += l.uncorr;
      if (!l.sig) faults |= rd::bits::kPortFaultsRxLos.mask();
      if (l.sig && l.ber > phys::kKp4BerLimit) faults |= rd::bits::kPortFaultsHighBer.mask();
      if (las.state != rd::LaserState::kOn || !las.fiber_checked) faults |= rd::bits::kPortFaultsLaserFault.mask();
      if (oe.faulted) faults |= rd::bits::kPortFaultsOeFault.mask();
      if (oe.thermal_shutdown || las.thermal_latched) faults |= rd::bits::kPortFaultsThermalShutdown.mask();
      if (oe.banks[l.bank].dp[l.index_in_bank] != rd::DataPathState::kActivated)
        faults |= rd::bits::kPortFaultsDataPathInactive.mask();
    }
    if (p.training) faults |= rd::bits::kPortFaultsTraining.mask();
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortAdminMask), p.admin);
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortOperMask), p.oper);
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortBreakout), p.breakout);
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortFec), static_cast<std::uint32_t>(p.fec));
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortFaults), faults);
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortLoopback), static_cast<std::uint32_t>(p.loopback));
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortDownCause), static_cast<std::uint32_t>(p.down_cause));
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortSubportGbps), lane_gbps * (p.lanes / p.breakout));
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortLinkDownCount), p.down_count);
    w.store(rd::at(rd::record::kPort, i, rd::field::kPortLinkUpCount), p.up_count);
    w.store64(rd::at(rd::record::kPort, i, rd::field::kPortFecCorrectedLo), corr);
    w.store64(rd::at(rd::record::kPort, i, rd::field::kPortFecUncorrectedLo), uncorr);
    for (std::uint32_t k = 0; k < p.mtu.size(); ++k)
      w.store(rd::at(rd::record::kPort, i, rd::field::kPortMtu0) + 4 * k, p.mtu[k]);
  }
  for (std::uint32_t i = 0; i < u.lane_count; ++i) {
    const LaneModel& l = s.lanes[u.first_lane + i];
    std::uint32_t flags = 0;
    if (l.sig) flags |= rd::bits::kLaneFlagsSignalDetect.mask();
    if (l.cdr) flags |= rd::bits::kLaneFlagsCdrLock.mask();
    if (l.prbs_lock) flags |= rd::bits::kLaneFlagsPrbsLock.mask();
    if (l.tx_mw > 0) flags |= rd::bits::kLaneFlagsTxEnabled.mask();
    const std::uint32_t prbs = rd::bits::kPrbsConfigPattern.put(static_cast<std::uint32_t>(l.pattern)) |
                               rd::bits::kPrbsConfigGenerator.put(l.gen ? 1u : 0u) |
                               rd::bits::kPrbsConfigChecker.put(l.chk ? 1u : 0u);
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneFlags), flags);
    w.store(rd::at(rd::record::kLane, i, rd::field::kLanePreFecBer),
            std::bit_cast<std::uint32_t>(static_cast<float>(l.ber)));
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneSnr), s32(centi(l.snr)));
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneRxPower), uw10(l.rx_mw));
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneTxPower), uw10(l.tx_mw));
    // The OE's laser input monitor reads whatever the laser emits (ramps and the fiber-check
    // power included), whatever the OE's module and data path states.
    const ElsModel& e = s.els[l.els];
    const LaserModel& las = e.lasers[l.laser];
    const double laser_in = e.present && las.state == rd::LaserState::kRamping
                                ? laser_output_mw(las, world_.now().count()) * e.fiber_gain[l.laser]
                                : l.laser_in_mw;
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneLaserInPower), uw10(laser_in));
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneTxFirPre), s32(l.fir_pre));
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneTxFirMain), s32(l.fir_main));
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneTxFirPost), s32(l.fir_post));
    w.store(rd::at(rd::record::kLane, i, rd::field::kLanePrbs), prbs);
    w.store(rd::at(rd::record::kLane, i, rd::field::kLaneDataPathState),
            static_cast<std::uint32_t>(s.oes[l.oe].banks[l.bank].dp[l.index_in_bank]));
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLaneFecCorrectedLo), l.corr);
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLaneFecUncorrectedLo), l.uncorr);
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLanePrbsErrorsLo), l.prbs_err);
    w.store64(rd::at(rd::record::kLane, i, rd::field::kLanePrbsBitsLo), l.prbs_bits);
  }
  ++u.generation;  // even: consistent again
  w.store(rd::reg::kGeneration, u.generation);
}

// ---------------------------------------------------------------------------- snapshot channel
// Status snapshot channel (refdev 1.4): the firmware copies its status region into the host
// buffer the unit's Bar offers, as DMA would, so a driver's telemetry sweep costs a few
// register accesses instead of thousands of reads. In process the bus address is the buffer's
// own address (no IOMMU between the simulated device and the host).

Bar::DmaRegion UnitBar::dma_region() const noexcept {
  UnitModel& u = *sw_->units[unit_];
  std::call_once(u.dma_once, [&u] { u.dma = std::make_unique<std::uint32_t[]>(rd::region::kStatus.bytes / 4); });
  return {std::span<const std::uint32_t>(u.dma.get(), rd::region::kStatus.bytes / 4),
          reinterpret_cast<std::uintptr_t>(u.dma.get())};
}

std::uint32_t Publisher::copy_status(SwitchModel& s, UnitModel& u, std::uint32_t* host, std::uint32_t bytes) {
  (void)s;
  // Publishing what changed first, on this thread with the world lock held, leaves the window
  // at one whole, even generation while it is copied.
  world_.settle();
  for (std::size_t i = 0; i < bytes / 4; ++i) host[i] = u.win.load(rd::region::kStatus.offset + 4 * i);
  return u.win.load(rd::reg::kGeneration);
}

}  // namespace cpo::sim
