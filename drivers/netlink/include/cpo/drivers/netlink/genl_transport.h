// cpo::netlink::GenlTransport: how one generic-netlink request reaches a kernel family and
// its replies come back. The driver's own transport is a socket inside the target namespace;
// tests pass a fake kernel that answers with canned messages built after the family's netlink
// specification (devlink, ethtool), for what the test machine's kernel or veth cannot do.
//
// Thread safety: none; the user serialises calls (the driver holds a lock around each request).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "cpo/hal/status.h"

namespace cpo::netlink {

class GenlTransport {
 public:
  virtual ~GenlTransport() = default;
  // Sends one complete netlink message (header included). Errors: io_error.
  virtual Status send(std::span<const std::uint8_t> message) = 0;
  // Receives one datagram (one or more netlink messages). Errors: io_error.
  virtual Result<std::vector<std::uint8_t>> receive() = 0;
};

}  // namespace cpo::netlink
