// Helpers shared by the netlink driver's files: sockets inside a namespace, extended acks,
// errno mapping and the request/ack loop (docs/netlink.md). Private to cposdk::netlink.
#pragma once

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sched.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "cpo/drivers/netlink/genl_transport.h"
#include "cpo/drivers/netlink/netlink_driver.h"

namespace cpo::netlink::detail {

inline std::string errno_text(int err) {
  char buf[128];
  return std::string(strerror_r(err, buf, sizeof buf));
}

// A kernel refusal: "<what>: <strerror>[: <extack message>]" with the code of its errno.
inline Status kernel_error(std::string_view what, int err, std::string_view extack) {
  std::string msg = fmt::format("{}: {}", what, errno_text(err));
  if (!extack.empty()) msg += fmt::format(" ({})", extack);
  Code code = code_of_errno(err);
  // The kernel reports values beyond a device's limits as EINVAL with an extack naming the limit.
  if (code == Code::invalid_argument &&
      (extack.find("greater than") != std::string_view::npos || extack.find("less than") != std::string_view::npos))
    code = Code::out_of_range;
  return Status(code, std::move(msg));
}

// The NLMSGERR_ATTR_MSG of an error or done message, when the kernel sent one.
inline std::string ext_ack_message(nlmsghdr* h) {
  if ((h->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return {};
  const auto* err = static_cast<const nlmsgerr*>(nlmsg_data(h));
  std::size_t off = static_cast<std::size_t>(NLMSG_HDRLEN) + sizeof(nlmsgerr);
  if (h->nlmsg_type == NLMSG_ERROR && (h->nlmsg_flags & NLM_F_CAPPED) == 0)
    off += NLMSG_ALIGN(err->msg.nlmsg_len) - static_cast<std::size_t>(NLMSG_HDRLEN);
  if (h->nlmsg_type == NLMSG_DONE) off = static_cast<std::size_t>(NLMSG_HDRLEN) + sizeof(int);
  if (off >= h->nlmsg_len) return {};
  auto* base = reinterpret_cast<char*>(h);
  nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
  if (nla_parse(tb, NLMSGERR_ATTR_MAX, reinterpret_cast<nlattr*>(base + off), static_cast<int>(h->nlmsg_len - off),
                nullptr) < 0)
    return {};
  if (tb[NLMSGERR_ATTR_MSG] == nullptr) return {};
  return std::string(nla_get_string(tb[NLMSGERR_ATTR_MSG]));
}

struct MsgFree {
  void operator()(nl_msg* m) const noexcept { nlmsg_free(m); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgFree>;
struct SockFree {
  void operator()(nl_sock* s) const noexcept { nl_socket_free(s); }
};
using SockPtr = std::unique_ptr<nl_sock, SockFree>;

// A netlink socket of `protocol` opened inside the namespace `nsfd` (-1: the caller's): a
// helper thread enters the namespace, so the calling thread's own namespace never changes.
inline Result<SockPtr> open_socket(int nsfd, int protocol, std::string_view ns_name) {
  SockPtr sock;
  std::string failure;
  auto body = [&]() noexcept {
    if (nsfd >= 0 && ::setns(nsfd, CLONE_NEWNET) != 0) {
      failure = fmt::format("setns into network namespace {}: {}", ns_name, errno_text(errno));
      return;
    }
    SockPtr s(nl_socket_alloc());
    if (!s) {
      failure = "nl_socket_alloc: out of memory";
      return;
    }
    if (const int rc = nl_connect(s.get(), protocol); rc < 0) {
      failure = fmt::format("netlink socket (protocol {}): {}", protocol, nl_geterror(rc));
      return;
    }
    sock = std::move(s);
  };
  if (nsfd < 0) {
    body();
  } else {
    try {
      std::thread helper(body);
      helper.join();
    } catch (const std::exception& e) {
      return error(Code::io_error, fmt::format("cannot start the namespace helper thread: {}", e.what()));
    }
  }
  if (!sock) return error(Code::io_error, failure);
  const int one = 1;
  // libnl has no call for extended acks: enable them on the file descriptor.
  if (::setsockopt(nl_socket_get_fd(sock.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one) != 0)
    return error(Code::io_error, fmt::format("NETLINK_EXT_ACK: {}", errno_text(errno)));
  return sock;
}

// Walks one datagram of replies to request `seq`: calls `on_reply` for each data message and
// returns the request's outcome once its ack (or NLMSG_DONE for a dump) is in the datagram;
// nullopt when more datagrams are needed.
inline std::optional<Status> handle_replies(char* data, std::size_t size, std::uint32_t seq, bool dump,
                                            std::string_view what, const std::function<void(nlmsghdr*)>& on_reply) {
  int left = static_cast<int>(size);
  for (auto* h = reinterpret_cast<nlmsghdr*>(data); nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
    if (h->nlmsg_seq != seq) continue;
    if (h->nlmsg_type == NLMSG_ERROR) {
      const auto* e = static_cast<const nlmsgerr*>(nlmsg_data(h));
      if (e->error == 0) {
        if (!dump) return ok_status();
        continue;
      }
      return kernel_error(what, -e->error, ext_ack_message(h));
    }
    if (h->nlmsg_type == NLMSG_DONE) {
      int code = 0;
      if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) std::memcpy(&code, nlmsg_data(h), sizeof code);
      if (code < 0) return kernel_error(what, -code, ext_ack_message(h));
      return ok_status();
    }
    if (on_reply) on_reply(h);
  }
  return std::nullopt;
}

// Sends `msg` and reads until its ack (or NLMSG_DONE for a dump), passing every reply of the
// request to `on_reply`. Errors: the kernel's errno mapped, with its extended-ack message.
inline Status transact(nl_sock* sk, nl_msg* msg, std::string_view what,
                       const std::function<void(nlmsghdr*)>& on_reply) {
  nlmsghdr* req = nlmsg_hdr(msg);
  req->nlmsg_flags |= NLM_F_ACK;
  const bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  const int sent = nl_send_auto(sk, msg);
  if (sent < 0) return error(Code::io_error, fmt::format("{}: send: {}", what, nl_geterror(sent)));
  const std::uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
  std::vector<char> buf(64 * 1024);
  const int fd = nl_socket_get_fd(sk);
  while (true) {
    iovec iov{buf.data(), buf.size()};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd, &mh, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return error(Code::io_error, fmt::format("{}: recv: {}", what, errno_text(errno)));
    }
    if ((mh.msg_flags & MSG_TRUNC) != 0) return error(Code::internal, fmt::format("{}: reply truncated", what));
    if (auto done = handle_replies(buf.data(), static_cast<std::size_t>(n), seq, dump, what, on_reply)) return *done;
  }
}

// transact() through a GenlTransport (a canned kernel in tests): `msg` carries its own
// sequence number.
inline Status transact_via(GenlTransport& t, nl_msg* msg, std::string_view what,
                           const std::function<void(nlmsghdr*)>& on_reply) {
  nlmsghdr* req = nlmsg_hdr(msg);
  req->nlmsg_flags |= NLM_F_ACK;
  const bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(req);
  CPO_RETURN_IF_ERROR(t.send(std::span<const std::uint8_t>(bytes, req->nlmsg_len)));
  while (true) {
    auto datagram = t.receive();
    if (!datagram) return datagram.status();
    if (auto done = handle_replies(reinterpret_cast<char*>(datagram->data()), datagram->size(), req->nlmsg_seq, dump,
                                   what, on_reply))
      return *done;
  }
}

}  // namespace cpo::netlink::detail
