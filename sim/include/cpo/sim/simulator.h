// cpo::sim: a simulated CPO switch behind the reference device interface.
//
// Each unit (ASIC) of a simulated switch exposes a register window laid out by
// cpo/hal/backend/refdev/refdev.h through a cpo::Bar, so a driver written for hardware runs
// unchanged on it. Behind the window the simulator models firmware (command mailbox with
// realistic latencies, status region under a seqlock, event ring), CMIS optics (OE and ELSFP
// memory maps with module, data path and laser state machines), physics (laser -> OE -> fiber
// -> receiver SNR -> pre-FEC BER -> FEC -> link with hysteresis and training), thermal and
// aging. docs/simulator.md lists the constants and their sources.
//
// Tests and tools reach the model through a separate back door (Backdoor, below), never
// through the Bar: fault injection, fiber loss, coolant temperature, a write counter and
// register snapshots.
//
// Time. ClockMode::virtual_time: a deterministic clock that only moves in advance() (or a
// Bar's wait()); same seed + same calls = same register bytes. ClockMode::real_time: a
// thread moves the clock with the host's steady clock and serves doorbells (for a daemon
// sharing the window with other processes).
//
// Thread safety: every member of Switch, Fabric and Backdoor may be called from any thread;
// one mutex per fabric orders the timeline (clock, timers, what changed); the work of each
// virtual instant runs per switch on a few threads (Fabric's `workers`). Bar::read32/write32
// never take it (32-bit atomic accesses to the window), so drivers in other threads or
// processes read freely.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/platform.h"
#include "cpo/hal/status.h"
#include "cpo/hal/units.h"

namespace cpo::sim {

enum class ClockMode { virtual_time, real_time };

// How the switch starts.
enum class StartState {
  // Optics brought up: OEs ModuleReady, data paths DPActivated, lasers enabled, output fibers
  // checked (ELSFP page 1Ah byte 223) and on at their set-points; ports admin down, default
  // breakout, RS(544,514) FEC. A driver only sets ports admin up.
  operational,
  // Power-on: OEs ModuleLowPwr (LowPwrRequestSW set), data paths deactivated, lasers
  // disabled and output fibers not checked. The driver brings the optics up through CMIS
  // writes: an enabled laser emits only the fiber-check power until its fiber is checked.
  cold,
};

struct SimOptions {
  std::string profile = "cpo144";  // built-in profile name or a profile file path
  std::uint64_t seed = 1;
  ClockMode clock = ClockMode::virtual_time;
  StartState start = StartState::operational;
  std::chrono::nanoseconds status_period = std::chrono::milliseconds(100);  // firmware refresh
  // Optional caller-provided register memory, one window per unit (refdev::kWindowBytes
  // bytes, 4-byte aligned, e.g. a memfd mapping shared with another process). Empty: the
  // simulator allocates anonymous memory. The memory must outlive the switch.
  std::vector<void*> unit_memory;
};

class Fabric;
class Backdoor;
class WorldSet;

// One simulated switch. Create one directly (a fabric of one) or through Fabric::add.
class Switch {
 public:
  // Errors: not_found / invalid_argument from the profile; invalid_argument when
  // unit_memory has the wrong number of windows or a misaligned one; unsupported when the
  // profile does not fit the register window (more ports, lanes, OEs or lasers per unit).
  static Result<std::unique_ptr<Switch>> create(const SimOptions& options = {});
  ~Switch();
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;

  [[nodiscard]] const Platform& platform() const noexcept;
  [[nodiscard]] std::size_t unit_count() const noexcept;
  // The register window of a unit. Precondition: unit < unit_count().
  [[nodiscard]] Bar& bar(std::size_t unit) noexcept;

  // Virtual time: runs every state machine and serves rung doorbells up to the fabric's
  // now() + d (the whole fabric moves). Real time: no effect (the clock thread moves time).
  void advance(std::chrono::nanoseconds d);
  // The clock of this switch's world (the switches fibers join to it): a Bar's wait on any of
  // them moves it; switches of other worlds keep their own until they are waited on or the
  // fabric advances.
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept;

  [[nodiscard]] Backdoor& backdoor() noexcept;

