#include "cpo/drivers/pcie/discovery.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "cpo/hal/input_file.h"
#include "cpo/hal/log.h"
#include "libpci.h"

namespace cpo::pcie {
namespace {

// strerror() is not thread-safe; the category's message is (same text).
std::string errno_text(int err) { return std::generic_category().message(err); }

// PCI configuration-space layout (PCI Local Bus 3.0 section 6.1; the same constants as the
// kernel's include/uapi/linux/pci_regs.h and pciutils' lib/header.h).
constexpr int kCfgCommand = 0x04;                 // PCI_COMMAND, 16 bits
constexpr std::uint16_t kCommandMemory = 0x0002;  // PCI_COMMAND_MEMORY: memory space enable
constexpr int kCfgHeaderType = 0x0e;              // PCI_HEADER_TYPE; bit 7 = multi-function
constexpr int kCfgBar0 = 0x10;                    // PCI_BASE_ADDRESS_0
constexpr std::uint32_t kBarSpaceIo = 0x01;       // PCI_BASE_ADDRESS_SPACE_IO
constexpr std::uint32_t kBarMemTypeMask = 0x06;   // PCI_BASE_ADDRESS_MEM_TYPE_MASK
constexpr std::uint32_t kBarMemType64 = 0x04;     // PCI_BASE_ADDRESS_MEM_TYPE_64
constexpr std::uint32_t kBarMemPrefetch = 0x08;   // PCI_BASE_ADDRESS_MEM_PREFETCH
constexpr std::uint64_t kBarIoMask = ~std::uint64_t{0x3};
constexpr std::uint64_t kBarMemMask = ~std::uint64_t{0xf};

std::shared_ptr<spdlog::logger> logger() { return cpo::log::get("cpo.pci"); }

// ---------------------------------------------------------------------------------------
// libpci's fatal errors.
//
// pci_access::error is declared noreturn and libpci's default prints and calls exit(1). It
// is called from deep inside libpci's C code (dump_init on an unreadable or malformed dump,
// sysfs_scan on a missing file, pci_malloc on OOM), which is built without -fexceptions, so
// a C++ exception must not unwind through it. The callback therefore longjmp()s back to the
// setjmp() taken in run_trapped() just before cposdk called into libpci, and scan() turns
// the saved message into a Status.
//
// For that jump to be well defined (C++ [support.runtime]: no skipped frame may hold an
// object with a non-trivial destructor), the code between setjmp and libpci (scan_body and
// fill_device) keeps every C++ object in ScanState, which lives in scan()'s frame, and holds
// only pointers, integers and char buffers itself. The trap is thread_local, so concurrent
// scans on different threads each return to their own setjmp.
// ---------------------------------------------------------------------------------------
struct Trap {
  std::jmp_buf env{};
  bool armed = false;
  char message[512] = {};
};
thread_local Trap t_trap;

// GNU noreturn (not [[noreturn]]): clang makes it part of the function type, which must
// match pci_access::error's PCI_NONRET pointer type.
__attribute__((noreturn, format(printf, 1, 2))) void on_pci_error(char* format, ...) {
  Trap& trap = t_trap;
  va_list args;
  va_start(args, format);
  (void)std::vsnprintf(trap.message, sizeof trap.message, format, args);
  va_end(args);
  if (!trap.armed) {
    // Only reachable if libpci is called outside run_trapped(), a cposdk bug. Ending the
    // process is what libpci would have done; say why first.
    logger()->critical("libpci fatal error outside a guarded call (cposdk bug): {}", trap.message);
    std::abort();
  }
  std::longjmp(trap.env, 1);
}

// libpci passes messages without a trailing newline (warnings) or in fragments ending in
// one (debug); spdlog adds its own line ends.
std::string_view trim_newlines(const char* text) {
  std::string_view s(text);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

__attribute__((format(printf, 1, 2))) void on_pci_warning(char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  (void)std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  logger()->warn("libpci: {}", trim_newlines(buf));
}

__attribute__((format(printf, 1, 2))) void on_pci_debug(char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  (void)std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  auto text = trim_newlines(buf);
  if (!text.empty()) logger()->debug("libpci: {}", text);
}

// Everything the guarded code reads or writes. C++ objects live here, in scan()'s frame,
// never in the frames a longjmp may skip.
struct ScanState {
  const ScanOptions* options = nullptr;
  pci_access* access = nullptr;
  // NUL-terminated copies for libpci's char* parameters (it does not modify them).
  std::string param_name;
  std::string param_value;
  std::string ids_file;
  std::string hwdb_param = "hwdb.disable";
  std::string hwdb_value = "1";
  PciDevice current;
  std::vector<PciDevice> devices;
};

// Copies a pci_lookup_name() result into `out`, or the hex id when pci.ids has no entry.
// PCI_LOOKUP_NO_NUMBERS makes libpci return NULL instead of its "Device 1234" placeholder.
void assign_name(std::string& out, const char* name, unsigned id, int hex_digits) {
  if (name != nullptr) {
    out = name;
  } else {
    out = fmt::format("{:0{}x}", id, hex_digits);
  }
}

void fill_bars(PciDevice& out, pci_dev* dev, int known, int bar_count) {
  bool upper_half = false;  // the previous BAR was 64-bit: this register is its high dword
  for (int i = 0; i < bar_count; ++i) {
    if (upper_half) {
      upper_half = false;
      continue;
    }
    const auto index = static_cast<std::size_t>(i);
    BarInfo& bar = out.bars[index];
    const std::uint64_t base = dev->base_addr[i];
    // The raw register tells the BAR's type even when libpci zeroed the address because the
    // dump shows decoding disabled (lib/generic.c does that when PCI_COMMAND_MEMORY is clear).
    const std::uint32_t raw = pci_read_long(dev, kCfgBar0 + 4 * i);
    const bool raw_valid = raw != 0 && raw != 0xffffffffu;
    const std::uint32_t flags = base != 0 ? static_cast<std::uint32_t>(base & 0xf) : raw_valid ? (raw & 0xf) : 0;
    bar.io = (flags & kBarSpaceIo) != 0;
    bar.is_64bit = !bar.io && (flags & kBarMemTypeMask) == kBarMemType64;
    bar.prefetchable = !bar.io && (flags & kBarMemPrefetch) != 0;
    bar.address = base & (bar.io ? kBarIoMask : kBarMemMask);
    if (bar.address == 0 && raw_valid) {
      std::uint64_t address = raw & (bar.io ? kBarIoMask : kBarMemMask) & 0xffffffffu;
      if (bar.is_64bit && i + 1 < bar_count) {
        address |= std::uint64_t{pci_read_long(dev, kCfgBar0 + 4 * (i + 1))} << 32;
      }
      bar.address = address;
    }
    bar.size = (known & PCI_FILL_SIZES) != 0 ? dev->size[i] : 0;
    upper_half = bar.is_64bit;
  }
}

// Guarded: called with the trap armed. Locals are trivially destructible on purpose.
void fill_device(ScanState& s, pci_dev* dev) {
  constexpr int kWanted = PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_CLASS_EXT |
                          PCI_FILL_SUBSYS | PCI_FILL_DRIVER;
  const int known = pci_fill_info(dev, kWanted);
  PciDevice& out = s.current;
  out = PciDevice{};
  out.bdf.domain = static_cast<std::uint32_t>(dev->domain);
  out.bdf.bus = dev->bus;
  out.bdf.device = dev->dev;
  out.bdf.function = dev->func;
  out.vendor_id = dev->vendor_id;
  out.device_id = dev->device_id;
  out.class_id = dev->device_class;
  out.prog_if = dev->prog_if;
  out.revision = dev->rev_id;
  out.subsystem_vendor_id = dev->subsys_vendor_id;
  out.subsystem_id = dev->subsys_id;

  const std::uint8_t header = pci_read_byte(dev, kCfgHeaderType);
  out.header_type = static_cast<std::uint8_t>(header & 0x7f);
  const std::uint16_t command = pci_read_word(dev, kCfgCommand);
  // libpci fills unreadable config space with 0xff: all-ones means "could not read".
  if (command != 0xffff) out.memory_enabled = (command & kCommandMemory) != 0;

  // Endpoints have 6 BARs, PCI-PCI bridges 2, CardBus bridges 1 (header types 0, 1, 2).
  const int bar_count = out.header_type == 0 ? 6 : out.header_type == 1 ? 2 : out.header_type == 2 ? 1 : 0;
  fill_bars(out, dev, known, bar_count);

  char buf[256];
  const char* name = pci_lookup_name(s.access, buf, sizeof buf, PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_NUMBERS,
                                     static_cast<int>(out.vendor_id));
  assign_name(out.vendor_name, name, out.vendor_id, 4);
  name = pci_lookup_name(s.access, buf, sizeof buf, PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
                         static_cast<int>(out.vendor_id), static_cast<int>(out.device_id));
  assign_name(out.device_name, name, out.device_id, 4);
  name = pci_lookup_name(s.access, buf, sizeof buf, PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_NUMBERS,
                         static_cast<int>(out.class_id));
  assign_name(out.class_name, name, out.class_id, 4);

  if ((known & PCI_FILL_DRIVER) != 0) {
    const char* driver = pci_get_string_property(dev, PCI_FILL_DRIVER);
    if (driver != nullptr) out.driver = driver;
  }
  s.devices.push_back(std::move(out));
}

// Guarded: allocates libpci's handle, scans, fills every device.
void scan_body(ScanState& s) {
  s.access = pci_alloc();
  pci_access* acc = s.access;
  acc->error = on_pci_error;
  acc->warning = on_pci_warning;
  acc->debug = on_pci_debug;
  acc->debugging = logger()->should_log(spdlog::level::debug) ? 1 : 0;
  switch (s.options->method) {
    case ScanOptions::Method::system: acc->method = PCI_ACCESS_AUTO; break;
    case ScanOptions::Method::dump: acc->method = PCI_ACCESS_DUMP; break;
    case ScanOptions::Method::sysfs: acc->method = PCI_ACCESS_SYS_BUS_PCI; break;
  }
  if (!s.param_name.empty() && pci_set_param(acc, s.param_name.data(), s.param_value.data()) != 0) {
    acc->error(const_cast<char*>("libpci has no parameter %s"), s.param_name.c_str());
  }
  if (!s.ids_file.empty()) pci_set_name_list_path(acc, s.ids_file.data(), 0);
  // Names come from pci.ids only, not from udev's hwdb: the result does not depend on
  // whether a hwdb.bin happens to be installed, and libpci 3.9 (lib/names-hwdb.c) leaks a
  // udev context on every lookup when hwdb.bin is absent.
  pci_set_param(acc, s.hwdb_param.data(), s.hwdb_value.data());
  pci_init(acc);
  pci_scan_bus(acc);
  for (pci_dev* dev = acc->devices; dev != nullptr; dev = dev->next) fill_device(s, dev);
}

// Runs scan_body with the trap armed; on a libpci fatal error returns false with its message.
bool run_trapped(ScanState& state, std::string& message) {
  Trap& trap = t_trap;
  struct Disarm {
    Trap& trap;
    ~Disarm() { trap.armed = false; }
  } disarm{trap};
  trap.message[0] = '\0';
  if (setjmp(trap.env) != 0) {
    message = trap.message;
    return false;
  }
  trap.armed = true;
  scan_body(state);
  return true;
}

// What the user gave us must exist and be readable before libpci sees it, so the common
// mistakes get a precise code instead of libpci's generic message.
Status check_input(const ScanOptions& options) {
  if (options.method == ScanOptions::Method::system) return ok_status();
  const bool dump = options.method == ScanOptions::Method::dump;
  // A dump is an input file like any other: one check (cpo/hal/input_file.h), one code.
  if (dump) return check_input_file(options.path, "dump file");
  const std::string what = fmt::format("{} '{}'", dump ? "dump file" : "sysfs root", options.path);
  if (options.path.empty()) return error(Code::invalid_argument, fmt::format("{}: empty path", what));
  struct stat st {};
  if (::stat(options.path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return error(Code::not_found, fmt::format("{}: not found", what));
    return error(Code::failed_precondition, fmt::format("{}: cannot be read: {}", what, errno_text(err)));
  }
  if (dump && !S_ISREG(st.st_mode)) {
    return error(Code::invalid_argument,
                 fmt::format("{}: not a regular file (expected the output of `lspci -x` or `lspci -xxx`)", what));
  }
  if (!dump && !S_ISDIR(st.st_mode)) {
    return error(Code::invalid_argument,
                 fmt::format("{}: not a directory (expected a tree like /sys/bus/pci holding devices/)", what));
  }
  if (::access(options.path.c_str(), dump ? R_OK : (R_OK | X_OK)) != 0) {
    return error(Code::failed_precondition, fmt::format("{}: cannot be read: {}", what, errno_text(errno)));
  }
  if (!dump) {
    const std::string devices = options.path + "/devices";
    if (::stat(devices.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return error(Code::not_found,
                   fmt::format("{}: has no devices/ folder (expected a tree like /sys/bus/pci)", what));
    }
  }
  if (!options.ids_file.empty() && ::access(options.ids_file.c_str(), R_OK) != 0) {
    return error(Code::not_found, fmt::format("pci.ids file '{}': {}", options.ids_file, errno_text(errno)));
  }
  return ok_status();
}

}  // namespace

Result<std::vector<PciDevice>> scan(const ScanOptions& options) {
  CPO_RETURN_IF_ERROR(check_input(options));

  ScanState state;
  state.options = &options;
  if (options.method == ScanOptions::Method::dump) {
    state.param_name = "dump.name";
    state.param_value = options.path;
  } else if (options.method == ScanOptions::Method::sysfs) {
    state.param_name = "sysfs.path";
    state.param_value = options.path;
  }
  state.ids_file = options.ids_file;

  std::string libpci_message;
  bool ok = false;
  {
    // libpci is not reentrant across access objects: pci_init() calls getpwuid() (a static
    // buffer) to find the user's pci.ids cache, so scans are serialised process-wide.
    static std::mutex libpci_mutex;
    std::lock_guard lock(libpci_mutex);
    ok = run_trapped(state, libpci_message);
    if (state.access != nullptr) pci_cleanup(state.access);
  }
  if (!ok) {
    switch (options.method) {
      case ScanOptions::Method::dump:
        return error(Code::invalid_argument,
                     fmt::format("dump file '{}': libpci: {} (expected `lspci -x` output: 'BB:DD.F name' lines, "
                                 "each followed by 'OO: hh hh ...' config-space lines)",
                                 options.path, libpci_message));
      case ScanOptions::Method::sysfs:
        return error(Code::invalid_argument, fmt::format("sysfs root '{}': libpci: {}", options.path, libpci_message));
      case ScanOptions::Method::system: break;
    }
    return error(Code::io_error, fmt::format("pci bus: libpci: {}", libpci_message));
  }
  if (options.method == ScanOptions::Method::dump && state.devices.empty()) {
    // libpci's dump reader skips lines it does not recognise, so a text file that is not a
    // dump at all reads as an empty bus; a dump always holds at least one device.
    return error(Code::invalid_argument,
                 fmt::format("dump file '{}': holds no device (expected `lspci -x` output: 'BB:DD.F name' lines, "
                             "each followed by 'OO: hh hh ...' config-space lines)",
                             options.path));
  }

  std::vector<PciDevice> devices = std::move(state.devices);
  for (auto& dev : devices) {
    // When only the base class is known, libpci answers "Network controller [02ff]" (it adds
    // the number itself, lib/names.c); keep the name part so every name field is a bare name.
    const std::string suffix = fmt::format(" [{:04x}]", dev.class_id);
    if (dev.class_name.size() > suffix.size() && dev.class_name.ends_with(suffix)) {
      dev.class_name.resize(dev.class_name.size() - suffix.size());
    }
    if (const SwitchAsicId* known = find_switch_asic(dev.vendor_id, dev.device_id)) {
      dev.asic = *known;
    } else {
      for (const auto& [vendor, device] : options.extra_ids) {
        if (vendor == dev.vendor_id && device == dev.device_id) {
          dev.asic = SwitchAsicId{vendor, device, "user", "extra id", false, "ScanOptions::extra_ids"};
          break;
        }
      }
    }
  }
  if (!options.all) {
    std::erase_if(devices, [](const PciDevice& d) { return !d.is_candidate(); });
  }
  // libpci links each new device at the head of its list, so it returns them in reverse.
  std::sort(devices.begin(), devices.end(), [](const PciDevice& a, const PciDevice& b) { return a.bdf < b.bdf; });
  logger()->debug("scan: {} device(s) reported", devices.size());
  return devices;
}

}  // namespace cpo::pcie
