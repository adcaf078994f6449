// Names of the event kinds and payload enums, and the one-line rendering of an event.
#include "cpo/hal/events.h"

#include <cmath>

#include <fmt/format.h>

namespace cpo {

std::string to_string(const ModuleRef& module) {
  return std::visit([](const auto& m) { return cpo::to_string(m); }, module);
}

std::string to_string(const EventObject& object) {
  return std::visit(
      [](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "-";
        } else if constexpr (std::is_same_v<T, OeBank>) {
          return cpo::to_string(o.oe, o.bank);
        } else {
          return cpo::to_string(o);
        }
      },
      object);
}

std::string_view to_string(Measure quantity) noexcept {
  switch (quantity) {
    case Measure::temperature: return "temperature";
    case Measure::vcc: return "vcc";
    case Measure::tx_power: return "tx_power";
    case Measure::rx_power: return "rx_power";
    case Measure::laser_power: return "laser_power";
    case Measure::laser_bias: return "laser_bias";
    case Measure::pre_fec_ber: return "pre_fec_ber";
    case Measure::snr: return "snr";
  }
  return "unknown";
}

std::string_view unit_of(Measure quantity) noexcept {
  switch (quantity) {
    case Measure::temperature: return "degC";
    case Measure::vcc: return "V";
    case Measure::tx_power:
    case Measure::rx_power:
    case Measure::laser_power: return "mW";
    case Measure::laser_bias: return "mA";
    case Measure::pre_fec_ber: return "ratio";
    case Measure::snr: return "dB";
  }
  return "";
}

std::string_view to_string(ThresholdLevel level) noexcept {
  return level == ThresholdLevel::alarm ? "alarm" : "warning";
}

std::string_view to_string(ThresholdBound bound) noexcept { return bound == ThresholdBound::high ? "high" : "low"; }

std::string_view to_string(SwapStep step) noexcept {
  switch (step) {
    case SwapStep::deinit_data_paths: return "deinit_data_paths";
    case SwapStep::lasers_off: return "lasers_off";
    case SwapStep::wait_removal: return "wait_removal";
    case SwapStep::wait_insertion: return "wait_insertion";
    case SwapStep::fiber_check: return "fiber_check";
    case SwapStep::ramp: return "ramp";
    case SwapStep::reinit_data_paths: return "reinit_data_paths";
    case SwapStep::restore_admin: return "restore_admin";
  }
  return "unknown";
}

std::string_view to_string(EventType type) noexcept {
  switch (type) {
    case EventType::link_change: return "link_change";
    case EventType::els_presence: return "els_presence";
    case EventType::threshold_crossing: return "threshold_crossing";
    case EventType::laser_fault: return "laser_fault";
    case EventType::module_state: return "module_state";
    case EventType::data_path_state: return "data_path_state";
    case EventType::cmis_flag: return "cmis_flag";
    case EventType::oe_fault: return "oe_fault";
    case EventType::thermal_shutdown: return "thermal_shutdown";
    case EventType::unit_reset: return "unit_reset";
    case EventType::resync: return "resync";
    case EventType::els_swap: return "els_swap";
  }
  return "unknown";
}

Result<EventType> parse_event_type(std::string_view name) {
  std::string names;
  for (EventType t : kAllEventTypes) {
    if (to_string(t) == name) return t;
    names += names.empty() ? "" : ", ";
    names += to_string(t);
  }
  return error(Code::invalid_argument, fmt::format("unknown event type '{}' (allowed: {})", name, names));
}

EventObject Event::object() const {
  return std::visit(
      [&](const auto& p) -> EventObject {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, LinkChange>) {
          return p.port;
        } else if constexpr (std::is_same_v<T, ElsPresence>) {
          return p.els;
        } else if constexpr (std::is_same_v<T, ThresholdCrossing> || std::is_same_v<T, ThermalShutdown>) {
          return p.object;
        } else if constexpr (std::is_same_v<T, LaserFault>) {
          return p.laser;
        } else if constexpr (std::is_same_v<T, ModuleStateChange> || std::is_same_v<T, CmisFlag>) {
          return std::visit([](auto m) -> EventObject { return m; }, p.module);
        } else if constexpr (std::is_same_v<T, DataPathStateChange>) {
          return p.bank;
        } else if constexpr (std::is_same_v<T, OeFaultEvent>) {
          return p.oe;
        } else if constexpr (std::is_same_v<T, ElsSwap>) {
          return p.els;
        } else {
          return unit;
        }
      },
      payload);
}

namespace {
std::string describe(const EventPayload& payload) {
  return std::visit(
      [](const auto& p) -> std::string {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, LinkChange>) {
          return p.state == OperState::up ? "up" : fmt::format("down cause={}", to_string(p.cause));
        } else if constexpr (std::is_same_v<T, ElsPresence>) {
          return p.present ? "inserted" : "removed";
        } else if constexpr (std::is_same_v<T, ThresholdCrossing>) {
          std::string limit = std::isnan(p.threshold) ? "" : fmt::format(" threshold={:g}", p.threshold);
          return fmt::format("{} {}_{} {} value={:g} {}{}", to_string(p.quantity), to_string(p.bound),
                             to_string(p.level), p.asserted ? "asserted" : "cleared", p.value, unit_of(p.quantity),
                             limit);
        } else if constexpr (std::is_same_v<T, LaserFault>) {
          return fmt::format("code={}", to_string(p.code));
        } else if constexpr (std::is_same_v<T, ModuleStateChange>) {
          return fmt::format("state={}", cmis::to_string(p.state));
        } else if constexpr (std::is_same_v<T, DataPathStateChange>) {
          return fmt::format("lane={} state={}", p.lane_in_bank + 1, cmis::to_string(p.state));
        } else if constexpr (std::is_same_v<T, CmisFlag>) {
          return fmt::format("page={:02X}h byte={} bits={:#04x}", p.page, p.byte, p.bits);
        } else if constexpr (std::is_same_v<T, Resync>) {
          return fmt::format("lost={}", p.lost);
        } else if constexpr (std::is_same_v<T, ElsSwap>) {
          return fmt::format("step={} {}", to_string(p.step), p.failed ? "failed" : p.done ? "done" : "started");
        } else {
          return "";
        }
      },
      payload);
}
}  // namespace

std::string to_string(const Event& event) {
  std::string what = describe(event.payload);
  return fmt::format("{} {} {}{}{} t={:.6f}s{}", to_string(event.unit), to_string(event.type()),
                     to_string(event.object()), what.empty() ? "" : " ", what,
                     static_cast<double>(event.timestamp.count()) / 1e9, event.synthetic ? " (synthetic)" : "");
}

}  // namespace cpo
