// cpo::pcie::MappedBar: a PCIe memory BAR mapped into the process through sysfs, as a
// cpo::Bar the reference driver can run on.
//
// open() maps <sysfs_root>/devices/<bdf>/resource<N> (read-write, O_SYNC, MAP_SHARED), the
// way the kernel's drivers/pci/pci-sysfs.c offers BARs to user space. Before mapping it
// checks what the kernel would otherwise report as a bare errno: the device exists, the BAR
// is a memory BAR of non-zero size, memory decoding is on (PCI_COMMAND bit 1), no kernel
// driver is bound, and it turns EACCES/EPERM/EINVAL into messages that say how to fix them.
// docs/pcie.md lists every error and its remedy.
//
// Access: read32()/write32() are single volatile, naturally aligned 32-bit loads/stores to
// the mapping (the device sees one TLP each, in program order). now() is the steady clock
// and wait() sleeps: the hardware's own time.
//
// Thread safety: as cpo::Bar: read32/write32/now/wait may be called from any number of
// threads at once. open() is thread-safe. Destroying the object unmaps the BAR: no access
// may be in flight then.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cpo/drivers/pcie/bdf.h"
#include "cpo/hal/backend/bar.h"
#include "cpo/hal/status.h"

namespace cpo::pcie {

struct MapOptions {
  // The sysfs PCI root holding devices/<bdf>/ (libpci's "sysfs.path"); tests point it at a
  // fake tree whose resourceN is a regular file.
  std::string sysfs_root = "/sys/bus/pci";
  // Which BAR: 0..5.
  unsigned bar = 0;
  // Map even though a kernel driver is bound to the device. Two masters on one register
  // window is unsafe; only for debugging next to a driver that leaves the device idle.
  bool allow_bound_driver = false;
  // Where the kernel reports its lockdown mode, read to explain an EPERM.
  std::string lockdown_file = "/sys/kernel/security/lockdown";
};

class MappedBar final : public Bar {
 public:
  // Maps BAR `options.bar` of the device at `bdf`.
  // Errors (each message names the BDF, the file and the remedy):
  // - out_of_range: options.bar > 5;
  // - not_found: no <sysfs_root>/devices/<bdf>, or the BAR is not implemented (size 0);
  // - unsupported: the BAR is an I/O-space BAR (only memory BARs can be mapped);
  // - failed_precondition: memory decoding is off (enable: `setpci -s BDF COMMAND=0x02:0x02`
  //   or `echo 1 > .../enable`, or bind a driver that enables the device); a kernel driver
  //   is bound (unbind it: `echo BDF > /sys/bus/pci/drivers/NAME/unbind`) or holds the
  //   region exclusively (mmap EINVAL); resourceN is shorter than the BAR;
  // - io_error: permission denied (EACCES: resourceN is root-only, mode 0600), kernel
  //   lockdown (EPERM: LOCKDOWN_PCI_ACCESS forbids user mappings of BARs), or any other
  //   open/mmap/read failure with its errno text.
  static Result<std::unique_ptr<MappedBar>> open(const Bdf& bdf, const MapOptions& options = {});

  ~MappedBar() override;

  [[nodiscard]] const Bdf& bdf() const noexcept { return bdf_; }
  [[nodiscard]] unsigned bar_index() const noexcept { return bar_index_; }
  // The resourceN file that was mapped.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // BAR size in bytes, from the sysfs `resource` file.
  [[nodiscard]] std::size_t size() const noexcept override { return size_; }
  // Precondition: offset 4-byte aligned and offset + 4 <= size(). A read outside the window
  // returns 0xffffffff (what a PCIe master abort returns) and touches nothing.
  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override;
  // Precondition as read32(); a write outside the window is dropped.
  void write32(std::size_t offset, std::uint32_t value) noexcept override;

  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override;
  void wait(std::chrono::nanoseconds duration) noexcept override;
  // dma_region() stays empty (Bar's default): a sysfs mapping gives the device no host memory
  // it may write without an IOMMU mapping, so drivers read registers. Planned: VFIO DMA.

 private:
  MappedBar(Bdf bdf, unsigned bar_index, std::string path, int fd, void* map, std::size_t map_length,
            std::size_t size) noexcept;

  [[nodiscard]] bool in_window(std::size_t offset) const noexcept {
    return offset % 4 == 0 && offset < size_ && size_ - offset >= 4;
  }

  Bdf bdf_;
  unsigned bar_index_;
  std::string path_;
  int fd_;
  void* map_;
  std::size_t map_length_;
  std::size_t size_;
  volatile std::uint32_t* words_;
};

}  // namespace cpo::pcie
