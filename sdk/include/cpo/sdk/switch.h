// cpo::Switch: one CPO switch, opened by URI, with the policies that make it safe to operate.
//
//   auto sw = cpo::Switch::open("sim://cpo144");
//   if (!sw) { std::cerr << sw.status().to_string() << "\n"; return 1; }
//   auto result = (*sw)->breakout("0-15", "4x200G");
//
// URIs (docs/sdk.md, "Opening a switch"):
//   sim://PROFILE[?seed=N&clock=virtual|real]         the simulator in this process; PROFILE
//   sim:///path/profile.json[?seed=N&clock=...]       a built-in name or a profile file
//   pci://BDF[,BDF...][?profile=NAME]                  hardware implementing the reference
//                                                      device interface, one BDF per unit
//   simd://NAME, netlink://?netns=NAME                 cpo-simd; a kernel switch driver
//   sim://, simd://, pci://: ...&snapshot=on|off&command_timeout_ms=N (1..60000, default 20)
//                                                      the reference driver's telemetry path
//                                                      and shortest command deadline
// The switch owns its transport, driver, validating layer and policies; clients include
// only cpo/sdk headers.
//
// Clocks: a simulated switch with clock=virtual (the default) moves time only when someone
// waits on it (sleep_for, a policy's ramp, a command's latency), so runs are deterministic and
// seconds of device time cost microseconds; clock=real follows the host clock.
//
// Errors: every call returns a Status or Result naming the object and the allowed values.
// Codes follow cpo/hal/status.h; the policies add safety_refused (laser rules) and
// failed_precondition (wrong state), and refuse before writing anything.
//
// Thread safety: every member may be called from any number of threads at once. Reads
// (snapshot, port, lane, laser_status) never wait for a configuration change in progress;
// configuration calls on the same object are serialised (a second laser operation on a laser
// busy with a ramp is refused with failed_precondition instead of waiting). Callbacks
// (progress, events) run without any SDK lock held.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/hal/backend/driver.h"
#include "cpo/hal/platform.h"
#include "cpo/hal/status.h"
#include "cpo/sdk/breakout.h"
#include "cpo/sdk/events.h"
#include "cpo/sdk/laser.h"
#include "cpo/sdk/objects.h"
#include "cpo/sdk/simulator.h"
#include "cpo/sdk/telemetry.h"

namespace cpo::sdk {

struct OpenOptions {
  LaserPolicy laser;
  EventOptions events;
};

// The URI schemes this build can open, for messages and --help:
// "sim://PROFILE[?seed=N&clock=virtual|real]", ...
[[nodiscard]] std::vector<std::string> uri_forms();
// The schemes alone: "sim", "pci" (the conformance suite runs once per scheme).
[[nodiscard]] std::vector<std::string> uri_schemes();

class Switch {
 public:
  // Opens the switch `uri` names. Errors: invalid_argument for a malformed URI or an unknown
  // scheme or parameter (naming the accepted forms); the errors of the transport and driver
  // (not_found for a profile or device, io_error, unsupported for a device of another
  // interface version, device_gone).
  static Result<std::unique_ptr<Switch>> open(std::string_view uri, const OpenOptions& options = {});

  // Switch is an interface: open() returns the implementation for the URI, and users' tests
  // substitute cposdk::mocks' MockSwitch. Non-virtual members are conveniences over the
  // virtual ones.
  virtual ~Switch() = default;
  Switch() = default;
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;

  [[nodiscard]] virtual const std::string& uri() const noexcept = 0;
  [[nodiscard]] virtual const Platform& platform() const noexcept = 0;
  [[nodiscard]] virtual const Capabilities& capabilities() const noexcept = 0;
  [[nodiscard]] virtual const OpenOptions& options() const noexcept = 0;

  // --- objects ---------------------------------------------------------------------------

  // The current breakout of every port (what the device runs now).
  [[nodiscard]] virtual Result<BreakoutMap> breakout_map() = 0;
  // parse_object / parse_objects against this switch's platform and current breakout.
  [[nodiscard]] Result<ObjectRef> resolve(std::string_view text);
  [[nodiscard]] Result<std::vector<ObjectRef>> resolve_all(std::string_view text);

