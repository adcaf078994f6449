// cpo::netlink::Devlink: breakout of kernel-managed switch ports through devlink generic
// netlink (PORT_GET dump, PORT_SPLIT, PORT_UNSPLIT, INFO_GET), as `devlink port split` does
// (docs/netlink.md, "Breakout through devlink").
//
// Requests are built and replies parsed after the kernel's devlink netlink specification
// (Documentation/netlink/specs/devlink.yaml; attribute numbers from <linux/devlink.h>): port
// replies carry DEVLINK_CMD_PORT_NEW, info replies DEVLINK_CMD_INFO_GET. Errors carry the
// kernel's extended-ack message and the errno mapped as NetlinkDriver documents
// ("Invalid split count" -> invalid_argument).
//
// The transport is pluggable: open() uses a generic-netlink socket inside the namespace (with
// NETLINK_EXT_ACK); tests pass a transport that answers with canned messages.
// Thread safety: one Devlink per thread (it owns one socket and one sequence space).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cpo/drivers/netlink/genl_transport.h"
#include "cpo/hal/status.h"

namespace cpo::netlink {

struct DevlinkPort {
  std::string bus;     // "pci"
  std::string device;  // "0000:03:00.0"
  std::uint32_t index = 0;
  std::string netdev;  // DEVLINK_ATTR_PORT_NETDEV_NAME, empty when none
  std::uint16_t flavour = 0;
  std::uint32_t number = 0;                    // front-panel port number
  std::optional<std::uint32_t> split_subport;  // set on a port made by a split
  std::optional<std::uint32_t> split_group;
  std::uint32_t lanes = 0;
  bool splittable = false;
};

struct DevlinkInfo {
  std::string driver;
  std::string serial;
  std::vector<std::pair<std::string, std::string>> running;  // version name -> value
};

// How one request reaches the kernel (genl_transport.h): send a complete netlink message, then
// receive reply datagrams until the request's ack or NLMSG_DONE.
using DevlinkTransport = GenlTransport;

class Devlink {
 public:
  // The kernel's devlink family in network namespace `netns` (empty: the caller's).
  // Errors: unsupported when the kernel has no devlink family (the message says so), not_found
  // for a missing namespace, io_error for the socket.
  static Result<std::unique_ptr<Devlink>> open(const std::string& netns);
  Devlink(std::unique_ptr<DevlinkTransport> transport, std::uint16_t family) noexcept;
  ~Devlink();

  // Every devlink port (DEVLINK_CMD_PORT_GET with NLM_F_DUMP).
  Result<std::vector<DevlinkPort>> ports();
  // DEVLINK_CMD_PORT_SPLIT of `port` into `count`.
  Status split(const DevlinkPort& port, std::uint32_t count);
  // DEVLINK_CMD_PORT_UNSPLIT of `port` (any port of the split group, or the original).
  Status unsplit(const DevlinkPort& port);
  // DEVLINK_CMD_INFO_GET of one device.
  Result<DevlinkInfo> info(std::string_view bus, std::string_view device);

 private:
  std::unique_ptr<DevlinkTransport> transport_;
  std::uint16_t family_;
  std::uint32_t seq_ = 1;
};

}  // namespace cpo::netlink
