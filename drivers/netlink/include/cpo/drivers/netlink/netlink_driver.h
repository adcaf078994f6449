// cpo::netlink::NetlinkDriver: a cpo::Driver for switches whose ASIC driver lives in the
// Linux kernel (mlxsw and the like), where every switch port is a netdev (docs/netlink.md).
//
// Ports are netdevs of one network namespace, matched by a name pattern ("swp{N}") or a map
// file ("PORT IFNAME" per line). Admin state, MTU and oper state go through rtnetlink; speed,
// duplex and lanes through the ethtool generic-netlink family (LINKMODES); module EEPROM
// through ETHTOOL_MSG_MODULE_EEPROM_GET. Link notifications come from a socket subscribed to
// RTNLGRP_LINK; an overrun (ENOBUFS) is reported as a resync event followed by synthetic link
// changes, as events.h specifies.
//
// Errors carry the kernel's extended-ack message (NETLINK_EXT_ACK is enabled on every socket)
// and the device name, with errno mapped to cposdk codes:
// EOPNOTSUPP -> unsupported, EINVAL -> invalid_argument (out_of_range for a value the kernel
// refused as out of range), ERANGE -> out_of_range, ENODEV/ENOENT -> not_found, EBUSY ->
// failed_precondition, EEXIST -> already_exists, ETIMEDOUT -> timeout, EPERM/EACCES ->
// io_error (needs CAP_NET_ADMIN), others -> device_error.
//
// Capabilities are what the kernel offers: port admin, telemetry (from the netdevs) and events
// always; nothing else is claimed, so the SDK refuses breakout, FEC, PRBS, tx-FIR and CMIS
// access through the facade with `unsupported`. Module EEPROM, MTU and link modes are reached
// through this class's own calls.
//
// Threads: every method may be called from any thread. Each calling thread gets its own
// netlink socket (opened inside the target namespace by a helper thread that setns()es into
// it), so requests of different threads never share a socket or a sequence space.
// No exception leaves this library.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cpo/hal/backend/driver.h"
#include "cpo/hal/platform.h"

namespace cpo::netlink {

struct Options {
  // A named network namespace (/run/netns/NAME, as `ip netns add` creates). Empty: the
  // namespace of the calling thread.
  std::string netns;
  // Netdev name pattern: {N} stands for a decimal number. Netdevs matching it become the
  // ports in increasing N (port 0 is the smallest N). Ignored when map_file is set.
  std::string pattern = "swp{N}";
  // A map file: one "PORT IFNAME" per line ('#' starts a comment). Ports 0..K-1.
  std::string map_file;
  // A profile (built-in name or JSON file) describing the switch. Empty: a platform is
  // derived from the matched netdevs (docs/netlink.md), with each port's alias its ifname.
  std::string profile;
  // Receive buffer of the link-notification socket in bytes (0: the kernel default). Tests
  // make it small to force an overrun.
  int event_buffer_bytes = 0;
};

// One port's netdev.
struct PortNetdev {
  PortId port;
  std::string ifname;
  int ifindex = 0;
};

// The rtnetlink view of a port's netdev.
struct LinkState {
  std::string ifname;
  int ifindex = 0;
  bool admin_up = false;  // IFF_UP
  bool carrier = false;   // IFLA_CARRIER
  std::string operstate;  // "up", "down", "lowerlayerdown", ... as `ip -j link` prints it
  std::uint32_t mtu = 0;
  std::uint32_t min_mtu = 0;
  std::uint32_t max_mtu = 0;
  std::uint32_t carrier_up_count = 0;
  std::uint32_t carrier_down_count = 0;
};

// ETHTOOL_MSG_LINKMODES_GET / LINKINFO / LINKSTATE.
struct LinkModes {
  std::optional<std::uint32_t> speed_mbps;  // nullopt when unknown (SPEED_UNKNOWN)
  std::string duplex;                       // "Full", "Half", "Unknown" as ethtool --json prints it
  std::optional<bool> autoneg;
  std::optional<std::uint32_t> lanes;
  std::optional<bool> link_detected;  // LINKSTATE_LINK
  std::string port;         // LINKINFO_PORT as ethtool prints it: "Twisted Pair", "FIBRE", "Direct Attach Copper"
  std::string transceiver;  // LINKINFO_TRANSCEIVER: "internal", "external"
};

// ETHTOOL_MSG_FEC_GET.
struct FecInfo {
  bool automatic = false;  // ETHTOOL_A_FEC_AUTO
  std::string active;      // "None", "RS", "BaseR", "LLRS"; empty when not reported
};

// A module EEPROM transfer as MODULE_EEPROM_GET addresses it: offset 0..127 lower memory,
// 128..255 the upper page `page` of bank `bank`; never crossing byte 128, at most 128 bytes.
struct EepromRequest {
  std::uint8_t page = 0;
  std::uint8_t bank = 0;
  std::uint32_t offset = 0;
  std::uint32_t length = 128;
  std::uint8_t i2c_address = 0x50;
};

class NetlinkDriver final : public Driver {
 public:
  // Opens the namespace, finds the ports' netdevs, probes the ethtool family and subscribes
  // to link notifications. Errors: not_found (no such namespace, no netdev matched, a map
  // entry naming a missing netdev), invalid_argument (bad pattern or map file), io_error
  // (a netlink socket could not be opened; the message says why), the profile's errors.
  static Result<std::unique_ptr<NetlinkDriver>> open(const Options& options);
  ~NetlinkDriver() override;

