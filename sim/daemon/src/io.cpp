#include "io.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

namespace cpo::simd::io {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() { reset(); }

void Fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

Status sys_error(std::string_view what, std::string_view call, int err) {
  std::string text(what);
  text.append(": ").append(call).append(" failed: ").append(errno_text(err));
  return error(Code::io_error, text);
}

Status send_message(int fd, std::span<const std::byte> bytes, std::span<const int> fds) {
  if (bytes.size() > kMaxMessageBytes) {
    return error(Code::invalid_argument, "cpo-simd protocol: message of " + std::to_string(bytes.size()) +
                                             " bytes is larger than the limit of " + std::to_string(kMaxMessageBytes));
  }
  iovec iov{const_cast<std::byte*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.resize(CMSG_SPACE(sizeof(int) * fds.size()));
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) return ok_status();
    if (errno == EINTR) continue;
    return sys_error("cpo-simd socket", "sendmsg", errno);
  }
}

Status recv_message(int fd, std::vector<std::byte>& buf, std::vector<Fd>* fds) {
  buf.resize(kMaxMessageBytes);
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * (kMaxUnits + 4))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n = 0;
  for (;;) {
    n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    const int err = errno;
    buf.clear();
    if (err == ECONNRESET) return error(Code::not_found, "cpo-simd socket: the peer closed the connection");
    return sys_error("cpo-simd socket", "recvmsg", err);
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int received = -1;
      std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (fds != nullptr) {
        fds->emplace_back(received);
      } else {
        ::close(received);
      }
    }
  }
  if (n == 0) {
    buf.clear();
    return error(Code::not_found, "cpo-simd socket: the peer closed the connection");
  }
  buf.resize(static_cast<std::size_t>(n));
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    return error(Code::invalid_argument,
                 "cpo-simd protocol: message larger than " + std::to_string(kMaxMessageBytes) + " bytes (truncated)");
  }
  return ok_status();
}

Result<Header> peek_header(std::span<const std::byte> buf) {
  if (buf.size() < sizeof(Header)) {
    return error(Code::invalid_argument,
                 "cpo-simd protocol: message of " + std::to_string(buf.size()) + " bytes has no header");
  }
  Header h;
  std::memcpy(&h, buf.data(), sizeof(Header));
  return h;
}

std::string tail_text(std::span<const std::byte> buf, std::size_t head, std::size_t bytes) {
  if (buf.size() <= head) return {};
  const std::size_t n = std::min(bytes, buf.size() - head);
  return std::string(reinterpret_cast<const char*>(buf.data() + head), n);
}

}  // namespace cpo::simd::io
