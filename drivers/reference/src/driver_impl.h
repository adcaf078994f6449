// The reference driver's shared state: a unit's identity, locks and event bookkeeping, and
// ReferenceDriver::Impl. Impl's methods live in files named by their role:
//   identity_open.cpp    opening: identity checks against the profile, capabilities, gone units
//   command_mailbox.cpp  the command mailbox protocol (tags, polling, completion codes)
//   status_reader.cpp    seqlock copies and snapshot channel copies of the status region into telemetry
//   event_ring.cpp       the event ring: draining, decoding, resynchronising after overruns
//   cmis_transfer.cpp    CMIS reads and writes through the mailbox data buffer
//   device_codes.cpp     translation between device codes and HAL types
//   reference_driver.cpp the public Driver methods
#pragma once

#include "cpo/drivers/reference/reference_driver.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cpo/hal/backend/refdev/mailbox.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/backend/refdev/snapshot_channel.h"
#include "cpo/hal/log.h"
#include "cpo/hal/mutex.h"
#include "device_codes.h"

namespace cpo::reference {

namespace rd = ::cpo::refdev;
using std::chrono::nanoseconds;

inline constexpr std::uint32_t kAllOnes = 0xffffffffu;

inline std::shared_ptr<spdlog::logger> logger() { return cpo::log::get("cpo.ref"); }

// Unit-local identity, read once at open (constant while the unit is up).
struct Identity {
  std::uint32_t version = 0;
  std::uint32_t port_count = 0, first_port = 0, lanes_per_port = 0;
  std::uint32_t lane_count = 0, first_lane = 0, port_speed_gbps = 0;
  std::uint32_t oe_count = 0, first_oe = 0, banks_per_oe = 0, lanes_per_bank = 0;
  std::uint32_t els_count = 0, first_els = 0, lasers_per_els = 0;
  std::uint32_t capabilities = 0, breakout_caps = 0, fec_caps = 0, prbs_caps = 0, loopback_caps = 0;
  std::uint32_t event_ring_size = 0;
  std::uint32_t minor = 0, mtu_min = 0, mtu_max = 0;
};

// What the driver last told the reader about a unit, to make synthetic events after an
// overrun (guarded by Unit::events_mutex).
struct KnownState {
  std::vector<std::uint32_t> oper_mask;     // per local port
  std::vector<std::uint8_t> els_present;    // per local ELS
  std::vector<std::uint8_t> laser_faulted;  // per local laser
  // The temperature threshold each object (device object kind, index) is beyond, if any.
  std::map<std::pair<std::uint32_t, std::uint32_t>, TemperatureThreshold> temperature;
};

// A deadline in device time that charges only the time this caller waited. On hardware that
// is the time that passed; under a simulator's virtual clock, which every waiting thread moves,
// a jump made by another thread's long wait is not charged to this caller (its command or copy
// had no chance to progress meanwhile, so the jump says nothing about the device).
class DeviceDeadline {
 public:
  DeviceDeadline(Bar& bar, nanoseconds budget) noexcept : bar_(bar), budget_(budget) {}
  [[nodiscard]] bool expired() const noexcept { return used_ >= budget_; }
  void wait(nanoseconds d) noexcept {
    const nanoseconds before = bar_.now();
    bar_.wait(d);
    used_ += std::min(bar_.now() - before, d);
  }
  void restart() noexcept { used_ = nanoseconds(0); }

 private:
  Bar& bar_;
  nanoseconds budget_;
  nanoseconds used_{0};
};

// A non-owning reference to a callable, so the seqlock reader and the mailbox take the
// caller's lambdas without templates in this header or an allocation per call.
template <typename Sig>
class FunctionRef;
template <typename R, typename... A>
class FunctionRef<R(A...)> {
 public:
  template <typename F>
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor): passed as a lambda
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))), call_([](void* o, A... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...);
        }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

// Where status words come from: the register window, or a snapshot channel copy of the status
// region in host memory (`copy` holds the region from its first byte).
struct StatusWords {
  const Bar* bar = nullptr;
  const std::uint32_t* copy = nullptr;
  [[nodiscard]] std::uint32_t operator()(std::size_t offset) const noexcept {
    return copy != nullptr ? copy[(offset - rd::region::kStatus.offset) / 4] : bar->read32(offset);
  }
};

