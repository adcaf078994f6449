// Input files are opened O_NONBLOCK and checked with fstat on the open descriptor, so a FIFO
// never blocks, /dev/zero is refused before a byte is read, and a file swapped between the
// check and the read cannot slip through (the check and the read use one descriptor).
#include "cpo/hal/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace cpo {
namespace {

constexpr std::string_view kAllowed = "an input file must be a readable regular file";

std::string_view kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string size_text(std::size_t bytes) {
  if (bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} bytes", bytes);
}

Status fail(std::string_view what, std::string_view path, std::string_view reason, std::size_t max_bytes) {
  return error(Code::invalid_argument, fmt::format("{} '{}': {} ({} of at most {}, or - for standard input)", what,
                                                   path, reason, kAllowed, size_text(max_bytes)));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens and checks; on success returns the descriptor, else -1 with `status` set.
int open_checked(std::string_view path, std::string_view what, std::size_t max_bytes, Status& status,
                 std::size_t& size) {
  if (path.empty()) {
    status = fail(what, path, "empty path", max_bytes);
    return -1;
  }
  if (path.find('\0') != std::string_view::npos) {
    status = fail(what, path, "the path holds a NUL character", max_bytes);
    return -1;
  }
  const std::string p(path);
  const int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    status = fail(what, path,
                  err == ENOENT ? std::string("no such file")
                                : fmt::format("cannot open: {}", std::generic_category().message(err)),
                  max_bytes);
    return -1;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    status = fail(what, path, fmt::format("cannot stat: {}", std::generic_category().message(err)), max_bytes);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    status = fail(what, path, fmt::format("is {}", kind_of(st.st_mode)), max_bytes);
    return -1;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    status = fail(what, path, fmt::format("is {} bytes", st.st_size), max_bytes);
    return -1;
  }
  size = static_cast<std::size_t>(st.st_size);
  status = ok_status();
  return fd;
}

Result<std::string> read_fd(int fd, std::string_view path, std::string_view what, std::size_t max_bytes,
                            std::size_t hint) {
  std::string out;
  out.reserve(hint);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        // Standard input in non-blocking mode (rare): wait for data rather than spin.
        ::usleep(1000);
        continue;
      }
      return fail(what, path, fmt::format("read failed: {}", std::generic_category().message(errno)), max_bytes);
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(what, path, fmt::format("holds more than {} bytes", max_bytes), max_bytes);
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

Status check_input_file(std::string_view path, std::string_view what, std::size_t max_bytes) {
  Status status;
  std::size_t size = 0;
  const int fd = open_checked(path, what, max_bytes, status, size);
  if (fd >= 0) ::close(fd);
  return status;
}

Result<std::string> read_input_file(std::string_view path, std::string_view what, std::size_t max_bytes) {
  if (path == "-") return read_fd(STDIN_FILENO, "<stdin>", what, max_bytes, 0);
  Status status;
  std::size_t size = 0;
  Fd fd(open_checked(path, what, max_bytes, status, size));
  if (fd.get() < 0) return status;
  return read_fd(fd.get(), path, what, max_bytes, size);
}

}  // namespace cpo
