// PCI discovery through the SDK: which switch ASICs sit on this machine's PCIe bus (or in
// an lspci dump, or in a sysfs tree), for tools like `cpoctl pci list` that may not reach
// into drivers/. A thin facade over the PCIe transport (drivers/pcie, docs/pcie.md).
//
// Thread safety: list_pci_devices() and pci_switch_asic_ids() may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/hal/status.h"

namespace cpo::sdk {

struct PciBarInfo {
  unsigned index = 0;         // 0..5
  std::uint64_t address = 0;  // bus address; 0 when unassigned
  std::uint64_t size = 0;     // bytes; 0 when unknown (dumps carry no sizes)
  bool io = false;            // I/O space rather than memory
  bool is_64bit = false;
  bool prefetchable = false;
};

struct PciDeviceInfo {
  std::string bdf;  // "0000:03:00.0"
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::uint16_t class_id = 0;  // base class << 8 | sub-class
  std::uint8_t revision = 0;
  std::uint8_t prog_if = 0;
  std::uint16_t subsystem_vendor_id = 0;
  std::uint16_t subsystem_id = 0;
  // pci.ids names, or the hex id when pci.ids has none.
  std::string vendor_name;
  std::string device_name;
  std::string class_name;
  std::vector<PciBarInfo> bars;        // implemented BARs only, by index
  std::optional<bool> memory_enabled;  // PCI_COMMAND memory space enable; nullopt if unreadable
  std::string driver;                  // bound kernel driver, "" if none or unknown
  // Switch-ASIC candidate data (empty strings when not a candidate).
  bool candidate = false;
  std::string asic_maker;      // "NVIDIA (Mellanox)", "Broadcom", "cposdk"
  std::string asic_family;     // "Spectrum-4", "Tomahawk4 (BCM56990)", "reference device"
  bool asic_recovery = false;  // enumerates in flash-recovery/RMA mode
  [[nodiscard]] const PciBarInfo* bar(unsigned index) const noexcept;
};

struct PciListOptions {
  std::string dump_file;   // read an `lspci -x` dump instead of the bus
  std::string sysfs_root;  // read a sysfs tree (like /sys/bus/pci) instead of the bus
  bool all = false;        // every device, not only switch-ASIC candidates
};

// Candidates (or every device) sorted by BDF. With neither dump_file nor sysfs_root the
// machine's bus is scanned.
// dump_file "-" reads the dump from standard input.
// Errors: invalid_argument when both dump_file and sysfs_root are given, and for every problem
// with the dump file (missing, unreadable, not a regular file, over 16 MiB: cpo/sdk/input_file.h)
// or a malformed dump; for a sysfs tree those of cpo::pcie::scan(): not_found (missing tree),
// invalid_argument (malformed tree), failed_precondition (unreadable); io_error (libpci failed on
// the real bus).
[[nodiscard]] Result<std::vector<PciDeviceInfo>> list_pci_devices(const PciListOptions& options);

struct PciSwitchAsicId {
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::string_view maker;
  std::string_view family;
  bool recovery = false;
  std::string_view source;
};
// The table of known switch-ASIC ids that makes a device a candidate (docs/pcie.md).
[[nodiscard]] std::vector<PciSwitchAsicId> pci_switch_asic_ids();

}  // namespace cpo::sdk
