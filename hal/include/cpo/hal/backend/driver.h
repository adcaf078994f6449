// cpo::Driver: what a switch backend does. For driver writers and for the SDK above them.
//
// A Driver serves one switch whose topology is a cpo::Platform (ids are switch-wide, as in
// the profile). The reference driver implements it over a cpo::Bar per unit; a vendor
// implements it for its own ASIC (docs/porting-guide.md). The split follows Linux mlxsw
// (`struct mlxsw_driver` personalities over `struct mlxsw_bus` transports).
//
// Who checks what (DPDK rte_ethdev.c style): the generic checks - ids in range for the
// platform, the capability present, a breakout mode legal for the profile, tx-FIR taps
// inside the advertised limits, CMIS addresses well formed - are made once, above the
// drivers, by cpo::ValidatedDriver (validated_driver.h). A driver may assume its inputs
// passed those checks and reports only what the device says: device_error (the device
// refused, message naming the object and the device's reason), timeout (no answer within
// the deadline; the driver stays usable), device_gone (the device disappeared; every later
// call on that unit fails the same way), failed_precondition (the object is in the wrong
// state: breakout while a sub-port is admin up, CMIS access to a removed ELS) and
// unsupported for what the device cannot do although the capabilities said it could. A
// driver used without the validating layer must still not crash or corrupt state on bad
// input: it returns out_of_range or invalid_argument (from its own check or the device's).
//
// Capabilities: a backend fills a Capabilities struct instead of shipping stubs; the
// validating layer refuses an absent capability with unsupported before calling the driver.
//
// Thread safety: every method may be called from any number of threads at once. Commands
// to one unit are serialised by the driver; reads of telemetry never wait for a command.
// A Driver never calls back into user code.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/breakout.h"
#include "cpo/hal/events.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/status.h"
#include "cpo/hal/telemetry.h"

namespace cpo {

struct TxFirLimits {
  std::int32_t pre_min = 0, pre_max = 0;
  std::int32_t main_min = 0, main_max = 0;
  std::int32_t post_min = 0, post_max = 0;
  std::int32_t swing_max = 0;  // largest |pre| + main + |post|; 0: no such limit
};

struct PrbsStatus {
  PrbsConfig config;
  bool locked = false;       // checker synchronised to the pattern
  std::uint64_t errors = 0;  // checker bit errors since the checker was enabled or cleared
  std::uint64_t bits = 0;    // bits compared since then (BER = errors / bits)
};

// How CmisAddress::page numbers an ELS module's upper pages.
// - logical: the OIF-ELSFP-CMIS numbering (1Ah, 1Bh) the codec and the SDK use, whatever the
//   module's layout. ValidatedDriver translates it through the profile's ELS page map
//   (Platform::els_page) and hands the backend the module's own page, marked physical.
// - physical: the page as the module serves it (B0h on a Davisson-like ELS), untranslated:
//   for bring-up reads (`cpoctl cmis dump --raw-pages`). ValidatedDriver refuses writes in
//   this view, so laser controls are only ever written under their logical page, where the
//   SDK's laser safety checks see them.
// OE pages are never relocated: both views are the same for them.
enum class CmisPageView : std::uint8_t { logical, physical };

// A byte range of one CMIS page of an optical engine (OE) or an external laser source
// (ELS), as ethtool's MODULE_EEPROM_GET addresses it: bytes 0..127 are the lower memory
// (the same for every page), bytes 128..255 the upper page `page` of bank `bank`.
// A transfer never crosses byte 128 and moves at most kCmisMaxTransfer bytes.
// Backends (Driver implementations below ValidatedDriver) always receive physical pages.
struct CmisAddress {
  std::variant<OeId, ElsId> module;
  BankId bank;                 // CMIS bank: of an OE, its banks of 8 lanes; of an ELS, its 8 lasers
  std::uint8_t page = 0;       // upper page number, 00h..FFh
  std::uint16_t offset = 128;  // first byte, 0..255
  CmisPageView view = CmisPageView::logical;
};
inline constexpr std::size_t kCmisMaxTransfer = 128;
// "oe 5 bank 2 page 11h byte 128", "els 7 page 1Ah byte 130", "els 7 module page B0h byte 130"
// (the physical view)
std::string to_string(const CmisAddress& address);
// The one rule for where a transfer of `size` bytes may go, shared by ValidatedDriver and
// the drivers that check themselves: out_of_range for an offset past the page (> 255),
// invalid_argument for a size outside 1..kCmisMaxTransfer or one crossing byte 128.
Status check_cmis_transfer(const CmisAddress& address, std::size_t size);

struct BreakoutRequest {
  PortId port;
  BreakoutMode mode;
};

// What a backend supports. The validating layer refuses anything not listed here with
// unsupported, so a backend never ships stubs.
struct Capabilities {
  std::string backend;  // "reference", "mock", a vendor name; shown in messages
  bool port_admin = false;
  bool subport_admin = false;  // set_subport_admin_state: one sub-port at a time
  bool breakout = false;
  bool bulk_breakout = false;  // set_breakout accepts many groups in one call
  // Per-logical-port MTU (bytes of the largest frame's L3 payload, as `ip link` counts it);
  // mtu_min..mtu_max is what the device accepts. mtu false: MTU neither read nor set.
  bool mtu = false;
  std::uint32_t mtu_min = 0;
  std::uint32_t mtu_max = 0;
  std::vector<FecMode> fec_modes;  // empty: FEC not settable
  bool tx_fir = false;
  TxFirLimits tx_fir_limits;
  std::vector<PrbsPattern> prbs_patterns;    // empty: no PRBS
  std::vector<LoopbackMode> loopback_modes;  // besides none; empty: no loopback
  bool cmis_oe = false;                      // CMIS page access to optical engines
  bool cmis_els = false;                     // CMIS page access to ELS modules
  bool cmis_write = false;
  bool telemetry = false;
  bool events = false;
  bool unit_reset = false;
  // Quantities whose threshold crossings the backend reports itself as events (the SDK
  // derives the others from telemetry).
  std::vector<Measure> threshold_events;
};

class Driver;

// A pre-resolved reader of one port's oper state, for polling loops that read it very often.
// On a register-level backend read() is one Bar read and a compare (no virtual Driver call,
// no id lookup); on other backends, and whenever the register reads all-ones (PCIe error or
// a device that is gone), it calls Driver::oper_state, which does the full checks and
// returns device_gone or device_error as that method documents.
// Obtain one with Driver::oper_state_probe(). Valid while the driver lives; copyable;
// read() is thread-safe.
class OperStateProbe {
 public:
  // A probe that always asks the driver.
  OperStateProbe(Driver& driver, PortId port) noexcept : driver_(&driver), port_(port) {}
  // A probe over the 32-bit register at `offset` of `bar` that reads non-zero while the
  // port is up.
  OperStateProbe(Driver& driver, PortId port, const Bar& bar, std::size_t offset) noexcept
      : driver_(&driver), port_(port), bar_(&bar), offset_(offset) {}

