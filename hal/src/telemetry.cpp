// Names of the telemetry flags and fault codes, as printed in messages, JSON and metrics.
#include "cpo/hal/telemetry.h"

namespace cpo {

std::string_view to_string(PortFault flag) noexcept {
  switch (flag) {
    case PortFault::rx_los: return "rx_los";
    case PortFault::high_ber: return "high_ber";
    case PortFault::laser_fault: return "laser_fault";
    case PortFault::oe_fault: return "oe_fault";
    case PortFault::thermal_shutdown: return "thermal_shutdown";
    case PortFault::training: return "training";
    case PortFault::data_path_inactive: return "data_path_inactive";
  }
  return "unknown";
}

std::string_view to_string(ModuleThreshold flag) noexcept {
  switch (flag) {
    case ModuleThreshold::temp_high_alarm: return "temp_high_alarm";
    case ModuleThreshold::temp_low_alarm: return "temp_low_alarm";
    case ModuleThreshold::temp_high_warning: return "temp_high_warning";
    case ModuleThreshold::temp_low_warning: return "temp_low_warning";
    case ModuleThreshold::vcc_high_alarm: return "vcc_high_alarm";
    case ModuleThreshold::vcc_low_alarm: return "vcc_low_alarm";
    case ModuleThreshold::vcc_high_warning: return "vcc_high_warning";
    case ModuleThreshold::vcc_low_warning: return "vcc_low_warning";
  }
  return "unknown";
}

std::string_view to_string(OeFault flag) noexcept {
  switch (flag) {
    case OeFault::module_fault: return "module_fault";
    case OeFault::thermal_shutdown: return "thermal_shutdown";
    case OeFault::no_light: return "no_light";
  }
  return "unknown";
}

std::string_view to_string(LaserFlag flag) noexcept {
  switch (flag) {
    case LaserFlag::enabled: return "enabled";
    case LaserFlag::power_high_alarm: return "power_high_alarm";
    case LaserFlag::power_low_alarm: return "power_low_alarm";
    case LaserFlag::bias_high_alarm: return "bias_high_alarm";
    case LaserFlag::bias_high_warning: return "bias_high_warning";
    case LaserFlag::temp_high_alarm: return "temp_high_alarm";
  }
  return "unknown";
}

std::string_view to_string(UnitFlag flag) noexcept {
  switch (flag) {
    case UnitFlag::ready: return "ready";
    case UnitFlag::resetting: return "resetting";
    case UnitFlag::thermal_shutdown: return "thermal_shutdown";
  }
  return "unknown";
}

std::string_view to_string(ElsFault flag) noexcept {
  switch (flag) {
    case ElsFault::interlock_open: return "interlock_open";
  }
  return "unknown";
}

std::string_view to_string(LaserFaultCode code) noexcept {
  switch (code) {
    case LaserFaultCode::none: return "none";
    case LaserFaultCode::apc_loop: return "apc_loop";
    case LaserFaultCode::acc_loop: return "acc_loop";
    case LaserFaultCode::thermal_shutdown: return "thermal_shutdown";
    case LaserFaultCode::removed: return "removed";
    case LaserFaultCode::vendor: return "vendor";
    case LaserFaultCode::interlock_open: return "interlock_open";
  }
  return "unknown";
}

}  // namespace cpo
