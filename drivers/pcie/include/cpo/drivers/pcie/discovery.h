// PCIe discovery: scan a PCI bus with libpci and report switch-ASIC candidates.
//
// The bus is read through one of libpci's access methods:
// - system: libpci's automatic choice (linux-sysfs on Linux), the machine's real bus;
// - dump: an `lspci -x` / `-xxx` text dump (libpci method "dump", parameter "dump.name");
// - sysfs: a sysfs tree rooted somewhere else than /sys/bus/pci (method "linux-sysfs",
//   parameter "sysfs.path"), which is how tests present fake devices with BAR sizes.
//
// A candidate is a device whose vendor:device pair is in known_switch_asics(): the switch
// ASIC ids of NVIDIA/Mellanox and Broadcom published in the Linux kernel and in pci.ids,
// plus the cposdk reference device (docs/pcie.md lists the table with its sources).
//
// libpci never ends the process from inside cposdk: its fatal-error callback is replaced by
// one that returns to scan() with a Status (see docs/pcie.md, "Errors").
//
// Thread safety: scan() may be called from several threads at once; the calls into libpci
// are serialised (libpci's pci_init is not reentrant: it uses getpwuid's static buffer),
// and the error trap is per thread. The table functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/drivers/pcie/bdf.h"
#include "cpo/hal/status.h"

namespace cpo::pcie {

// One entry of the switch-ASIC id table.
struct SwitchAsicId {
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::string_view maker;   // "NVIDIA (Mellanox)", "Broadcom", "cposdk"
  std::string_view family;  // "Spectrum-4", "Quantum-3 CPO", "Tomahawk4", "reference device"
  bool recovery = false;    // the ASIC is in flash-recovery/RMA mode: present, not drivable
  std::string_view source;  // where the id is published
};

// The vendor:device id of the cposdk reference device (docs/device-interface.md): vendor
// 0xc905 is not assigned to any company in pci.ids (2023.04.10); silicon implementing the
// interface carries its maker's ids, given to scan() through ScanOptions::extra_ids.
inline constexpr std::uint16_t kReferenceVendorId = 0xc905;
inline constexpr std::uint16_t kReferenceDeviceId = 0x0001;

// Every known switch ASIC, sorted by vendor then device id.
[[nodiscard]] std::span<const SwitchAsicId> known_switch_asics() noexcept;
// The table entry for a vendor:device pair, or nullptr.
[[nodiscard]] const SwitchAsicId* find_switch_asic(std::uint16_t vendor_id, std::uint16_t device_id) noexcept;

// A base address register as libpci reports it.
struct BarInfo {
  std::uint64_t address = 0;  // bus address without flag bits; 0 when unassigned or when
                              // the dump shows its decoding disabled
  std::uint64_t size = 0;     // bytes; 0 when unknown (a dump has no sizes) or unimplemented
  bool io = false;            // I/O space (cannot be mmapped through resourceN)
  bool is_64bit = false;      // 64-bit memory BAR (it uses the next register too)
  bool prefetchable = false;
  // True when the register is implemented: a non-zero address or size or type bits.
  [[nodiscard]] bool present() const noexcept { return address != 0 || size != 0 || io || is_64bit || prefetchable; }
};

struct PciDevice {
  Bdf bdf;
  std::uint16_t vendor_id = 0;
  std::uint16_t device_id = 0;
  std::uint16_t class_id = 0;  // base class << 8 | sub-class, e.g. 0x0200 Ethernet
  std::uint8_t prog_if = 0;
  std::uint8_t revision = 0;
  std::uint16_t subsystem_vendor_id = 0;
  std::uint16_t subsystem_id = 0;
  std::uint8_t header_type = 0;  // low 7 bits of config byte 0x0e: 0 endpoint, 1 bridge, 2 CardBus

  // Names from pci.ids through pci_lookup_name(). When pci.ids has no entry the field is
  // the hex id as `lspci -n` prints it ("cf80", "0200").
  std::string vendor_name;
  std::string device_name;
  std::string class_name;

  std::array<BarInfo, 6> bars{};
  // PCI_COMMAND bit 1 (memory space enable). nullopt when config space is unreadable.
  std::optional<bool> memory_enabled;
  // The bound kernel driver ("mlxsw_spectrum4", "vfio-pci"), empty when none or unknown
  // (a dump has no drivers).
  std::string driver;

  // The switch-ASIC table entry (or an extra id's), empty for any other device.
  std::optional<SwitchAsicId> asic;
  [[nodiscard]] bool is_candidate() const noexcept { return asic.has_value(); }
};

struct ScanOptions {
  enum class Method {
    system,  // libpci's automatic choice: the real bus
    dump,    // `path` is an lspci -x dump file
    sysfs,   // `path` is a sysfs root holding devices/<bdf>/ (like /sys/bus/pci)
  };
  Method method = Method::system;
  std::string path;
  // pci.ids file for names; empty means libpci's default (/usr/share/misc/pci.ids).
  std::string ids_file;
  // Report every device, not only switch-ASIC candidates.
  bool all = false;
  // More vendor:device pairs to treat as candidates (a board's own ids for the reference
  // interface); they report maker "user" and family "extra id".
  std::vector<std::pair<std::uint16_t, std::uint16_t>> extra_ids;
};

// Scans the bus and returns the candidates (every device with `all`), sorted by BDF.
// Errors:
// - invalid_argument: any problem with the dump file itself (missing, unreadable, not a
//   regular file, over 16 MiB: cpo/hal/input_file.h, the same code as every input file), a
//   malformed dump (libpci's message is quoted) or one holding no device; a malformed sysfs
//   tree (a missing vendor, class, resource... file);
// - not_found: the sysfs root (or its devices/ folder) does not exist;
// - failed_precondition: the sysfs root is not readable by this process;
// - io_error: libpci failed on the real bus (its message is quoted).
[[nodiscard]] Result<std::vector<PciDevice>> scan(const ScanOptions& options);

}  // namespace cpo::pcie
