#include "listener.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cpo::simd {
namespace {

Result<sockaddr_un> address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return error(Code::invalid_argument,
                 "socket path '" + path + "': 1.." + std::to_string(sizeof(addr.sun_path) - 1) + " bytes are allowed");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// The pid of whoever accepts on `path`, 0 when nobody does (connection refused: stale), -1
// when the probe failed otherwise.
long probe(const sockaddr_un& addr) {
  io::Fd s(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!s.valid()) return -1;
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return errno == ECONNREFUSED ? 0 : -1;
  }
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(s.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
  return cred.pid;
}

long pid_in(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return -1;
  return std::strtol(buf, nullptr, 10);
}

Status served_by(const std::string& path, long pid) {
  return error(Code::already_exists, path + " is already served by pid " + std::to_string(pid) +
                                         " (stop that cpo-simd first, or choose another --socket / --socket-dir)");
}

}  // namespace

Result<Listener> Listener::bind(const std::string& path, bool& replaced_stale) {
  replaced_stale = false;
  auto addr = address(path);
  if (!addr) return addr.status();
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return error(Code::io_error, "socket directory " + dir.string() + ": cannot create (" + ec.message() + ")");
  }
  Listener l;
  l.path_ = path;
  const std::string lock_path = path + ".lock";
  l.lock_ = io::Fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!l.lock_.valid()) return io::sys_error("lock file " + lock_path, "open", errno);
  if (::flock(l.lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) return io::sys_error("lock file " + lock_path, "flock", err);
    long pid = probe(*addr);
    if (pid <= 0) pid = pid_in(l.lock_.get());
    l.lock_.reset();
    l.path_.clear();
    return served_by(path, pid);
  }
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(l.lock_.get(), 0) != 0 || ::pwrite(l.lock_.get(), me.data(), me.size(), 0) < 0) {
    const int err = errno;
    l.path_.clear();
    return io::sys_error("lock file " + lock_path, "write", err);
  }

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      l.path_.clear();
      return error(Code::failed_precondition,
                   path + " exists and is not a socket (remove it, or choose another --socket / --socket-dir)");
    }
    const long pid = probe(*addr);
    if (pid > 0) {
      l.path_.clear();
      return served_by(path, pid);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      const int err = errno;
      l.path_.clear();
      return io::sys_error("stale socket " + path, "unlink", err);
    }
    replaced_stale = true;
  }

  l.sock_ = io::Fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!l.sock_.valid()) return io::sys_error("socket " + path, "socket", errno);
  if (::bind(l.sock_.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0) {
    const int err = errno;
    l.sock_.reset();
    l.path_.clear();
    return io::sys_error("socket " + path, "bind", err);
  }
  if (::chmod(path.c_str(), 0660) != 0) {
    const int err = errno;
    l.remove();
    return io::sys_error("socket " + path, "chmod 0660", err);
  }
  if (::listen(l.sock_.get(), 64) != 0) {
    const int err = errno;
    l.remove();
    return io::sys_error("socket " + path, "listen", err);
  }
  return l;
}

Listener::~Listener() { remove(); }

void Listener::remove() noexcept {
  if (!path_.empty()) {
    if (sock_.valid()) ::unlink(path_.c_str());
    if (lock_.valid()) ::unlink((path_ + ".lock").c_str());
  }
  sock_.reset();
  lock_.reset();
  path_.clear();
}

}  // namespace cpo::simd
