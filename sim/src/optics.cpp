// CMIS optics of the simulated switch: OE and ELSFP memory maps, the module, data path and
// laser state machines, optics faults, CMIS flags and the event ring.
#include <algorithm>
#include <cmath>
#include <string>

#include "physics.h"
#include "world.h"

namespace cpo::sim {

namespace {
constexpr std::int64_t ns_of(double seconds) { return static_cast<std::int64_t>(seconds * 1e9); }
std::uint32_t u32(std::size_t v) { return static_cast<std::uint32_t>(v); }
int ib(std::uint32_t v) { return static_cast<int>(v); }
}  // namespace

// ---------------------------------------------------------------------------- events
void World::event(SwitchModel& s, UnitModel& u, rd::EventType type, std::uint32_t object, std::uint32_t cause,
                  std::uint32_t detail) {
  (void)s;
  if (u.hung) return;  // the firmware that would write it is not running
  Window& w = u.win;
  const std::uint32_t n = u.evt_producer;
  const std::size_t slot = n % rd::kEventRingEntries;
  const auto t = static_cast<std::uint64_t>(now_ns_.load());
  w.store_relaxed(rd::at(rd::record::kEvent, slot, rd::field::kEventType), static_cast<std::uint32_t>(type));
  w.store_relaxed(rd::at(rd::record::kEvent, slot, rd::field::kEventObject), object);
  w.store_relaxed(rd::at(rd::record::kEvent, slot, rd::field::kEventCause), cause);
  w.store_relaxed(rd::at(rd::record::kEvent, slot, rd::field::kEventDetail), detail);
  w.store_relaxed(rd::at(rd::record::kEvent, slot, rd::field::kEventTimeLo), static_cast<std::uint32_t>(t));
  w.store_relaxed(rd::at(rd::record::kEvent, slot, rd::field::kEventTimeHi), static_cast<std::uint32_t>(t >> 32));
  w.store(rd::at(rd::record::kEvent, slot, rd::field::kEventSeq), n);  // last: the entry is complete
  u.evt_producer = n + 1;
  w.store(rd::reg::kEvtProducer, u.evt_producer);
  const std::uint32_t consumer = w.load(rd::reg::kEvtConsumer);
  if (u.evt_producer - consumer > rd::kEventRingEntries && u.evt_lost != 0xFFFFFFFFu) {
    ++u.evt_lost;
    w.store(rd::reg::kEvtLost, u.evt_lost);
  }
}

void World::port_event(SwitchModel& s, std::uint32_t port, std::uint32_t sub, rd::EventType type, rd::LinkCause cause) {
  UnitModel& u = *s.units[s.ports[port].unit];
  event(s, u, type, rd::make_object(rd::ObjectKind::kPort, port - u.first_port, sub), static_cast<std::uint32_t>(cause),
        0);
}

void World::oe_event(SwitchModel& s, std::uint32_t oe, std::uint32_t sub, rd::EventType type, std::uint32_t cause,
                     std::uint32_t detail) {
  UnitModel& u = *s.units[s.oes[oe].unit];
  event(s, u, type, rd::make_object(rd::ObjectKind::kOe, oe - u.first_oe, sub), cause, detail);
}

void World::els_event(SwitchModel& s, std::uint32_t els, std::uint32_t laser, bool laser_object, rd::EventType type,
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

void World::raise_flag(SwitchModel& s, FlagLatch& f, std::uint8_t now_bits, bool is_oe, std::uint32_t idx,
                       std::uint32_t sub, std::uint32_t page, std::uint32_t byte) {
  const auto fresh = static_cast<std::uint8_t>(now_bits & ~f.current);
  f.current = now_bits;
  f.latched = static_cast<std::uint8_t>(f.latched | now_bits);
  if (fresh == 0) return;
  const std::uint32_t detail = (page << 16) | (byte << 8) | fresh;
  if (is_oe)
    oe_event(s, idx, sub, rd::EventType::kCmisFlag, 0, detail);
  else
    els_event(s, idx, 0, false, rd::EventType::kCmisFlag, 0, detail);
}

// ---------------------------------------------------------------------------- OE state machines
void World::oe_set_state(SwitchModel& s, std::uint32_t oe_index, rd::ModuleState st) {
  OeModel& oe = s.oes[oe_index];
  if (oe.state == st) return;
  oe.state = st;
  ++oe.token;
  oe.state_changed.latched |= 1;
  oe_event(s, oe_index, 0xFF, rd::EventType::kModuleState, static_cast<std::uint32_t>(st), 0);
  if (st == rd::ModuleState::kPwrUp)
    schedule(now_ns_.load() + ns_of(phys::kModulePwrUpSeconds),
             Timer{TimerKind::oe_step, s.index, oe_index, 0, 0, oe.token});
  if (st == rd::ModuleState::kPwrDn)
    schedule(now_ns_.load() + ns_of(phys::kModulePwrDnSeconds),
             Timer{TimerKind::oe_step, s.index, oe_index, 0, 0, oe.token});
  if (st != rd::ModuleState::kReady) {
    // Leaving ModuleReady takes every data path down with it (CMIS 5.2 6.3.2: module state
    // changes below ModuleReady force DPDeactivated).
    for (std::uint32_t b = 0; b < oe.banks.size(); ++b) {
      BankModel& bank = oe.banks[b];
      for (std::uint32_t i = 0; i < 8; ++i) {
        ++bank.dp_token[i];
        if (bank.dp[i] != rd::DataPathState::kDeactivated) {
          bank.dp[i] = rd::DataPathState::kDeactivated;
          oe_event(s, oe_index, b, rd::EventType::kDataPathState,
                   static_cast<std::uint32_t>(rd::DataPathState::kDeactivated), i);
        }
      }
    }
  }
  dirty_ = true;
}

void World::oe_control_changed(SwitchModel& s, std::uint32_t oe_index) {
  OeModel& oe = s.oes[oe_index];
  const bool low_power = (oe.control & 0x10) != 0;  // LowPwrRequestSW
  if (!oe.faulted) {
    if (oe.state == rd::ModuleState::kLowPwr && !low_power)
      oe_set_state(s, oe_index, rd::ModuleState::kPwrUp);
    else if ((oe.state == rd::ModuleState::kReady || oe.state == rd::ModuleState::kPwrUp) && low_power)
      oe_set_state(s, oe_index, rd::ModuleState::kPwrDn);
  }
  const std::uint32_t lanes = u32(oe.banks.size()) * s.platform.lanes_per_bank();
  for (std::uint32_t l = 0; l < lanes; ++l) dp_evaluate(s, oe_index, l);
}

void World::dp_evaluate(SwitchModel& s, std::uint32_t oe_index, std::uint32_t lane_in_oe) {
  OeModel& oe = s.oes[oe_index];
  const std::uint32_t per_bank = s.platform.lanes_per_bank();
  const std::uint32_t b = lane_in_oe / per_bank, i = lane_in_oe % per_bank;
  BankModel& bank = oe.banks[b];
  const bool deinit = (bank.p10[cmis::kP10DpDeinit - 128] >> i) & 1u;
  const bool ready = oe.state == rd::ModuleState::kReady && !oe.faulted;
  using D = rd::DataPathState;
  D& st = bank.dp[i];
  const auto bit = static_cast<std::uint8_t>(1u << i);
  // DPInitPending: the host released DPDeinit but the module cannot initialise yet.
  if (!deinit && !ready)
    bank.init_pending |= bit;
  else
    bank.init_pending = static_cast<std::uint8_t>(bank.init_pending & ~bit);
  if (st == D::kDeactivated && !deinit && ready) {
    st = D::kInit;
    schedule(now_ns_.load() + ns_of(phys::kDpInitSeconds),
             Timer{TimerKind::dp_step, s.index, oe_index, b, i, ++bank.dp_token[i]});
  } else if (st == D::kActivated && (deinit || !ready)) {
    st = D::kTxTurnOff;
    schedule(now_ns_.load() + ns_of(phys::kDpTxTurnOffSeconds),
             Timer{TimerKind::dp_step, s.index, oe_index, b, i, ++bank.dp_token[i]});
  }
  dirty_ = true;
}

// ---------------------------------------------------------------------------- lasers, faults
void World::laser_enable_changed(SwitchModel& s, std::uint32_t els_index) {
  ElsModel& e = s.els[els_index];
  for (std::uint32_t k = 0; k < e.lasers.size(); ++k) {
    LaserModel& l = e.lasers[k];
    const bool en = (e.banks[k / 8].p1a_rw[cmis::kP1aLaneEnable - 128] >> (k % 8)) & 1u;
    if (en == l.enabled) continue;
    l.enabled = en;
    ++l.token;
    if (!en) {
      if (!l.failed) {
        l.state = rd::LaserState::kOff;
        l.fault = rd::LaserFault::kNone;
      }
      l.power_mw = 0;
      continue;
    }
    if (l.thermal_latched && l.temp_c < phys::kLaserShutdownC - 5.0) l.thermal_latched = false;
    if (!e.present) continue;
    if (l.failed || l.thermal_latched) {
      l.state = rd::LaserState::kFault;
      continue;
    }
    l.fault = rd::LaserFault::kNone;
    l.state = rd::LaserState::kRamping;
    l.ramp_start_ns = now_ns_.load();
    const double ms = l.setpoint_mw / phys::kRampMwPerMs;
    schedule(now_ns_.load() + static_cast<std::int64_t>(ms * 1e6),
             Timer{TimerKind::laser_ramp, s.index, els_index, k, 0, l.token});
  }
  dirty_ = true;
}

void World::laser_fail(SwitchModel& s, std::uint32_t els_index, std::uint32_t k, rd::LaserFault why) {
  ElsModel& e = s.els[els_index];
  LaserModel& l = e.lasers[k];
  if (why == rd::LaserFault::kApcLoop) l.failed = true;
  if (why == rd::LaserFault::kThermalShutdown) l.thermal_latched = true;
  if (l.state == rd::LaserState::kFault && l.fault == why) return;
  const bool was_lit = l.state == rd::LaserState::kOn || l.state == rd::LaserState::kRamping;
  ++l.token;
  l.power_mw = 0;
  if (!l.enabled || !e.present) {
    l.fault = why;
    dirty_ = true;
    return;
  }
  l.state = rd::LaserState::kFault;
  l.fault = why;
  if (was_lit || why == rd::LaserFault::kApcLoop)
    els_event(s, els_index, k, true, rd::EventType::kLaserFault, static_cast<std::uint32_t>(why), 0);
  ElsBank& b = e.banks[k / 8];
  raise_flag(s, b.lane_fault, static_cast<std::uint8_t>(b.lane_fault.current | (1u << (k % 8))), false, els_index, 0,
             0x1A, cmis::kP1aLaneFaultFlags);
  dirty_ = true;
}

void World::els_remove(SwitchModel& s, std::uint32_t els_index) {
  ElsModel& e = s.els[els_index];
  e.present = false;
  for (auto& l : e.lasers) {
    ++l.token;
    l.state = rd::LaserState::kAbsent;
    l.fault = rd::LaserFault::kRemoved;
    l.power_mw = 0;
  }
  els_event(s, els_index, 0, false, rd::EventType::kElsRemoved, 0, 0);
  dirty_ = true;
}

void World::els_insert(SwitchModel& s, std::uint32_t els_index) {
  ElsModel& e = s.els[els_index];
  e.present = true;
  ++e.insert_count;
  // A fresh module: lasers disabled until the host checks the fiber and enables them.
  for (std::uint32_t k = 0; k < e.lasers.size(); ++k) {
    LaserModel& l = e.lasers[k];
    l = LaserModel{};
    l.setpoint_mw = phys::kLaserSetpointMw;
    l.temp_c = e.temp_c;
  }
  for (auto& b : e.banks) {
    b = ElsBank{};
    for (int k = 0; k < 8; ++k)
      cmis::put_u16(b.p1b_rw, cmis::kP1bPowerSetpoint + 2 * k, cmis::power_10uw(phys::kLaserSetpointMw));
  }
  els_event(s, els_index, 0, false, rd::EventType::kElsInserted, 0, 0);
  dirty_ = true;
}

void World::oe_fail(SwitchModel& s, std::uint32_t oe_index, bool unresponsive) {
  OeModel& oe = s.oes[oe_index];
  oe.unresponsive = unresponsive;
  if (oe.faulted) return;
  oe.faulted = true;
  oe_set_state(s, oe_index, rd::ModuleState::kFault);
  oe_event(s, oe_index, 0xFF, rd::EventType::kOeFault, 0, 0);
}

void World::oe_repair(SwitchModel& s, std::uint32_t oe_index) {
  OeModel& oe = s.oes[oe_index];
  oe.faulted = false;
  oe.unresponsive = false;
  oe.thermal_shutdown = false;
  oe_set_state(s, oe_index, rd::ModuleState::kLowPwr);
  oe_control_changed(s, oe_index);
}

// ---------------------------------------------------------------------------- CMIS pages
cmis::Page World::oe_page(SwitchModel& s, std::uint32_t oe_index, std::uint32_t bank, std::uint32_t page, bool lower) {
  using namespace cmis;
  OeModel& oe = s.oes[oe_index];
  Page p{};
  if (lower) {
    const bool irq = oe.state_changed.latched || oe.temp.latched;
    write_identity_lower(p, static_cast<std::uint8_t>(oe.state), irq);
    put_u8(p, kModuleFlags, oe.state_changed.latched);
    put_u8(p, kTempVccFlags, oe.temp.latched);
    put_s16(p, kTemperature, temp_s16(oe.temp_c));
    put_u16(p, kVcc, u16_sat(phys::kVccVolts * 1e4));
    put_u8(p, kModuleControl, oe.control);
    put_u8(p, kBankSelect, bank);
    put_u8(p, kPageSelect, page);
    return p;
  }
  const auto& info = s.platform.optical_engines()[oe_index];
  switch (page) {
    case 0x00: write_page00(p, "CPO-OE-6.4T", "SIMOE" + std::to_string(oe_index)); break;
    case 0x01:
      // Advertised durations (CMIS 5.2 Table 8-40 encodings are not modelled byte-exact);
      // the module/data path timings are documented in docs/simulator.md.
      put_u8(p, 142, 0x00);
      break;
    case 0x02: {
      write_page02(p, phys::kOeWarnC, phys::kOeAlarmC, phys::kLowWarnC, phys::kLowAlarmC);
      put_u16(p, kP02TxPowerThresholds + 0, power_0p1uw(phys::mw(5.0)));
      put_u16(p, kP02TxPowerThresholds + 2, power_0p1uw(phys::mw(-6.0)));
      put_u16(p, kP02TxPowerThresholds + 4, power_0p1uw(phys::mw(4.0)));
      put_u16(p, kP02TxPowerThresholds + 6, power_0p1uw(phys::mw(-5.0)));
      put_u16(p, kP02RxPowerThresholds + 0, power_0p1uw(phys::mw(5.0)));
      put_u16(p, kP02RxPowerThresholds + 2, power_0p1uw(phys::mw(phys::kLosAssertDbm)));
      put_u16(p, kP02RxPowerThresholds + 4, power_0p1uw(phys::mw(4.0)));
      put_u16(p, kP02RxPowerThresholds + 6, power_0p1uw(phys::mw(-10.0)));
      break;
    }
    case 0x10:
      p = oe.banks[bank].p10;
      put_u8(p, kP10ApplyDpInit, 0);
      break;
    case 0x11: {
      const BankModel& b = oe.banks[bank];
      for (std::uint32_t i = 0; i < 8; ++i) {
        const auto v = static_cast<std::uint32_t>(b.dp[i]) & 0xF;
        p[(kP11DpState - 128) + i / 2] =
            static_cast<std::uint8_t>(p[(kP11DpState - 128) + i / 2] | (v << (4 * (i % 2))));
      }
      put_u8(p, kP11DpStateChanged, b.dp_changed.latched);
      put_u8(p, kP11TxFault, b.tx_fault.latched);
      put_u8(p, kP11TxLos, b.tx_los.latched);
      put_u8(p, kP11RxLos, b.rx_los.latched);
      put_u8(p, kP11RxCdrLol, b.rx_lol.latched);
      const auto& lanes = info.banks[bank].lanes;
      for (std::uint32_t i = 0; i < lanes.size() && i < 8; ++i) {
        const LaneModel& l = s.lanes[lanes[i].value()];
        put_u16(p, kP11TxPower + 2 * ib(i), power_0p1uw(l.tx_mw));
        put_u16(p, kP11RxPower + 2 * ib(i), power_0p1uw(phys::mw(l.rx_dbm)));
      }
      put_u8(p, kP11DpInitPending, b.init_pending);
      break;
    }
    default: break;
  }
  return p;
}

cmis::Page World::els_page(SwitchModel& s, std::uint32_t els_index, std::uint32_t bank, std::uint32_t page,
                           bool lower) {
  using namespace cmis;
  ElsModel& e = s.els[els_index];
  Page p{};
  if (lower) {
    write_identity_lower(p, static_cast<std::uint8_t>(rd::ModuleState::kReady), e.temp.latched != 0);
    put_u8(p, kTempVccFlags, e.temp.latched);
    put_s16(p, kTemperature, temp_s16(e.temp_c));
    put_u16(p, kVcc, u16_sat(phys::kVccVolts * 1e4));
    put_u8(p, kModuleControl, e.control);
    put_u8(p, kBankSelect, bank);
    put_u8(p, kPageSelect, page);
    return p;
  }
  const ElsBank& b = e.banks[bank];
  const std::uint32_t first = bank * 8;
  const std::uint32_t n = std::min<std::uint32_t>(8, u32(e.lasers.size()) - first);
  switch (page) {
    case 0x00: write_page00(p, "CPO-ELSFP-8", "SIMELS" + std::to_string(els_index)); break;
    case 0x01: break;
    case 0x02: write_page02(p, phys::kLaserWarnC, phys::kLaserAlarmC, phys::kLowWarnC, phys::kLowAlarmC); break;
    case 0x1A: {
      p = b.p1a_rw;
      put_u16(p, kP1aMaxPower, power_10uw(150.0));
      put_u16(p, kP1aMinPower, power_10uw(20.0));
      put_u16(p, kP1aMaxBias, bias_100ua(phys::kBiasMaxMa));
      put_u16(p, kP1aMinBias, bias_100ua(50.0));
      put_u8(p, kP1aControlMode, (n << 1) | 1u);  // APC, n lanes
      put_u16(p, kP1aBiasThresholds + 0, bias_100ua(phys::kBiasMaxMa));
      put_u16(p, kP1aBiasThresholds + 2, bias_100ua(100.0));
      put_u16(p, kP1aBiasThresholds + 4, bias_100ua(phys::kBiasHighWarningMa));
      put_u16(p, kP1aBiasThresholds + 6, bias_100ua(150.0));
      put_u16(p, kP1aPowerThresholds + 0, power_10uw(140.0));
      put_u16(p, kP1aPowerThresholds + 2, power_10uw(50.0));
      put_u16(p, kP1aPowerThresholds + 4, power_10uw(130.0));
      put_u16(p, kP1aPowerThresholds + 6, power_10uw(60.0));
      put_u8(p, kP1aSummary, (b.lane_fault.latched ? 0x04u : 0u) | (b.bias_high_warning.latched ? 0x08u : 0u));
      put_u8(p, kP1aLaneFaultFlags, b.lane_fault.latched);
      put_u8(p, kP1aLaneFaultFlags + 8, b.bias_high_warning.latched);  // 174: lane warning flags
      put_u8(p, kP1aBiasFlags + 0, b.bias_high_alarm.latched);
      put_u8(p, kP1aBiasFlags + 2, b.bias_high_warning.latched);
      put_u8(p, kP1aPowerFlags + 1, b.power_low_alarm.latched);
      std::uint32_t states = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        const LaserModel& l = e.lasers[first + i];
        std::uint32_t code = 0;
        if (l.fault == rd::LaserFault::kApcLoop)
          code = 1;
        else if (l.fault == rd::LaserFault::kAccLoop)
          code = 2;
        else if (l.fault == rd::LaserFault::kThermalShutdown)
          code = 9;  // vendor-specific range 9..15
        put_u8(p, kP1aFaultCode + ib(i), code);
        const std::uint32_t st = l.state == rd::LaserState::kOn ? 2u : l.state == rd::LaserState::kRamping ? 1u : 0u;
        states |= st << (2 * i);
      }
      put_u8(p, kP1aLaneState, states & 0xFF);
      put_u8(p, kP1aLaneState + 1, (states >> 8) & 0xFF);
      put_u8(p, 248, 1);  // fiber-check power 1 mW
      break;
    }
    case 0x1B: {
      p = b.p1b_rw;
      for (std::uint32_t i = 0; i < n; ++i) {
        const LaserModel& l = e.lasers[first + i];
        put_u16(p, kP1bBias + 2 * ib(i), bias_100ua(l.bias_ma));
        put_u16(p, kP1bPower + 2 * ib(i), power_10uw(l.power_mw));
        put_u8(p, kP1bVoltage + ib(i), l.state == rd::LaserState::kOn ? 110u : 0u);  // 1.65 V forward voltage
      }
      double icc = 0;
      for (const auto& l : e.lasers) icc += l.bias_ma;
      put_u16(p, kP1bIcc, u16_sat(icc * 5.0));  // 200 uA steps
      break;
    }
    default: break;
  }
  return p;
}

namespace {
bool oe_page_supported(std::uint32_t page) { return page <= 0x02 || page == 0x10 || page == 0x11; }
bool els_page_supported(std::uint32_t page) { return page <= 0x02 || page == 0x1A || page == 0x1B; }
bool oe_writable(std::uint32_t page, int byte) {
  if (byte < 128)
    return byte == cmis::kModuleControl || (byte >= cmis::kModuleMasksFirst && byte <= cmis::kModuleMasksLast);
  return page == 0x10;
}
bool els_writable(std::uint32_t page, int byte) {
  if (byte < 128) return byte == cmis::kModuleControl;
  if (page == 0x1A)
    return byte == cmis::kP1aSaveRestore || (byte >= cmis::kP1aMasksFirst && byte <= cmis::kP1aMasksLast) ||
           byte == cmis::kP1aLaneEnable || byte == cmis::kP1aFiberChecked;
  if (page == 0x1B) return byte >= cmis::kP1bBiasSetpoint && byte < cmis::kP1bPowerSetpoint + 16;
  return false;
}
}  // namespace

rd::Completion World::cmis_read(SwitchModel& s, UnitModel& u, std::uint32_t& bad) {
  const auto& a = u.args;
  const bool lower = a[4] == 0;
  if (a[0] == static_cast<std::uint32_t>(rd::CmisTarget::kOe)) {
    const std::uint32_t oe = u.first_oe + a[1];
    if (s.oes[oe].unresponsive) return rd::Completion::kDeviceFault;
    if (!lower && !oe_page_supported(a[3])) return bad = 3, rd::Completion::kUnsupported;
    u.data = oe_page(s, oe, lower ? 0 : a[2], a[3], lower);
    // CMIS latched flags clear on read; a persisting condition latches again at once.
    OeModel& m = s.oes[oe];
    if (lower) {
      m.state_changed.latched = m.state_changed.current;
      m.temp.latched = m.temp.current;
    } else if (a[3] == 0x11) {
      BankModel& b = m.banks[a[2]];
      for (FlagLatch* f : {&b.dp_changed, &b.tx_fault, &b.tx_los, &b.rx_los, &b.rx_lol}) f->latched = f->current;
    }
    return rd::Completion::kOk;
  }
  const std::uint32_t els = u.first_els + a[1];
  if (!s.els[els].present) return rd::Completion::kNotPresent;
  if (!lower && !els_page_supported(a[3])) return bad = 3, rd::Completion::kUnsupported;
  u.data = els_page(s, els, lower ? 0 : a[2], a[3], lower);
  ElsModel& e = s.els[els];
  if (lower)
    e.temp.latched = e.temp.current;
  else if (a[3] == 0x1A) {
    ElsBank& b = e.banks[a[2]];
    for (FlagLatch* f : {&b.lane_fault, &b.bias_high_alarm, &b.bias_high_warning, &b.power_low_alarm})
      f->latched = f->current;
  }
  return rd::Completion::kOk;
}

rd::Completion World::cmis_write(SwitchModel& s, UnitModel& u, std::uint32_t& bad) {
  const auto& a = u.args;
  const bool lower = a[4] == 0;
  const std::uint32_t page = a[3], off = a[5], len = a[6];
  const bool is_oe = a[0] == static_cast<std::uint32_t>(rd::CmisTarget::kOe);
  const std::uint32_t idx = (is_oe ? u.first_oe : u.first_els) + a[1];
  if (is_oe && s.oes[idx].unresponsive) return rd::Completion::kDeviceFault;
  if (!is_oe && !s.els[idx].present) return rd::Completion::kNotPresent;
  if (!lower && !(is_oe ? oe_page_supported(page) : els_page_supported(page)))
    return bad = 3, rd::Completion::kUnsupported;
  for (std::uint32_t i = off; i < off + len; ++i) {
    const int byte = ib(i) + (lower ? 0 : 128);
    if (!(is_oe ? oe_writable(page, byte) : els_writable(page, byte))) return rd::Completion::kReadOnly;
  }
  if (is_oe) {
    OeModel& oe = s.oes[idx];
    if (lower) {
      for (std::uint32_t i = off; i < off + len; ++i)
        if (ib(i) == cmis::kModuleControl) oe.control = u.data[i];
      if (oe.control & 0x08) {
        // SoftwareReset (self-clearing): the module restarts in its power-on state.
        oe.control = s.options.start == StartState::cold ? 0x10 : 0x00;
        if (!oe.faulted) oe_set_state(s, idx, rd::ModuleState::kLowPwr);
      }
      oe_control_changed(s, idx);
    } else {
      BankModel& b = oe.banks[a[2]];
      for (std::uint32_t i = off; i < off + len; ++i) b.p10[i] = u.data[i];
      b.p10[cmis::kP10ApplyDpInit - 128] = 0;  // trigger byte
      const std::uint32_t per_bank = s.platform.lanes_per_bank();
      for (std::uint32_t i = 0; i < per_bank; ++i) dp_evaluate(s, idx, a[2] * per_bank + i);
    }
    dirty_ = true;
    return rd::Completion::kOk;
  }
  ElsModel& e = s.els[idx];
  if (lower) {
    e.control = u.data[cmis::kModuleControl];
    return rd::Completion::kOk;
  }
  ElsBank& b = e.banks[a[2]];
  cmis::Page& target = page == 0x1A ? b.p1a_rw : b.p1b_rw;
  for (std::uint32_t i = off; i < off + len; ++i) target[i] = u.data[i];
  if (page == 0x1A) laser_enable_changed(s, idx);
  if (page == 0x1B) {
    const std::uint32_t first = a[2] * 8;
    for (std::uint32_t i = 0; i < 8 && first + i < e.lasers.size(); ++i) {
      LaserModel& l = e.lasers[first + i];
      // The module holds the set-point inside its advertised range (page 1Ah min/max).
      const double set = cmis::get_u16(b.p1b_rw, cmis::kP1bPowerSetpoint + 2 * ib(i)) * 0.01;
      l.setpoint_mw = std::clamp(set, 20.0, 150.0);
      l.bias_setpoint_ma = cmis::get_u16(b.p1b_rw, cmis::kP1bBiasSetpoint + 2 * ib(i)) * 0.1;
      if (l.state == rd::LaserState::kOn) l.power_mw = l.setpoint_mw;
    }
  }
  dirty_ = true;
  return rd::Completion::kOk;
}

}  // namespace cpo::sim
