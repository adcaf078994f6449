// CMIS optics of the simulated switch: OE and ELSFP memory maps, the module, data path and
// laser state machines, optics faults and CMIS flags.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "cpo/hal/backend/refdev/mailbox.h"
#include "cpo/hal/cmis/codes.h"
#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/pages.h"
#include "optics.h"
#include "physics.h"
#include "world.h"

namespace cpo::sim {

namespace {
constexpr std::int64_t ns_of(double seconds) { return static_cast<std::int64_t>(seconds * 1e9); }
std::uint32_t u32(std::size_t v) { return static_cast<std::uint32_t>(v); }
}  // namespace

// ---------------------------------------------------------------------------- CMIS flags
void Optics::raise_flag(SwitchModel& s, FlagLatch& f, std::uint8_t now_bits, bool is_oe, std::uint32_t idx,
                        std::uint32_t sub, const cmis::Field& field, unsigned element) {
  const auto fresh = static_cast<std::uint8_t>(now_bits & ~f.current);
  f.current = now_bits;
  f.latched = static_cast<std::uint8_t>(f.latched | now_bits);
  if (fresh == 0) return;
  // An ELS reports the page it serves the flag on (the profile's page map), as it addresses it.
  const std::uint8_t page = is_oe ? field.page : s.platform.els_page(field.page).value_or(field.page);
  const std::uint32_t detail = (std::uint32_t{page} << 16) | (std::uint32_t{field.byte_of(element)} << 8) | fresh;
  if (is_oe)
    world_.publisher().oe_event(s, idx, sub, rd::EventType::kCmisFlag, 0, detail);
  else
    world_.publisher().els_event(s, idx, 0, false, rd::EventType::kCmisFlag, 0, detail);
}

// ---------------------------------------------------------------------------- OE state machines
void Optics::oe_set_state(SwitchModel& s, std::uint32_t oe_index, rd::ModuleState st) {
  OeModel& oe = s.oes[oe_index];
  if (oe.state == st) return;
  oe.state = st;
  ++oe.token;
  oe.state_changed.latched |= 1;
  world_.publisher().oe_event(s, oe_index, 0xFF, rd::EventType::kModuleState, static_cast<std::uint32_t>(st), 0);
  if (st == rd::ModuleState::kPwrUp)
    world_.schedule(world_.now().count() + ns_of(phys::kModulePwrUpSeconds),
                    Timer{TimerKind::oe_step, s.index, oe_index, 0, 0, oe.token});
  if (st == rd::ModuleState::kPwrDn)
    world_.schedule(world_.now().count() + ns_of(phys::kModulePwrDnSeconds),
                    Timer{TimerKind::oe_step, s.index, oe_index, 0, 0, oe.token});
  if (st != rd::ModuleState::kReady) {
    // Leaving ModuleReady takes every data path down with it (CMIS 5.2 6.3.2: module state
    // changes below ModuleReady force DPDeactivated).
    for (std::uint32_t b = 0; b < oe.banks.size(); ++b) {
      BankModel& bank = oe.banks[b];
      bank.config_ok = 0;
      for (std::uint32_t i = 0; i < 8; ++i) {
        ++bank.dp_token[i];
        if (bank.dp[i] != rd::DataPathState::kDeactivated) {
          bank.dp[i] = rd::DataPathState::kDeactivated;
          world_.publisher().oe_event(s, oe_index, b, rd::EventType::kDataPathState,
                                      static_cast<std::uint32_t>(rd::DataPathState::kDeactivated), i);
        }
      }
    }
  }
  world_.touch(s);
}

void Optics::oe_control_changed(SwitchModel& s, std::uint32_t oe_index) {
  OeModel& oe = s.oes[oe_index];
  const bool low_power = cpo::cmis::decode_module_control(oe.control).low_power_request_sw;
  if (!oe.faulted) {
    if (oe.state == rd::ModuleState::kLowPwr && !low_power)
      oe_set_state(s, oe_index, rd::ModuleState::kPwrUp);
    else if ((oe.state == rd::ModuleState::kReady || oe.state == rd::ModuleState::kPwrUp) && low_power)
      oe_set_state(s, oe_index, rd::ModuleState::kPwrDn);
  }
  const std::uint32_t lanes = u32(oe.banks.size()) * s.platform.lanes_per_bank();
  for (std::uint32_t l = 0; l < lanes; ++l) dp_evaluate(s, oe_index, l);
}

void Optics::dp_evaluate(SwitchModel& s, std::uint32_t oe_index, std::uint32_t lane_in_oe) {
  OeModel& oe = s.oes[oe_index];
  const std::uint32_t per_bank = s.platform.lanes_per_bank();
  const std::uint32_t b = lane_in_oe / per_bank, i = lane_in_oe % per_bank;
  BankModel& bank = oe.banks[b];
  const bool deinit =
      cmis::lane_bit(static_cast<std::uint8_t>(cmis::get(bank.p10, cmis::field::kDataPathDeinit)), i + 1);
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
    world_.schedule(world_.now().count() + ns_of(phys::kDpInitSeconds),
                    Timer{TimerKind::dp_step, s.index, oe_index, b, i, ++bank.dp_token[i]});
  } else if (st == D::kActivated && (deinit || !ready)) {
    st = D::kTxTurnOff;
    world_.schedule(world_.now().count() + ns_of(phys::kDpTxTurnOffSeconds),
                    Timer{TimerKind::dp_step, s.index, oe_index, b, i, ++bank.dp_token[i]});
  }
  world_.touch(s);
}

// ---------------------------------------------------------------------------- lasers, faults
double laser_target_mw(const LaserModel& l) noexcept {
  if (!l.fiber_checked) return phys::kFiberCheckPowerMw;
  if (l.acc) return phys::acc_power_mw(l.bias_setpoint_ma, l.temp_c, l.age_h);
  return l.setpoint_mw;
}

double laser_output_mw(const LaserModel& l, std::int64_t now_ns) noexcept {
  if (l.state == rd::LaserState::kOn) return l.power_mw;
  if (l.state != rd::LaserState::kRamping) return 0.0;
  const double ramped = l.ramp_from_mw + static_cast<double>(now_ns - l.ramp_start_ns) * 1e-6 * phys::kRampMwPerMs;
  return std::clamp(ramped, 0.0, l.target_mw);
}

