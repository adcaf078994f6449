#include "cpo/drivers/pcie/mapped_bar.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "cpo/hal/log.h"
#include "map_errors.h"

namespace cpo::pcie {
namespace {

// strerror() is not thread-safe; the category's message is (same text).
std::string errno_text(int err) { return std::generic_category().message(err); }

// Flags of the sysfs `resource` file (one "start end flags" line per resource, written by
// drivers/pci/pci-sysfs.c resource_show()): the kernel's struct resource flags from
// include/linux/ioport.h.
constexpr std::uint64_t kIoresourceIo = 0x00000100;   // IORESOURCE_IO
constexpr std::uint64_t kIoresourceMem = 0x00000200;  // IORESOURCE_MEM

// PCI_COMMAND (config offset 0x04) bit 1, PCI_COMMAND_MEMORY (include/uapi/linux/pci_regs.h).
constexpr std::size_t kCfgCommand = 0x04;
constexpr std::uint16_t kCommandMemory = 0x0002;

struct Resource {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t flags = 0;
};

// Reads line `index` of <dir>/resource.
Result<Resource> read_resource(const std::string& dir, unsigned index, const std::string& who) {
  const std::string path = dir + "/resource";
  std::ifstream in(path);
  if (!in) {
    return error(Code::io_error, fmt::format("{}: cannot read {}: {}", who, path, errno_text(errno)));
  }
  std::string line;
  for (unsigned i = 0; i <= index; ++i) {
    if (!std::getline(in, line)) {
      return error(Code::not_found, fmt::format("{}: {} has no line for bar {}", who, path, index));
    }
  }
  Resource r;
  unsigned long long start = 0, end = 0, flags = 0;
  if (std::sscanf(line.c_str(), "%llx %llx %llx", &start, &end, &flags) != 3) {
    return error(Code::io_error, fmt::format("{}: {} line {}: expected 'start end flags' in hex, got '{}'", who, path,
                                             index + 1, line));
  }
  r.start = start;
  r.end = end;
  r.flags = flags;
  return r;
}

// Reads the 16-bit command register from <dir>/config (little-endian, as the kernel
// presents config space).
Result<std::uint16_t> read_command(const std::string& dir, const std::string& who) {
  const std::string path = dir + "/config";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return error(Code::io_error, fmt::format("{}: cannot read {}: {}", who, path, errno_text(errno)));
  }
  unsigned char bytes[2] = {};
  const ssize_t n = ::pread(fd, bytes, sizeof bytes, static_cast<off_t>(kCfgCommand));
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof bytes)) {
    return error(Code::io_error, fmt::format("{}: cannot read the command register from {}: {}", who, path,
                                             n < 0 ? errno_text(err) : std::string("file too short")));
  }
  return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