  [[nodiscard]] PortId port() const noexcept { return port_; }
  [[nodiscard]] inline Result<OperState> read() const;

 private:
  Driver* driver_;
  PortId port_;
  const Bar* bar_ = nullptr;
  std::size_t offset_ = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;
  Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // What this backend supports. Constant for the driver's lifetime.
  [[nodiscard]] virtual const Capabilities& capabilities() const noexcept = 0;

  // --- ports and breakout ---------------------------------------------------------------

  // Sets the administrative state of every sub-port of `port`.
  // Errors: device_error, timeout, device_gone.
  virtual Status set_admin_state(PortId port, AdminState state) = 0;

  // Sets the administrative state of one sub-port under the port's current breakout.
  // Errors: out_of_range (no such sub-port under the current breakout), device_error,
  // timeout, device_gone.
  virtual Status set_subport_admin_state(const LogicalPort& port, AdminState state) = 0;

  // Applies breakout modes to port groups. Each group changes atomically: the device
  // either runs the new mode or keeps the old one. Groups are applied in the given order;
  // the call stops at the first failure and says which group failed and that the groups
  // before it were applied. Precondition: each mode passed Platform::check_breakout for
  // its port, no port twice. Errors: failed_precondition (a sub-port of the group is admin
  // up: set it down first), unsupported (the device cannot split a port that way),
  // device_error, timeout, device_gone.
  virtual Status set_breakout(std::span<const BreakoutRequest> requests) = 0;

  // The MTU of one logical port (a sub-port under the port's current breakout) in bytes.
  // Only called when capabilities().mtu; the validating layer refuses the rest.
  // Errors: out_of_range (no such sub-port), device_error, timeout, device_gone.
  virtual Result<std::uint32_t> mtu(const LogicalPort& port) {
    (void)port;
    return error(Code::unsupported, "this backend has no port MTU");
  }
  // Sets it. Precondition: capabilities().mtu_min <= bytes <= mtu_max (the validating layer
  // checks). Errors: out_of_range, device_error, timeout, device_gone.
  virtual Status set_mtu(const LogicalPort& port, std::uint32_t bytes) {
    (void)port, (void)bytes;
    return error(Code::unsupported, "this backend has no port MTU");
  }