struct ReferenceDriver::Impl {
  struct Unit {
    UnitId id;
    Bar* bar = nullptr;
    Identity ident;
    std::atomic<bool> gone{false};
    std::atomic<bool> gone_logged{false};

    Mutex mailbox_mutex;  // serialises commands
    std::uint32_t last_tag CPO_GUARDED_BY(mailbox_mutex) = 0;

    // Serialises ring reading; taken before mailbox_mutex, never after.
    Mutex events_mutex;
    std::uint32_t consumer CPO_GUARDED_BY(events_mutex) = 0;
    KnownState known CPO_GUARDED_BY(events_mutex);
    std::vector<Event> pending CPO_GUARDED_BY(events_mutex);  // synthetic events not yet delivered

    // Status snapshot channel (refdev 1.4): bytes of the status region the unit's records use,
    // 0 when the unit or its Bar cannot snapshot (set at open, constant after); the DMA buffer.
    // snapshot_mutex serialises the channel and the readers of the buffer. It is never held
    // together with mailbox_mutex: telemetry never waits behind a command.
    std::uint32_t snapshot_bytes = 0;
    Bar::DmaRegion dma;
    Mutex snapshot_mutex CPO_ACQUIRED_AFTER(events_mutex);
    std::uint32_t last_snap_seq CPO_GUARDED_BY(snapshot_mutex) = 0;
    std::atomic<bool> snapshot_failure_logged{false};
    std::atomic<std::uint64_t> channel_copies{0};   // consistent copies through the channel
    std::atomic<std::uint64_t> register_copies{0};  // consistent copies by register reads

    // Lasers and ELS modules this unit reports (see UnitTelemetry), unit-local indexes.
    std::vector<std::uint32_t> owned_els;
    std::vector<std::uint32_t> owned_lasers;  // local laser index = local els * lasers_per_els + laser

    [[nodiscard]] std::uint32_t rd32(std::size_t off) const noexcept { return bar->read32(off); }
  };

  struct PortLoc {
    Unit* unit;
    std::uint32_t local;
  };

  Platform platform;
  Options options;
  Capabilities caps;
  std::vector<std::unique_ptr<Unit>> units;
  std::vector<PortLoc> port_loc;  // by switch-wide port id
  std::vector<PortLoc> lane_loc;  // by switch-wide lane id
  std::vector<PortLoc> oe_loc;    // by switch-wide OE id
  std::vector<PortLoc> els_loc;   // by switch-wide ELS id: the owning (lowest) unit reaching it
  std::vector<int> laser_owner;   // by (els, laser) flattened: owning unit index, -1 none

  explicit Impl(const Platform& p) : platform(p) {}

  struct Reply {
    std::array<std::uint32_t, rd::kMailboxResults> result{};
  };

  // ---------------------------------------------------------------- gone units (identity_open.cpp)
  static Status gone_status(const Unit& u);

  // Called after a read of all-ones where the interface never produces it. Returns ok when
  // the identity still reads right (a transient all-ones read; the caller re-reads), or
  // device_gone after marking the unit gone for good.
  static Status check_identity(Unit& u);

  // Logs a failure once no lock is held: every timeout, and each unit's disappearance once
  // (later device_gone results of that unit are not logged again).
  Status note(Status s);

  // ---------------------------------------------------------------- seqlock copies (status_reader.cpp)
  // Runs `copy` until it ran between two equal, even reads of Generation. `copy` returns
  // false when it read all-ones somewhere the device never writes them.
  Status consistent(Unit& u, std::uint32_t& generation, FunctionRef<bool()> copy);

  // ---------------------------------------------------------------- command mailbox (command_mailbox.cpp)
  [[nodiscard]] nanoseconds deadline_for(rd::Opcode op) const;

  static Status completion_status(const Unit& u, rd::Opcode op, std::string_view what, rd::Completion code,
                                  const Reply& reply);

  // Executes one command. `before_doorbell` may write the data buffer; `after` reads it.
  // Precondition: u.mailbox_mutex held.
  Status command_locked(Unit& u, const rd::ArgWords& args, std::string_view what, Reply& reply,
                        FunctionRef<void()> before_doorbell, FunctionRef<void()> after) CPO_REQUIRES(u.mailbox_mutex);

