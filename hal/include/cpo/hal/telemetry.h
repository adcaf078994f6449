// Telemetry values of a CPO switch: the state and counters of ports, lanes, optical engines
// (OEs), external laser source (ELS) modules and lasers, as one consistent copy of what a
// unit's firmware publishes.
//
// Values are in physical units (cpo/hal/units.h) or plain counts. A snapshot of one unit is
// internally consistent: every value in it was published by the device at the same moment
// (the reference driver copies the status region under its seqlock, docs/device-interface.md).
// Snapshots of different units are taken one after the other and carry their own time stamps.
//
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/hal/breakout.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/flags.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/units.h"

namespace cpo {

enum class AdminState : std::uint8_t { down, up };
enum class OperState : std::uint8_t { down, up };
enum class LoopbackMode : std::uint8_t { none, phy_near_end, phy_far_end };
// PRBS test patterns (IEEE 802.3 clause 94/120; the Q variants are the PAM4 ones).
enum class PrbsPattern : std::uint8_t { prbs7, prbs9, prbs13q, prbs15, prbs23, prbs31, prbs31q };
// Laser state (OIF-ELSFP-CMIS page 1Ah lane state off/ramping/on, plus failed and absent).
enum class LaserState : std::uint8_t { off, ramping, on, fault, absent };
// Why a link went down last.
enum class LinkCause : std::uint8_t {
  none,
  admin_down,
  rx_los,            // received optical power below the LOS threshold
  high_ber,          // pre-FEC BER beyond what the FEC corrects
  laser_fault,       // the laser feeding the port failed or is off
  oe_fault,          // the optical engine faulted
  thermal_shutdown,  // optics shut down by over-temperature
  reconfigured,      // breakout, FEC or loopback changed
  prbs,              // a lane runs a PRBS generator
  unit_reset,
  data_path_inactive,  // a CMIS data path left DPActivated
  els_removed,         // the ELS feeding the port was removed
};

std::string_view to_string(AdminState state) noexcept;     // "down", "up"
std::string_view to_string(OperState state) noexcept;      // "down", "up"
std::string_view to_string(LoopbackMode mode) noexcept;    // "none", "phy_near_end", "phy_far_end"
std::string_view to_string(PrbsPattern pattern) noexcept;  // "prbs7" ... "prbs31q"
std::string_view to_string(LaserState state) noexcept;     // "off", "ramping", "on", "fault", "absent"
std::string_view to_string(LinkCause cause) noexcept;      // "none", "admin_down", "rx_los", ...

// Lane transmitter FIR taps (pre-cursor, main cursor, post-cursor) in the device's tap
// steps (1/64 of the full swing on the reference device); Capabilities::tx_fir_limits
// gives the allowed range of each.
struct TxFir {
  std::int32_t pre = 0;
  std::int32_t main = 0;
  std::int32_t post = 0;
  friend bool operator==(const TxFir&, const TxFir&) = default;
};

struct PrbsConfig {
  PrbsPattern pattern = PrbsPattern::prbs31q;
  bool generator = false;  // transmit the pattern instead of traffic
  bool checker = false;    // compare received bits against the pattern
  friend bool operator==(const PrbsConfig&, const PrbsConfig&) = default;
};

// Why a port is not up (several may hold at once).
enum class PortFault : std::uint8_t {
  rx_los,              // received optical power below the LOS threshold
  high_ber,            // pre-FEC BER beyond what the FEC corrects
  laser_fault,         // a laser feeding the port failed or is off
  oe_fault,            // its optical engine faulted
  thermal_shutdown,    // optics shut down by over-temperature
  training,            // link training in progress
  data_path_inactive,  // a CMIS data path is not activated
};
// Threshold flags of a monitored module (OE or ELS) that hold now.
enum class ModuleThreshold : std::uint8_t {
  temp_high_alarm,
  temp_low_alarm,
  temp_high_warning,
  temp_low_warning,
  vcc_high_alarm,
  vcc_low_alarm,
  vcc_high_warning,
  vcc_low_warning,
};
enum class OeFault : std::uint8_t {
  module_fault,      // CMIS ModuleFault
  thermal_shutdown,  // over-temperature protection turned its lasers off
  no_light,          // a lane receives no laser light from its ELS
};
enum class LaserFlag : std::uint8_t {
  enabled,  // lane enabled on ELSFP page 1Ah
  power_high_alarm,
  power_low_alarm,
  bias_high_alarm,
  bias_high_warning,  // end of life approaching
  temp_high_alarm,
};
enum class UnitFlag : std::uint8_t { ready, resetting, thermal_shutdown };
// Why an ELS module holds all its lasers off.
enum class ElsFault : std::uint8_t {
  interlock_open,  // its laser-safety interlock is open: every laser off until re-enabled
};

// Why a laser is not lit: ELSFP page 1Ah fault codes 1 and 2, and cposdk's own causes.
enum class LaserFaultCode : std::uint8_t {
  none,
  apc_loop,          // ELSFP code 1: automatic power control loop failure
  acc_loop,          // ELSFP code 2: automatic current control loop failure
  thermal_shutdown,  // turned off by over-temperature protection
  removed,           // its ELS module was removed
  vendor,            // an ELSFP vendor-specific code (9..15)
  interlock_open,    // turned off by its ELS's open laser-safety interlock; off until re-enabled
};

// Every flag of each set, in order (FlagSet iterates and renderers print them).
inline constexpr PortFault kPortFaults[] = {
    PortFault::rx_los,           PortFault::high_ber, PortFault::laser_fault,       PortFault::oe_fault,
    PortFault::thermal_shutdown, PortFault::training, PortFault::data_path_inactive};
inline constexpr ModuleThreshold kModuleThresholds[] = {
    ModuleThreshold::temp_high_alarm,  ModuleThreshold::temp_low_alarm, ModuleThreshold::temp_high_warning,
    ModuleThreshold::temp_low_warning, ModuleThreshold::vcc_high_alarm, ModuleThreshold::vcc_low_alarm,
    ModuleThreshold::vcc_high_warning, ModuleThreshold::vcc_low_warning};
inline constexpr OeFault kOeFaults[] = {OeFault::module_fault, OeFault::thermal_shutdown, OeFault::no_light};
inline constexpr LaserFlag kLaserFlags[] = {LaserFlag::enabled,           LaserFlag::power_high_alarm,
                                            LaserFlag::power_low_alarm,   LaserFlag::bias_high_alarm,
                                            LaserFlag::bias_high_warning, LaserFlag::temp_high_alarm};
inline constexpr UnitFlag kUnitFlags[] = {UnitFlag::ready, UnitFlag::resetting, UnitFlag::thermal_shutdown};
inline constexpr ElsFault kElsFaults[] = {ElsFault::interlock_open};
constexpr std::span<const PortFault> all_flags(PortFault) noexcept { return kPortFaults; }
constexpr std::span<const ModuleThreshold> all_flags(ModuleThreshold) noexcept { return kModuleThresholds; }
constexpr std::span<const OeFault> all_flags(OeFault) noexcept { return kOeFaults; }
constexpr std::span<const LaserFlag> all_flags(LaserFlag) noexcept { return kLaserFlags; }
constexpr std::span<const UnitFlag> all_flags(UnitFlag) noexcept { return kUnitFlags; }
constexpr std::span<const ElsFault> all_flags(ElsFault) noexcept { return kElsFaults; }

using PortFaults = FlagSet<PortFault>;
using ModuleThresholds = FlagSet<ModuleThreshold>;
using OeFaults = FlagSet<OeFault>;
using LaserFlags = FlagSet<LaserFlag>;
using UnitFlags = FlagSet<UnitFlag>;
using ElsFaults = FlagSet<ElsFault>;

// snake_case names as above: "rx_los", "temp_high_alarm", "no_light", "bias_high_warning",
// "thermal_shutdown", "interlock_open", "apc_loop".
std::string_view to_string(PortFault flag) noexcept;
std::string_view to_string(ModuleThreshold flag) noexcept;
std::string_view to_string(OeFault flag) noexcept;
std::string_view to_string(LaserFlag flag) noexcept;
std::string_view to_string(UnitFlag flag) noexcept;
std::string_view to_string(ElsFault flag) noexcept;
std::string_view to_string(LaserFaultCode code) noexcept;
// "rx_los,high_ber"; "" for an empty set.
template <typename E>
std::string to_string(FlagSet<E> flags) {
  std::string out;
  flags.for_each([&](E f) {
    if (!out.empty()) out += ',';
    out += to_string(f);
  });
  return out;
}

struct PortTelemetry {
  PortId port;
  std::uint32_t subports = 1;  // equal sub-ports of the current breakout
  std::uint32_t breakout = 0;  // the current breakout, an index into Platform::breakout_modes()
  Gbps subport_speed;
  std::uint32_t admin_mask = 0;  // bit s set: sub-port s admin up
  std::uint32_t oper_mask = 0;   // bit s set: sub-port s link up
  FecMode fec = FecMode::none;
  LoopbackMode loopback = LoopbackMode::none;
  PortFaults faults;
  LinkCause down_cause = LinkCause::none;
  std::uint64_t link_downs = 0;  // link-down transitions of any sub-port since reset
  std::uint64_t link_ups = 0;
  std::uint64_t fec_corrected = 0;    // codewords, sum over the port's lanes
  std::uint64_t fec_uncorrected = 0;  // codewords