std::uint8_t oe_power_on_control(StartState start) noexcept {
  cpo::cmis::ModuleControl c;
  c.low_power_request_sw = start == StartState::cold;  // a cold start waits for the host
  return cpo::cmis::encode_module_control(c);
}

double lanes_per_laser(const SwitchModel& s) noexcept {
  std::size_t lasers = 0;
  for (const auto& e : s.els) lasers += e.lasers.size();
  return lasers == 0 ? 1.0 : std::max(1.0, static_cast<double>(s.lanes.size()) / static_cast<double>(lasers));
}

double lane_bias(const SwitchModel& s, const LaneModel& l, double per_laser) noexcept {
  const ElsModel& e = s.els[l.els];
  return e.present ? phys::lane_bias_ma(e.lasers[l.laser].bias_ma, per_laser) : 0.0;
}

double els_icc_ma(const ElsModel& e) noexcept {
  if (!e.present) return 0.0;
  double icc = phys::kElsIdleMaPerLaser * static_cast<double>(e.lasers.size());
  for (const auto& l : e.lasers) icc += l.bias_ma;
  return icc;
}

void ElsModel::set_fiber_loss(std::uint32_t laser, double db) {
  fiber_loss_db[laser] = db;
  fiber_gain[laser] = phys::gain(db);
}

void init_els_bank(ElsBank& b, std::uint32_t lasers, bool operational) {
  b = ElsBank{};
  // Defaults on the encoding grid and inside the advertised range: the setters cannot fail.
  (void)cmis::set_control_mode(b.p1a_rw, cmis::ElsControlMode::apc);
  for (unsigned lane = 1; lane <= cmis::kLanesPerBank; ++lane) {
    const bool lit = operational && lane <= lasers;
    (void)cmis::set_lane_enable(b.p1a_rw, lane, lit);
    (void)cmis::set_output_fiber_checked(b.p1a_rw, lane, lit);
    (void)cmis::set_bias_setpoint(b.p1b_rw, lane, Milliamps(phys::kBiasSetpointDefaultMa));
    (void)cmis::set_power_setpoint(b.p1b_rw, lane, Milliwatts(phys::kLaserSetpointMw));
  }
}

void Optics::laser_ramp(SwitchModel& s, std::uint32_t els_index, std::uint32_t k, double from_mw, double to_mw) {
  LaserModel& l = s.els[els_index].lasers[k];
  ++l.token;
  l.state = rd::LaserState::kRamping;
  l.ramp_from_mw = from_mw;
  l.target_mw = to_mw;
  l.ramp_start_ns = world_.now().count();
  const double ms = std::max(to_mw - from_mw, 0.0) / phys::kRampMwPerMs;
  world_.schedule(world_.now().count() + static_cast<std::int64_t>(std::ceil(ms * 1e6)),
                  Timer{TimerKind::laser_ramp, s.index, els_index, k, 0, l.token});
  world_.touch_els(s, els_index);
}

// Page 1Ah ControlMode, LaneEnable, OutputFiberChecked and the page 1Bh
// set-points of every laser of the module, applied.
//   enable: off -> ramp from 0 toward laser_target_mw (the fiber-check power until the fiber
//           is checked); disable: off at once.
//   fiber checked set: ramp from the fiber-check power to the operating level at the same
//           bounded rate; cleared: back to the fiber-check power at once.
//   set-point or mode change at the operating level: a decrease takes effect at once, an
//           increase ramps at the module's bounded rate like any other rise (a lit laser
//           never jumps up in one step).
void Optics::laser_controls_changed(SwitchModel& s, std::uint32_t els_index) {
  ElsModel& e = s.els[els_index];
  const std::int64_t now = world_.now().count();
  cmis::ElsMonitors setpoints;
  for (std::uint32_t k = 0; k < e.lasers.size(); ++k) {
    LaserModel& l = e.lasers[k];
    const ElsBank& bank = e.banks[k / 8];
    if (k % 8 == 0) setpoints = cmis::decode_page1b(bank.p1b_rw);  // once per bank
    const auto bit = [&](const cmis::Field& f) {
      return cmis::lane_bit(static_cast<std::uint8_t>(cmis::get(bank.p1a_rw, f)), k % 8 + 1);
    };
    const bool en = bit(cmis::field::kElsLaneEnable);
    const bool checked = bit(cmis::field::kElsFiberChecked);
    if (!checked) l.check_void = false;  // the host cleared it: a later set is a new check
    l.fiber_checked = checked && !l.check_void;
    l.acc = cmis::get(bank.p1a_rw, cmis::field::kElsControlMode) == static_cast<unsigned>(cmis::ElsControlMode::acc);
    l.setpoint_mw = setpoints.power_setpoint[k % 8].value();
    l.bias_setpoint_ma = setpoints.bias_setpoint[k % 8].value();
    if (en != l.enabled) {
      l.enabled = en;
      ++l.token;
      if (!en) {
        if (!l.failed) {
          l.state = rd::LaserState::kOff;
          l.fault = e.present && e.interlock_open ? rd::LaserFault::kInterlockOpen : rd::LaserFault::kNone;
        }
        l.power_mw = 0;
        continue;
      }
      if (l.thermal_latched && l.temp_c < phys::kLaserShutdownC - 5.0) l.thermal_latched = false;
      if (!e.present) continue;
      if (e.interlock_open) {  // held off; closing the interlock later does not light it
        l.state = rd::LaserState::kOff;
        l.fault = rd::LaserFault::kInterlockOpen;
        continue;
      }
      if (l.failed || l.thermal_latched) {
        l.state = rd::LaserState::kFault;
        continue;
      }
      l.fault = rd::LaserFault::kNone;
      // The fault condition is gone (the latched flag stays until read).
      ElsBank& eb = e.banks[k / 8];
      const auto keep = static_cast<std::uint8_t>(~(1u << (k % 8)));
      eb.lane_fault.current = static_cast<std::uint8_t>(eb.lane_fault.current & keep);
      eb.power_low_alarm.current = static_cast<std::uint8_t>(eb.power_low_alarm.current & keep);
      l.power_mw = 0;
      laser_ramp(s, els_index, k, 0.0, laser_target_mw(l));
      continue;
    }
    if (!l.enabled || !e.present) continue;
    if (l.state != rd::LaserState::kOn && l.state != rd::LaserState::kRamping) continue;
    const double out = laser_output_mw(l, now);
    const double target = laser_target_mw(l);
    if (target <= out) {
      ++l.token;  // cancels a ramp in progress
      l.state = rd::LaserState::kOn;
      l.power_mw = target;
      l.target_mw = target;
    } else {
      laser_ramp(s, els_index, k, out, target);
    }
  }
  world_.touch_els(s, els_index);
}

