// cpo::netlink::Devlink (devlink.h): devlink port split/unsplit over generic netlink.
#include "cpo/drivers/netlink/devlink.h"

#include <fcntl.h>
#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <unistd.h>

#include "nl_common.h"

namespace cpo::netlink {

using namespace detail;  // NOLINT(google-build-using-namespace): the driver's own helpers

namespace {

// The kernel transport: a generic-netlink socket opened inside the namespace.
class SocketTransport final : public DevlinkTransport {
 public:
  explicit SocketTransport(SockPtr sock) : sock_(std::move(sock)) {}
  Status send(std::span<const std::uint8_t> message) override {
    if (::send(nl_socket_get_fd(sock_.get()), message.data(), message.size(), 0) < 0)
      return error(Code::io_error, fmt::format("devlink: send: {}", errno_text(errno)));
    return ok_status();
  }
  Result<std::vector<std::uint8_t>> receive() override {
    std::vector<std::uint8_t> buf(64 * 1024);
    while (true) {
      const ssize_t n = ::recv(nl_socket_get_fd(sock_.get()), buf.data(), buf.size(), 0);
      if (n >= 0) {
        buf.resize(static_cast<std::size_t>(n));
        return buf;
      }
      if (errno != EINTR) return error(Code::io_error, fmt::format("devlink: recv: {}", errno_text(errno)));
    }
  }

 private:
  SockPtr sock_;
};

std::string get_string(nlattr* a) { return a != nullptr ? std::string(nla_get_string(a)) : std::string(); }

DevlinkPort parse_port(nlattr** tb) {
  DevlinkPort p;
  p.bus = get_string(tb[DEVLINK_ATTR_BUS_NAME]);
  p.device = get_string(tb[DEVLINK_ATTR_DEV_NAME]);
  if (tb[DEVLINK_ATTR_PORT_INDEX] != nullptr) p.index = nla_get_u32(tb[DEVLINK_ATTR_PORT_INDEX]);
  p.netdev = get_string(tb[DEVLINK_ATTR_PORT_NETDEV_NAME]);
  if (tb[DEVLINK_ATTR_PORT_FLAVOUR] != nullptr) p.flavour = nla_get_u16(tb[DEVLINK_ATTR_PORT_FLAVOUR]);
  if (tb[DEVLINK_ATTR_PORT_NUMBER] != nullptr) p.number = nla_get_u32(tb[DEVLINK_ATTR_PORT_NUMBER]);
  if (tb[DEVLINK_ATTR_PORT_SPLIT_SUBPORT_NUMBER] != nullptr)
    p.split_subport = nla_get_u32(tb[DEVLINK_ATTR_PORT_SPLIT_SUBPORT_NUMBER]);
  if (tb[DEVLINK_ATTR_PORT_SPLIT_GROUP] != nullptr) p.split_group = nla_get_u32(tb[DEVLINK_ATTR_PORT_SPLIT_GROUP]);
  if (tb[DEVLINK_ATTR_PORT_LANES] != nullptr) p.lanes = nla_get_u32(tb[DEVLINK_ATTR_PORT_LANES]);
  if (tb[DEVLINK_ATTR_PORT_SPLITTABLE] != nullptr) p.splittable = nla_get_u8(tb[DEVLINK_ATTR_PORT_SPLITTABLE]) != 0;
  return p;
}

}  // namespace

Devlink::Devlink(std::unique_ptr<DevlinkTransport> transport, std::uint16_t family) noexcept
    : transport_(std::move(transport)), family_(family) {}
Devlink::~Devlink() = default;

Result<std::unique_ptr<Devlink>> Devlink::open(const std::string& netns) {
  try {
    int nsfd = -1;
    if (!netns.empty()) {
      nsfd = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0)
        return error(errno == ENOENT ? Code::not_found : Code::io_error,
                     fmt::format("netns {}: {}", netns, errno_text(errno)));
    }
    auto sock = open_socket(nsfd, NETLINK_GENERIC, netns.empty() ? "the current namespace" : netns);
    if (nsfd >= 0) ::close(nsfd);
    if (!sock) return sock.status();
    const int family = genl_ctrl_resolve(sock->get(), DEVLINK_GENL_NAME);
    if (family < 0)
      return error(Code::unsupported, fmt::format("the kernel has no devlink generic-netlink family ({}): breakout "
                                                  "through devlink is unavailable",
                                                  nl_geterror(family)));
    return std::make_unique<Devlink>(std::make_unique<SocketTransport>(std::move(sock).value()),
                                     static_cast<std::uint16_t>(family));
  } catch (const std::exception& e) {
    return error(Code::internal, fmt::format("devlink: {}", e.what()));
  }
}

