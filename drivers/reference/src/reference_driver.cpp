// The reference driver: cpo::Driver over the reference device interface, through a Bar only.
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

#include <fmt/format.h>

#include "cpo/hal/backend/refdev/mailbox.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/log.h"
#include "device_codes.h"

namespace cpo::reference {

namespace rd = ::cpo::refdev;
using std::chrono::nanoseconds;

namespace {

constexpr std::uint32_t kAllOnes = 0xffffffffu;

std::shared_ptr<spdlog::logger> logger() { return cpo::log::get("cpo.ref"); }

// Unit-local identity, read once at open (constant while the unit is up).
struct Identity {
  std::uint32_t version = 0;
  std::uint32_t port_count = 0, first_port = 0, lanes_per_port = 0;
  std::uint32_t lane_count = 0, first_lane = 0, port_speed_gbps = 0;
  std::uint32_t oe_count = 0, first_oe = 0, banks_per_oe = 0, lanes_per_bank = 0;
  std::uint32_t els_count = 0, first_els = 0, lasers_per_els = 0;
  std::uint32_t capabilities = 0, breakout_caps = 0, fec_caps = 0, prbs_caps = 0, loopback_caps = 0;
  std::uint32_t event_ring_size = 0;
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

}  // namespace

// ---------------------------------------------------------------------------------------------

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

struct ReferenceDriver::Impl {
  struct Unit {
    UnitId id;
    Bar* bar = nullptr;
    Identity ident;
    std::atomic<bool> gone{false};
    std::atomic<bool> gone_logged{false};

    std::mutex mailbox_mutex;    // serialises commands
    std::uint32_t last_tag = 0;  // guarded by mailbox_mutex

    std::mutex events_mutex;     // serialises ring reading; taken before mailbox_mutex, never after
    std::uint32_t consumer = 0;  // guarded by events_mutex
    KnownState known;            // guarded by events_mutex
    std::vector<Event> pending;  // guarded by events_mutex: synthetic events not yet delivered

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

  // ---------------------------------------------------------------- device-gone handling
  static Status gone_status(const Unit& u) {
    return error(Code::device_gone,
                 fmt::format("{}: device gone (identity block reads 0xffffffff: surprise removal or fatal PCIe error)",
                             to_string(u.id)));
  }

  // Called after a read of all-ones where the interface never produces it. Returns ok when
  // the identity still reads right (a transient all-ones read; the caller re-reads), or
  // device_gone after marking the unit gone for good.
  static Status check_identity(Unit& u) {
    if (u.gone.load(std::memory_order_acquire)) return gone_status(u);
    if (u.rd32(rd::reg::kMagic) == rd::kMagic) return ok_status();
    u.gone.store(true, std::memory_order_release);
    return gone_status(u);
  }

  // Logs a failure once no lock is held: every timeout, and each unit's disappearance once
  // (later device_gone results of that unit are not logged again).
  Status note(Status s) {
    if (s.code() == Code::timeout) logger()->warn("{}", s.to_string());
    if (s.code() == Code::device_gone) {
      for (auto& u : units) {
        if (u->gone.load(std::memory_order_acquire) && !u->gone_logged.exchange(true)) {
          logger()->error("{}", gone_status(*u).to_string());
        }
      }
    }
    return s;
  }