void Optics::laser_fail(SwitchModel& s, std::uint32_t els_index, std::uint32_t k, rd::LaserFault why) {
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
    world_.touch_els(s, els_index);
    return;
  }
  l.state = rd::LaserState::kFault;
  l.fault = why;
  if (was_lit || why == rd::LaserFault::kApcLoop)
    world_.publisher().els_event(s, els_index, k, true, rd::EventType::kLaserFault, static_cast<std::uint32_t>(why), 0);
  ElsBank& b = e.banks[k / 8];
  raise_flag(s, b.lane_fault, static_cast<std::uint8_t>(b.lane_fault.current | (1u << (k % 8))), false, els_index, 0,
             cmis::field::kElsLaneFaultFlags);
  // Output power collapsed while enabled: page 1Ah power low alarm.
  raise_flag(s, b.power_low_alarm, static_cast<std::uint8_t>(b.power_low_alarm.current | (1u << (k % 8))), false,
             els_index, 0, cmis::field::kElsPowerFlags, static_cast<unsigned>(cmis::FlagKind::low_alarm));
  world_.touch_els(s, els_index);
}

// The interlock is a hardware loop into the module: opening it turns every laser off at once,
// whatever the host wrote. Host-written bytes (LaneEnable, OutputFiberChecked) stay as the host
// wrote them, as CMIS control bytes do, but the latch is in the module: a laser it turned off
// stays off until the host clears LaneEnable and sets it again, and a fiber check confirmed
// before the opening no longer counts (check_void), so it relights only at the fiber-check
// power. The ELSFP fault code it reports is vendor-specific (see els_page).
void Optics::els_interlock(SwitchModel& s, std::uint32_t els_index, bool open) {
  ElsModel& e = s.els[els_index];
  e.interlock_open = open;
  world_.touch_els(s, els_index);
  if (!e.present) return;
  for (std::uint32_t k = 0; k < e.lasers.size(); ++k) {
    LaserModel& l = e.lasers[k];
    if (l.state == rd::LaserState::kFault) continue;  // a failed laser keeps its own cause
    if (!open) {
      // A laser the host never enabled has nothing latched; an enabled one stays off with its
      // cause until the host takes it through disable and enable.
      if (!l.enabled && l.fault == rd::LaserFault::kInterlockOpen) l.fault = rd::LaserFault::kNone;
      continue;
    }
    const bool was_lit = l.state == rd::LaserState::kOn || l.state == rd::LaserState::kRamping;
    ++l.token;  // cancels a ramp in progress
    l.state = rd::LaserState::kOff;
    l.power_mw = 0;
    l.bias_ma = 0;  // the drive current stops with the light (bias monitor, ICC)
    l.fault = rd::LaserFault::kInterlockOpen;
    if (l.fiber_checked) l.check_void = true;
    l.fiber_checked = false;
    if (!l.enabled) continue;
    world_.publisher().els_event(s, els_index, k, true, rd::EventType::kLaserFault,
                                 static_cast<std::uint32_t>(rd::LaserFault::kInterlockOpen), 0);
    ElsBank& b = e.banks[k / 8];
    const auto bit = static_cast<std::uint8_t>(1u << (k % 8));
    raise_flag(s, b.lane_fault, static_cast<std::uint8_t>(b.lane_fault.current | bit), false, els_index, 0,
               cmis::field::kElsLaneFaultFlags);
    if (was_lit)
      raise_flag(s, b.power_low_alarm, static_cast<std::uint8_t>(b.power_low_alarm.current | bit), false, els_index, 0,
                 cmis::field::kElsPowerFlags, static_cast<unsigned>(cmis::FlagKind::low_alarm));
  }
}

void Optics::els_remove(SwitchModel& s, std::uint32_t els_index) {
  ElsModel& e = s.els[els_index];
  e.present = false;
  for (auto& l : e.lasers) {
    ++l.token;
    l.state = rd::LaserState::kAbsent;
    l.fault = rd::LaserFault::kRemoved;
    l.power_mw = 0;
  }
  world_.publisher().els_event(s, els_index, 0, false, rd::EventType::kElsRemoved, 0, 0);
  world_.touch_els(s, els_index);
}

void Optics::els_insert(SwitchModel& s, std::uint32_t els_index) {
  ElsModel& e = s.els[els_index];
  e.present = true;
  ++e.insert_count;
  // A fresh module: lasers disabled and output fibers unchecked until the host enables them
  // and checks the fibers.
  for (std::uint32_t k = 0; k < e.lasers.size(); ++k) {
    LaserModel& l = e.lasers[k];
    l = LaserModel{};
    l.setpoint_mw = phys::kLaserSetpointMw;
    l.bias_setpoint_ma = phys::kBiasSetpointDefaultMa;
    l.temp_c = e.temp_c;
    if (e.interlock_open) l.fault = rd::LaserFault::kInterlockOpen;  // the slot's loop is still open
  }
  for (std::uint32_t b = 0; b < e.banks.size(); ++b)
    init_els_bank(e.banks[b], std::min<std::uint32_t>(8, u32(e.lasers.size()) - 8 * b), false);
  world_.publisher().els_event(s, els_index, 0, false, rd::EventType::kElsInserted, 0, 0);
  world_.touch_els(s, els_index);
}

void Optics::oe_fail(SwitchModel& s, std::uint32_t oe_index, bool unresponsive) {
  OeModel& oe = s.oes[oe_index];
  oe.unresponsive = unresponsive;
  if (oe.faulted) return;
  oe.faulted = true;
  oe_set_state(s, oe_index, rd::ModuleState::kFault);
  world_.publisher().oe_event(s, oe_index, 0xFF, rd::EventType::kOeFault, 0, 0);
}

void Optics::oe_repair(SwitchModel& s, std::uint32_t oe_index) {
  OeModel& oe = s.oes[oe_index];
  oe.faulted = false;
  oe.unresponsive = false;
  oe.thermal_shutdown = false;
  oe_set_state(s, oe_index, rd::ModuleState::kLowPwr);
  oe_control_changed(s, oe_index);
}

