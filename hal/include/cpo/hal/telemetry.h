// Telemetry values of a CPO switch: the state and counters of ports, lanes, optical engines
// (OEs) and lasers, as one consistent copy of what a unit's firmware publishes.
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
// Link state of a port as the device sees it. `testing` while PRBS or a loopback owns it.
enum class OperState : std::uint8_t { down, up, testing };
enum class LoopbackMode : std::uint8_t { none, phy_near_end, phy_far_end };
// PRBS patterns (IEEE 802.3 clause 94/120 test patterns; the Q variants are the PAM4 ones).
enum class PrbsPattern : std::uint8_t { prbs7, prbs9, prbs13q, prbs15, prbs23, prbs31, prbs31q };
// ELSFP lane state (OIF-ELSFP-CMIS page 1Ah): off, ramping to the set-point, on.
enum class LaserState : std::uint8_t { off, ramping, on };

std::string_view to_string(AdminState state) noexcept;     // "down", "up"
std::string_view to_string(OperState state) noexcept;      // "down", "up", "testing"
std::string_view to_string(LoopbackMode mode) noexcept;    // "none", "phy_near_end", "phy_far_end"
std::string_view to_string(PrbsPattern pattern) noexcept;  // "prbs7" ... "prbs31q"
std::string_view to_string(LaserState state) noexcept;     // "off", "ramping", "on"

// Why a port is not up: a bit set (several may hold at once).
namespace port_fault {
inline constexpr std::uint32_t rx_los = 1u << 0;       // no optical power at the receiver
inline constexpr std::uint32_t tx_fault = 1u << 1;     // transmitter (modulator/driver) fault
inline constexpr std::uint32_t laser_off = 1u << 2;    // the laser feeding the port is off or failed
inline constexpr std::uint32_t high_ber = 1u << 3;     // pre-FEC BER above the FEC limit
inline constexpr std::uint32_t no_cdr_lock = 1u << 4;  // SerDes receiver not locked
inline constexpr std::uint32_t oe_fault = 1u << 5;     // the optical engine reports a fault
inline constexpr std::uint32_t over_temperature = 1u << 6;
}  // namespace port_fault

struct PortCounters {
  std::uint64_t rx_octets = 0;
  std::uint64_t tx_octets = 0;
  std::uint64_t rx_frames = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t rx_errors = 0;   // frames dropped for FCS or symbol errors
  std::uint64_t link_downs = 0;  // up -> down transitions since reset
};

struct PortTelemetry {
  PortId port;
  AdminState admin = AdminState::down;
  OperState oper = OperState::down;
  FecMode fec = FecMode::none;
  LoopbackMode loopback = LoopbackMode::none;
  // The current breakout as an index into Platform::breakout_modes() of the switch.
  std::uint32_t breakout = 0;
  std::uint32_t faults = 0;  // port_fault bits
  PortCounters counters;
};

struct LaneTelemetry {
  LaneId lane;
  double pre_fec_ber = 0.0;  // bit error ratio before FEC, 0..0.5
  Decibels snr;              // SerDes receiver SNR, dB
  bool cdr_lock = false;
  std::uint64_t fec_corrected = 0;    // codewords corrected since reset
  std::uint64_t fec_uncorrected = 0;  // codewords not correctable since reset
  bool prbs_lock = false;             // PRBS checker locked to the pattern
  std::uint64_t prbs_errors = 0;      // PRBS checker bit errors since it was enabled
};

struct OeTelemetry {
  OeId oe;
  Celsius temperature;
  Volts vcc;
  bool fault = false;
};

struct LaserTelemetry {
  LaserRef laser;
  bool present = false;  // the ELS module holding this laser is inserted
  LaserState state = LaserState::off;
  Milliamps bias;
  Milliwatts power;  // optical output power
  Celsius temperature;
  std::uint32_t fault_code = 0;  // ELSFP fault code: 0 none, 1 APC loop failure, 2 ACC loop failure
};

// Everything one unit publishes, in one consistent copy. Vectors are in id order and hold
// exactly the unit's objects: its ports, their lanes, its OEs and the lasers it monitors.
struct UnitTelemetry {
  UnitId unit;
  std::chrono::nanoseconds timestamp{0};  // device clock when the copy was published
  std::uint64_t generation = 0;           // the device's publish counter for this copy
  std::vector<PortTelemetry> ports;
  std::vector<LaneTelemetry> lanes;
  std::vector<OeTelemetry> oes;
  std::vector<LaserTelemetry> lasers;
};

// A snapshot of every unit of a switch, one UnitTelemetry per unit in unit order.
struct Telemetry {
  std::vector<UnitTelemetry> units;
};

}  // namespace cpo