// The name of the bound kernel driver (the basename of the `driver` symlink), or "".
std::string bound_driver(const std::string& dir) {
  char target[4096];
  const std::string link = dir + "/driver";
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  if (n <= 0) return {};
  std::string_view path(target, static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

std::string lockdown_mode(const std::string& lockdown_file) {
  // The file reads like "none [integrity] confidentiality": the bracketed word is current.
  std::ifstream in(lockdown_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto open = text.find('[');
  const auto close = text.find(']', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return text.substr(open + 1, close - open - 1);
}

Status map_errno_status(int err, const MapErrorContext& ctx) {
  const std::string& who = ctx.who;
  switch (err) {
    case EACCES:
      return error(Code::io_error,
                   fmt::format("{}: permission denied opening {}: BAR files are root-only (mode 0600); run as root "
                               "(CAP_SYS_ADMIN) or let a udev rule give your group access to it",
                               who, ctx.path));
    case EPERM: {
      const std::string mode = lockdown_mode(ctx.lockdown_file);
      if (!mode.empty() && mode != "none") {
        return error(Code::io_error,
                     fmt::format("{}: kernel lockdown is in '{}' mode, which forbids user-space access to PCI BARs "
                                 "(LOCKDOWN_PCI_ACCESS) at {} of {}; boot with lockdown=none (needs Secure Boot "
                                 "off) or drive the device through a kernel driver",
                                 who, mode, ctx.operation, ctx.path));
      }
      return error(Code::io_error,
                   fmt::format("{}: operation not permitted at {} of {} (EPERM: kernel lockdown, which forbids "
                               "user-space BAR access, or a security module; check {})",
                               who, ctx.operation, ctx.path, ctx.lockdown_file));
    }
    case EINVAL:
      if (ctx.operation == "mmap") {
        return error(Code::failed_precondition,
                     fmt::format("{}: the kernel refused to map {} (EINVAL): a kernel driver holds the region "
                                 "exclusively (see /proc/iomem); unbind it: echo {} > "
                                 "/sys/bus/pci/devices/{}/driver/unbind",
                                 who, ctx.path, ctx.bdf, ctx.bdf));
      }
      break;
    case ENOENT:
      return error(Code::not_found, fmt::format("{}: {} does not exist: the kernel exposes no mappable file for "
                                                "this BAR",
                                                who, ctx.path));
    default: break;
  }
  return error(Code::io_error, fmt::format("{}: {} of {} failed: {}", who, ctx.operation, ctx.path, errno_text(err)));
}

MappedBar::MappedBar(Bdf bdf, unsigned bar_index, std::string path, int fd, void* map, std::size_t map_length,
                     std::size_t size) noexcept
    : bdf_(bdf),
      bar_index_(bar_index),
      path_(std::move(path)),
      fd_(fd),
      map_(map),
      map_length_(map_length),
      size_(size),
      words_(static_cast<volatile std::uint32_t*>(map)) {}

MappedBar::~MappedBar() {
  ::munmap(map_, map_length_);
  ::close(fd_);
}

Result<std::unique_ptr<MappedBar>> MappedBar::open(const Bdf& bdf, const MapOptions& options) {
  const std::string name = bdf.to_string();
  const std::string who = fmt::format("pci {} bar {}", name, options.bar);
  if (options.bar > 5) {
    return error(Code::out_of_range, fmt::format("{}: a PCI function has bars 0..5", who));
  }
  const std::string dir = options.sysfs_root + "/devices/" + name;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return error(Code::not_found, fmt::format("{}: no device {} (`lspci -D` or `cpoctl pci list --all` lists the "
                                              "devices present)",
                                              who, dir));
  }

  auto resource = read_resource(dir, options.bar, who);
  if (!resource) return resource.status();
  const std::uint64_t size64 = resource->end > resource->start ? resource->end - resource->start + 1 : 0;
  if (size64 == 0) {
    return error(Code::not_found, fmt::format("{}: not implemented (size 0 in {}/resource)", who, dir));
  }
  if ((resource->flags & kIoresourceIo) != 0 || (resource->flags & kIoresourceMem) == 0) {
    return error(Code::unsupported,
                 fmt::format("{}: an I/O-space BAR (resource flags {:#x}); only memory BARs can be mapped", who,
                             resource->flags));
  }
  if (size64 > SIZE_MAX / 2) {
    return error(Code::unsupported, fmt::format("{}: {} bytes is too large to map in this process", who, size64));
  }
  const auto size = static_cast<std::size_t>(size64);

  // A BAR whose memory decoding is off reads as all-ones (master abort) and drops writes:
  // the driver would see a dead device. Say so before mapping.
  auto command = read_command(dir, who);
  if (!command) return command.status();
  if ((*command & kCommandMemory) == 0) {
    return error(Code::failed_precondition,
                 fmt::format("{}: memory space decoding is disabled (PCI_COMMAND {:#06x}, bit 1 clear); enable it "
                             "with `setpci -s {} COMMAND=0x02:0x02` or `echo 1 > {}/enable`, or bind a driver "
                             "that enables the device",
                             who, *command, name, dir));
  }

  const std::string driver = bound_driver(dir);
  if (!driver.empty() && !options.allow_bound_driver) {
    return error(Code::failed_precondition,
                 fmt::format("{}: kernel driver '{}' is bound to the device and owns its registers; unbind it with "
                             "`echo {} > /sys/bus/pci/drivers/{}/unbind` (or set allow_bound_driver to map anyway)",
                             who, driver, name, driver));
  }

  const std::string path = fmt::format("{}/resource{}", dir, options.bar);
  MapErrorContext ctx{who, path, name, "open", options.lockdown_file};
  // O_SYNC: the kernel maps sysfs BAR files uncached either way; for a regular file standing
  // in for one it makes writes reach the file, as they reach the device on hardware.
  const int fd = ::open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) return map_errno_status(errno, ctx);

  // sysfs gives resourceN the BAR's size; a shorter file (a stand-in in a test tree) would
  // raise SIGBUS on access past its end.
  if (::fstat(fd, &st) != 0) {
    ctx.operation = "fstat";
    const int err = errno;
    ::close(fd);
    return map_errno_status(err, ctx);
  }
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) < size64) {
    ::close(fd);
    return error(Code::failed_precondition,
                 fmt::format("{}: {} is {} bytes but the BAR is {} bytes", who, path, st.st_size, size64));
  }

  const long page = ::sysconf(_SC_PAGESIZE);
  const std::size_t page_size = page > 0 ? static_cast<std::size_t>(page) : 4096;
  const std::size_t map_length = (size + page_size - 1) / page_size * page_size;
  void* map = ::mmap(nullptr, map_length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    ctx.operation = "mmap";
    const int err = errno;
    ::close(fd);
    return map_errno_status(err, ctx);
  }
  cpo::log::get("cpo.pci")->info("{}: mapped {} bytes from {}", who, size, path);
  return std::unique_ptr<MappedBar>(new MappedBar(bdf, options.bar, path, fd, map, map_length, size));
}

std::uint32_t MappedBar::read32(std::size_t offset) const noexcept {
  if (!in_window(offset)) return 0xffffffffu;
  return words_[offset / 4];
}

void MappedBar::write32(std::size_t offset, std::uint32_t value) noexcept {
  if (!in_window(offset)) return;
  words_[offset / 4] = value;
}

std::chrono::nanoseconds MappedBar::now() const noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

void MappedBar::wait(std::chrono::nanoseconds duration) noexcept {
  if (duration > std::chrono::nanoseconds::zero()) std::this_thread::sleep_for(duration);
}

}  // namespace cpo::pcie