// ---------------------------------------------------------------------------- CMIS pages
// Pages are encoded with the hal CMIS codec (cpo/hal/cmis), the same code that decodes them
// on the driver side, from the model state at the time of the read.
namespace {
namespace hc = cpo::cmis;

double clamp_temp(double c) { return std::clamp(c, -127.0, 127.0); }

// SFF-8024 Table 4-1 identifiers. An ELS module is an OIF ELSFP (22h, "OIF-ELSFP with
// CMIS"). SFF-8024 has no code for a co-packaged optical engine; the simulator's OEs say 19h
// ("OSFP 8X"): a CMIS 5.2 paged memory map of 8-lane banks, which every CMIS host stack
// (sonic_xcvr's api factory, ethtool -m) reads with its generic CMIS decoder.
constexpr std::uint8_t kOeIdentifier = 0x19;
constexpr std::uint8_t kElsIdentifier = 0x22;
// Not an IEEE-assigned OUI: 02h has the locally administered bit set, "CP" follows.
constexpr std::array<std::uint8_t, 3> kVendorOui{0x02, 0x43, 0x50};
// Tx bias multiplier of the OEs (page 01h: x2, 4 uA per LSB, 262 mA full scale).
constexpr std::uint8_t kOeBiasMultiplier = 2;

hc::LowerPage lower_page(std::uint8_t identifier, std::uint8_t state, std::uint8_t flags8, std::uint8_t flags9,
                         double temp_c, std::uint8_t control, std::uint32_t bank, std::uint32_t page) {
  hc::LowerPage v;
  v.identifier = identifier;
  v.revision = hc::Revision{5, 2};
  v.module_state = static_cast<hc::ModuleState>(state);
  v.interrupt_asserted = flags8 != 0 || flags9 != 0;
  v.flags.state_changed = (flags8 & 1u) != 0;
  v.flags.temp_high_alarm = (flags9 & 1u) != 0;
  v.flags.temp_low_alarm = (flags9 & 2u) != 0;
  v.flags.temp_high_warning = (flags9 & 4u) != 0;
  v.flags.temp_low_warning = (flags9 & 8u) != 0;
  v.temperature = Celsius(clamp_temp(temp_c));
  v.vcc = Volts(phys::kVccVolts);
  v.control = hc::decode_module_control(control);
  v.active_firmware = hc::Revision{1, 0};
  v.media_type = static_cast<std::uint8_t>(hc::MediaType::optical_smf);
  v.bank_select = static_cast<std::uint8_t>(bank);
  v.page_select = static_cast<std::uint8_t>(page);
  return v;
}

// A 64-bit mix of the seed (splitmix64 finaliser): serial numbers stable per seed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// "<kind><8 hex digits of the seed's hash><3-digit module index>": distinct per module of a
// switch, the same for the same seed, and different between seeds.
std::string serial_number(std::uint64_t seed, char kind, std::uint32_t index) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const std::uint64_t h = mix(seed ^ (static_cast<std::uint64_t>(static_cast<unsigned char>(kind)) << 56));
  std::string sn(1, kind);
  for (int d = 7; d >= 0; --d) sn += kHex[(h >> (4 * d)) & 0xF];
  sn += static_cast<char>('0' + index / 100 % 10);
  sn += static_cast<char>('0' + index / 10 % 10);
  sn += static_cast<char>('0' + index % 10);
  return sn;
}

hc::Page00 page00(std::uint8_t identifier, std::string part_number, std::string serial, double max_power_w) {
  hc::Page00 v;
  v.identifier = identifier;
  v.vendor_name = "CPOSDK SIM";
  v.vendor_oui = kVendorOui;
  v.part_number = std::move(part_number);
  v.revision = "01";
  v.serial_number = std::move(serial);
  v.date_code = hc::DateCode{2025, 1, 1, ""};
  v.power_class = 8;
  v.max_power_w = std::min(max_power_w, 63.75);
  v.connector = 0x0C;  // MPO 1x12 (SFF-8024 Table 4-3)
  return v;
}

// SFF-8024 codes of one sub-port of `lanes` lanes at `lane_gbps` per lane: host electrical
// interface (Table 4-5) and 1310 nm single-mode media interface (Table 4-7, DR: one fiber
// pair per lane). 200G/lane: 200GAUI-1 / 400GAUI-2 / 800GAUI-4 / 1.6TAUI-8 C2M (Annex 176E,
// 80h..83h) with 200GBASE-DR1 / 400GBASE-DR2 / 800GBASE-DR4 / 1.6TBASE-DR8 (Clause 180, 73h,
// 75h, 77h, 7Fh). 100G/lane: 100GAUI-1-S / 200GAUI-2-S / 400GAUI-4-S / 800GAUI-8 S C2M (Annex
// 120G, 4Bh, 4Dh, 4Fh, 51h) with 100GBASE-DR (14h), 400GBASE-DR4 (1Ch), 800GBASE-DR8 (56h);
// SFF-8024 has no 2 x 100G single-mode code, so that media code is 00h (Undefined).
std::pair<std::uint8_t, std::uint8_t> interface_codes(std::uint32_t lanes, double lane_gbps) {
  const unsigned i = lanes == 1 ? 0 : lanes == 2 ? 1 : lanes == 4 ? 2 : lanes == 8 ? 3 : 4;
  if (i == 4) return {0x00, 0x00};
  if (lane_gbps >= 150) {
    static constexpr std::uint8_t kHost[] = {0x80, 0x81, 0x82, 0x83}, kMedia[] = {0x73, 0x75, 0x77, 0x7F};
    return {kHost[i], kMedia[i]};
  }
  static constexpr std::uint8_t kHost[] = {0x4B, 0x4D, 0x4F, 0x51}, kMedia[] = {0x14, 0x00, 0x1C, 0x56};
  return {kHost[i], kMedia[i]};
}

// The OE's applications: one per breakout mode of the profile (in the profile's order, ApSel
// 1 = the default mode), each a sub-port of lanes_per_port / sub-ports lanes. Host and media
// lane assignment: the bank lanes a sub-port of that width starts on.
struct AppTable {
  std::array<hc::ApplicationDescriptor, hc::kLowerApplications> apps{};
  std::uint8_t count = 0;
  std::array<std::uint8_t, 9> app_sel_by_lanes{};  // index: lanes per sub-port
};

