// Message I/O over a SOCK_SEQPACKET UNIX socket with SCM_RIGHTS, for both ends of the cpo-simd
// protocol (cpo/sim/simd_protocol.h). Private to sim/daemon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cpo/hal/status.h"
#include "cpo/sim/simd_protocol.h"

namespace cpo::simd::io {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// Sends one message (and `fds`, when not empty). Errors: io_error naming the call and errno
// (EPIPE / ECONNRESET when the peer is gone).
Status send_message(int fd, std::span<const std::byte> bytes, std::span<const int> fds = {});

template <typename T>
Status send_struct(int fd, const T& msg, std::string_view tail = {}, std::span<const int> fds = {}) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<std::byte> buf(sizeof(T) + tail.size());
  std::memcpy(buf.data(), &msg, sizeof(T));
  if (!tail.empty()) std::memcpy(buf.data() + sizeof(T), tail.data(), tail.size());
  return send_message(fd, buf, fds);
}

// Receives one message into `buf` (resized to what arrived) and the descriptors passed with
// it (owned by the caller). Errors: not_found when the peer closed the connection; io_error
// for a failed recvmsg (timeout included); invalid_argument for a message larger than
// kMaxMessageBytes (truncated).
Status recv_message(int fd, std::vector<std::byte>& buf, std::vector<Fd>* fds = nullptr);

// The header of a received message; invalid_argument when it is shorter than a Header.
Result<Header> peek_header(std::span<const std::byte> buf);

// Copies a received message into `out`. Errors: invalid_argument when the size is not
// sizeof(T) (+ the tail it announces, checked by the caller).
template <typename T>
Status read_struct(std::span<const std::byte> buf, T& out, bool tail_allowed = false) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (buf.size() < sizeof(T) || (!tail_allowed && buf.size() != sizeof(T))) {
    return error(Code::invalid_argument, "cpo-simd protocol: message of " + std::to_string(buf.size()) +
                                             " bytes where " + std::to_string(sizeof(T)) + " were expected");
  }
  std::memcpy(&out, buf.data(), sizeof(T));
  return ok_status();
}

// The text after a struct of `head` bytes, at most `bytes` long.
std::string tail_text(std::span<const std::byte> buf, std::size_t head, std::size_t bytes);

// Copies `text` into a fixed char array, truncated and NUL-terminated.
template <std::size_t N>
void put_name(char (&dst)[N], std::string_view text) {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(dst, text.data(), n);
  dst[n] = '\0';
}
template <std::size_t N>
std::string get_name(const char (&src)[N]) {
  return std::string(src, ::strnlen(src, N));
}

// errno text of a failed call: "connect: Connection refused".
Status sys_error(std::string_view what, std::string_view call, int err);
// The text of an errno value (thread-safe, unlike strerror).
std::string errno_text(int err);

}  // namespace cpo::simd::io
