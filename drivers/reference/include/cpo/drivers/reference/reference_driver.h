// cpo::reference::ReferenceDriver: the cpo::Driver for devices implementing the cposdk
// reference device interface (hal/include/cpo/hal/backend/refdev/, docs/device-interface.md).
//
// It talks to nothing but one cpo::Bar per unit: the in-process simulator's memory, a
// shared-memory window served by cpo-simd (cposdk::shm), or a mapped PCIe BAR (cposdk::pcie)
// all work unchanged. Time passes only through Bar::now()/Bar::wait(), so deadlines mean the
// same on virtual and real clocks.
//
// What it does, per operation:
// - commands (admin, breakout, FEC, tx-FIR, PRBS, loopback, CMIS page read/write, unit
//   reset, event acknowledge) go through the unit's mailbox: opcode and arguments, a fresh
//   doorbell tag, polling until the completion carries that tag. A command that does not
//   complete by its deadline (Options) returns timeout naming the command and the unit;
//   the next command uses a new tag, so a late completion is never mistaken for it.
//   Completion codes map to cpo::Code: BadObject and BadValue -> out_of_range, Unsupported
//   and BadOpcode -> unsupported, WrongState and NotPresent -> failed_precondition,
//   ReadOnly -> invalid_argument, DeviceFault -> device_error; Busy is retried until the
//   deadline (then timeout).
// - A bulk breakout becomes one Breakout command per run of consecutive ports of one unit
//   with the same sub-port count (144 ports of cpo144 at 4x200G: 4 commands). The device
//   applies a run atomically. Only equal splits (1xN, 2xN/2, 4xN/4, 8xN/8) exist on the
//   reference device; others are unsupported.
// - read_telemetry on a refdev 1.4 unit whose Bar offers DMA (Options::status_snapshot, on by
//   default) is one request on the unit's status snapshot channel (its own registers, not the
//   mailbox): the device copies the status region into the Bar's DMA region and the records
//   are decoded there (about 8 register accesses per unit instead of about 3,600 reads). A
//   request the device does not serve within Options::status_timeout, or refuses, is logged
//   once per unit and that call reads the registers instead.
// - Other telemetry (port_telemetry, lane_telemetry, prbs_status, and read_telemetry without
//   the channel) is copied from the status region under its seqlock, without any lock;
//   oper_state() is one register read. A copy that cannot be made consistent by
//   Options::status_timeout (the firmware stuck mid-update) returns timeout.
// - Events come from each unit's event ring and are acknowledged (EvtConsumer). An overrun
//   (the ring wrapped, an entry was overwritten while read, or EvtLost != 0) is never
//   silent: the driver re-reads the status region, emits a `resync` event and synthetic
//   events for every state that changed unseen (events.h), and acknowledges with EventAck.
// - A read of 0xffffffff where the interface never produces it is checked against the
//   identity block: if Magic reads 0xffffffff too, the unit is gone and every later call
//   touching it returns device_gone (the driver never returns all-ones as data).
//
// Thread safety: every method may be called from any number of threads at once. Commands
// to one unit are serialised by that unit's mailbox mutex; event reading by a per-unit
// events mutex; snapshot channel requests by a per-unit snapshot mutex (never held with the
// mailbox mutex, so telemetry never waits behind a command); other telemetry reads take no lock. Logging (spdlog logger
// "cpo.ref") happens after locks are released.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/backend/driver.h"
#include "cpo/hal/platform.h"