  // --- ports -----------------------------------------------------------------------------

  [[nodiscard]] virtual Result<PortTelemetry> port(PortId port) = 0;
  // Admin state of a whole port (every sub-port) or of one sub-port.
  virtual Status set_admin(PortId port, AdminState state) = 0;
  virtual Status set_admin(const LogicalPort& port, AdminState state) = 0;
  virtual Status set_fec(PortId port, FecMode mode) = 0;
  // MTU of one logical port in bytes (the largest frame's L3 payload, as `ip link` counts it).
  // Errors: unsupported when the backend has none (capabilities().mtu false), out_of_range for
  // a sub-port the current breakout does not have or, for set_mtu, bytes outside
  // capabilities().mtu_min..mtu_max (refused before the device is touched), the device's errors.
  [[nodiscard]] virtual Result<std::uint32_t> mtu(const LogicalPort& port) = 0;
  virtual Status set_mtu(const LogicalPort& port, std::uint32_t bytes) = 0;

  // Applies many breakout groups in one call (breakout.h has the policy). Errors, before any
  // write: out_of_range (unknown port), invalid_argument (a port twice), unsupported (a mode
  // the profile does not list or that does not fit), safety_refused (a sub-port would cross
  // an optical-engine bank). During the apply: the device's error, after rolling back.
  virtual Result<BreakoutResult> breakout(std::span<const BreakoutGroupRequest> groups,
                                          const BreakoutOptions& options = {}) = 0;
  // The same for a port list ("0-15,20") and one mode spelling ("4x200G", "1x800G").
  Result<BreakoutResult> breakout(std::string_view ports, std::string_view mode, const BreakoutOptions& options = {});

  // --- lanes -----------------------------------------------------------------------------

  [[nodiscard]] virtual Result<LaneTelemetry> lane(LaneId lane) = 0;
  virtual Status set_tx_fir(LaneId lane, const TxFir& taps) = 0;
  virtual Status set_prbs(LaneId lane, const PrbsConfig& config) = 0;
  [[nodiscard]] virtual Result<PrbsStatus> prbs(LaneId lane) = 0;

  // --- lasers (laser.h has the rules) -----------------------------------------------------

  [[nodiscard]] virtual Result<LaserLimits> laser_limits(const LaserRef& laser) = 0;
  [[nodiscard]] virtual Result<LaserStatus> laser_status(const LaserRef& laser) = 0;
  // Enables a laser through its fiber check and ramps it to the target. Errors:
  // safety_refused (target outside the limits, ramp too fast, the fiber check failed: the
  // message says no light or the measured and allowed loss; the laser is left off),
  // failed_precondition (ELS absent or not ready, laser busy or faulted), cancelled by the
  // stop token: failed_precondition "cancelled" with the laser off.
  virtual Result<FiberCheck> enable_laser(const LaserRef& laser, const EnableOptions& options = {}) = 0;
  // Disables a laser. Refused with safety_refused, listing the logical ports that would lose
  // light, when any of them is admin up, unless `force`.
  virtual Status disable_laser(const LaserRef& laser, bool force = false) = 0;
  // Ramps a lit laser's power (APC) to `power` in bounded steps; sets the set-point of an
  // unlit one. Errors: safety_refused outside the limits or faster than the ramp limit;
  // failed_precondition when busy or cancelled (the laser stays at the step reached).
  virtual Status set_laser_power(const LaserRef& laser, Milliwatts power, const RampOptions& ramp = {}) = 0;
  Status set_laser_power(const LaserRef& laser, Dbm power, const RampOptions& ramp = {});
  // Ramps the bias set-point (ACC) in bounded steps. Errors as set_laser_power, against the
  // module's advertised bias range.
  virtual Status set_laser_bias(const LaserRef& laser, Milliamps bias, const RampOptions& ramp = {}) = 0;
  // Selects APC or ACC for the laser's ELS bank (ELSFP page 1Ah byte 140 bit 0). Refused
  // with failed_precondition while a laser of the bank is enabled.
  virtual Status set_laser_control_mode(const LaserRef& laser, cmis::ElsControlMode mode) = 0;
  // The guided hot-swap of one ELS module (laser.h, SwapStep). Blocks until the new module
  // is lit, the swap fails, or a deadline passes; each step is reported to `progress` and
  // as an ElsSwap event. Errors: timeout naming the step; failed_precondition when the
  // module is already absent or a laser of it is busy. A failed fiber check of the new
  // module is not an error: the report says which laser failed and why, lasers stay off.
  virtual Result<HotSwapReport> hot_swap(ElsId els, const HotSwapOptions& options = {}) = 0;

