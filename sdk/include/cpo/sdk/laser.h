// Laser safety types for Switch's laser calls (switch.h).
//
// The invariants the SDK keeps, for every backend (docs/sdk.md, "Laser safety"):
// - a laser is never lit without its fiber check: enabling lights it at the module's
//   advertised fiber-check power (ELSFP page 1Ah byte 248), confirms the light arrives at
//   the optical-engine lanes it feeds within the allowed loss, and only then sets the
//   output-fiber-checked bit (page 1Ah byte 223) and ramps to the target;
// - a set-point is never above the module's advertised maximum (page 1Ah), never outside
//   its advertised range, never above the platform's class limit;
// - a lit laser never changes faster than the ramp limit (dB per second and dB per step).
// Requests that break a rule are refused with safety_refused naming the laser, the value and
// the allowed range; nothing is clamped and nothing is written.
//
// Thread safety: plain values. Callbacks are called on the calling thread, never under an
// SDK lock; they may call back into the Switch (but not operate on the same laser).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/events.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/telemetry.h"
#include "cpo/hal/units.h"

namespace cpo::sdk {

// Laser safety settings of an opened switch (OpenOptions::laser).
struct LaserPolicy {
  // Per-laser optical power ceiling; nullopt: the profile's laser_class_limit_mw, and
  // without one, the module's advertised maximum alone.
  std::optional<Milliwatts> class_limit;
  Decibels max_ramp_rate{10.0};  // dB per second, the fastest a lit laser may change
  Decibels max_step{1.0};        // dB per set-point step
  // Fiber check: the loss from the laser to its optical engine may be at most this (the
  // ELS jumper and two connectors: 1.5 dB nominal; beyond 3 dB a connector is dirty or
  // damaged); below no_light the fiber is taken as disconnected.
  Decibels max_fiber_loss{3.0};
  Decibels no_light_loss{20.0};
  std::chrono::milliseconds fiber_check_timeout{2000};  // device time for light to show
};

// What a laser allows, from its module and the platform.
struct LaserLimits {
  LaserRef laser;
  Milliwatts min_power;  // module advertisement (page 1Ah bytes 130..131)
  Milliwatts max_power;  // module advertisement (bytes 128..129)
  Milliamps min_bias;    // bytes 134..135
  Milliamps max_bias;    // bytes 132..133
  std::optional<Milliwatts> class_limit;
  Milliwatts max_allowed;        // min(max_power, class_limit)
  Milliwatts fiber_check_power;  // byte 248
  cmis::ElsControlMode control_mode = cmis::ElsControlMode::apc;
  Decibels max_ramp_rate;
  Decibels max_step;
};

struct LaserStatus {
  LaserRef laser;
  LaserState state = LaserState::off;
  LaserFaultCode fault = LaserFaultCode::none;
  bool enabled = false;        // page 1Ah byte 220
  bool fiber_checked = false;  // page 1Ah byte 223
  cmis::ElsControlMode control_mode = cmis::ElsControlMode::apc;
  Milliwatts power_setpoint;
  Milliamps bias_setpoint;
  Milliwatts power;  // monitor
  Milliamps bias;    // monitor
  Celsius temperature;
  std::vector<LaneId> lanes;  // the lanes it lights
};

enum class LaserPhase : std::uint8_t { fiber_check, ramp, done };
struct LaserProgress {
  LaserRef laser;
  LaserPhase phase = LaserPhase::ramp;
  std::uint32_t step = 0;   // 1-based step of this phase
  std::uint32_t steps = 0;  // steps of this phase
  Milliwatts setpoint;      // power set-point now (APC); bias_setpoint for ACC
  Milliamps bias_setpoint;
};
using LaserProgressFn = std::function<void(const LaserProgress&)>;

struct RampOptions {
  // dB per second; nullopt: LaserPolicy::max_ramp_rate. Above it: safety_refused.
  std::optional<Decibels> ramp_rate;
  LaserProgressFn progress;  // after each step
  std::stop_token stop;      // cancels between steps: the laser stays at the step reached
};

// What the fiber check measured. The three faults between an ELS and its optical engine are
// told apart from what the device exposes: interlock_open from the ELS's own status
// (ElsFault::interlock_open; nothing is lit), no_light from the OE's laser input monitors while
// the laser reports itself on (a disconnected or broken fiber), excess_loss from the same
// monitors reading less than launched by more than LaserPolicy::max_fiber_loss (a dirty or
// damaged connector).
enum class FiberVerdict : std::uint8_t { ok, no_light, excess_loss, interlock_open };
struct FiberCheck {
  LaserRef laser;
  FiberVerdict verdict = FiberVerdict::ok;
  Milliwatts launched;       // fiber-check power
  Milliwatts worst_arrival;  // least light arriving at one of its lanes
  LaneId worst_lane;
  Decibels loss;  // launched / worst_arrival, dB (infinity for no light)
  Decibels allowed;
};
// "ok", "no_light", "excess_loss", "interlock_open".
std::string_view to_string(FiberVerdict verdict) noexcept;

struct EnableOptions {
  // Target after the fiber check; nullopt: the module's current set-point (clamped to
  // nothing: a set-point outside the limits is refused).
  std::optional<Milliwatts> power;
  RampOptions ramp;  // its stop token also cancels the fiber check (the laser ends off)
};

// Hot-swap of an ELS module (the steps are cpo::SwapStep, events.h).
struct SwapProgress {
  ElsId els;
  SwapStep step = SwapStep::deinit_data_paths;
  bool done = false;  // false: the step starts; true: it finished
  std::string detail;
};

struct HotSwapOptions {
  std::chrono::nanoseconds removal_timeout = std::chrono::minutes(10);    // device time
  std::chrono::nanoseconds insertion_timeout = std::chrono::minutes(10);  // device time
  std::chrono::nanoseconds step_timeout = std::chrono::seconds(10);       // other steps
  std::optional<Milliwatts> power;  // laser target; nullopt: what the old lasers ran at
  std::function<void(const SwapProgress&)> progress;
  std::stop_token stop;
};

struct HotSwapReport {
  ElsId els;
  bool lasers_lit = false;
  std::vector<FiberCheck> fiber_checks;  // one per laser of the new module
  std::vector<LogicalPort> restored;     // logical ports returned to admin up
  std::string failure;                   // why the lasers stay off, when they do
};

}  // namespace cpo::sdk