  // Up when any sub-port is (admin) up.
  [[nodiscard]] AdminState admin() const noexcept { return admin_mask != 0 ? AdminState::up : AdminState::down; }
  [[nodiscard]] OperState oper() const noexcept { return oper_mask != 0 ? OperState::up : OperState::down; }
};

struct LaneTelemetry {
  LaneId lane;
  double pre_fec_ber = 0.0;  // bit error ratio before FEC, 0..0.5
  Decibels snr;              // SerDes receiver SNR
  Milliwatts rx_power;       // optical power received by the OE for this lane
  Milliwatts tx_power;       // optical power launched into the fiber for this lane
  // Laser light arriving at the OE from its ELS for this lane (the OE's laser input monitor,
  // before split and modulator): what the laser fiber check measures. 0 when not reported.
  Milliwatts laser_input_power;
  bool signal_detect = false;
  bool cdr_lock = false;
  bool tx_enabled = false;
  TxFir tx_fir;
  PrbsConfig prbs;
  bool prbs_lock = false;
  std::uint64_t prbs_errors = 0;  // checker bit errors since enabled or cleared
  std::uint64_t prbs_bits = 0;    // bits compared by the checker
  std::uint64_t fec_corrected = 0;
  std::uint64_t fec_uncorrected = 0;
  cmis::DataPathState data_path_state = cmis::DataPathState::deactivated;  // page 11h
};

struct OeTelemetry {
  OeId oe;
  cmis::ModuleState module_state = cmis::ModuleState::reserved;  // lower page byte 3
  OeFaults faults;
  Celsius temperature;
  Volts vcc;
  Milliwatts power;  // electrical power dissipated
  ModuleThresholds flags;
};

struct ElsTelemetry {
  ElsId els;
  bool present = false;
  cmis::ModuleState module_state = cmis::ModuleState::reserved;
  Celsius temperature;
  Volts vcc;
  Milliamps supply_current;  // module supply current (ICC)
  ElsFaults faults;          // interlock_open: every laser held off
  ModuleThresholds flags;
  std::uint32_t insert_count = 0;
};

struct LaserTelemetry {
  LaserRef laser;
  LaserState state = LaserState::off;
  LaserFaultCode fault = LaserFaultCode::none;
  Milliwatts power_setpoint;
  Milliwatts power;  // optical output power monitor
  Milliamps bias;
  Celsius temperature;
  double wavelength_nm = 0.0;
  std::uint32_t age_hours = 0;
  LaserFlags flags;
};

// Everything one unit publishes, in one consistent copy. Vectors are in id order and hold
// the unit's ports, their lanes and its OEs; the ELS modules and lasers are those the unit
// owns (an ELS whose lasers feed two units is reported by the lower unit; a laser by the
// unit whose lanes it lights), so a switch-wide snapshot lists every object exactly once.
struct UnitTelemetry {
  UnitId unit;
  std::chrono::nanoseconds timestamp{0};  // device clock when the copy was published
  std::uint64_t generation = 0;           // the device's publish counter for this copy
  UnitFlags flags;
  Celsius coolant_temperature;
  Celsius asic_temperature;
  Milliwatts optics_power;  // power dissipated by the unit's optics
  std::vector<PortTelemetry> ports;
  std::vector<LaneTelemetry> lanes;
  std::vector<OeTelemetry> oes;
  std::vector<ElsTelemetry> els;
  std::vector<LaserTelemetry> lasers;
};

// A snapshot of every unit of a switch, one UnitTelemetry per unit in unit order.
struct Telemetry {
  std::vector<UnitTelemetry> units;
};

}  // namespace cpo