  // ---------------------------------------------------------------- seqlock copies
  // Runs `copy` until it ran between two equal, even reads of Generation. `copy` returns
  // false when it read all-ones somewhere the device never writes them.
  template <typename Copy>
  Status consistent(Unit& u, std::uint32_t& generation, Copy&& copy) {
    if (u.gone.load(std::memory_order_relaxed)) return gone_status(u);
    // The deadline runs while the generation stays the same (a writer stuck mid-update); a
    // generation that moves on means the firmware is alive, so the wait starts again. Under a
    // virtual clock other threads' waits move time in jumps, which must not read as a stuck
    // writer. A writer that publishes faster than a copy can be made ends after
    // kMaxGenerationChanges.
    constexpr std::uint32_t kMaxGenerationChanges = 1000;
    DeviceDeadline deadline(*u.bar, options.status_timeout);
    std::uint32_t watched = kAllOnes;
    std::uint32_t changes = 0;
    for (std::uint32_t attempt = 0;; ++attempt) {
      const std::uint32_t g1 = u.rd32(rd::reg::kGeneration);
      if (g1 == kAllOnes) {
        CPO_RETURN_IF_ERROR(check_identity(u));
      } else if ((g1 & 1u) == 0) {
        const bool clean = copy();
        const std::uint32_t g2 = u.rd32(rd::reg::kGeneration);
        if (g2 == g1 && clean) {
          generation = g1;
          return ok_status();
        }
        if (!clean || g2 == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
      }
      // A writer is active: spin a little (it updates in microseconds), then let device
      // time pass so a simulator in virtual time can finish its update.
      if (attempt >= 8) {
        // Back off from 1 us to 1 ms so a stuck generation costs few waits before timeout.
        const nanoseconds backoff = std::min<nanoseconds>(
            std::chrono::microseconds(1) * (1u << std::min(attempt - 8, 10u)), std::chrono::milliseconds(1));
        if (g1 != watched) {
          watched = g1;
          deadline.restart();
          ++changes;
        }
        if (deadline.expired() || changes > kMaxGenerationChanges) {
          return error(Code::timeout,
                       fmt::format("{}: status region not consistent (generation {} stuck for {} us, or {} changes "
                                   "without a consistent copy)",
                                   to_string(u.id), g1, options.status_timeout.count() / 1000, changes));
        }
        deadline.wait(backoff);
      }
    }
  }

  // ---------------------------------------------------------------- mailbox
  struct Reply {
    std::array<std::uint32_t, rd::kMailboxResults> result{};
  };

  [[nodiscard]] nanoseconds deadline_for(rd::Opcode op) const {
    const nanoseconds typical = rd::typical_latency(op);
    return std::max(options.min_command_timeout, typical * options.timeout_factor);
  }

  static Status completion_status(const Unit& u, rd::Opcode op, std::string_view what, rd::Completion code,
                                  const Reply& reply) {
    const auto arg_index = reply.result[0];
    const std::string head =
        fmt::format("{}: {} of {} refused by the device: {}", to_string(u.id), rd::name(op), what, rd::name(code));
    switch (code) {
      case rd::Completion::kOk: return ok_status();
      case rd::Completion::kBadOpcode:
        return error(Code::unsupported, head + " (the firmware does not implement this command)");
      case rd::Completion::kBadObject:
        return error(Code::out_of_range, fmt::format("{} (argument {} names no object of this unit)", head, arg_index));
      case rd::Completion::kBadValue:
        return error(Code::out_of_range, fmt::format("{} (argument {} outside its range)", head, arg_index));
      case rd::Completion::kUnsupported:
        return error(Code::unsupported, fmt::format("{} (argument {} not supported by this unit)", head, arg_index));
      case rd::Completion::kWrongState:
        return error(Code::failed_precondition, head +
                                                    " (object in the wrong state; for a breakout, set the "
                                                    "sub-ports admin down first)");
      case rd::Completion::kNotPresent: return error(Code::failed_precondition, head + " (module not present)");
      case rd::Completion::kReadOnly:
        return error(Code::invalid_argument, head + " (a byte in the range is read-only; nothing was written)");
      case rd::Completion::kDeviceFault: return error(Code::device_error, head + " (the target is faulted)");
      case rd::Completion::kBusy: break;
    }
    return error(Code::device_error, fmt::format("{} (completion code {})", head, static_cast<std::uint32_t>(code)));
  }

  // Executes one command. `before_doorbell` may write the data buffer; `after` reads it.
  // Precondition: u.mailbox_mutex held.
  template <typename Before, typename After>
  Status command_locked(Unit& u, const rd::ArgWords& args, std::string_view what, Reply& reply,
                        Before&& before_doorbell, After&& after) {
    const rd::Opcode op = args.opcode;
    if (u.gone.load(std::memory_order_relaxed)) return gone_status(u);
    const nanoseconds typical = rd::typical_latency(op);
    const nanoseconds limit = deadline_for(op);
    DeviceDeadline deadline(*u.bar, limit);
    // Poll at a quarter of the typical latency (at least 1 us, at most 1 ms): a handful of
    // reads per command on hardware, and few virtual-time steps on the simulator.
    const nanoseconds step =
        std::clamp<nanoseconds>(typical / 4, std::chrono::microseconds(1), std::chrono::milliseconds(1));
    for (;;) {
      // Never touch the argument words while the device still executes an earlier command
      // (one that timed out): wait for the mailbox to go idle first.
      for (std::uint32_t state = u.rd32(rd::reg::kMbxState);
           state != static_cast<std::uint32_t>(rd::MailboxState::kIdle); state = u.rd32(rd::reg::kMbxState)) {
        if (state == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
        if (deadline.expired()) {
          return error(Code::timeout,
                       fmt::format("{}: command {} ({}) could not start within {} ms: the mailbox "
                                   "stayed busy with an earlier command",
                                   to_string(u.id), rd::name(op), what,
                                   std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()));
        }
        deadline.wait(step);
      }
      u.bar->write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(op));
      for (std::size_t i = 0; i < args.count; ++i) u.bar->write32(rd::mbx_arg(i), args.word[i]);
      before_doorbell();
      // A fresh tag: never 0 (reset value), never all-ones (what a gone device reads).
      std::uint32_t tag = u.last_tag + 1;
      if (tag == 0 || tag == kAllOnes) tag = 1;
      u.last_tag = tag;
      u.bar->write32(rd::reg::kMbxDoorbell, tag);
      bool first = true;
      for (;;) {
        const std::uint32_t comp = u.rd32(rd::reg::kMbxCompTag);
        if (comp == tag) break;
        if (comp == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
        if (deadline.expired()) {
          return error(Code::timeout,
                       fmt::format("{}: command {} ({}) did not complete within {} ms; the driver "
                                   "stays usable",
                                   to_string(u.id), rd::name(op), what,
                                   std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()));
        }
        deadline.wait(first ? std::max<nanoseconds>(typical, std::chrono::microseconds(1)) : step);
        first = false;
      }
      const auto code = static_cast<rd::Completion>(u.rd32(rd::reg::kMbxCompCode));
      for (std::size_t i = 0; i < reply.result.size(); ++i) reply.result[i] = u.rd32(rd::mbx_result(i));
      if (code == rd::Completion::kBusy) {
        // Another command (one that timed out earlier) still executes: ring again later.
        if (deadline.expired()) {
          return error(Code::timeout,
                       fmt::format("{}: command {} ({}) could not start within {} ms: the mailbox "
                                   "stayed busy with an earlier command",
                                   to_string(u.id), rd::name(op), what,
                                   std::chrono::duration_cast<std::chrono::milliseconds>(limit).count()));
        }
        deadline.wait(step);
        continue;
      }
      if (static_cast<std::uint32_t>(code) == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
      Status s = completion_status(u, op, what, code, reply);
      if (s.ok()) after();
      return s;
    }
  }

  // One command under the unit's mailbox lock. Not logged: callers pass the result through
  // note() once no lock is held.
  Status command(Unit& u, const rd::ArgWords& args, std::string_view what, Reply* reply_out = nullptr) {
    Reply reply;
    Status s;
    {
      std::lock_guard lock(u.mailbox_mutex);
      s = command_locked(
          u, args, what, reply, [] {}, [] {});
    }
    if (reply_out != nullptr) *reply_out = reply;
    return s;
  }

  // ---------------------------------------------------------------- telemetry decoding
  void read_port(const Unit& u, std::uint32_t local, PortTelemetry& p) const {
    const auto f = [&](std::size_t field) { return u.rd32(rd::at(rd::record::kPort, local, field)); };
    p.port = PortId(u.ident.first_port + local);
    p.admin_mask = f(rd::field::kPortAdminMask);
    p.oper_mask = f(rd::field::kPortOperMask);
    p.subports = f(rd::field::kPortBreakout);
    p.fec = fec_from_device(f(rd::field::kPortFec));
    p.faults = port_faults(f(rd::field::kPortFaults));
    p.loopback = loopback_from_device(f(rd::field::kPortLoopback));
    p.down_cause = link_cause_from_device(f(rd::field::kPortDownCause));
    p.subport_speed = Gbps(f(rd::field::kPortSubportGbps));
    p.link_downs = f(rd::field::kPortLinkDownCount);
    p.link_ups = f(rd::field::kPortLinkUpCount);
    p.fec_corrected = u64(f(rd::field::kPortFecCorrectedLo), f(rd::field::kPortFecCorrectedHi));
    p.fec_uncorrected = u64(f(rd::field::kPortFecUncorrectedLo), f(rd::field::kPortFecUncorrectedHi));
    p.breakout = breakout_index(p.subports);
  }

  [[nodiscard]] std::uint32_t breakout_index(std::uint32_t subports) const {
    const auto& modes = platform.breakout_modes();
    for (std::size_t i = 0; i < modes.size(); ++i) {
      if (modes[i].groups().size() == 1 && modes[i].groups()[0].count == subports) return static_cast<std::uint32_t>(i);
    }
    return 0;
  }

  // False when the copy read all-ones (a device that went away mid-copy).
  static bool read_lane(const Unit& u, std::uint32_t local, LaneTelemetry& l) {
    const auto f = [&](std::size_t field) { return u.rd32(rd::at(rd::record::kLane, local, field)); };
    l.lane = LaneId(u.ident.first_lane + local);
    const std::uint32_t flags = f(rd::field::kLaneFlags);
    l.signal_detect = rd::bits::kLaneFlagsSignalDetect.get(flags) != 0;
    l.cdr_lock = rd::bits::kLaneFlagsCdrLock.get(flags) != 0;
    l.prbs_lock = rd::bits::kLaneFlagsPrbsLock.get(flags) != 0;
    l.tx_enabled = rd::bits::kLaneFlagsTxEnabled.get(flags) != 0;
    l.pre_fec_ber = static_cast<double>(std::bit_cast<float>(f(rd::field::kLanePreFecBer)));
    l.snr = Decibels(static_cast<double>(static_cast<std::int32_t>(f(rd::field::kLaneSnr))) / 100.0);
    l.rx_power = power_100nw(f(rd::field::kLaneRxPower));
    l.tx_power = power_100nw(f(rd::field::kLaneTxPower));
    l.laser_input_power = power_100nw(f(rd::field::kLaneLaserInPower));
    l.tx_fir.pre = static_cast<std::int32_t>(f(rd::field::kLaneTxFirPre));
    l.tx_fir.main = static_cast<std::int32_t>(f(rd::field::kLaneTxFirMain));
    l.tx_fir.post = static_cast<std::int32_t>(f(rd::field::kLaneTxFirPost));
    const std::uint32_t prbs = f(rd::field::kLanePrbs);
    l.prbs.pattern = prbs_from_device(rd::bits::kPrbsConfigPattern.get(prbs));
    l.prbs.generator = rd::bits::kPrbsConfigGenerator.get(prbs) != 0;
    l.prbs.checker = rd::bits::kPrbsConfigChecker.get(prbs) != 0;
    const std::uint32_t dp_state = f(rd::field::kLaneDataPathState);
    l.data_path_state = data_path_state_from_device(dp_state);
    l.fec_corrected = u64(f(rd::field::kLaneFecCorrectedLo), f(rd::field::kLaneFecCorrectedHi));
    l.fec_uncorrected = u64(f(rd::field::kLaneFecUncorrectedLo), f(rd::field::kLaneFecUncorrectedHi));
    l.prbs_errors = u64(f(rd::field::kLanePrbsErrorsLo), f(rd::field::kLanePrbsErrorsHi));
    l.prbs_bits = u64(f(rd::field::kLanePrbsBitsLo), f(rd::field::kLanePrbsBitsHi));
    return dp_state != kAllOnes;
  }

  static void read_oe(const Unit& u, std::uint32_t local, OeTelemetry& o) {
    const auto f = [&](std::size_t field) { return u.rd32(rd::at(rd::record::kOe, local, field)); };
    o.oe = OeId(u.ident.first_oe + local);
    o.module_state = module_state_from_device(f(rd::field::kOeModuleState));
    o.faults = oe_faults(f(rd::field::kOeFaults));
    o.temperature = temp_256(f(rd::field::kOeTemp));
    o.vcc = vcc_100uv(f(rd::field::kOeVcc));
    o.power = Milliwatts(static_cast<double>(f(rd::field::kOePowerMw)));
    o.flags = threshold_flags(f(rd::field::kOeTempFlags));
  }

  static void read_els(const Unit& u, std::uint32_t local, ElsTelemetry& e) {
    const auto f = [&](std::size_t field) { return u.rd32(rd::at(rd::record::kEls, local, field)); };
    e.els = ElsId(u.ident.first_els + local);
    e.present = f(rd::field::kElsPresent) == 1;
    e.module_state = module_state_from_device(f(rd::field::kElsModuleState));
    e.temperature = temp_256(f(rd::field::kElsTemp));
    e.vcc = vcc_100uv(f(rd::field::kElsVcc));
    e.flags = threshold_flags(f(rd::field::kElsTempFlags));
    e.insert_count = f(rd::field::kElsInsertCount);
    e.supply_current = Milliamps(static_cast<double>(f(rd::field::kElsSupplyCurrent)) / 1000.0);
  }

  static void read_laser(const Unit& u, std::uint32_t local, LaserTelemetry& l) {
    const auto f = [&](std::size_t field) { return u.rd32(rd::at(rd::record::kLaser, local, field)); };
    l.laser = LaserRef{ElsId(u.ident.first_els + local / u.ident.lasers_per_els), local % u.ident.lasers_per_els};
    l.state = laser_state_from_device(f(rd::field::kLaserState));
    l.fault = laser_fault_from_device(f(rd::field::kLaserFaultCode));
    l.power_setpoint = power_100nw(f(rd::field::kLaserPowerSetpoint));
    l.power = power_100nw(f(rd::field::kLaserPowerMon));
    l.bias = Milliamps(static_cast<double>(f(rd::field::kLaserBiasMon)) / 1000.0);
    l.temperature = temp_256(f(rd::field::kLaserTemp));
    l.wavelength_nm = static_cast<double>(f(rd::field::kLaserWavelengthPm)) / 1000.0;
    l.age_hours = f(rd::field::kLaserAgeHours);
    l.flags = laser_flags(f(rd::field::kLaserFlags));
  }

  Status unit_snapshot(Unit& u, UnitTelemetry& out) {
    const Identity& id = u.ident;
    out.unit = u.id;
    out.ports.resize(id.port_count);
    out.lanes.resize(id.lane_count);
    out.oes.resize(id.oe_count);
    out.els.resize(u.owned_els.size());
    out.lasers.resize(u.owned_lasers.size());
    std::uint32_t generation = 0;
    CPO_RETURN_IF_ERROR(consistent(u, generation, [&] {
      out.timestamp = nanoseconds(u64(u.rd32(rd::reg::kTimeLo), u.rd32(rd::reg::kTimeHi)));
      const std::uint32_t flags = u.rd32(rd::reg::kUnitFlags);
      out.flags = unit_flags(flags);
      out.coolant_temperature = temp_256(u.rd32(rd::reg::kCoolantTemp));
      out.asic_temperature = temp_256(u.rd32(rd::reg::kAsicTemp));
      out.optics_power = Milliwatts(static_cast<double>(u.rd32(rd::reg::kPowerMw)));
      for (std::uint32_t i = 0; i < id.port_count; ++i) read_port(u, i, out.ports[i]);
      for (std::uint32_t i = 0; i < id.lane_count; ++i) read_lane(u, i, out.lanes[i]);
      for (std::uint32_t i = 0; i < id.oe_count; ++i) read_oe(u, i, out.oes[i]);
      for (std::size_t i = 0; i < u.owned_els.size(); ++i) read_els(u, u.owned_els[i], out.els[i]);
      for (std::size_t i = 0; i < u.owned_lasers.size(); ++i) read_laser(u, u.owned_lasers[i], out.lasers[i]);
      // The unit flags word never has all bits set; all-ones means the window went away.
      return flags != kAllOnes;
    }));
    out.generation = generation;
    return ok_status();
  }

  // ---------------------------------------------------------------- events
  [[nodiscard]] bool owns_laser(const Unit& u, std::uint32_t els_local, std::uint32_t laser) const {
    const std::uint32_t els = u.ident.first_els + els_local;
    const std::size_t flat = static_cast<std::size_t>(els) * u.ident.lasers_per_els + laser;
    return flat < laser_owner.size() && laser_owner[flat] == static_cast<int>(u.id.value());
  }
  [[nodiscard]] bool owns_els(const Unit& u, std::uint32_t els_local) const {
    const std::uint32_t els = u.ident.first_els + els_local;
    return els < els_loc.size() && els_loc[els].unit == &u;
  }

  // Decodes one ring entry into typed events appended to `out` (none when the reader should
  // not see it: an ELS or laser event reported by the unit that does not own the object, or
  // a type newer than this driver, which minor versions may add).
  void decode_event(Unit& u, std::uint32_t type, std::uint32_t object, std::uint32_t cause, std::uint32_t detail,
                    nanoseconds t, std::vector<Event>& out) {
    const auto kind = static_cast<rd::ObjectKind>(rd::bits::kObjectKind.get(object));
    const std::uint32_t index = rd::bits::kObjectIndex.get(object);
    const std::uint32_t sub = rd::bits::kObjectSub.get(object);
    EventObject what;
    switch (kind) {
      case rd::ObjectKind::kUnit: what = u.id; break;
      case rd::ObjectKind::kPort: what = LogicalPort{PortId(u.ident.first_port + index), sub}; break;
      case rd::ObjectKind::kLane: what = LaneId(u.ident.first_lane + index); break;
      case rd::ObjectKind::kOe:
        if (sub == 0xff) {
          what = OeId(u.ident.first_oe + index);
        } else {
          what = OeBank{OeId(u.ident.first_oe + index), BankId(sub)};
        }
        break;
      case rd::ObjectKind::kEls:
        if (!owns_els(u, index)) return;
        what = ElsId(u.ident.first_els + index);
        break;
      case rd::ObjectKind::kLaser:
        if (!owns_laser(u, index, sub)) return;
        what = LaserRef{ElsId(u.ident.first_els + index), sub};
        break;
    }
    const auto emit = [&](EventPayload payload) { out.push_back(Event{u.id, t, false, std::move(payload)}); };
    const auto module = [&]() -> std::optional<ModuleRef> {
      if (const auto* oe = std::get_if<OeId>(&what)) return ModuleRef{*oe};
      if (const auto* bank = std::get_if<OeBank>(&what)) return ModuleRef{bank->oe};
      if (const auto* els = std::get_if<ElsId>(&what)) return ModuleRef{*els};
      return std::nullopt;
    };
    KnownState& k = u.known;
    switch (static_cast<rd::EventType>(type)) {
      case rd::EventType::kLinkUp:
      case rd::EventType::kLinkDown: {
        const auto* port = std::get_if<LogicalPort>(&what);
        if (port == nullptr) return;
        const bool up = static_cast<rd::EventType>(type) == rd::EventType::kLinkUp;
        if (index < k.oper_mask.size() && sub < 32) {
          if (up) {
            k.oper_mask[index] |= 1u << sub;
          } else {
            k.oper_mask[index] &= ~(1u << sub);
          }
        }
        emit(LinkChange{*port, up ? OperState::up : OperState::down,
                        up ? LinkCause::none : link_cause_from_device(cause)});
        return;
      }
      case rd::EventType::kElsInserted:
      case rd::EventType::kElsRemoved: {
        const auto* els = std::get_if<ElsId>(&what);
        if (els == nullptr) return;
        const bool in = static_cast<rd::EventType>(type) == rd::EventType::kElsInserted;
        if (index < k.els_present.size()) k.els_present[index] = in ? 1 : 0;
        emit(ElsPresence{*els, in});
        return;
      }
      case rd::EventType::kCmisFlag: {
        const auto m = module();
        if (!m) return;
        const auto* bank = std::get_if<OeBank>(&what);
        emit(CmisFlag{*m, bank != nullptr ? bank->bank : BankId(0), static_cast<std::uint8_t>(detail >> 16),
                      static_cast<std::uint8_t>(detail >> 8), static_cast<std::uint8_t>(detail)});
        return;
      }
      case rd::EventType::kLaserFault: {
        const auto* laser = std::get_if<LaserRef>(&what);
        if (laser == nullptr) return;
        const std::size_t flat = static_cast<std::size_t>(index) * u.ident.lasers_per_els + sub;
        if (flat < k.laser_faulted.size()) k.laser_faulted[flat] = 1;
        emit(LaserFault{*laser, laser_fault_from_device(cause)});
        return;
      }
      case rd::EventType::kTempAlarm: {
        // The device reports the worst temperature flag now; readers get a crossing per
        // threshold: the one left (cleared) and the one entered (asserted).
        const double value = temp_256(detail).value();
        const auto key = std::make_pair(static_cast<std::uint32_t>(kind), index);
        const auto now_flag = temperature_threshold_from_device(cause);
        const auto it = k.temperature.find(key);
        const std::optional<TemperatureThreshold> before =
            it != k.temperature.end() ? std::optional(it->second) : std::nullopt;
        if (before == now_flag) return;
        const double unknown = std::numeric_limits<double>::quiet_NaN();
        if (before)
          emit(ThresholdCrossing{what, Measure::temperature, before->level, before->bound, false, value, unknown});
        if (now_flag) {
          emit(ThresholdCrossing{what, Measure::temperature, now_flag->level, now_flag->bound, true, value, unknown});
          k.temperature[key] = *now_flag;
        } else {
          k.temperature.erase(key);
        }
        return;
      }
      case rd::EventType::kModuleState: {
        const auto m = module();
        if (m) emit(ModuleStateChange{*m, module_state_from_device(cause)});
        return;
      }
      case rd::EventType::kDataPathState: {
        const auto* bank = std::get_if<OeBank>(&what);
        if (bank != nullptr) emit(DataPathStateChange{*bank, detail, data_path_state_from_device(cause)});
        return;
      }
      case rd::EventType::kOeFault:
        if (const auto* oe = std::get_if<OeId>(&what)) emit(OeFaultEvent{*oe});
        return;
      case rd::EventType::kThermalShutdown: emit(ThermalShutdown{what}); return;
      case rd::EventType::kUnitReset: emit(UnitReset{}); return;
    }
  }

  // Re-reads the status region after lost events and tells the reader what changed.
  // Precondition: u.events_mutex held.
  Status resync_locked(Unit& u, std::vector<Event>& out, std::uint32_t lost_hint) {
    const std::uint32_t producer = u.rd32(rd::reg::kEvtProducer);
    if (producer == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
    const std::uint32_t lost = u.rd32(rd::reg::kEvtLost);
    UnitTelemetry now;
    CPO_RETURN_IF_ERROR(unit_snapshot(u, now));
    out.push_back(Event{u.id, now.timestamp, true, Resync{std::max(lost, lost_hint)}});
    append_differences(u, now, out);
    // Acknowledge everything up to `producer` and clear EvtLost (EventAck, registers.def).
    const rd::ArgWords args = rd::pack(rd::EventAckArgs{.Consumer = producer});
    Reply reply;
    Status s;
    {
      std::lock_guard lock(u.mailbox_mutex);
      s = command_locked(
          u, args, "event ring resync", reply, [] {}, [] {});
    }
    CPO_RETURN_IF_ERROR(s);
    u.consumer = producer;
    return ok_status();
  }

  void append_differences(Unit& u, const UnitTelemetry& now, std::vector<Event>& out) {
    KnownState& k = u.known;
    for (std::uint32_t i = 0; i < now.ports.size(); ++i) {
      const PortTelemetry& p = now.ports[i];
      const std::uint32_t changed = p.oper_mask ^ k.oper_mask[i];
      for (std::uint32_t s = 0; s < 32; ++s) {
        if ((changed & (1u << s)) == 0) continue;
        const bool up = ((p.oper_mask >> s) & 1u) != 0;
        out.push_back(Event{u.id, now.timestamp, true,
                            LinkChange{LogicalPort{p.port, s}, up ? OperState::up : OperState::down,
                                       up ? LinkCause::none : p.down_cause}});
      }
      k.oper_mask[i] = p.oper_mask;
    }
    for (std::size_t i = 0; i < now.els.size(); ++i) {
      const std::uint32_t local = u.owned_els[i];
      const std::uint8_t present = now.els[i].present ? 1 : 0;
      if (present != k.els_present[local]) {
        out.push_back(Event{u.id, now.timestamp, true, ElsPresence{now.els[i].els, present != 0}});
        k.els_present[local] = present;
      }
    }
    for (std::size_t i = 0; i < now.lasers.size(); ++i) {
      const std::uint32_t local = u.owned_lasers[i];
      const LaserTelemetry& l = now.lasers[i];
      const std::uint8_t faulted = l.state == LaserState::fault ? 1 : 0;
      if (faulted != 0 && k.laser_faulted[local] == 0) {
        out.push_back(Event{u.id, now.timestamp, true, LaserFault{l.laser, l.fault}});
      }
      k.laser_faulted[local] = faulted;
    }
  }

  void init_known(Unit& u, const UnitTelemetry& now) {
    KnownState& k = u.known;
    k.oper_mask.assign(u.ident.port_count, 0);
    k.els_present.assign(u.ident.els_count, 0);
    k.laser_faulted.assign(static_cast<std::size_t>(u.ident.els_count) * u.ident.lasers_per_els, 0);
    for (std::uint32_t i = 0; i < now.ports.size(); ++i) k.oper_mask[i] = now.ports[i].oper_mask;
    for (std::size_t i = 0; i < now.els.size(); ++i) k.els_present[u.owned_els[i]] = now.els[i].present ? 1 : 0;
    for (std::size_t i = 0; i < now.lasers.size(); ++i) {
      k.laser_faulted[u.owned_lasers[i]] = now.lasers[i].state == LaserState::fault ? 1 : 0;
    }
  }

  // Precondition: u.events_mutex held.
  Status drain_locked(Unit& u, std::vector<Event>& out) {
    if (u.gone.load(std::memory_order_relaxed)) return gone_status(u);
    if (!u.pending.empty()) {
      out.insert(out.end(), u.pending.begin(), u.pending.end());
      u.pending.clear();
    }
    const std::uint32_t n_entries = u.ident.event_ring_size;
    const std::uint32_t producer = u.rd32(rd::reg::kEvtProducer);
    if (producer == kAllOnes) {
      CPO_RETURN_IF_ERROR(check_identity(u));
      return ok_status();  // a transient all-ones read; next call retries
    }
    const std::uint32_t lost = u.rd32(rd::reg::kEvtLost);
    const std::uint32_t backlog = producer - u.consumer;  // unsigned 32-bit, as the table says
    if (backlog > n_entries || lost != 0) return resync_locked(u, out, backlog > n_entries ? backlog - n_entries : 0);
    const std::size_t first_out = out.size();
    std::uint32_t n = u.consumer;
    for (; n != producer; ++n) {
      const std::size_t base = rd::at(rd::record::kEvent, n % n_entries, 0);
      const std::uint32_t seq = u.rd32(base + rd::field::kEventSeq);
      if (seq != n) {
        // Seq ahead of n: the entry was overwritten by a newer event (the ring lapped us).
        // Otherwise the device has not finished writing it yet: take it next time.
        if (static_cast<std::int32_t>(seq - n) > 0 && seq != kAllOnes) {
          out.resize(first_out);
          return resync_locked(u, out, 0);
        }
        if (seq == kAllOnes) CPO_RETURN_IF_ERROR(check_identity(u));
        break;
      }
      const std::uint32_t type = u.rd32(base + rd::field::kEventType);
      const std::uint32_t object = u.rd32(base + rd::field::kEventObject);
      const std::uint32_t cause = u.rd32(base + rd::field::kEventCause);
      const std::uint32_t detail = u.rd32(base + rd::field::kEventDetail);
      const nanoseconds t(u64(u.rd32(base + rd::field::kEventTimeLo), u.rd32(base + rd::field::kEventTimeHi)));
      if (u.rd32(base + rd::field::kEventSeq) != n) {
        // Overwritten while we copied it: what we read may mix two events.
        out.resize(first_out);
        return resync_locked(u, out, 0);
      }
      decode_event(u, type, object, cause, detail, t, out);
    }
    if (n != u.consumer) {
      u.bar->write32(rd::reg::kEvtConsumer, n);
      u.consumer = n;
    }
    return ok_status();
  }

  // ---------------------------------------------------------------- CMIS
  Status cmis(const CmisAddress& a, std::span<std::uint8_t> read_out, std::span<const std::uint8_t> write_in) {
    const bool write = !write_in.empty();
    const std::size_t size = write ? write_in.size() : read_out.size();
    CPO_RETURN_IF_ERROR(check_cmis_transfer(a, size));
    Unit* u = nullptr;
    std::uint32_t local = 0;
    rd::CmisTarget target = rd::CmisTarget::kOe;
    if (const auto* oe = std::get_if<OeId>(&a.module)) {
      if (oe->value() >= oe_loc.size()) CPO_RETURN_IF_ERROR(platform.optical_engine(*oe).status());
      u = oe_loc[oe->value()].unit;
      local = oe_loc[oe->value()].local;
    } else {
      const ElsId els = std::get<ElsId>(a.module);
      if (els.value() >= els_loc.size() || els_loc[els.value()].unit == nullptr) {
        CPO_RETURN_IF_ERROR(platform.els(els).status());
        return error(Code::out_of_range, fmt::format("{} is not reachable from any unit", to_string(els)));
      }
      u = els_loc[els.value()].unit;
      local = els_loc[els.value()].local;
      target = rd::CmisTarget::kEls;
    }
    const rd::CmisRegion region = a.offset < 128 ? rd::CmisRegion::kLower : rd::CmisRegion::kUpper;
    const std::size_t first = a.offset % 128;
    const std::string what = to_string(a);
    Reply reply;
    Status s;
    {
      std::lock_guard lock(u->mailbox_mutex);
      if (write) {
        const rd::ArgWords args = rd::pack(rd::CmisWriteArgs{.Target = static_cast<std::uint32_t>(target),
                                                             .Index = local,
                                                             .Bank = a.bank.value(),
                                                             .Page = a.page,
                                                             .Region = static_cast<std::uint32_t>(region),
                                                             .Offset = static_cast<std::uint32_t>(first),
                                                             .Length = static_cast<std::uint32_t>(size)});
        s = command_locked(
            *u, args, what, reply,
            [&] {
              // Data byte i sits in bits 8*(i%4) of data word i/4; write the words that
              // hold bytes first..first+size-1 (the device takes only those bytes).
              for (std::size_t w = first / 4; w <= (first + size - 1) / 4; ++w) {
                std::uint32_t word = 0;
                for (std::size_t b = 0; b < 4; ++b) {
                  const std::size_t i = w * 4 + b;
                  if (i >= first && i < first + size) word |= std::uint32_t{write_in[i - first]} << (8 * b);
                }
                u->bar->write32(rd::mbx_data_word(w), word);
              }
            },
            [] {});
      } else {
        const rd::ArgWords args = rd::pack(rd::CmisReadArgs{.Target = static_cast<std::uint32_t>(target),
                                                            .Index = local,
                                                            .Bank = a.bank.value(),
                                                            .Page = a.page,
                                                            .Region = static_cast<std::uint32_t>(region)});
        s = command_locked(
            *u, args, what, reply, [] {},
            [&] {
              for (std::size_t w = first / 4; w <= (first + size - 1) / 4; ++w) {
                const std::uint32_t word = u->rd32(rd::mbx_data_word(w));
                for (std::size_t b = 0; b < 4; ++b) {
                  const std::size_t i = w * 4 + b;
                  if (i >= first && i < first + size) read_out[i - first] = static_cast<std::uint8_t>(word >> (8 * b));
                }
              }
            });
      }
    }
    return note(std::move(s));
  }

  // The device splits a port into N equal sub-ports of PortSpeedGbps / N each (Breakout,
  // registers.def), so only such a mode describes what it will do: one group over all the
  // port's lanes, at exactly that speed, with alternative speeds its lanes can carry.
  static Status check_equal_split(const Unit& u, PortId port, const BreakoutMode& mode) {
    const Identity& id = u.ident;
    const auto refuse = [&](std::string_view why) {
      std::string allowed;
      for (std::uint32_t n = 1; n <= id.lanes_per_port && n <= 8; n *= 2) {
        if (id.lanes_per_port % n == 0)
          allowed += fmt::format("{}{}x{}G", allowed.empty() ? "" : ", ", n, id.port_speed_gbps / n);
      }
      return error(Code::unsupported,
                   fmt::format("{}: breakout {} is not an equal split of the port's {} lanes ({}); the reference "
                               "device splits a {}G port only into {}",
                               to_string(port), mode.to_string(), id.lanes_per_port, why, id.port_speed_gbps, allowed));
    };
    const auto& groups = mode.groups();
    if (groups.size() != 1) return refuse("it mixes sub-port groups");
    const BreakoutGroup& g = groups[0];
    if (g.count == 0 || g.count > id.lanes_per_port || id.lanes_per_port % g.count != 0) {
      return refuse("the lanes do not divide evenly");
    }
    if (g.lanes != 0 && g.lanes != id.lanes_per_port) return refuse("it does not use exactly the port's lanes");
    if (std::uint64_t{g.speed.value()} * g.count != id.port_speed_gbps) {
      return refuse(fmt::format("{} sub-ports of this port run at {}G, not {}G", g.count, id.port_speed_gbps / g.count,
                                g.speed.value()));
    }
    for (Gbps alt : g.alt_speeds) {
      if (std::uint64_t{alt.value()} * g.count > id.port_speed_gbps) {
        return refuse(fmt::format("{}G is more than a sub-port's {}G", alt.value(), id.port_speed_gbps / g.count));
      }
    }
    return ok_status();
  }

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

// ---------------------------------------------------------------------------------------------
// open

namespace {

Status mismatch(UnitId unit, std::string_view reg, std::uint32_t device, std::uint64_t platform,
                std::string_view profile) {
  return error(Code::invalid_argument, fmt::format("{}: identity register {} reads {} but profile {} expects {}",
                                                   to_string(unit), reg, device, profile, platform));
}

}  // namespace

Result<std::unique_ptr<ReferenceDriver>> ReferenceDriver::open(const Platform& platform, std::span<Bar* const> bars,
                                                               const Options& options) {
  auto impl = std::make_unique<Impl>(platform);
  impl->options = options;
  const std::size_t unit_count = platform.units().size();
  if (bars.size() != unit_count) {
    return error(Code::invalid_argument, fmt::format("profile {} has {} units but {} register windows were given",
                                                     platform.name(), unit_count, bars.size()));
  }
  impl->port_loc.resize(platform.ports().size(), {nullptr, 0});
  impl->lane_loc.resize(platform.lanes().size(), {nullptr, 0});
  impl->oe_loc.resize(platform.optical_engines().size(), {nullptr, 0});
  impl->els_loc.resize(platform.els_modules().size(), {nullptr, 0});
  std::uint32_t common_caps = kAllOnes, breakout_caps = kAllOnes, fec_caps = kAllOnes, prbs_caps = kAllOnes,
                loopback_caps = kAllOnes;

  for (std::size_t i = 0; i < unit_count; ++i) {
    const UnitId uid(static_cast<std::uint32_t>(i));
    Bar* bar = bars[i];
    if (bar == nullptr) return error(Code::invalid_argument, fmt::format("{}: no register window", to_string(uid)));
    if (bar->size() < rd::kWindowBytes) {
      return error(Code::invalid_argument,
                   fmt::format("{}: register window of {} bytes is smaller than the reference interface's {}",
                               to_string(uid), bar->size(), rd::kWindowBytes));
    }
    const std::uint32_t magic = bar->read32(rd::reg::kMagic);
    if (magic == kAllOnes) {
      return error(Code::device_gone,
                   fmt::format("{}: identity block reads 0xffffffff (no device behind the window)", to_string(uid)));
    }
    if (magic != rd::kMagic) {
      return error(Code::invalid_argument,
                   fmt::format("{}: magic {:#010x} is not a cposdk reference device (expected {:#010x}, \"CPOD\")",
                               to_string(uid), magic, rd::kMagic));
    }
    auto unit = std::make_unique<Impl::Unit>();
    unit->id = uid;
    unit->bar = bar;
    Identity& id = unit->ident;
    const auto r = [&](std::size_t off) { return bar->read32(off); };
    id.version = r(rd::reg::kVersion);
    const std::uint32_t major = rd::bits::kVersionMajor.get(id.version);
    const std::uint32_t minor = rd::bits::kVersionMinor.get(id.version);
    if (major != rd::kVersionMajor) {
      return error(Code::unsupported,
                   fmt::format("{}: reference interface version {}.{} is not supported (this driver speaks {}.x)",
                               to_string(uid), major, minor, rd::kVersionMajor));
    }
    id.port_count = r(rd::reg::kPortCount);
    id.first_port = r(rd::reg::kFirstPort);
    id.lanes_per_port = r(rd::reg::kLanesPerPort);
    id.lane_count = r(rd::reg::kLaneCount);
    id.port_speed_gbps = r(rd::reg::kPortSpeedGbps);
    id.first_lane = r(rd::reg::kFirstLane);
    id.oe_count = r(rd::reg::kOeCount);
    id.first_oe = r(rd::reg::kFirstOe);
    id.banks_per_oe = r(rd::reg::kBanksPerOe);
    id.lanes_per_bank = r(rd::reg::kLanesPerBank);
    id.els_count = r(rd::reg::kElsCount);
    id.first_els = r(rd::reg::kFirstEls);
    id.lasers_per_els = r(rd::reg::kLasersPerEls);
    id.capabilities = r(rd::reg::kCapabilities);
    id.breakout_caps = r(rd::reg::kBreakoutCaps);
    id.fec_caps = r(rd::reg::kFecCaps);
    id.prbs_caps = r(rd::reg::kPrbsCaps);
    id.loopback_caps = r(rd::reg::kLoopbackCaps);
    id.event_ring_size = r(rd::reg::kEventRingSize);

    // The identity must describe this unit of this profile.
    const std::string& prof = platform.name();
    if (const std::uint32_t v = r(rd::reg::kUnitIndex); v != i) return mismatch(uid, "UnitIndex", v, i, prof);
    if (const std::uint32_t v = r(rd::reg::kUnitCount); v != unit_count) {
      return mismatch(uid, "UnitCount", v, unit_count, prof);
    }
    auto ports = platform.ports_of(uid);
    if (!ports) return ports.status();
    if (id.port_count != ports->size()) return mismatch(uid, "PortCount", id.port_count, ports->size(), prof);
    if (id.port_count > rd::record::kPort.capacity || id.lane_count > rd::record::kLane.capacity ||
        id.oe_count > rd::record::kOe.capacity || id.els_count > rd::record::kEls.capacity ||
        static_cast<std::size_t>(id.els_count) * id.lasers_per_els > rd::record::kLaser.capacity ||
        id.event_ring_size == 0 || id.event_ring_size > rd::record::kEvent.capacity) {
      return error(Code::invalid_argument,
                   fmt::format("{}: identity counts exceed the interface's record capacity", to_string(uid)));
    }
    if (id.lane_count != id.port_count * id.lanes_per_port) {
      return mismatch(uid, "LaneCount", id.lane_count, std::uint64_t{id.port_count} * id.lanes_per_port, prof);
    }
    for (std::uint32_t k = 0; k < id.port_count; ++k) {
      const PortId pid = (*ports)[k];
      if (pid.value() != id.first_port + k) return mismatch(uid, "FirstPort", id.first_port, (*ports)[0].value(), prof);
      const PortInfo& pi = platform.ports()[pid.value()];
      if (pi.lanes.size() != id.lanes_per_port) {
        return mismatch(uid, "LanesPerPort", id.lanes_per_port, pi.lanes.size(), prof);
      }
      for (std::uint32_t j = 0; j < pi.lanes.size(); ++j) {
        const std::uint32_t expect = id.first_lane + k * id.lanes_per_port + j;
        if (pi.lanes[j].value() != expect) {
          return mismatch(uid, "FirstLane", id.first_lane, pi.lanes[0].value() - k * id.lanes_per_port - j, prof);
        }
        impl->lane_loc[expect] = {unit.get(), k * id.lanes_per_port + j};
      }
      impl->port_loc[pid.value()] = {unit.get(), k};
    }
    // Unit-local numbering: the profile's unit ranges (Platform::unit_ranges) are the truth
    // the identity block must repeat.
    auto ranges = platform.unit_ranges(uid);
    if (!ranges) return ranges.status();
    if (id.first_oe != ranges->first_oe) return mismatch(uid, "FirstOe", id.first_oe, ranges->first_oe, prof);
    if (id.oe_count != ranges->oe_count) return mismatch(uid, "OeCount", id.oe_count, ranges->oe_count, prof);
    if (id.first_els != ranges->first_els) return mismatch(uid, "FirstEls", id.first_els, ranges->first_els, prof);
    if (id.els_count != ranges->els_count) return mismatch(uid, "ElsCount", id.els_count, ranges->els_count, prof);
    for (std::uint32_t k = 0; k < id.oe_count; ++k) {
      const OeInfo& oe = platform.optical_engines()[id.first_oe + k];
      if (oe.banks.size() != id.banks_per_oe)
        return mismatch(uid, "BanksPerOe", id.banks_per_oe, oe.banks.size(), prof);
      impl->oe_loc[oe.id.value()] = {unit.get(), k};
    }
    for (std::uint32_t k = 0; k < id.els_count; ++k) {
      const ElsInfo& els = platform.els_modules()[id.first_els + k];
      if (els.lasers.size() != id.lasers_per_els) {
        return mismatch(uid, "LasersPerEls", id.lasers_per_els, els.lasers.size(), prof);
      }
      if (impl->els_loc[els.id.value()].unit == nullptr) {
        impl->els_loc[els.id.value()] = {unit.get(), k};
        unit->owned_els.push_back(k);
      }
    }
    common_caps &= id.capabilities;
    breakout_caps &= id.breakout_caps;
    fec_caps &= id.fec_caps;
    prbs_caps &= id.prbs_caps;
    loopback_caps &= id.loopback_caps;
    impl->units.push_back(std::move(unit));
  }

  // Laser ownership: the unit whose lanes the laser lights (reported exactly once).
  std::size_t lasers_per_els = impl->units.empty() ? 0 : impl->units[0]->ident.lasers_per_els;
  impl->laser_owner.assign(platform.els_modules().size() * lasers_per_els, -1);
  for (const ElsInfo& els : platform.els_modules()) {
    for (const LaserInfo& laser : els.lasers) {
      if (laser.lanes.empty() || laser.ref.index >= lasers_per_els) continue;
      const UnitId owner = platform.lanes()[laser.lanes.front().value()].unit;
      Impl::Unit& u = *impl->units[owner.value()];
      if (els.id.value() < u.ident.first_els || els.id.value() >= u.ident.first_els + u.ident.els_count) {
        return error(
            Code::invalid_argument,
            fmt::format("{}: {} lights its lanes but its ELS is outside the unit's ELS range {}..{}", to_string(owner),
                        to_string(laser.ref), u.ident.first_els, u.ident.first_els + u.ident.els_count - 1));
      }
      impl->laser_owner[els.id.value() * lasers_per_els + laser.ref.index] = static_cast<int>(owner.value());
      u.owned_lasers.push_back((els.id.value() - u.ident.first_els) * u.ident.lasers_per_els + laser.ref.index);
    }
  }

  // Capabilities: what every unit supports.
  Capabilities& c = impl->caps;
  const auto has = [&](rd::Capability cap) { return (common_caps >> static_cast<std::uint32_t>(cap)) & 1u; };
  c.backend = "reference";
  c.port_admin = true;
  c.subport_admin = true;
  // TempAlarm events (registers.def) are the device's temperature threshold crossings.
  c.threshold_events = {Measure::temperature};
  c.breakout = breakout_caps != 0;
  c.bulk_breakout = c.breakout;
  for (auto [hal, dev] : {std::pair{FecMode::none, rd::Fec::kNone}, std::pair{FecMode::fc, rd::Fec::kFc},
                          std::pair{FecMode::rs528, rd::Fec::kRs528}, std::pair{FecMode::rs544, rd::Fec::kRs544}}) {
    if ((fec_caps >> static_cast<std::uint32_t>(dev)) & 1u) c.fec_modes.push_back(hal);
  }
  c.tx_fir = has(rd::Capability::kTxFir) != 0;
  c.tx_fir_limits = {rd::kTxFirPreMin,  rd::kTxFirPreMax,  rd::kTxFirMainMin, rd::kTxFirMainMax,
                     rd::kTxFirPostMin, rd::kTxFirPostMax, rd::kTxFirSwingMax};
  if (has(rd::Capability::kPrbs) != 0) {
    for (PrbsPattern p : {PrbsPattern::prbs7, PrbsPattern::prbs13q, PrbsPattern::prbs31, PrbsPattern::prbs31q}) {
      rd::PrbsPattern dev{};
      if (prbs_to_device(p, dev) && ((prbs_caps >> static_cast<std::uint32_t>(dev)) & 1u)) c.prbs_patterns.push_back(p);
    }
  }
  if (has(rd::Capability::kLoopback) != 0) {
    for (LoopbackMode m : {LoopbackMode::phy_near_end, LoopbackMode::phy_far_end}) {
      if ((loopback_caps >> static_cast<std::uint32_t>(*loopback_to_device(m))) & 1u) c.loopback_modes.push_back(m);
    }
  }
  c.cmis_oe = c.cmis_els = c.cmis_write = has(rd::Capability::kCmis) != 0;
  c.telemetry = true;
  c.events = has(rd::Capability::kEventRing) != 0;
  c.unit_reset = true;

  // Event state: the consumer index the device holds, and what the reader knows now.
  for (auto& u : impl->units) {
    UnitTelemetry now;
    Status s = impl->unit_snapshot(*u, now);
    if (!s.ok()) return s.with_context("opening " + platform.name());
    u->consumer = u->bar->read32(rd::reg::kEvtConsumer);
    impl->init_known(*u, now);
  }
  return std::unique_ptr<ReferenceDriver>(new ReferenceDriver(std::move(impl)));
}

ReferenceDriver::ReferenceDriver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  fast_port_count_ = impl_->port_loc.size();
  fast_ports_ = std::make_unique<FastPort[]>(fast_port_count_);
  for (std::size_t i = 0; i < fast_port_count_; ++i) {
    const Impl::PortLoc& loc = impl_->port_loc[i];
    fast_ports_[i] = {loc.unit->bar, &loc.unit->gone, rd::at(rd::record::kPort, loc.local, rd::field::kPortOperMask)};
  }
}
ReferenceDriver::~ReferenceDriver() = default;

const Capabilities& ReferenceDriver::capabilities() const noexcept { return impl_->caps; }
const Platform& ReferenceDriver::platform() const noexcept { return impl_->platform; }

// ---------------------------------------------------------------------------------------------
// ports

namespace {

// An AdminState cast from an integer outside the enum is refused, not read as "down".
Status check_admin(std::string_view what, AdminState state) {
  if (state == AdminState::up || state == AdminState::down) return ok_status();
  return error(Code::invalid_argument,
               fmt::format("{}: admin state value {} is not an AdminState (down, up)", what, static_cast<int>(state)));
}

}  // namespace

Status ReferenceDriver::set_admin_state(PortId port, AdminState state) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  CPO_RETURN_IF_ERROR(check_admin(to_string(port), state));
  const auto args =
      rd::pack(rd::PortAdminArgs{.Port = loc->local, .Subport = rd::kAllSubports, .Up = state == AdminState::up});
  return impl_->note(impl_->command(*loc->unit, args, to_string(port)));
}

Status ReferenceDriver::set_subport_admin_state(const LogicalPort& port, AdminState state) {
  auto loc = impl_->port(port.port);
  if (!loc) return loc.status();
  CPO_RETURN_IF_ERROR(check_admin(to_string(port), state));
  const auto args =
      rd::pack(rd::PortAdminArgs{.Port = loc->local, .Subport = port.subport, .Up = state == AdminState::up});
  return impl_->note(impl_->command(*loc->unit, args, to_string(port)));
}

Status ReferenceDriver::set_breakout(std::span<const BreakoutRequest> requests) {
  struct Run {
    Impl::Unit* unit;
    std::uint32_t first_local;
    std::uint32_t count;
    std::uint32_t subports;
    PortId first;
  };
  // Every request is checked before the first command, so a refusal leaves the switch as it was.
  std::vector<Run> runs;
  std::vector<bool> seen(impl_->port_loc.size(), false);
  for (const auto& req : requests) {
    auto loc = impl_->port(req.port);
    if (!loc) return loc.status();
    if (seen[req.port.value()]) {
      return error(Code::invalid_argument,
                   fmt::format("{} appears twice in one breakout call (each port at most once)", to_string(req.port)));
    }
    seen[req.port.value()] = true;
    CPO_RETURN_IF_ERROR(Impl::check_equal_split(*loc->unit, req.port, req.mode));
    const std::uint32_t subports = req.mode.groups()[0].count;
    if (!runs.empty()) {
      Run& last = runs.back();
      if (last.unit == loc->unit && last.subports == subports && last.first_local + last.count == loc->local) {
        ++last.count;
        continue;
      }
    }
    runs.push_back({loc->unit, loc->local, 1, subports, req.port});
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Run& run = runs[i];
    const auto args =
        rd::pack(rd::BreakoutArgs{.FirstPort = run.first_local, .Count = run.count, .Subports = run.subports});
    const std::string what = run.count == 1
                                 ? to_string(run.first)
                                 : fmt::format("ports {}..{}", run.first.value(), run.first.value() + run.count - 1);
    Impl::Reply reply;
    Status s = impl_->command(*run.unit, args, what, &reply);
    if (!s.ok()) {
      if (s.code() == Code::failed_precondition) {
        s = error(s.code(),
                  fmt::format("{} (port {} has a sub-port admin up)", s.message(),
                              run.unit->ident.first_port + rd::unpack_results<rd::BreakoutResults>(reply.result).Port));
      }
      if (runs.size() > 1) {
        s = s.with_context(
            fmt::format("breakout step {} of {} ({} earlier applied, this one and later not)", i + 1, runs.size(), i));
      }
      return impl_->note(std::move(s));
    }
  }
  return ok_status();
}

Status ReferenceDriver::set_fec(PortId port, FecMode mode) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  const auto dev = fec_to_device(mode);
  if (!dev) {
    return error(Code::invalid_argument, fmt::format("{}: FEC mode value {} is not a FecMode (none, fc, rs528, rs544)",
                                                     to_string(port), static_cast<int>(mode)));
  }
  const auto args = rd::pack(rd::FecModeArgs{.Port = loc->local, .Mode = static_cast<std::uint32_t>(*dev)});
  return impl_->note(impl_->command(*loc->unit, args, fmt::format("{} FEC {}", to_string(port), to_string(mode))));
}

Status ReferenceDriver::set_loopback(PortId port, LoopbackMode mode) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  const auto dev = loopback_to_device(mode);
  if (!dev) {
    return error(Code::invalid_argument,
                 fmt::format("{}: loopback value {} is not a LoopbackMode (none, phy_near_end, phy_far_end)",
                             to_string(port), static_cast<int>(mode)));
  }
  const auto args = rd::pack(rd::LoopbackArgs{.Port = loc->local, .Mode = static_cast<std::uint32_t>(*dev)});
  return impl_->note(impl_->command(*loc->unit, args, fmt::format("{} loopback {}", to_string(port), to_string(mode))));
}

Result<PortTelemetry> ReferenceDriver::port_telemetry(PortId port) {
  auto loc = impl_->port(port);
  if (!loc) return loc.status();
  PortTelemetry p;
  std::uint32_t generation = 0;
  Status s = impl_->consistent(*loc->unit, generation, [&] {
    impl_->read_port(*loc->unit, loc->local, p);
    return p.subports != kAllOnes;
  });
  if (!s.ok()) return impl_->note(std::move(s));
  return p;
}

Result<OperState> ReferenceDriver::oper_state(PortId port) {
  // The fast path: one register, no lock, every unusual case in oper_state_slow. OperMask is
  // a single word the device writes atomically, so it needs no seqlock section; with at
  // most 8 sub-ports it never reads all-ones on a live device.
  if (port.value() >= fast_port_count_) [[unlikely]]
    return oper_state_slow(port);
  const FastPort& f = fast_ports_[port.value()];
  if (f.gone->load(std::memory_order_relaxed)) [[unlikely]]
    return oper_state_slow(port);
  const std::uint32_t mask = f.bar->read32(f.oper_offset);
  if (mask == kAllOnes) [[unlikely]]
    return oper_state_slow(port);
  return mask != 0 ? OperState::up : OperState::down;
}

Result<OperStateProbe> ReferenceDriver::oper_state_probe(PortId port) {
  if (port.value() >= fast_port_count_) return impl_->platform.port(port).status();
  const FastPort& f = fast_ports_[port.value()];
  // A probe on a gone unit would only ever fall back to oper_state(); say so now.
  if (f.gone->load(std::memory_order_relaxed)) {
    auto state = oper_state_slow(port);
    if (!state.ok()) return state.status();
  }
  return OperStateProbe(*this, port, *f.bar, f.oper_offset);
}

Result<OperState> ReferenceDriver::oper_state_slow(PortId port) {
  if (port.value() >= impl_->port_loc.size()) return impl_->platform.port(port).status();
  const Impl::PortLoc loc = impl_->port_loc[port.value()];
  Impl::Unit& u = *loc.unit;
  if (u.gone.load(std::memory_order_relaxed)) return impl_->note(Impl::gone_status(u));
  const std::size_t off = rd::at(rd::record::kPort, loc.local, rd::field::kPortOperMask);
  std::uint32_t mask = u.rd32(off);
  for (int retry = 0; retry < 3 && mask == kAllOnes; ++retry) {
    Status s = Impl::check_identity(u);
    if (!s.ok()) return impl_->note(std::move(s));
    mask = u.rd32(off);  // the identity reads right: a transient all-ones read, read again
  }
  if (mask == kAllOnes) {
    return error(Code::device_error,
                 fmt::format("{}: oper state of {} keeps reading 0xffffffff", to_string(u.id), to_string(port)));
  }
  return mask != 0 ? OperState::up : OperState::down;
}

// ---------------------------------------------------------------------------------------------
// lanes

Status ReferenceDriver::set_tx_fir(LaneId lane, const TxFir& taps) {
  auto loc = impl_->lane(lane);
  if (!loc) return loc.status();
  const auto args = rd::pack(rd::TxFirArgs{.Lane = loc->local,
                                           .Pre = static_cast<std::uint32_t>(taps.pre),
                                           .Main = static_cast<std::uint32_t>(taps.main),
                                           .Post = static_cast<std::uint32_t>(taps.post)});
  return impl_->note(
      impl_->command(*loc->unit, args,
                     fmt::format("{} tx-FIR pre {} main {} post {}", to_string(lane), taps.pre, taps.main, taps.post)));
}

Status ReferenceDriver::set_prbs(LaneId lane, const PrbsConfig& config) {
  auto loc = impl_->lane(lane);
  if (!loc) return loc.status();
  std::uint32_t pattern = static_cast<std::uint32_t>(rd::PrbsPattern::kOff);
  std::uint32_t flags = 0;
  if (config.generator || config.checker) {
    rd::PrbsPattern dev{};
    if (!prbs_to_device(config.pattern, dev)) {
      return error(Code::unsupported, fmt::format("{}: PRBS pattern {} is not defined by the reference device "
                                                  "(prbs7, prbs13q, prbs31, prbs31q)",
                                                  to_string(lane), to_string(config.pattern)));
    }
    pattern = static_cast<std::uint32_t>(dev);
    // A checker starts from clean counters.
    flags = rd::bits::kPrbsFlagsGenerator.put(config.generator ? 1u : 0u) |
            rd::bits::kPrbsFlagsChecker.put(config.checker ? 1u : 0u) |
            rd::bits::kPrbsFlagsClearCounters.put(config.checker ? 1u : 0u);
  }
  const auto args = rd::pack(rd::PrbsArgs{.Lane = loc->local, .Pattern = pattern, .Flags = flags});
  return impl_->note(
      impl_->command(*loc->unit, args,
                     fmt::format("{} PRBS {}{}{}", to_string(lane), to_string(config.pattern),
                                 config.generator ? " generator" : "", config.checker ? " checker" : "")));
}

Result<PrbsStatus> ReferenceDriver::prbs_status(LaneId lane) {
  auto t = lane_telemetry(lane);
  if (!t) return t.status();
  PrbsStatus s;
  s.config = t->prbs;
  s.locked = t->prbs_lock;
  s.errors = t->prbs_errors;
  s.bits = t->prbs_bits;
  return s;
}

Result<LaneTelemetry> ReferenceDriver::lane_telemetry(LaneId lane) {
  auto loc = impl_->lane(lane);
  if (!loc) return loc.status();
  LaneTelemetry l;
  std::uint32_t generation = 0;
  Status s = impl_->consistent(*loc->unit, generation, [&] { return Impl::read_lane(*loc->unit, loc->local, l); });
  if (!s.ok()) return impl_->note(std::move(s));
  return l;
}

// ---------------------------------------------------------------------------------------------
// CMIS, telemetry, events, reset

Status ReferenceDriver::read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) {
  return impl_->cmis(address, out, {});
}

Status ReferenceDriver::write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return error(Code::invalid_argument, fmt::format("{}: transfer of 0 bytes", to_string(address)));
  return impl_->cmis(address, {}, bytes);
}

Status ReferenceDriver::read_telemetry(UnitId unit, UnitTelemetry& out) {
  if (unit.value() >= impl_->units.size()) return impl_->platform.unit(unit).status();
  return impl_->note(impl_->unit_snapshot(*impl_->units[unit.value()], out));
}

Status ReferenceDriver::read_events(std::vector<Event>& out) {
  Status first;
  for (auto& u : impl_->units) {
    if (((u->ident.capabilities >> static_cast<std::uint32_t>(rd::Capability::kEventRing)) & 1u) == 0) continue;
    Status s;
    {
      std::lock_guard lock(u->events_mutex);
      s = impl_->drain_locked(*u, out);
    }
    if (!s.ok() && first.ok()) first = s;  // keep reading the other units
    if (!s.ok()) static_cast<void>(impl_->note(s));
  }
  return first;
}

Status ReferenceDriver::reset_unit(UnitId unit) {
  if (unit.value() >= impl_->units.size()) return impl_->platform.unit(unit).status();
  Impl::Unit& u = *impl_->units[unit.value()];
  Status s;
  {
    // The reset clears the event ring (EvtProducer = EvtConsumer = 0), losing the link-down
    // events of the reset itself: hold the events lock so no reader drains half-way, then
    // restart from the device's consumer index and queue what changed as synthetic events.
    std::lock_guard events(u.events_mutex);
    s = impl_->command(u, rd::pack(rd::UnitResetArgs{}), to_string(unit));
    if (s.ok()) {
      const std::uint32_t consumer = u.rd32(rd::reg::kEvtConsumer);
      if (consumer != kAllOnes) u.consumer = consumer;
      UnitTelemetry now;
      s = impl_->unit_snapshot(u, now);
      if (s.ok()) impl_->append_differences(u, now, u.pending);
    }
  }
  return impl_->note(std::move(s));
}

}  // namespace cpo::reference