AppTable app_table(const SwitchModel& s) {
  AppTable t;
  const double lane_gbps = s.platform.lane_rate().value();
  for (const auto& mode : s.platform.breakout_modes()) {
    const std::uint32_t subs = mode.subport_count();
    if (subs == 0 || s.lanes_per_port % subs != 0) continue;
    const std::uint32_t lanes = s.lanes_per_port / subs;
    if (lanes > 8 || t.app_sel_by_lanes[lanes] != 0 || t.count >= hc::kLowerApplications) continue;
    hc::ApplicationDescriptor d;
    d.app_sel = static_cast<std::uint8_t>(t.count + 1);
    const auto codes = interface_codes(lanes, lane_gbps);
    d.host_interface = codes.first;
    d.media_interface = codes.second;
    d.host_lane_count = static_cast<std::uint8_t>(lanes);
    d.media_lane_count = static_cast<std::uint8_t>(lanes);
    std::uint8_t starts = 0;
    for (const LaneModel& l : s.lanes) {
      if (l.oe != s.lanes.front().oe || l.bank != s.lanes.front().bank) continue;
      if (l.index_in_port % lanes == 0 && l.index_in_bank < 8)
        starts = static_cast<std::uint8_t>(starts | (1u << l.index_in_bank));
    }
    d.host_lane_assignment = starts;
    d.media_lane_assignment = starts;
    t.app_sel_by_lanes[lanes] = d.app_sel;
    t.apps[t.count++] = d;
  }
  return t;
}

// The set-point range page 1Ah advertises (MaxOpticalPower..MinBias): what the
// firmware accepts in page 1Bh.
hc::ElsAdvertisement els_limits() {
  hc::ElsAdvertisement a;
  a.max_optical_power = Milliwatts(phys::kLaserMaxSetpointMw);
  a.min_optical_power = Milliwatts(phys::kLaserMinSetpointMw);
  a.max_bias = Milliamps(phys::kBiasMaxMa);
  a.min_bias = Milliamps(phys::kBiasMinMa);
  return a;
}

template <typename T>
hc::ThresholdSet<T> thresholds(double ha, double la, double hw, double lw) {
  return hc::ThresholdSet<T>{T(ha), T(la), T(hw), T(lw)};
}
}  // namespace

