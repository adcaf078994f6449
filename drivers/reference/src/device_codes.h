// Translation between the reference device's codes and bits (registers.def) and the HAL's
// enums, flag sets and units. Everything the device numbers its own way is translated here,
// so no device code reaches a public type.
#pragma once

#include <cstdint>
#include <optional>

#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/breakout.h"
#include "cpo/hal/events.h"
#include "cpo/hal/telemetry.h"

namespace cpo::reference {

namespace rd = ::cpo::refdev;

FecMode fec_from_device(std::uint32_t v);
// nullopt for a value outside the HAL enum (a cast integer): the caller refuses it.
std::optional<rd::Fec> fec_to_device(FecMode m);
LoopbackMode loopback_from_device(std::uint32_t v);
std::optional<rd::Loopback> loopback_to_device(LoopbackMode m);
// False for a pattern the reference device does not know (it has four).
bool prbs_to_device(PrbsPattern p, rd::PrbsPattern& out);
PrbsPattern prbs_from_device(std::uint32_t v);
LaserState laser_state_from_device(std::uint32_t v);
LinkCause link_cause_from_device(std::uint32_t v);
cmis::ModuleState module_state_from_device(std::uint32_t v);
cmis::DataPathState data_path_state_from_device(std::uint32_t v);
LaserFaultCode laser_fault_from_device(std::uint32_t v);

// Which temperature threshold a TempAlarm event's cause names; nullopt for "cleared".
struct TemperatureThreshold {
  ThresholdLevel level;
  ThresholdBound bound;
  friend bool operator==(const TemperatureThreshold&, const TemperatureThreshold&) = default;
};
std::optional<TemperatureThreshold> temperature_threshold_from_device(std::uint32_t v);

PortFaults port_faults(std::uint32_t w);
ModuleThresholds threshold_flags(std::uint32_t w);
OeFaults oe_faults(std::uint32_t w);
LaserFlags laser_flags(std::uint32_t w);
UnitFlags unit_flags(std::uint32_t w);
ElsFaults els_faults(std::uint32_t w);

// Field encodings (registers.def units column).
Celsius temp_256(std::uint32_t v);
Volts vcc_100uv(std::uint32_t v);
Milliwatts power_100nw(std::uint32_t v);
std::uint64_t u64(std::uint32_t lo, std::uint32_t hi);

}  // namespace cpo::reference
