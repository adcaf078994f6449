// Events a CPO switch reports: link changes, optics presence and state, threshold
// crossings, laser faults, and the driver's own "resync" notice.
//
// A driver delivers events in the order the device produced them, per unit. When a driver
// could not deliver some events (the device's event ring overran before it was read) it
// never drops them silently: it emits a `resync` event for the unit (detail: how many
// events were lost, when the device says), followed by synthetic events (synthetic = true)
// for every state that differs from what the earlier events told the reader: a
// link_change for each sub-port whose oper state changed meanwhile, an els_presence for each
// ELS inserted or removed, a laser_fault for each laser that failed. A reader that applies
// events in order ends with the device's current state.
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
  link_change,        // object: LogicalPort; state: OperState; cause: LinkCause (when down)
  els_presence,       // object: ElsId; state: 1 inserted, 0 removed
  cmis_flag,          // object: OeBank or ElsId; detail: page << 16 | byte << 8 | bits now set
  laser_fault,        // object: LaserRef; cause: ELSFP fault code (1 APC, 2 ACC loop; 3 thermal, 4 removed)
  temperature_alarm,  // object: UnitId, OeId or ElsId; cause: 0 cleared, 1 high alarm, 2 high
                      // warning, 3 low warning, 4 low alarm; detail: temperature in 1/256 degC
  module_state,       // object: OeId or ElsId; state: CMIS 5 module state code
  data_path_state,    // object: OeBank; state: CMIS 5 data path state code; detail: lane in bank
  oe_fault,           // object: OeId
  thermal_shutdown,   // object: UnitId, OeId or ElsId: lasers were turned off
  unit_reset,         // object: UnitId: the unit finished a reset
  resync,             // object: UnitId: events were lost and state was re-read; detail: lost count
};

std::string_view to_string(EventType type) noexcept;  // "link_change", ..., "resync"

// A CMIS bank of an optical engine.
struct OeBank {
  OeId oe;
  BankId bank;
  friend constexpr auto operator<=>(const OeBank&, const OeBank&) noexcept = default;
};

using EventObject = std::variant<std::monostate, UnitId, LogicalPort, LaneId, OeId, OeBank, ElsId, LaserRef>;
// "port 37/2", "els 7 laser 3", "oe 5 bank 1", "unit 2"; "-" for none.
std::string to_string(const EventObject& object);

struct Event {
  EventType type = EventType::resync;
  UnitId unit;                            // the unit that reported it
  EventObject object;                     // what it is about (see EventType)
  std::uint32_t state = 0;                // new state, see EventType
  std::uint32_t cause = 0;                // why, see EventType
  std::uint32_t detail = 0;               // see EventType
  std::chrono::nanoseconds timestamp{0};  // device clock
  bool synthetic = false;                 // made by the driver during a resync, not read from the device
};

// "unit 0 link_change port 3/0 state=up cause=none t=12.000000s"
std::string to_string(const Event& event);

}  // namespace cpo
