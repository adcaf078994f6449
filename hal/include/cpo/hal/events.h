// Events a CPO switch reports: link changes, optics presence and state, threshold
// crossings, laser faults, and the driver's own "resync" notice.
//
// Each event carries a typed payload per kind (EventPayload); the kind is the payload's
// alternative, so the two can never disagree. Payloads say what happened in the HAL's own
// enums (LinkCause, LaserFaultCode, cmis::ModuleState, ...): a backend translates its device's
// numbering before an event leaves it.
//
// A driver delivers events in the order the device produced them, per unit. When a driver
// could not deliver some events (the device's event ring overran before it was read) it
// never drops them silently: it emits a Resync event for the unit (with how many events were
// lost, when the device says), followed by synthetic events (synthetic = true) for every
// state that differs from what the earlier events told the reader: a LinkChange for each
// sub-port whose oper state changed meanwhile, an ElsPresence for each ELS inserted or
// removed, a LaserFault for each laser that failed. A reader that applies events in order
// ends with the device's current state.
//
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/status.h"
#include "cpo/hal/telemetry.h"

namespace cpo {

// A CMIS bank of an optical engine.
struct OeBank {
  OeId oe;
  BankId bank;
  friend constexpr auto operator<=>(const OeBank&, const OeBank&) noexcept = default;
};

// A CMIS module: an optical engine or an ELS.
using ModuleRef = std::variant<OeId, ElsId>;
// "oe 5", "els 7".
std::string to_string(const ModuleRef& module);

// Anything an event or a threshold can be about.
using EventObject = std::variant<std::monostate, UnitId, LogicalPort, LaneId, OeId, OeBank, ElsId, LaserRef>;
// "port 37/2", "els 7 laser 3", "oe 5 bank 1", "unit 2"; "-" for none.
std::string to_string(const EventObject& object);

// What a threshold watches, with the unit of ThresholdCrossing::value.
enum class Measure : std::uint8_t {
  temperature,  // degC (unit, OE, ELS, laser)
  vcc,          // V (OE, ELS)
  tx_power,     // mW launched by an OE lane
  rx_power,     // mW received by an OE lane
  laser_power,  // mW, laser output
  laser_bias,   // mA, laser bias current
  pre_fec_ber,  // ratio, 0..0.5
  snr,          // dB
};
enum class ThresholdLevel : std::uint8_t { warning, alarm };
// Which bound: the value went above a high threshold or below a low one.
enum class ThresholdBound : std::uint8_t { high, low };

std::string_view to_string(Measure quantity) noexcept;      // "temperature", ..., "snr"
std::string_view to_string(ThresholdLevel level) noexcept;  // "warning", "alarm"
std::string_view to_string(ThresholdBound bound) noexcept;  // "high", "low"
std::string_view unit_of(Measure quantity) noexcept;        // "degC", "V", "mW", "mA", "ratio", "dB"

// --- payloads, one per kind -----------------------------------------------------------------

struct LinkChange {
  LogicalPort port;
  OperState state = OperState::down;
  LinkCause cause = LinkCause::none;  // why it went down; none when it came up
};
struct ElsPresence {
  ElsId els;
  bool present = false;
};
// A monitored value crossed a threshold: `asserted` when it went beyond (above a high, below
// a low threshold), cleared (false) when it came back inside by the hysteresis.
struct ThresholdCrossing {
  EventObject object;
  Measure quantity = Measure::temperature;
  ThresholdLevel level = ThresholdLevel::warning;
  ThresholdBound bound = ThresholdBound::high;
  bool asserted = true;
  double value = 0.0;      // the value that crossed, in unit_of(quantity)
  double threshold = 0.0;  // the threshold, same unit; NaN when the device did not say
};
struct LaserFault {
  LaserRef laser;
  LaserFaultCode code = LaserFaultCode::none;
};
struct ModuleStateChange {
  ModuleRef module;
  cmis::ModuleState state = cmis::ModuleState::reserved;
};
struct DataPathStateChange {
  OeBank bank;
  std::uint32_t lane_in_bank = 0;  // CMIS lane 0..7 within the bank (lane 1 = 0)
  cmis::DataPathState state = cmis::DataPathState::deactivated;
};
// A CMIS flag byte of a module gained set bits (latched flags, CMIS page numbering).
struct CmisFlag {
  ModuleRef module;
  BankId bank;
  std::uint8_t page = 0;
  std::uint8_t byte = 0;
  std::uint8_t bits = 0;  // the bits set now
};
struct OeFaultEvent {
  OeId oe;
};
// Over-temperature protection turned lasers off; `object` is the unit, OE or ELS that overheated.
struct ThermalShutdown {
  EventObject object;
};
struct UnitReset {};
// The steps of an ELS hot-swap, in order. Emitted by the SDK's hot-swap sequence (never by
// a driver) so every subscriber sees the maintenance as it happens.
enum class SwapStep : std::uint8_t {
  deinit_data_paths,  // CMIS DPDeinit of every lane the ELS lights
  lasers_off,
  wait_removal,
  wait_insertion,
  fiber_check,
  ramp,
  reinit_data_paths,
  restore_admin,
};
std::string_view to_string(SwapStep step) noexcept;  // "deinit_data_paths", ..., "restore_admin"
struct ElsSwap {
  ElsId els;
  SwapStep step = SwapStep::deinit_data_paths;
  bool done = false;  // false: the step started; true: it finished
  bool failed = false;
};
// Events were lost and the state re-read; synthetic events follow.
struct Resync {
  std::uint64_t lost = 0;  // events lost, when the device said; 0 when unknown
};

using EventPayload =
    std::variant<LinkChange, ElsPresence, ThresholdCrossing, LaserFault, ModuleStateChange, DataPathStateChange,
                 CmisFlag, OeFaultEvent, ThermalShutdown, UnitReset, Resync, ElsSwap>;

// The kinds, in the order of EventPayload's alternatives (EventType(payload.index())).
enum class EventType : std::uint8_t {
  link_change,
  els_presence,
  threshold_crossing,
  laser_fault,
  module_state,
  data_path_state,
  cmis_flag,
  oe_fault,
  thermal_shutdown,
  unit_reset,
  resync,
  els_swap,
};
inline constexpr EventType kAllEventTypes[] = {
    EventType::link_change, EventType::els_presence, EventType::threshold_crossing,
    EventType::laser_fault, EventType::module_state, EventType::data_path_state,
    EventType::cmis_flag,   EventType::oe_fault,     EventType::thermal_shutdown,
    EventType::unit_reset,  EventType::resync,       EventType::els_swap};
static_assert(std::size(kAllEventTypes) == std::variant_size_v<EventPayload>);

std::string_view to_string(EventType type) noexcept;  // "link_change", ..., "resync"
// Parses the names to_string gives. Errors: invalid_argument listing them.
Result<EventType> parse_event_type(std::string_view name);

struct Event {
  UnitId unit;                            // the unit that reported it
  std::chrono::nanoseconds timestamp{0};  // device clock
  bool synthetic = false;                 // made by a driver during a resync, not read from the device
  EventPayload payload = Resync{};

  [[nodiscard]] EventType type() const noexcept { return static_cast<EventType>(payload.index()); }
  // What the event is about: the port, ELS, laser, OE, bank or unit.
  [[nodiscard]] EventObject object() const;
  // The payload as T, or null when the event is of another kind.
  template <typename T>
  [[nodiscard]] const T* get() const noexcept {
    return std::get_if<T>(&payload);
  }
};

// "unit 0 link_change port 3/0 down cause=rx_los t=12.000000s"
std::string to_string(const Event& event);

}  // namespace cpo