  [[nodiscard]] const Platform& platform() const noexcept;
  [[nodiscard]] std::shared_ptr<const Platform> shared_platform() const noexcept;
  [[nodiscard]] std::span<const PortNetdev> netdevs() const noexcept;
  // The port whose netdev is `ifname`. Errors: not_found.
  [[nodiscard]] Result<PortId> port_of(std::string_view ifname) const;

  // rtnetlink reads and writes of a port's netdev.
  Result<LinkState> link_state(PortId port);
  using Driver::set_mtu;
  Status set_mtu(PortId port, std::uint32_t mtu);
  // ethtool generic netlink: LINKMODES, LINKSTATE and LINKINFO.
  Result<LinkModes> link_modes(PortId port);
  // ETHTOOL_MSG_FEC_GET. Errors: unsupported when the device has no FEC settings (veth).
  Result<FecInfo> fec(PortId port);
  // Reads a module EEPROM range into `out` (request.length bytes).
  Status read_module_eeprom(PortId port, const EepromRequest& request, std::vector<std::uint8_t>& out);
  // ETHTOOL_MSG_MODULE_SET power mode policy: true "auto", false "high".
  Status set_module_power_auto(PortId port, bool automatic);

  // cpo::Driver
  [[nodiscard]] const Capabilities& capabilities() const noexcept override;
  Status set_admin_state(PortId port, AdminState state) override;
  Status set_subport_admin_state(const LogicalPort& port, AdminState state) override;
  Status set_breakout(std::span<const BreakoutRequest> requests) override;
  Status set_fec(PortId port, FecMode mode) override;
  Status set_loopback(PortId port, LoopbackMode mode) override;
  Result<PortTelemetry> port_telemetry(PortId port) override;
  Result<OperState> oper_state(PortId port) override;
  Status set_tx_fir(LaneId lane, const TxFir& taps) override;
  Status set_prbs(LaneId lane, const PrbsConfig& config) override;
  Result<PrbsStatus> prbs_status(LaneId lane) override;
  Result<LaneTelemetry> lane_telemetry(LaneId lane) override;
  Status read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) override;
  Status write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) override;
  Status read_telemetry(UnitId unit, UnitTelemetry& out) override;
  Status read_events(std::vector<Event>& out) override;
  Status reset_unit(UnitId unit) override;

  class Impl;

 private:
  explicit NetlinkDriver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Maps an errno (positive) to a cposdk code, as documented above.
Code code_of_errno(int err) noexcept;

}  // namespace cpo::netlink
