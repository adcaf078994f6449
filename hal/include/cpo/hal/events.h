// Events a CPO switch reports: link changes, optics presence, threshold crossings, laser
// faults, and the driver's own "resync" notice.
//
// A driver delivers events in the order the device produced them, per unit. When a driver
// could not deliver some events (the device's event ring overran before it was read) it
// never drops them silently: it emits a `resync` event for the unit, followed by synthetic
// events for every state that differs from what the earlier events told the reader (for
// instance a link_change for each port whose oper state changed meanwhile), so a reader
// that applies events in order ends with the device's current state.
//
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "cpo/hal/ids.h"
#include "cpo/hal/telemetry.h"

namespace cpo {

enum class EventType : std::uint8_t {
  link_change,       // object: port; state: the new OperState; cause: port_fault bits
  oe_presence,       // object: oe; state: 1 present, 0 absent
  els_presence,      // object: els; state: 1 inserted, 0 removed
  threshold,         // object: lane, oe or laser; cause: which monitor; state: 1 raised, 0 cleared
  laser_fault,       // object: laser; cause: ELSFP fault code (1 APC, 2 ACC loop failure)
  cmis_flag,         // object: oe or laser; cause: device-specific flag id; state: 1 set, 0 clear
  over_temperature,  // object: oe or laser; state: 1 raised, 0 cleared
  resync,            // object: unit; events were lost (ring overrun) and state was re-read
};

std::string_view to_string(EventType type) noexcept;  // "link_change", ..., "resync"

// Which monitor a threshold event concerns (the `cause` of EventType::threshold).
namespace threshold_cause {
inline constexpr std::uint32_t temperature_high = 1;
inline constexpr std::uint32_t temperature_low = 2;
inline constexpr std::uint32_t vcc_high = 3;
inline constexpr std::uint32_t vcc_low = 4;
inline constexpr std::uint32_t power_high = 5;
inline constexpr std::uint32_t power_low = 6;
inline constexpr std::uint32_t bias_high = 7;
inline constexpr std::uint32_t bias_low = 8;
inline constexpr std::uint32_t ber_high = 9;
}  // namespace threshold_cause

using EventObject = std::variant<std::monostate, UnitId, PortId, LaneId, OeId, ElsId, LaserRef>;
// "port 37", "els 7 laser 3", "unit 2", "-" for none.
std::string to_string(const EventObject& object);

struct Event {
  EventType type = EventType::resync;
  UnitId unit;                            // the unit that reported it
  EventObject object;                     // what it is about (see EventType)
  std::uint32_t state = 0;                // new state, see EventType
  std::uint32_t cause = 0;                // why, see EventType
  std::chrono::nanoseconds timestamp{0};  // device clock
  bool synthetic = false;                 // made by the driver during a resync, not read from the device
};

// "unit 0 link_change port 3 state=up cause=0x0 t=12.000000s"
std::string to_string(const Event& event);

}  // namespace cpo