  // The status snapshot channel's DMA for a transport whose host buffers the unit's Bar does
  // not offer (cpo-simd's per-client buffers; the transport checks the request with
  // refdev::check_snapshot first): settles, then copies the first host.size() words of the
  // unit's status region into `host` as of one even generation, which it returns. Counts no
  // register write. Errors: out_of_range for the unit or more words than the status region;
  // failed_precondition while the unit's firmware is hung (it serves no request).
  [[nodiscard]] Result<std::uint32_t> copy_status(std::size_t unit, std::span<std::uint32_t> host);

 private:
  friend class Fabric;
  Switch(std::shared_ptr<WorldSet> worlds, std::size_t index);
  std::shared_ptr<WorldSet> worlds_;
  std::size_t index_;
  std::unique_ptr<Backdoor> backdoor_;
};

// Several switches in one process, connected port to port by fibers. Each group of switches
// that fibers join runs on its own clock and lock, so threads commanding switches of different
// groups run in parallel; connecting two groups brings the earlier clock to the later first
// (docs/simulator.md, "Threads and locks").
class Fabric {
 public:
  // Threads that run the per-switch work of each virtual instant in parallel besides the one
  // advancing time: min(hardware threads, 8) - 1.
  static constexpr std::size_t kAutoWorkers = static_cast<std::size_t>(-1);
  // `workers`: those threads (started with the second switch); 0 runs everything on the
  // advancing thread. The result is the same whatever the number (docs/simulator.md,
  // "Threads and locks").
  explicit Fabric(ClockMode clock = ClockMode::virtual_time, std::size_t workers = kAutoWorkers);
  ~Fabric();
  Fabric(const Fabric&) = delete;
  Fabric& operator=(const Fabric&) = delete;

  // Adds a switch (options.clock is ignored: the fabric's clock rules). Ports start with
  // loopback plugs. Errors: those of Switch::create.
  Result<Switch*> add(const SimOptions& options);
  // Connects port `a` of switch `sa` to port `b` of `sb` (lane i to lane i, one fiber per
  // lane and direction, `loss` each). Whatever the ports were connected to gets a loopback
  // plug. Errors: out_of_range for a port; invalid_argument when the ports differ in lane
  // count or a switch is not of this fabric.
  Status connect(Switch& sa, PortId a, Switch& sb, PortId b, Decibels loss = Decibels(1.5));
  // Every world to now() + d, where now() is the latest clock of the fabric's worlds.
  void advance(std::chrono::nanoseconds d);
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept;
  [[nodiscard]] std::size_t size() const noexcept;

  // Topology files (docs/simulator.md "Topology files"): a JSON document naming switches
  // (profile, seed, start state) and port-to-port fibers. load_topology adds the document's
  // switches to this fabric and connects its fibers; nothing is added when it is refused.
  // Errors: not_found / io_error for the file; invalid_argument naming the entry (a missing
  // or mistyped field, an unknown or duplicate switch name, a port cabled twice); the errors
  // of add() and connect() with the entry named.
  Status load_topology(const std::string& path);
  Status load_topology_text(const std::string& json, const std::string& origin = "topology");
  // The switch a topology named `name` (nullptr when none), or the i-th switch added
  // (precondition: i < size()).
  [[nodiscard]] Switch* find(const std::string& name) const noexcept;
  [[nodiscard]] Switch& at(std::size_t i) const noexcept;

 private:
  std::shared_ptr<WorldSet> worlds_;
  std::vector<std::unique_ptr<Switch>> switches_;
  std::vector<std::pair<std::string, Switch*>> names_;  // sorted by name
};

// What a fault or a test knob acts on. Ids are switch-wide (as in the platform profile).
class Backdoor {
 public:
  explicit Backdoor(std::shared_ptr<WorldSet> worlds, std::size_t sw) : worlds_(std::move(worlds)), sw_(sw) {}