namespace cpo::reference {

struct Options {
  // A command's deadline: max(min_command_timeout, timeout_factor x its typical latency in
  // the register table). UnitReset (200 ms typical) thus gets 2 s by default. Switch URIs set
  // min_command_timeout with ?command_timeout_ms=N (1..60000; sdk/src/uri/reference_options.h).
  std::chrono::nanoseconds min_command_timeout = std::chrono::milliseconds(20);
  std::uint32_t timeout_factor = 10;
  // How long the status region's generation may stay stuck (a writer that never finishes its
  // update) before a copy times out. A generation that keeps moving restarts the wait (up to
  // 1000 changes), so a busy firmware or a virtual clock moved by other threads is not stuck.
  std::chrono::nanoseconds status_timeout = std::chrono::milliseconds(20);
  // true: read_telemetry through the unit's status snapshot channel into the Bar's DMA region
  // when the unit has one (refdev 1.4, capability StatusSnapshot) and the Bar offers a region
  // large enough (in-process simulator and simd://; not pci:// without VFIO). false: always
  // register reads under the seqlock (about 3,600 per cpo144 unit).
  bool status_snapshot = true;
};

class ReferenceDriver final : public Driver {
 public:
  // Opens the switch described by `platform` through `bars`, one per unit in unit order.
  // Reads each identity block and refuses what it cannot drive. Errors:
  // - invalid_argument: not one Bar per unit; a window smaller than the interface's; a
  //   magic other than "CPOD" (not a reference device); an identity (unit index, counts,
  //   first ids) that does not match the platform, naming the register and both values.
  // - unsupported: an interface major version other than the one this driver speaks.
  // - device_gone: the identity reads all-ones (no device behind the window).
  // - timeout: the status region could not be read consistently (initial state for events).
  // Lifetime: the Bars must outlive the driver; `platform` is copied.
  static Result<std::unique_ptr<ReferenceDriver>> open(const Platform& platform, std::span<Bar* const> bars,
                                                       const Options& options = {});

  ~ReferenceDriver() override;

  [[nodiscard]] const Capabilities& capabilities() const noexcept override;
  [[nodiscard]] const Platform& platform() const noexcept;

  Status set_admin_state(PortId port, AdminState state) override;
  Status set_subport_admin_state(const LogicalPort& port, AdminState state) override;
  Status set_breakout(std::span<const BreakoutRequest> requests) override;
  Status set_fec(PortId port, FecMode mode) override;
  Status set_loopback(PortId port, LoopbackMode mode) override;
  // The Port record's Mtu field and the SetMtu command (refdev 1.3, capability Mtu).
  Result<std::uint32_t> mtu(const LogicalPort& port) override;
  Status set_mtu(const LogicalPort& port, std::uint32_t bytes) override;
  Result<PortTelemetry> port_telemetry(PortId port) override;
  Result<OperState> oper_state(PortId port) override;
  // A one-read probe of the port's OperMask register (the register oper_state reads).
  Result<OperStateProbe> oper_state_probe(PortId port) override;
  Status set_tx_fir(LaneId lane, const TxFir& taps) override;
  Status set_prbs(LaneId lane, const PrbsConfig& config) override;
  Result<PrbsStatus> prbs_status(LaneId lane) override;
  Result<LaneTelemetry> lane_telemetry(LaneId lane) override;
  Status read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) override;
  Status write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) override;
  // With Options::status_snapshot, one snapshot channel request per call on refdev 1.4 units
  // whose Bar offers DMA (a few register accesses, no mailbox); otherwise, and for a call
  // whose request times out or is refused, a seqlock copy of every record (thousands of reads).
  Status read_telemetry(UnitId unit, UnitTelemetry& out) override;

  // How read_telemetry copied each unit's status so far (for tests and diagnostics).
  struct TelemetryPaths {
    bool channel = false;               // the unit uses the snapshot channel
    std::uint64_t channel_copies = 0;   // copies made through the channel
    std::uint64_t register_copies = 0;  // copies made by register reads (fallbacks included)
  };
  // Errors: out_of_range for a unit the switch does not have.
  [[nodiscard]] Result<TelemetryPaths> telemetry_paths(UnitId unit) const;
  Status read_events(std::vector<Event>& out) override;
  Status reset_unit(UnitId unit) override;

  struct Impl;

 private:
  explicit ReferenceDriver(std::unique_ptr<Impl> impl);
  [[gnu::cold, gnu::noinline]] Result<OperState> oper_state_slow(PortId port);

  // The one-register read path, kept out of Impl so it costs no extra indirection: per
  // switch-wide port, its unit's Bar, the OperMask offset and the unit's gone flag.
  struct FastPort {
    const Bar* bar;
    const std::atomic<bool>* gone;
    std::size_t oper_offset;
  };
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<FastPort[]> fast_ports_;
  std::size_t fast_port_count_ = 0;
};

}  // namespace cpo::reference