  // One command under the unit's mailbox lock. Not logged: callers pass the result through
  // note() once no lock is held.
  Status command(Unit& u, const rd::ArgWords& args, std::string_view what, Reply* reply_out = nullptr)
      CPO_EXCLUDES(u.mailbox_mutex);

  // ---------------------------------------------------------------- telemetry decoding (status_reader.cpp)
  void read_port(const Unit& u, const StatusWords& w, std::uint32_t local, PortTelemetry& p) const;

  [[nodiscard]] std::uint32_t breakout_index(std::uint32_t subports) const;

  // False when the copy read all-ones (a device that went away mid-copy).
  static bool read_lane(const Unit& u, const StatusWords& w, std::uint32_t local, LaneTelemetry& l);

  static void read_oe(const Unit& u, const StatusWords& w, std::uint32_t local, OeTelemetry& o);

  static void read_els(const Unit& u, const StatusWords& w, std::uint32_t local, ElsTelemetry& e);

  static void read_laser(const Unit& u, const StatusWords& w, std::uint32_t local, LaserTelemetry& l);

  // Everything the unit publishes, from `w`. No consistency check: the caller's.
  // False when the unit flags read all-ones (the window went away).
  bool decode_unit(Unit& u, const StatusWords& w, UnitTelemetry& out) const;

  // One request on the snapshot channel into u.dma; `generation` receives SnapGeneration.
  // Errors: timeout (not served within options.status_timeout), device_gone, and the
  // device's refusal (SnapStatus) as out_of_range naming the register.
  Status channel_copy_locked(Unit& u, std::uint32_t& generation) CPO_REQUIRES(u.snapshot_mutex);

  // A consistent copy of the unit's status: one snapshot channel request when the unit has
  // the channel and the Bar a DMA region (refdev 1.3), else (and when the channel times out
  // or refuses) register reads under the seqlock.
  Status unit_snapshot(Unit& u, UnitTelemetry& out);

  // ---------------------------------------------------------------- event ring (event_ring.cpp)
  [[nodiscard]] bool owns_laser(const Unit& u, std::uint32_t els_local, std::uint32_t laser) const;

  [[nodiscard]] bool owns_els(const Unit& u, std::uint32_t els_local) const;

  // Decodes one ring entry into typed events appended to `out` (none when the reader should
  // not see it: an ELS or laser event reported by the unit that does not own the object, or
  // a type newer than this driver, which minor versions may add).
  void decode_event(Unit& u, std::uint32_t type, std::uint32_t object, std::uint32_t cause, std::uint32_t detail,
                    nanoseconds t, std::vector<Event>& out) CPO_REQUIRES(u.events_mutex);

  // Re-reads the status region after lost events and tells the reader what changed.
  // Precondition: u.events_mutex held.
  Status resync_locked(Unit& u, std::vector<Event>& out, std::uint32_t lost_hint) CPO_REQUIRES(u.events_mutex);

  void append_differences(Unit& u, const UnitTelemetry& now, std::vector<Event>& out) CPO_REQUIRES(u.events_mutex);

  void init_known(Unit& u, const UnitTelemetry& now) CPO_REQUIRES(u.events_mutex);

  // Precondition: u.events_mutex held.
  Status drain_locked(Unit& u, std::vector<Event>& out) CPO_REQUIRES(u.events_mutex);

  // ---------------------------------------------------------------- CMIS (cmis_transfer.cpp)
  Status cmis(const CmisAddress& a, std::span<std::uint8_t> read_out, std::span<const std::uint8_t> write_in);

  // ---------------------------------------------------------------- argument checks (reference_driver.cpp)
  // The device splits a port into N equal sub-ports of PortSpeedGbps / N each (Breakout,
  // registers.def), so only such a mode describes what it will do: one group over all the
  // port's lanes, at exactly that speed, with alternative speeds its lanes can carry.
  static Status check_equal_split(const Unit& u, PortId port, const BreakoutMode& mode);

  // ---------------------------------------------------------------- lookups
  Result<PortLoc> port(PortId p) const {
    if (p.value() >= port_loc.size()) return platform.port(p).status();
    return port_loc[p.value()];
  }

  Result<PortLoc> lane(LaneId l) const {
    if (l.value() >= lane_loc.size()) return platform.lane(l).status();
    return lane_loc[l.value()];
  }
};

}  // namespace cpo::reference
