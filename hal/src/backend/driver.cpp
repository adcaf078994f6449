// Names of the contract's enums and the whole-switch telemetry helper.
#include "cpo/hal/backend/driver.h"

#include <fmt/format.h>

namespace cpo {

std::string_view to_string(AdminState state) noexcept {
  switch (state) {
    case AdminState::down: return "down";
    case AdminState::up: return "up";
  }
  return "unknown";
}

std::string_view to_string(OperState state) noexcept {
  switch (state) {
    case OperState::down: return "down";
    case OperState::up: return "up";
    case OperState::testing: return "testing";
  }
  return "unknown";
}

std::string_view to_string(LoopbackMode mode) noexcept {
  switch (mode) {
    case LoopbackMode::none: return "none";
    case LoopbackMode::phy_near_end: return "phy_near_end";
    case LoopbackMode::phy_far_end: return "phy_far_end";
  }
  return "unknown";
}

std::string_view to_string(PrbsPattern pattern) noexcept {
  switch (pattern) {
    case PrbsPattern::prbs7: return "prbs7";
    case PrbsPattern::prbs9: return "prbs9";
    case PrbsPattern::prbs13q: return "prbs13q";
    case PrbsPattern::prbs15: return "prbs15";
    case PrbsPattern::prbs23: return "prbs23";
    case PrbsPattern::prbs31: return "prbs31";
    case PrbsPattern::prbs31q: return "prbs31q";
  }
  return "unknown";
}

std::string_view to_string(LaserState state) noexcept {
  switch (state) {
    case LaserState::off: return "off";
    case LaserState::ramping: return "ramping";
    case LaserState::on: return "on";
  }
  return "unknown";
}

std::string_view to_string(EventType type) noexcept {
  switch (type) {
    case EventType::link_change: return "link_change";
    case EventType::oe_presence: return "oe_presence";
    case EventType::els_presence: return "els_presence";
    case EventType::threshold: return "threshold";
    case EventType::laser_fault: return "laser_fault";
    case EventType::cmis_flag: return "cmis_flag";
    case EventType::over_temperature: return "over_temperature";
    case EventType::resync: return "resync";
  }
  return "unknown";
}

std::string to_string(const EventObject& object) {
  return std::visit(
      [](const auto& o) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(o)>, std::monostate>) {
          return "-";
        } else {
          return cpo::to_string(o);
        }
      },
      object);
}

std::string to_string(const Event& event) {
  std::string state;
  if (event.type == EventType::link_change && event.state <= 2) {
    state = std::string(to_string(static_cast<OperState>(event.state)));
  } else {
    state = std::to_string(event.state);
  }
  return fmt::format("{} {} {} state={} cause={:#x} t={:.6f}s{}", to_string(event.unit), to_string(event.type),
                     to_string(event.object), state, event.cause, static_cast<double>(event.timestamp.count()) / 1e9,
                     event.synthetic ? " (synthetic)" : "");
}

std::string to_string(const CmisAddress& address) {
  std::string module = std::visit(
      [&](const auto& m) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, OeId>) {
          return to_string(m, address.bank);
        } else {
          return to_string(m);
        }
      },
      address.module);
  return fmt::format("{} page {:02X}h byte {}", module, address.page, address.offset);
}

Status read_all_telemetry(Driver& driver, std::size_t unit_count, Telemetry& out) {
  out.units.resize(unit_count);
  for (std::size_t i = 0; i < unit_count; ++i) {
    UnitId unit(static_cast<UnitId::value_type>(i));
    Status status = driver.read_telemetry(unit, out.units[i]);
    if (!status.ok()) return status.with_context("telemetry of " + to_string(unit));
  }
  return ok_status();
}

}  // namespace cpo