cmis::PageBytes Optics::oe_page(SwitchModel& s, std::uint32_t oe_index, std::uint32_t bank, std::uint32_t page,
                                bool lower) {
  OeModel& oe = s.oes[oe_index];
  cmis::PageBytes p{};
  if (lower) {
    hc::LowerPage v = lower_page(kOeIdentifier, static_cast<std::uint8_t>(oe.state), oe.state_changed.latched,
                                 oe.temp.latched, oe.temp_c, oe.control, bank, page);
    const AppTable apps = app_table(s);
    v.applications = apps.apps;
    v.application_count = apps.count;
    (void)hc::encode_lower(v, p);
    return p;
  }
  const auto& info = s.platform.optical_engines()[oe_index];
  const double per_laser = lanes_per_laser(s);
  switch (page) {
    case hc::kPage00: {
      std::size_t lanes = 0;
      for (const auto& bk : info.banks) lanes += bk.lanes.size();
      const double tbps = static_cast<double>(lanes) * s.platform.lane_rate().value() / 1000.0;
      char pn[17];
      (void)std::snprintf(pn, sizeof pn, "CPO-OE-%.1fT", tbps);
      (void)hc::encode_page00(page00(kOeIdentifier, pn, serial_number(s.options.seed, 'E', oe_index),
                                     phys::kOeWattsPerPort * oe.ports_served),
                              p);
      break;
    }
    case hc::kPage01: {
      hc::Advertisement a;
      a.inactive_firmware = hc::Revision{0, 0};  // one firmware image
      a.hardware = hc::Revision{1, 0};
      // Banks: 1, 2, 4 (00b, 01b, 10b) or 8 (11b, reserved in CMIS 5.2, Broadcom Bailly's and
      // sonic_xcvr BaillyCodes' 8 banks); an OE of 3 banks says 4 and serves banks 0..2 (a
      // read of bank 3 is refused: BadObject on the bank argument).
      const std::size_t banks = oe.banks.size();
      a.banks_supported = banks <= 1 ? 1 : banks <= 2 ? 2 : banks <= 4 ? 4 : 8;
      // Durations the simulator's own state machines take (physics.h), CMIS 5.2 Table 8-31.
      a.dp_init_duration = hc::duration_code(phys::kDpInitSeconds);
      a.dp_deinit_duration = hc::duration_code(phys::kDpDeinitSeconds);
      a.module_pwr_up_duration = hc::duration_code(phys::kModulePwrUpSeconds);
      a.module_pwr_dn_duration = hc::duration_code(phys::kModulePwrDnSeconds);
      a.dp_tx_turn_on_duration = hc::duration_code(phys::kDpTxTurnOnSeconds);
      a.dp_tx_turn_off_duration = hc::duration_code(phys::kDpTxTurnOffSeconds);
      a.cdb_instances = 0;  // no CDB
      a.rx_power_is_average = true;
      a.tx_disable_supported = true;  // page 10h OutputDisableTx darkens the lane
      a.tx_fault_flag_supported = true;
      a.tx_los_flag_supported = true;
      a.rx_los_flag_supported = true;
      a.rx_cdr_lol_flag_supported = true;
      a.temperature_monitor = true;
      a.vcc_monitor = true;
      a.tx_bias_monitor = true;
      a.tx_power_monitor = true;
      a.rx_power_monitor = true;
      a.tx_bias_multiplier = kOeBiasMultiplier;
      const AppTable apps = app_table(s);
      for (std::uint32_t i = 0; i < apps.count; ++i) a.media_lane_assignment[i] = *apps.apps[i].media_lane_assignment;
      (void)hc::encode_page01(a, p);
      break;
    }
    case hc::kPage02: {
      hc::Thresholds t;
      t.temperature = thresholds<Celsius>(phys::kOeAlarmC, phys::kLowAlarmC, phys::kOeWarnC, phys::kLowWarnC);
      t.vcc = thresholds<Volts>(3.63, 2.97, 3.465, 3.135);
      t.tx_power = thresholds<Milliwatts>(phys::mw(5.0), phys::mw(-6.0), phys::mw(4.0), phys::mw(-5.0));
      t.rx_power = thresholds<Milliwatts>(phys::mw(5.0), phys::mw(phys::kLosAssertDbm), phys::mw(4.0), phys::mw(-10.0));
      // Tx bias: the ELS laser's thresholds (page 1Ah) shared over the lanes it lights.
      t.tx_bias = thresholds<Milliamps>(phys::lane_bias_ma(phys::kBiasMaxMa, per_laser),
                                        phys::lane_bias_ma(phys::kBiasLowAlarmMa, per_laser),
                                        phys::lane_bias_ma(phys::kBiasHighWarningMa, per_laser),
                                        phys::lane_bias_ma(phys::kBiasLowWarningMa, per_laser));
      (void)hc::encode_page02(t, p, kOeBiasMultiplier);
      break;
    }
    case hc::kPage10:
      p = oe.banks[bank].p10;
      (void)hc::set_apply_dp_init(p, 0);  // a trigger reads 0
      break;
    case hc::kPage11: {
      const BankModel& b = oe.banks[bank];
      hc::LaneStatus st;
      for (std::uint32_t i = 0; i < 8; ++i) st.data_path_state[i] = static_cast<hc::DataPathState>(b.dp[i]);
      st.data_path_state_changed = b.dp_changed.latched;
      st.tx_fault = b.tx_fault.latched;
      st.tx_los = b.tx_los.latched;
      st.rx_los = b.rx_los.latched;
      st.rx_cdr_lol = b.rx_lol.latched;
      st.rx_power_flags.low_alarm = b.rx_power_low_alarm.latched;
      st.tx_power_flags.low_alarm = b.tx_power_low_alarm.latched;
      st.rx_power_flags.low_warning = b.rx_power_low_warning.latched;
      st.dp_init_pending = b.init_pending;
      st.tx_bias_flags.high_alarm = b.tx_bias[0].latched;
      st.tx_bias_flags.low_alarm = b.tx_bias[1].latched;
      st.tx_bias_flags.high_warning = b.tx_bias[2].latched;
      st.tx_bias_flags.low_warning = b.tx_bias[3].latched;
      const AppTable apps = app_table(s);
      const auto& lanes = info.banks[bank].lanes;
      for (std::uint32_t i = 0; i < lanes.size() && i < 8; ++i) {
        const LaneModel& l = s.lanes[lanes[i].value()];
        st.tx_power[i] = Milliwatts(std::min(l.tx_mw, 6.5535));
        st.rx_power[i] = Milliwatts(std::min(phys::mw(l.rx_dbm), 6.5535));
        // Tx bias: the lane's share of the bias of the ELS laser lighting it (4 uA steps).
        st.tx_bias[i] = Milliamps(std::min(lane_bias(s, l, per_laser), 262.14));
        // Active configuration: the application of the port's breakout, its data path
        // starting at the sub-port's first lane.
        const PortModel& port = s.ports[l.port];
        const std::uint32_t sub_lanes = port.breakout == 0 ? s.lanes_per_port : s.lanes_per_port / port.breakout;
        const std::uint32_t first = l.index_in_bank - l.index_in_port % std::max<std::uint32_t>(sub_lanes, 1);
        st.active_config[i].app_sel = sub_lanes <= 8 ? apps.app_sel_by_lanes[sub_lanes] : 0;
        st.active_config[i].data_path_id = static_cast<std::uint8_t>(first & 7u);
        st.config_status[i] = (b.config_ok >> i) & 1u               ? hc::ConfigStatus::success
                              : b.dp[i] == rd::DataPathState::kInit ? hc::ConfigStatus::in_progress
                                                                    : hc::ConfigStatus::undefined;
        if (b.dp[i] == rd::DataPathState::kActivated) {
          st.rx_output_status = static_cast<std::uint8_t>(st.rx_output_status | (l.cdr ? 1u << i : 0u));
          st.tx_output_status = static_cast<std::uint8_t>(st.tx_output_status | (l.tx_mw > 0 ? 1u << i : 0u));
        }
      }
      (void)hc::encode_page11(st, p, kOeBiasMultiplier);
      // Clear on read (this page is built only for a CmisRead), latching again while the
      // condition lasts, as cmis_read does for the other page 11h flags.
      for (FlagLatch& f : oe.banks[bank].tx_bias) f.latched = f.current;
      break;
    }
    default: break;
  }
  return p;
}