  // --- CMIS ------------------------------------------------------------------------------

  // Raw CMIS access (half-page transfers, as ethtool -m). Writes that would change an ELS's
  // laser controls (enable, output fiber checked, control mode, set-points) are refused with
  // safety_refused: they go through the laser calls, which keep the invariants.
  virtual Status read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) = 0;
  virtual Status write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) = 0;

  // --- telemetry -------------------------------------------------------------------------

  // Every value of every object, with derived logical ports, thresholds and energy.
  [[nodiscard]] Result<Snapshot> snapshot();
  // The same into `out`, reusing its storage (for polling loops).
  virtual Status snapshot(Snapshot& out) = 0;
  [[nodiscard]] std::string render_json(const Snapshot& snapshot, bool pretty = false) const;
  [[nodiscard]] std::string render_prometheus(const Snapshot& snapshot, std::string_view switch_name = "cpo") const;

  // --- events ----------------------------------------------------------------------------

  // Callback delivery on an SDK thread. Errors: invalid_argument for an empty callback.
  virtual Result<Subscription> subscribe(const EventFilter& filter, EventCallback callback) = 0;
  // Delivery through Subscription::fd() and read().
  virtual Result<Subscription> subscribe(const EventFilter& filter) = 0;

  // --- settings changed while the switch is open (config: laser class limit, thresholds) --

  // laser_status of every laser of the platform, by ELS then index, from one telemetry read
  // and the SDK's module pages (no device write). Errors: as laser_status.
  [[nodiscard]] virtual Result<std::vector<LaserStatus>> laser_statuses();

  // The laser class limit in force: what set_laser_class_limit set last, else the one the
  // switch was opened with (OpenOptions::laser.class_limit, else the profile's); nullopt:
  // none (the module's advertised maximum alone).
  [[nodiscard]] virtual std::optional<Milliwatts> laser_class_limit() const;
  // Sets it for every later laser call (limits, enable, power ramps). `limit`: above 0 and at
  // most the limit the switch was opened with (a running switch may only be made safer than
  // it was opened, and back); nullopt: back to that limit. Errors: out_of_range outside
  // those bounds (naming them); safety_refused, changing nothing, when a lit laser's power
  // set-point is above the new limit (naming the lasers); unsupported for switches that keep
  // no policy (the default implementation).
  virtual Status set_laser_class_limit(std::optional<Milliwatts> limit);
  // The threshold rules the event machinery derives crossings with (events.h
  // threshold_rules: the defaults merged with the rules set or opened with).
  [[nodiscard]] virtual std::vector<ThresholdRule> threshold_rules() const;
  // Replaces the rules (merged with the defaults as OpenOptions::events.rules are) from the
  // next telemetry check on; a crossing asserted under a changed rule is evaluated afresh.
  // Errors: invalid_argument for a threshold or hysteresis that is not a finite number, a
  // negative hysteresis, or a quantity/level/bound given twice (naming the rule); unsupported
  // in the default implementation.
  virtual Status set_threshold_rules(const std::vector<ThresholdRule>& rules);

  // --- time and simulation ---------------------------------------------------------------

  // The device clock (virtual on a simulator with clock=virtual).
  [[nodiscard]] virtual std::chrono::nanoseconds now() const = 0;
  // Lets `duration` of device time pass: advances a virtual clock, sleeps otherwise.
  virtual void sleep_for(std::chrono::nanoseconds duration) = 0;
  // Fault injection when the switch is simulated; null otherwise.
  [[nodiscard]] virtual SimulatorControl* simulator() noexcept = 0;
};

}  // namespace cpo::sdk

namespace cpo {
using sdk::OpenOptions;
using sdk::Switch;
}  // namespace cpo
