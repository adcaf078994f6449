// cpo::netlink::NetlinkDriver: a cpo::Driver for switches whose ASIC driver lives in the
// Linux kernel (mlxsw and the like), where every switch port is a netdev (docs/netlink.md).
//
// Ports are netdevs of one network namespace, matched by a name pattern ("swp{N}") or a map
// file ("PORT IFNAME" per line). Admin state, MTU and oper state go through rtnetlink; speed,
// duplex and lanes through the ethtool generic-netlink family (LINKMODES); module EEPROM
// through ETHTOOL_MSG_MODULE_EEPROM_GET, which also serves read_cmis for the optical engine
// behind a port's netdev; breakout through devlink port split/unsplit, after which each
// sub-port is the netdev devlink names for it. Link notifications come from a socket subscribed to
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
// Capabilities are what the kernel offers: port and sub-port admin, telemetry (from the
// netdevs) and events always; MTU with the range every port's netdev accepts (IFLA_MIN_MTU ..
// IFLA_MAX_MTU); CMIS reads of optical engines when the ethtool family exists; breakout when
// devlink lists a splittable port for one of the netdevs. Nothing else is claimed, so the SDK
// refuses FEC, PRBS, tx-FIR and CMIS writes with `unsupported`.
//
// Threads: every method may be called from any thread. Each calling thread gets its own
// netlink socket (opened inside the target namespace by a helper thread that setns()es into
// it), so requests of different threads never share a socket or a sequence space.
// No exception leaves this library.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cpo/drivers/netlink/devlink.h"
#include "cpo/drivers/netlink/genl_transport.h"
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
  // Where devlink is reached for breakout. Unset: Devlink::open(netns), the kernel's family
  // (a kernel without devlink leaves breakout unsupported). Tests pass a canned kernel.
  std::function<Result<std::unique_ptr<Devlink>>()> devlink;
  // Where the ethtool family is reached for module EEPROM reads (read_module_eeprom,
  // read_cmis, OE telemetry). Unset: a socket per thread in the namespace. Tests pass a canned
  // kernel with the family id it answers to.
  struct CannedGenl {
    std::shared_ptr<GenlTransport> transport;
    std::uint16_t family = 0;
  };
  std::optional<CannedGenl> module_eeprom;
};

// One logical port's netdev: the port's own netdev, or after a devlink split the sub-port's.
struct SubportNetdev {
  LogicalPort port;
  std::string ifname;
  int ifindex = 0;
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
  // Each port's netdev as found at open (index = port id); subport_netdevs() follows breakouts.
  [[nodiscard]] std::span<const PortNetdev> netdevs() const noexcept;
  // The port whose netdev is `ifname`. Errors: not_found.
  [[nodiscard]] Result<PortId> port_of(std::string_view ifname) const;
  // The netdev of every logical port under the current breakout, by port then sub-port.
  [[nodiscard]] std::vector<SubportNetdev> subport_netdevs() const;

  // rtnetlink reads and writes of a port's netdev (sub-port 0's after a split).
  Result<LinkState> link_state(PortId port);
  Result<LinkState> link_state(const LogicalPort& port);
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
  // Splits through devlink (DEVLINK_CMD_PORT_SPLIT into the mode's sub-port count, after
  // DEVLINK_CMD_PORT_UNSPLIT when the port is split already), then maps the sub-ports to the
  // netdevs devlink reports. Errors: the kernel's (extended ack and port named), unsupported
  // for a mode that is not an equal split.
  Status set_breakout(std::span<const BreakoutRequest> requests) override;
  // RTM_GETLINK / RTM_NEWLINK IFLA_MTU of the logical port's netdev. Errors: the kernel's
  // (`ip link set swp1 mtu 70000` gives out_of_range with "mtu greater than device maximum").
  Result<std::uint32_t> mtu(const LogicalPort& port) override;
  Status set_mtu(const LogicalPort& port, std::uint32_t bytes) override;
  Status set_fec(PortId port, FecMode mode) override;
  Status set_loopback(PortId port, LoopbackMode mode) override;
  Result<PortTelemetry> port_telemetry(PortId port) override;
  Result<OperState> oper_state(PortId port) override;
  Status set_tx_fir(LaneId lane, const TxFir& taps) override;
  Status set_prbs(LaneId lane, const PrbsConfig& config) override;
  Result<PrbsStatus> prbs_status(LaneId lane) override;
  Result<LaneTelemetry> lane_telemetry(LaneId lane) override;
  // An optical engine's bank is read through the module EEPROM of the netdev of the port
  // holding the bank's first lane (MODULE_EEPROM_GET: lower memory as page 0 bank 0, upper
  // pages with the bank). ELS modules are not reached by the kernel. Errors: the kernel's,
  // e.g. unsupported "port 0 (swp1): module EEPROM ...: Operation not supported" on a veth.
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
