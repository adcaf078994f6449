#include "cpo/sdk/pci.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "cpo/drivers/pcie/discovery.h"
#include "cpo/hal/input_file.h"

namespace cpo::sdk {

const PciBarInfo* PciDeviceInfo::bar(unsigned index) const noexcept {
  for (const auto& b : bars) {
    if (b.index == index) return &b;
  }
  return nullptr;
}

namespace {

// libpci reads a dump by path: standard input is copied into an anonymous memory file first,
// read through the one input-file reader (same cap, same errors as any dump file).
class StdinDump {
 public:
  ~StdinDump() {
    if (fd_ >= 0) ::close(fd_);
  }
  Result<std::string> path() {
    auto text = read_input_file("-", "dump file");
    if (!text) return text.status();
    fd_ = ::memfd_create("cposdk-stdin-dump", MFD_CLOEXEC);
    if (fd_ < 0)
      return error(Code::io_error,
                   fmt::format("dump file '-': memfd_create: {}", std::generic_category().message(errno)));
    std::size_t done = 0;
    while (done < text->size()) {
      const ssize_t n = ::write(fd_, text->data() + done, text->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return error(Code::io_error, fmt::format("dump file '-': write: {}", std::generic_category().message(errno)));
      done += static_cast<std::size_t>(n);
    }
    return fmt::format("/proc/self/fd/{}", fd_);
  }

 private:
  int fd_ = -1;
};

}  // namespace

Result<std::vector<PciDeviceInfo>> list_pci_devices(const PciListOptions& options) {
  if (!options.dump_file.empty() && !options.sysfs_root.empty()) {
    return error(Code::invalid_argument, "pci list: give a dump file or a sysfs root, not both");
  }
  pcie::ScanOptions scan;
  StdinDump stdin_dump;
  if (!options.dump_file.empty()) {
    scan.method = pcie::ScanOptions::Method::dump;
    scan.path = options.dump_file;
    if (scan.path == "-") {
      auto path = stdin_dump.path();
      if (!path) return path.status();
      scan.path = *path;
    }
  } else if (!options.sysfs_root.empty()) {
    scan.method = pcie::ScanOptions::Method::sysfs;
    scan.path = options.sysfs_root;
  }
  scan.all = options.all;
  auto devices = pcie::scan(scan);
  if (!devices) return devices.status();

  std::vector<PciDeviceInfo> out;
  out.reserve(devices->size());
  for (const auto& d : *devices) {
    PciDeviceInfo info;
    info.bdf = d.bdf.to_string();
    info.vendor_id = d.vendor_id;
    info.device_id = d.device_id;
    info.class_id = d.class_id;
    info.revision = d.revision;
    info.prog_if = d.prog_if;
    info.subsystem_vendor_id = d.subsystem_vendor_id;
    info.subsystem_id = d.subsystem_id;
    info.vendor_name = d.vendor_name;
    info.device_name = d.device_name;
    info.class_name = d.class_name;
    for (unsigned i = 0; i < d.bars.size(); ++i) {
      const auto& b = d.bars[i];
      if (!b.present()) continue;
      info.bars.push_back(PciBarInfo{i, b.address, b.size, b.io, b.is_64bit, b.prefetchable});
    }
    info.memory_enabled = d.memory_enabled;
    info.driver = d.driver;
    if (d.asic) {
      info.candidate = true;
      info.asic_maker = std::string(d.asic->maker);
      info.asic_family = std::string(d.asic->family);
      info.asic_recovery = d.asic->recovery;
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<PciSwitchAsicId> pci_switch_asic_ids() {
  std::vector<PciSwitchAsicId> out;
  for (const auto& e : pcie::known_switch_asics()) {
    out.push_back(PciSwitchAsicId{e.vendor_id, e.device_id, e.maker, e.family, e.recovery, e.source});
  }
  return out;
}

}  // namespace cpo::sdk
