// Telemetry values of a CPO switch: the state and counters of ports, lanes, optical engines
// (OEs), external laser source (ELS) modules and lasers, as one consistent copy of what a
// unit's firmware publishes.
//
// Values are in physical units (cpo/hal/units.h) or plain counts. A snapshot of one unit is
// internally consistent: every value in it was published by the device at the same moment
// (the reference driver copies the status region under its seqlock; DESIGN.md section 3).
// Snapshots of different units are taken one after the other and carry their own time stamps.
//
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cpo/hal/breakout.h"
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

// Why a port is not up: a bit set (several may hold at once).
namespace port_fault {
inline constexpr std::uint32_t rx_los = 1u << 0;
inline constexpr std::uint32_t high_ber = 1u << 1;
inline constexpr std::uint32_t laser_fault = 1u << 2;
inline constexpr std::uint32_t oe_fault = 1u << 3;
inline constexpr std::uint32_t thermal_shutdown = 1u << 4;
inline constexpr std::uint32_t training = 1u << 5;            // link training in progress
inline constexpr std::uint32_t data_path_inactive = 1u << 6;  // a CMIS data path is not activated
}  // namespace port_fault

// Current threshold flags of a monitored module (OE or ELS).
namespace threshold_flag {
inline constexpr std::uint32_t temp_high_alarm = 1u << 0;
inline constexpr std::uint32_t temp_low_alarm = 1u << 1;
inline constexpr std::uint32_t temp_high_warning = 1u << 2;
inline constexpr std::uint32_t temp_low_warning = 1u << 3;
inline constexpr std::uint32_t vcc_high_alarm = 1u << 4;
inline constexpr std::uint32_t vcc_low_alarm = 1u << 5;
inline constexpr std::uint32_t vcc_high_warning = 1u << 6;
inline constexpr std::uint32_t vcc_low_warning = 1u << 7;
}  // namespace threshold_flag

namespace oe_fault {
inline constexpr std::uint32_t module_fault = 1u << 0;
inline constexpr std::uint32_t thermal_shutdown = 1u << 1;
inline constexpr std::uint32_t no_light = 1u << 2;  // a lane receives no laser light from its ELS
}  // namespace oe_fault

namespace laser_flag {
inline constexpr std::uint32_t enabled = 1u << 0;  // lane enabled on ELSFP page 1Bh
inline constexpr std::uint32_t power_high_alarm = 1u << 1;
inline constexpr std::uint32_t power_low_alarm = 1u << 2;
inline constexpr std::uint32_t bias_high_alarm = 1u << 3;
inline constexpr std::uint32_t bias_high_warning = 1u << 4;  // end of life approaching
inline constexpr std::uint32_t temp_high_alarm = 1u << 5;
}  // namespace laser_flag

namespace unit_flag {
inline constexpr std::uint32_t ready = 1u << 0;
inline constexpr std::uint32_t resetting = 1u << 1;
inline constexpr std::uint32_t thermal_shutdown = 1u << 2;
}  // namespace unit_flag

struct PortTelemetry {
  PortId port;
  std::uint32_t subports = 1;  // equal sub-ports of the current breakout
  std::uint32_t breakout = 0;  // the current breakout, an index into Platform::breakout_modes()
  Gbps subport_speed;
  std::uint32_t admin_mask = 0;  // bit s set: sub-port s admin up
  std::uint32_t oper_mask = 0;   // bit s set: sub-port s link up
  FecMode fec = FecMode::none;
  LoopbackMode loopback = LoopbackMode::none;
  std::uint32_t faults = 0;  // port_fault bits
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
  std::uint8_t data_path_state = 0;  // CMIS 5 data path state code (page 11h): 1 deactivated .. 4 activated
};

struct OeTelemetry {
  OeId oe;
  std::uint8_t module_state = 0;  // CMIS 5 module state code (lower page byte 3): 3 = ModuleReady
  std::uint32_t faults = 0;       // oe_fault bits
  Celsius temperature;
  Volts vcc;
  Milliwatts power;         // electrical power dissipated
  std::uint32_t flags = 0;  // threshold_flag bits
};

struct ElsTelemetry {
  ElsId els;
  bool present = false;
  std::uint8_t module_state = 0;  // CMIS 5 module state code
  Celsius temperature;
  Volts vcc;
  std::uint32_t flags = 0;  // threshold_flag bits
  std::uint32_t insert_count = 0;
};

struct LaserTelemetry {
  LaserRef laser;
  LaserState state = LaserState::off;
  std::uint32_t fault_code = 0;  // ELSFP fault code: 0 none, 1 APC loop, 2 ACC loop (3, 4: cposdk codes)
  Milliwatts power_setpoint;
  Milliwatts power;  // optical output power monitor
  Milliamps bias;
  Celsius temperature;
  double wavelength_nm = 0.0;
  std::uint32_t age_hours = 0;
  std::uint32_t flags = 0;  // laser_flag bits
};

// Everything one unit publishes, in one consistent copy. Vectors are in id order and hold
// the unit's ports, their lanes and its OEs; the ELS modules and lasers are those the unit
// owns (an ELS whose lasers feed two units is reported by the lower unit; a laser by the
// unit whose lanes it lights), so a switch-wide snapshot lists every object exactly once.
struct UnitTelemetry {
  UnitId unit;
  std::chrono::nanoseconds timestamp{0};  // device clock when the copy was published
  std::uint64_t generation = 0;           // the device's publish counter for this copy
  std::uint32_t flags = 0;                // unit_flag bits
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