  // Sets the FEC mode of every sub-port of `port`. Errors: device_error (the mode does not
  // fit the current breakout), timeout, device_gone.
  virtual Status set_fec(PortId port, FecMode mode) = 0;

  // Sets the loopback of `port`. Errors: device_error, timeout, device_gone.
  virtual Status set_loopback(PortId port, LoopbackMode mode) = 0;

  // The port's state and counters, one consistent copy. Never takes the command lock.
  // Errors: timeout (the device kept publishing faster than a copy could be made),
  // device_gone.
  virtual Result<PortTelemetry> port_telemetry(PortId port) = 0;

  // The port's oper state (up when any sub-port's link is up): the cheapest read, one
  // register on the reference device. Never takes the command lock. Errors: device_gone.
  virtual Result<OperState> oper_state(PortId port) = 0;

  // A probe for polling the port's oper state (see OperStateProbe). The default asks
  // oper_state() on every read; register-level backends return a one-read probe.
  // Errors: out_of_range for an unknown port (from the validating layer), device_gone.
  virtual Result<OperStateProbe> oper_state_probe(PortId port) { return OperStateProbe(*this, port); }

  // --- lanes ----------------------------------------------------------------------------

  // Sets the lane's transmitter FIR. Precondition: taps inside tx_fir_limits.
  // Errors: out_of_range (the device refused a tap), device_error, timeout, device_gone.
  virtual Status set_tx_fir(LaneId lane, const TxFir& taps) = 0;

  // Configures the lane's PRBS generator and checker (both false: off). Enabling the
  // checker restarts its error count. Errors: device_error, timeout, device_gone.
  virtual Status set_prbs(LaneId lane, const PrbsConfig& config) = 0;

  // The PRBS configuration, lock and error count of a lane.
  // Errors: device_error, timeout, device_gone.
  virtual Result<PrbsStatus> prbs_status(LaneId lane) = 0;

  // The lane's SerDes telemetry, one consistent copy. Never takes the command lock.
  // Errors: timeout, device_gone.
  virtual Result<LaneTelemetry> lane_telemetry(LaneId lane) = 0;

  // --- optics (CMIS) ----------------------------------------------------------------------

  // Reads out.size() bytes (1..kCmisMaxTransfer) at `address`. Errors: failed_precondition
  // (the ELS is removed), unsupported (the module does not implement the page),
  // device_error (the OE is faulted), timeout, device_gone.
  virtual Status read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) = 0;

  // Writes bytes (1..kCmisMaxTransfer) at `address`, as one two-wire write. Errors:
  // invalid_argument (a byte in the range is read-only; nothing was written), and those of
  // read_cmis.
  virtual Status write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) = 0;

  // --- telemetry and events -----------------------------------------------------------------

  // Copies everything `unit` publishes into `out` in one consistent pass, reusing out's
  // storage. Never takes the command lock. Errors: timeout (no consistent copy within the
  // deadline), device_gone.
  virtual Status read_telemetry(UnitId unit, UnitTelemetry& out) = 0;

  // Appends the events of every unit that arrived since the last call to `out` and
  // acknowledges them to the device. Lost events are reported as described in events.h.
  // Errors: timeout, device_gone (events read before the failure are still appended).
  virtual Status read_events(std::vector<Event>& out) = 0;

  // --- unit -------------------------------------------------------------------------------

  // Resets a unit to its power-on state (ports down, default breakout, PRBS off).
  // Errors: device_error, timeout, device_gone.
  virtual Status reset_unit(UnitId unit) = 0;
};

inline Result<OperState> OperStateProbe::read() const {
  if (bar_ != nullptr) {
    const std::uint32_t value = bar_->read32(offset_);
    if (value != 0xffffffffu) [[likely]]
      return value != 0 ? OperState::up : OperState::down;
  }
  return driver_->oper_state(port_);
}

// A snapshot of every unit of a switch of `unit_count` units through `driver`, in unit order,
// reusing out's storage. Errors: those of Driver::read_telemetry, prefixed with the unit.
Status read_all_telemetry(Driver& driver, std::size_t unit_count, Telemetry& out);

}  // namespace cpo