cmis::PageBytes Optics::els_page(SwitchModel& s, std::uint32_t els_index, std::uint32_t bank, std::uint32_t page,
                                 bool lower) {
  ElsModel& e = s.els[els_index];
  cmis::PageBytes p{};
  if (lower) {
    (void)hc::encode_lower(lower_page(kElsIdentifier, static_cast<std::uint8_t>(rd::ModuleState::kReady), 0,
                                      e.temp.latched, e.temp_c, e.control, bank, page),
                           p);
    return p;
  }
  const ElsBank& b = e.banks[bank];
  const std::uint32_t first = bank * 8;
  const std::uint32_t n = std::min<std::uint32_t>(8, u32(e.lasers.size()) - first);
  switch (page) {
    case hc::kPage00:
      (void)hc::encode_page00(page00(kElsIdentifier, "CPO-ELSFP-" + std::to_string(e.lasers.size()),
                                     serial_number(s.options.seed, 'L', els_index),
                                     phys::kLaserWatts * static_cast<double>(e.lasers.size())),
                              p);
      break;
    case hc::kPage01: {
      // Module monitors only: the lasers' monitors are on page 1Bh, not 11h; the module is
      // always ModuleReady (every duration code 0, "< 1 ms").
      hc::Advertisement a;
      a.hardware = hc::Revision{1, 0};
      a.banks_supported = e.banks.size() <= 1 ? 1 : e.banks.size() <= 2 ? 2 : 4;
      a.temperature_monitor = true;
      a.vcc_monitor = true;
      (void)hc::encode_page01(a, p);
      break;
    }
    case hc::kPage02: {
      hc::Thresholds t;
      t.temperature = thresholds<Celsius>(phys::kLaserAlarmC, phys::kLowAlarmC, phys::kLaserWarnC, phys::kLowWarnC);
      t.vcc = thresholds<Volts>(3.63, 2.97, 3.465, 3.135);
      (void)hc::encode_page02(t, p);
      break;
    }
    case hc::kPage1A: {
      hc::ElsAdvertisement a = els_limits();
      // Byte 140 bit 0 is host-written in the simulator: the mode the bank's lasers run in.
      a.control_mode = static_cast<hc::ElsControlMode>(hc::get(b.p1a_rw, hc::field::kElsControlMode));
      a.lane_count = static_cast<std::uint8_t>(n);
      a.bias_thresholds = thresholds<Milliamps>(phys::kBiasMaxMa, phys::kBiasLowAlarmMa, phys::kBiasHighWarningMa,
                                                phys::kBiasLowWarningMa);
      a.power_thresholds = thresholds<Milliwatts>(140.0, 50.0, 130.0, 60.0);
      a.lane_summary_fault = b.lane_fault.latched != 0;
      a.lane_summary_warning = b.bias_high_warning.latched != 0;
      a.lane_fault_flags = b.lane_fault.latched;
      a.lane_warning_flags = b.bias_high_warning.latched;
      a.save_restore_command = static_cast<std::uint8_t>(hc::get(b.p1a_rw, hc::field::kElsSaveRestore));
      a.bias_flags.high_alarm = b.bias_high_alarm.latched;
      a.bias_flags.high_warning = b.bias_high_warning.latched;
      a.power_flags.low_alarm = b.power_low_alarm.latched;
      a.lane_enable = static_cast<std::uint8_t>(hc::get(b.p1a_rw, hc::field::kElsLaneEnable));
      a.output_fiber_checked = static_cast<std::uint8_t>(hc::get(b.p1a_rw, hc::field::kElsFiberChecked));
      a.fiber_check_power = Milliwatts(phys::kFiberCheckPowerMw);
      for (std::uint32_t i = 0; i < n; ++i) {
        const LaserModel& l = e.lasers[first + i];
        std::uint8_t code = 0;
        if (l.fault == rd::LaserFault::kApcLoop)
          code = hc::kElsFaultApcLoop;
        else if (l.fault == rd::LaserFault::kAccLoop)
          code = hc::kElsFaultAccLoop;
        else if (l.fault == rd::LaserFault::kThermalShutdown)
          code = 9;  // vendor-specific range 9..15
        else if (l.fault == rd::LaserFault::kInterlockOpen)
          code = 10;  // vendor-specific too: OIF-ELSFP-CMIS-01.0 has no interlock code (cposdk choice)
        a.fault_code[i] = code;
        a.lane_state[i] = l.state == rd::LaserState::kOn        ? hc::ElsLaneState::on
                          : l.state == rd::LaserState::kRamping ? hc::ElsLaneState::ramping
                                                                : hc::ElsLaneState::off;
        a.lane_to_fiber[i] = static_cast<std::uint8_t>(i + 1);
        // Laser frequency on the grid of a 1311 nm source (c / lambda), 5 GHz steps.
        a.lane_frequency_ghz[i] =
            std::round(299792458.0 / (phys::kWavelengthNm + phys::kWavelengthNmPerK * (l.temp_c - 25.0)) / 5.0) * 5.0;
      }
      (void)hc::encode_page1a(a, p);
      // Masks are stored as the host wrote them.
      hc::copy(b.p1a_rw, p, hc::field::kElsMasks);
      break;
    }
    case hc::kPage1B: {
      hc::ElsMonitors m;
      for (std::uint32_t i = 0; i < n; ++i) {
        const LaserModel& l = e.lasers[first + i];
        m.bias_setpoint[i] = Milliamps(l.bias_setpoint_ma);
        m.power_setpoint[i] = Milliwatts(l.setpoint_mw);
        m.bias[i] = Milliamps(l.bias_ma);
        m.power[i] = Milliwatts(std::min(laser_output_mw(l, world_.now().count()), 655.35));
        m.voltage[i] = Volts(l.state == rd::LaserState::kOn ? 1.65 : 0.0);
      }
      // ICC is a module monitor: every bank reports the whole module's supply current.
      m.icc = Milliamps(std::min(els_icc_ma(e), 13000.0));
      (void)hc::encode_page1b(m, p);
      break;
    }
    default: break;
  }
  return p;
}

namespace {
bool oe_page_supported(std::uint32_t page) { return page <= hc::kPage02 || page == hc::kPage10 || page == hc::kPage11; }
bool els_page_supported(std::uint32_t page) {
  return page <= hc::kPage02 || page == hc::kPage1A || page == hc::kPage1B;
}
// The ELSFP page an ELS serves at upper page `physical` under its profile's page map (B0h ->
// 1Ah on davisson102t); nullopt for a page it does not serve (1Ah itself there). Every ELS
// page the firmware builds or stores is held under its logical number.
std::optional<std::uint32_t> els_served_page(const SwitchModel& s, std::uint32_t physical) {
  if (physical > 0xFF) return std::nullopt;
  const auto logical = s.platform.els_logical_page(static_cast<std::uint8_t>(physical));
  if (!logical || !els_page_supported(*logical)) return std::nullopt;
  return *logical;
}
}  // namespace

std::optional<std::uint32_t> Optics::els_addressed(const UnitModel& u) noexcept {
  if (u.early != rd::Completion::kOk) return std::nullopt;  // refused: it reaches no module
  auto els = [&](const auto& a) -> std::optional<std::uint32_t> {
    if (a.Target != static_cast<std::uint32_t>(rd::CmisTarget::kEls) || a.Index >= u.els_count) return std::nullopt;
    return u.first_els + a.Index;
  };
  switch (static_cast<rd::Opcode>(u.opcode)) {
    case rd::Opcode::kCmisRead: return els(rd::unpack_args<rd::CmisReadArgs>(u.args));
    case rd::Opcode::kCmisWrite: return els(rd::unpack_args<rd::CmisWriteArgs>(u.args));
    default: return std::nullopt;
  }
}