  // Lasers. fail_laser: the laser dies (APC loop failure, fault code 1): its lanes go dark,
  // LaserFault event, ELSFP fault flags. repair_laser clears the injected failure (the laser
  // stays off until re-enabled on page 1Ah). Errors: out_of_range naming the laser.
  Status fail_laser(const LaserRef& laser);
  Status repair_laser(const LaserRef& laser);
  // Operating hours of a laser (aging raises the bias the APC loop needs, or lowers the output
  // of a laser in ACC). Errors: out_of_range naming the laser; invalid_argument when negative.
  Status set_laser_age(const LaserRef& laser, std::chrono::hours age);
  // Total loss of the fiber from `laser` to its OE (jumper and connectors; nominal 1.5 dB): a
  // dirty connector raises it, infinity or >= 100 dB is a disconnected one. Lowers the laser
  // input power the OE reports (Lane.LaserInPower) and the light of every lane it feeds (tx
  // power, far-end rx). A property of the path: it survives an ELS swap. Errors: out_of_range
  // naming the laser and the valid range; invalid_argument for a negative or NaN loss.
  Status set_laser_fiber_loss(const LaserRef& laser, Decibels loss);
  // ELS hot-swap: removal darkens every lane it lights (ElsRemoved, LinkDown events);
  // insertion brings it back as a fresh module (ElsInserted): lasers disabled, output fibers
  // not checked, APC, default set-points. Errors: out_of_range; failed_precondition when
  // already removed / inserted.
  Status remove_els(ElsId els);
  Status insert_els(ElsId els);
  // The laser-safety interlock of an ELS slot. open_interlock: every laser of the module goes
  // off at once (fault code InterlockOpen, a LaserFault event for each enabled one, page 1Ah
  // lane fault flags and code 10), the ELS record's InterlockOpen bit is set, and its lanes go
  // dark on the OE side (LaserInPower 0, OeFaults.NoLight, links down with cause LaserFault).
  // close_interlock clears the bit and lights nothing: each laser stays off until the host
  // clears LaneEnable and enables it again through a new fiber check (laser safety). The
  // interlock belongs to the slot: it survives a module swap. Errors: out_of_range naming the
  // ELS and the valid range; failed_precondition when already open / closed.
  Status open_interlock(ElsId els);
  Status close_interlock(ElsId els);
  // Fiber leaving `port` lane `lane_in_port` (or every lane of the port when lane_in_port
  // is negative): total loss of that fiber, dB (infinity or >= 100 dB = cut). Errors:
  // out_of_range for the port or lane; invalid_argument for a negative or NaN loss.
  Status set_fiber_loss(PortId port, int lane_in_port, Decibels loss);
  Status cut_fiber(PortId port, int lane_in_port = -1);
  // Optical engine fault: ModuleFault, data paths down, OeFault event. `unresponsive`: CMIS
  // accesses to it complete with DeviceFault. repair_oe returns it to ModuleLowPwr.
  Status fail_oe(OeId oe, bool unresponsive = false);
  Status repair_oe(OeId oe);
  // Thermal: coolant inlet temperature (default 30 degC); extra heat on one OE or ELS
  // (a blocked cold-plate channel), degC of steady-state rise. Errors: out_of_range.
  Status set_coolant_temperature(Celsius t);
  Status overheat_oe(OeId oe, Celsius extra_rise);
  Status overheat_els(ElsId els, Celsius extra_rise);
  // SerDes degradation of a host lane: SNR penalty, dB (raises pre-FEC BER).
  Status degrade_lane(LaneId lane, Decibels snr_penalty);
  // Firmware hang of a unit: doorbells (and snapshot channel requests) are no longer served,
  // the heartbeat stops, the status region freezes. Cleared by HardReset or hang_firmware(unit, false).
  Status hang_firmware(UnitId unit, bool hung = true);
  // The next `reads` Bar reads of the unit return 0xFFFFFFFF (PCIe completion errors).
  Status pcie_error_reads(UnitId unit, std::uint32_t reads);
  // Surprise removal: every later read returns 0xFFFFFFFF, writes are dropped.
  Status surprise_remove(UnitId unit);

  // State-changing register writes the unit's Bar received since creation: every write but
  // those to the status snapshot channel's registers (Snap*), which ask for a copy of the
  // status region and change no device state, so reading telemetry counts none.
  [[nodiscard]] Result<std::uint64_t> write_count(UnitId unit) const;
  // A copy of the unit's whole register window.
  [[nodiscard]] Result<std::vector<std::uint32_t>> snapshot(UnitId unit) const;

  // Model truth, for tests: optical power arriving at a lane's receiver (-infinity dBm when
  // dark); the SNR of its receiver; temperatures. Errors: out_of_range naming the object.
  [[nodiscard]] Result<Dbm> rx_power_dbm(LaneId lane) const;
  [[nodiscard]] Result<Decibels> snr_db(LaneId lane) const;
  [[nodiscard]] Result<Celsius> oe_temperature(OeId oe) const;
  [[nodiscard]] Result<Celsius> laser_temperature(const LaserRef& laser) const;

 private:
  std::shared_ptr<WorldSet> worlds_;
  std::size_t sw_;
};

}  // namespace cpo::sim
