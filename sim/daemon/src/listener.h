// A cpo-simd listening socket: a SOCK_SEQPACKET UNIX socket at a path, mode 0660, guarded by a
// lock file beside it (PATH.lock, holding the daemon's pid). Private to sim/daemon.
#pragma once

#include <string>
#include <utility>

#include "cpo/hal/status.h"
#include "io.h"

namespace cpo::simd {

class Listener {
 public:
  // Takes PATH.lock (flock), replaces a stale socket at `path` (one nobody accepts on: left by
  // a daemon that was killed), binds, sets mode 0660 and listens. Creates the directory
  // (mode 0755) when missing. Errors: already_exists "already served by pid N" when a live
  // daemon holds the lock or accepts on the socket; failed_precondition when `path` exists and
  // is not a socket; invalid_argument for a path longer than a UNIX socket allows; io_error
  // for what the system refuses. `replaced_stale` tells the caller a stale socket was removed.
  static Result<Listener> bind(const std::string& path, bool& replaced_stale);

  Listener() = default;
  Listener(Listener&& o) noexcept
      : path_(std::exchange(o.path_, {})), sock_(std::move(o.sock_)), lock_(std::move(o.lock_)) {}
  Listener& operator=(Listener&& o) noexcept {
    if (this != &o) {
      remove();
      path_ = std::exchange(o.path_, {});
      sock_ = std::move(o.sock_);
      lock_ = std::move(o.lock_);
    }
    return *this;
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener();

  [[nodiscard]] int fd() const noexcept { return sock_.get(); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // Closes the socket and removes it and the lock file.
  void remove() noexcept;

 private:
  std::string path_;
  io::Fd sock_;
  io::Fd lock_;
};

}  // namespace cpo::simd