rd::Completion Optics::cmis_read(SwitchModel& s, UnitModel& u, std::uint32_t& bad) {
  const auto a = rd::unpack_args<rd::CmisReadArgs>(u.args);
  const bool lower = rd::is(a.Region, rd::CmisRegion::kLower);
  if (a.Target == static_cast<std::uint32_t>(rd::CmisTarget::kOe)) {
    const std::uint32_t oe = u.first_oe + a.Index;
    if (s.oes[oe].unresponsive) return rd::Completion::kDeviceFault;
    if (!lower && !oe_page_supported(a.Page))
      return bad = static_cast<std::uint32_t>(rd::arg::kCmisReadPage), rd::Completion::kUnsupported;
    u.data = oe_page(s, oe, lower ? 0 : a.Bank, a.Page, lower);
    // CMIS latched flags clear on read; a persisting condition latches again at once.
    OeModel& m = s.oes[oe];
    if (lower) {
      m.state_changed.latched = m.state_changed.current;
      m.temp.latched = m.temp.current;
    } else if (a.Page == hc::kPage11) {
      BankModel& b = m.banks[a.Bank];
      for (FlagLatch* f : {&b.dp_changed, &b.tx_fault, &b.tx_los, &b.rx_los, &b.rx_lol, &b.rx_power_low_alarm,
                           &b.rx_power_low_warning})
        f->latched = f->current;
    }
    return rd::Completion::kOk;
  }
  const std::uint32_t els = u.first_els + a.Index;
  if (!s.els[els].present) return rd::Completion::kNotPresent;
  const auto page = lower ? std::optional<std::uint32_t>(a.Page) : els_served_page(s, a.Page);
  if (!page) return bad = static_cast<std::uint32_t>(rd::arg::kCmisReadPage), rd::Completion::kUnsupported;
  u.data = els_page(s, els, lower ? 0 : a.Bank, *page, lower);
  ElsModel& e = s.els[els];
  if (lower)
    e.temp.latched = e.temp.current;
  else if (*page == hc::kPage1A) {
    ElsBank& b = e.banks[a.Bank];
    for (FlagLatch* f : {&b.lane_fault, &b.bias_high_alarm, &b.bias_high_warning, &b.power_low_alarm})
      f->latched = f->current;
  }
  return rd::Completion::kOk;
}

rd::Completion Optics::cmis_write(SwitchModel& s, UnitModel& u, std::uint32_t& bad) {
  const auto a = rd::unpack_args<rd::CmisWriteArgs>(u.args);
  const bool lower = rd::is(a.Region, rd::CmisRegion::kLower);
  const std::uint32_t off = a.Offset, len = a.Length;
  const bool is_oe = a.Target == static_cast<std::uint32_t>(rd::CmisTarget::kOe);
  const std::uint32_t idx = (is_oe ? u.first_oe : u.first_els) + a.Index;
  if (is_oe && s.oes[idx].unresponsive) return rd::Completion::kDeviceFault;
  if (!is_oe && !s.els[idx].present) return rd::Completion::kNotPresent;
  std::optional<std::uint32_t> served(a.Page);
  if (!lower) served = is_oe ? (oe_page_supported(a.Page) ? served : std::nullopt) : els_served_page(s, a.Page);
  if (!served) return bad = static_cast<std::uint32_t>(rd::arg::kCmisWritePage), rd::Completion::kUnsupported;
  const std::uint32_t page = *served;  // an ELS page by its logical number from here on
  // The page is one this module serves (checked above): the codec's field table says which
  // of its bytes are the host's.
  for (std::uint32_t i = off; i < off + len; ++i)
    if (!hc::host_writable(static_cast<std::uint8_t>(page), i + (lower ? 0 : 128))) return rd::Completion::kReadOnly;
  const auto covered = [&](const hc::Field& f) {
    for (std::uint32_t i = off; i < off + len; ++i)
      if (f.covers(static_cast<std::uint8_t>(page), i + (lower ? 0 : 128))) return true;
    return false;
  };
  if (is_oe) {
    OeModel& oe = s.oes[idx];
    if (lower) {
      if (covered(hc::field::kModuleControl))
        oe.control = static_cast<std::uint8_t>(hc::get(u.data, hc::field::kModuleControl));
      if (hc::decode_module_control(oe.control).software_reset) {
        // SoftwareReset (self-clearing): the module restarts in its power-on state.
        oe.control = oe_power_on_control(s.options.start);
        if (!oe.faulted) oe_set_state(s, idx, rd::ModuleState::kLowPwr);
      }
      oe_control_changed(s, idx);
    } else {
      BankModel& b = oe.banks[a.Bank];
      for (std::uint32_t i = off; i < off + len; ++i) b.p10[i] = u.data[i];
      (void)hc::set_apply_dp_init(b.p10, 0);  // a trigger reads 0
      const std::uint32_t per_bank = s.platform.lanes_per_bank();
      for (std::uint32_t i = 0; i < per_bank; ++i) dp_evaluate(s, idx, a.Bank * per_bank + i);
    }
    world_.touch(s);
    return rd::Completion::kOk;
  }
  ElsModel& e = s.els[idx];
  if (lower) {
    if (covered(hc::field::kModuleControl))
      e.control = static_cast<std::uint8_t>(hc::get(u.data, hc::field::kModuleControl));
    return rd::Completion::kOk;
  }
  ElsBank& b = e.banks[a.Bank];
  hc::PageBytes& target = page == hc::kPage1A ? b.p1a_rw : b.p1b_rw;
  if (page == hc::kPage1B) {
    // A set-point outside the advertised range (page 1Ah MaxOpticalPower..MinBias) is
    // refused whole, as a laser module must: nothing of the write lands (Result0 = 7, the data).
    hc::PageBytes candidate = target;
    for (std::uint32_t i = off; i < off + len; ++i) candidate[i] = u.data[i];
    const std::uint32_t first = a.Bank * u32(hc::kLanesPerBank);
    const std::uint32_t lanes = std::min(u32(hc::kLanesPerBank), u32(e.lasers.size()) - first);
    if (!hc::check_setpoints(candidate, lanes, els_limits()).ok()) return bad = 7, rd::Completion::kBadValue;
  }
  for (std::uint32_t i = off; i < off + len; ++i) target[i] = u.data[i];
  // Byte 140: only bit 0 (the control mode) is the host's; bits 7-1 advertise the lane count.
  if (page == hc::kPage1A) {
    const std::uint32_t mode = hc::get(b.p1a_rw, hc::field::kElsControlMode);
    (void)hc::set(b.p1a_rw, hc::field::kElsLaneCount, 0);
    (void)hc::set(b.p1a_rw, hc::field::kElsControlMode, mode);
  }
  laser_controls_changed(s, idx);
  world_.touch_els(s, idx);
  return rd::Completion::kOk;
}

}  // namespace cpo::sim