namespace {

// Builds a devlink request, sends it through `t` and walks the replies.
Status request(DevlinkTransport& t, std::uint16_t family, std::uint32_t seq, std::uint8_t cmd, int flags,
               const std::function<void(nl_msg*)>& put, const std::function<void(nlattr**, nlmsghdr*)>& on_reply,
               std::string_view what) {
  MsgPtr msg(nlmsg_alloc());
  if (!msg) return error(Code::internal, "out of memory");
  if (genlmsg_put(msg.get(), 0, seq, family, 0, NLM_F_REQUEST | NLM_F_ACK | flags, cmd, DEVLINK_GENL_VERSION) ==
      nullptr)
    return error(Code::internal, "genlmsg_put");
  if (put) put(msg.get());
  std::vector<nlattr*> tb(DEVLINK_ATTR_MAX + 1);
  return transact_via(t, msg.get(), what, [&](nlmsghdr* reply) {
    std::fill(tb.begin(), tb.end(), nullptr);
    if (genlmsg_parse(reply, 0, tb.data(), DEVLINK_ATTR_MAX, nullptr) == 0 && on_reply) on_reply(tb.data(), reply);
  });
}

void put_handle(nl_msg* msg, const std::string& bus, const std::string& device) {
  nla_put_string(msg, DEVLINK_ATTR_BUS_NAME, bus.c_str());
  nla_put_string(msg, DEVLINK_ATTR_DEV_NAME, device.c_str());
}

std::string port_name(const DevlinkPort& p) {
  return fmt::format("devlink port {}/{}/{}{}", p.bus, p.device, p.index,
                     p.netdev.empty() ? std::string() : fmt::format(" ({})", p.netdev));
}

}  // namespace

Result<std::vector<DevlinkPort>> Devlink::ports() {
  try {
    std::vector<DevlinkPort> out;
    CPO_RETURN_IF_ERROR(request(
        *transport_, family_, seq_++, DEVLINK_CMD_PORT_GET, NLM_F_DUMP, nullptr,
        [&](nlattr** tb, nlmsghdr*) { out.push_back(parse_port(tb)); }, "devlink port dump"));
    return out;
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Status Devlink::split(const DevlinkPort& port, std::uint32_t count) {
  try {
    return request(
        *transport_, family_, seq_++, DEVLINK_CMD_PORT_SPLIT, 0,
        [&](nl_msg* msg) {
          put_handle(msg, port.bus, port.device);
          nla_put_u32(msg, DEVLINK_ATTR_PORT_INDEX, port.index);
          nla_put_u32(msg, DEVLINK_ATTR_PORT_SPLIT_COUNT, count);
        },
        nullptr, fmt::format("{}: split into {}", port_name(port), count));
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Status Devlink::unsplit(const DevlinkPort& port) {
  try {
    return request(
        *transport_, family_, seq_++, DEVLINK_CMD_PORT_UNSPLIT, 0,
        [&](nl_msg* msg) {
          put_handle(msg, port.bus, port.device);
          nla_put_u32(msg, DEVLINK_ATTR_PORT_INDEX, port.index);
        },
        nullptr, fmt::format("{}: unsplit", port_name(port)));
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Result<DevlinkInfo> Devlink::info(std::string_view bus, std::string_view device) {
  try {
    DevlinkInfo info;
    const std::string b(bus), d(device);
    CPO_RETURN_IF_ERROR(request(
        *transport_, family_, seq_++, DEVLINK_CMD_INFO_GET, 0, [&](nl_msg* msg) { put_handle(msg, b, d); },
        [&](nlattr** tb, nlmsghdr* h) {
          info.driver = get_string(tb[DEVLINK_ATTR_INFO_DRIVER_NAME]);
          info.serial = get_string(tb[DEVLINK_ATTR_INFO_SERIAL_NUMBER]);
          // Every running version is its own nest: walk them all.
          auto* g = static_cast<genlmsghdr*>(nlmsg_data(h));
          int left = genlmsg_attrlen(g, 0);
          for (nlattr* a = genlmsg_attrdata(g, 0); nla_ok(a, left); a = nla_next(a, &left)) {
            if (nla_type(a) != DEVLINK_ATTR_INFO_VERSION_RUNNING) continue;
            nlattr* v[DEVLINK_ATTR_MAX + 1] = {};
            if (nla_parse_nested(v, DEVLINK_ATTR_MAX, a, nullptr) == 0)
              info.running.emplace_back(get_string(v[DEVLINK_ATTR_INFO_VERSION_NAME]),
                                        get_string(v[DEVLINK_ATTR_INFO_VERSION_VALUE]));
          }
        },
        fmt::format("devlink dev info {}/{}", b, d)));
    return info;
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

}  // namespace cpo::netlink
