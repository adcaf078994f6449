// Atomic replacement of a file: temporary file in the same directory, fsync, rename, fsync of
// the directory. A crash at any step leaves the old file or the new one.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "cpo/sdk/config.h"

namespace cpo::sdk {

std::string_view to_string(PersistStep step) noexcept {
  switch (step) {
    case PersistStep::open_temp: return "open_temp";
    case PersistStep::write_first: return "write_first";
    case PersistStep::write_rest: return "write_rest";
    case PersistStep::fsync_temp: return "fsync_temp";
    case PersistStep::close_temp: return "close_temp";
    case PersistStep::rename: return "rename";
    case PersistStep::fsync_dir: return "fsync_dir";
    case PersistStep::done: return "done";
  }
  return "?";
}

namespace {

Status os_error(std::string_view step, const std::filesystem::path& path, int err) {
  return error(Code::io_error, fmt::format("{}: {} failed: {}", path.string(), step, std::strerror(err)));
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

Status write_file_atomically(const std::filesystem::path& path, std::string_view text, const PersistHook& hook) {
  auto step = [&](PersistStep s) {
    if (hook) hook(s);
  };
  if (path.empty()) return error(Code::invalid_argument, "write_file_atomically: the path is empty");
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (dir / (path.filename().string() + ".tmp.XXXXXX")).string();

  step(PersistStep::open_temp);
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return os_error("creating a temporary file", temp, errno);
  auto abandon = [&](std::string_view what, int err) {
    ::close(fd);
    ::unlink(temp.c_str());
    return os_error(what, temp, err);
  };
  // mkstemp creates 0600; a configuration file is readable like any other.
  if (::fchmod(fd, 0644) != 0) return abandon("fchmod", errno);

  const std::size_t half = text.size() / 2;
  step(PersistStep::write_first);
  if (!write_all(fd, text.data(), half)) return abandon("write", errno);
  step(PersistStep::write_rest);
  if (!write_all(fd, text.data() + half, text.size() - half)) return abandon("write", errno);
  step(PersistStep::fsync_temp);
  if (::fsync(fd) != 0) return abandon("fsync", errno);
  step(PersistStep::close_temp);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return os_error("close", temp, err);
  }
  step(PersistStep::rename);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return os_error("rename", path, err);
  }
  step(PersistStep::fsync_dir);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return os_error("opening the directory", dir, errno);
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) return os_error("fsync of the directory", dir, err);
  step(PersistStep::done);
  return ok_status();
}

}  // namespace cpo::sdk
