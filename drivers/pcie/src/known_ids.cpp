// The switch-ASIC id table. Every row names where its id is published, so a reviewer can
// check it without trusting us:
// - "mlxsw": the Linux kernel's drivers/net/ethernet/mellanox/mlxsw/pci.h
//   (PCI_DEVICE_ID_MELLANOX_SPECTRUM* used by spectrum.c's pci_device_id tables; SwitchX-2,
//   Switch-IB and Switch-IB 2 are from the same header before those drivers were removed);
// - "pci.ids": the public PCI ID repository (https://pci-ids.ucw.cz), as shipped in Debian
//   12's pciutils (/usr/share/misc/pci.ids, version 2023.04.10), vendor 15b3 (Mellanox
//   Technologies) and 14e4 (Broadcom Inc. and subsidiaries).
// Rows stay sorted by vendor, then device (find_switch_asic() does a binary search).
#include <algorithm>
#include <array>

#include "cpo/drivers/pcie/discovery.h"

namespace cpo::pcie {
namespace {

constexpr std::string_view kNvidia = "NVIDIA (Mellanox)";
constexpr std::string_view kBroadcom = "Broadcom";

constexpr std::array kTable{
    // Broadcom StrataXGS switch ASICs, vendor 0x14e4.
    SwitchAsicId{0x14e4, 0xb842, kBroadcom, "Trident (BCM56842)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xb850, kBroadcom, "Trident2 (BCM56850)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xb880, kBroadcom, "Trident4 (BCM56880)", false, "pci.ids (BCM56880 Switch ASIC)"},
    SwitchAsicId{0x14e4, 0xb960, kBroadcom, "Tomahawk (BCM56960)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xb990, kBroadcom, "Tomahawk4 (BCM56990)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xb996, kBroadcom, "Tomahawk4G (BCM56996)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xb998, kBroadcom, "Tomahawk4GT (BCM56998)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xb999, kBroadcom, "Tomahawk4D (BCM56999)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xc914, kBroadcom, "Tomahawk6C (BCM78914)", false, "pci.ids"},
    SwitchAsicId{0x14e4, 0xf800, kBroadcom, "Trident5-X12 (BCM78800)", false, "pci.ids"},
    // NVIDIA (Mellanox) Spectrum Ethernet and Quantum InfiniBand switch ASICs, vendor 0x15b3.
    // 0x024e..0x0277: the same ASICs enumerating in flash-recovery or RMA mode (pci.ids).
    SwitchAsicId{0x15b3, 0x024e, kNvidia, "Spectrum-2", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x024f, kNvidia, "Spectrum-2", true, "pci.ids (secure flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0250, kNvidia, "Spectrum-3", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0251, kNvidia, "Spectrum-3", true, "pci.ids (secure flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0254, kNvidia, "Spectrum-4", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0255, kNvidia, "Spectrum-4", true, "pci.ids (RMA)"},
    SwitchAsicId{0x15b3, 0x0257, kNvidia, "Quantum-2", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0258, kNvidia, "Quantum-2", true, "pci.ids (RMA)"},
    SwitchAsicId{0x15b3, 0x025b, kNvidia, "Quantum-3", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x025c, kNvidia, "Quantum-3", true, "pci.ids (RMA)"},
    SwitchAsicId{0x15b3, 0x025d, kNvidia, "Quantum-3 CPO", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x025e, kNvidia, "Quantum-3 CPO", true, "pci.ids (RMA)"},
    SwitchAsicId{0x15b3, 0x0270, kNvidia, "Spectrum-4L", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0271, kNvidia, "Spectrum-4L", true, "pci.ids (RMA)"},
    SwitchAsicId{0x15b3, 0x0274, kNvidia, "Spectrum-4C", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0275, kNvidia, "Spectrum-4C", true, "pci.ids (RMA)"},
    SwitchAsicId{0x15b3, 0x0276, kNvidia, "Spectrum-4TOR", true, "pci.ids (flash recovery mode)"},
    SwitchAsicId{0x15b3, 0x0277, kNvidia, "Spectrum-4TOR", true, "pci.ids (RMA)"},
    SwitchAsicId{0x15b3, 0xc738, kNvidia, "SwitchX-2", false, "mlxsw pci.h PCI_DEVICE_ID_MELLANOX_SWITCHX2; pci.ids"},
    SwitchAsicId{0x15b3, 0xcb20, kNvidia, "Switch-IB", false, "mlxsw pci.h PCI_DEVICE_ID_MELLANOX_SWITCHIB"},
    SwitchAsicId{0x15b3, 0xcb84, kNvidia, "Spectrum", false, "mlxsw pci.h PCI_DEVICE_ID_MELLANOX_SPECTRUM; pci.ids"},
    SwitchAsicId{0x15b3, 0xcf08, kNvidia, "Switch-IB 2", false,
                 "mlxsw pci.h PCI_DEVICE_ID_MELLANOX_SWITCHIB2; pci.ids"},
    SwitchAsicId{0x15b3, 0xcf6c, kNvidia, "Spectrum-2", false, "mlxsw pci.h PCI_DEVICE_ID_MELLANOX_SPECTRUM2; pci.ids"},
    SwitchAsicId{0x15b3, 0xcf70, kNvidia, "Spectrum-3", false, "mlxsw pci.h PCI_DEVICE_ID_MELLANOX_SPECTRUM3; pci.ids"},
    SwitchAsicId{0x15b3, 0xcf80, kNvidia, "Spectrum-4", false, "mlxsw pci.h PCI_DEVICE_ID_MELLANOX_SPECTRUM4; pci.ids"},
    SwitchAsicId{0x15b3, 0xcf82, kNvidia, "Spectrum-4L", false, "pci.ids"},
    SwitchAsicId{0x15b3, 0xcf84, kNvidia, "Spectrum-4C", false, "pci.ids"},
    // pci.ids 2023.04.10 lists cf86 and 0276 mis-indented as a vendor "cf86  Spectrum-4TOR"
    // with device 0276, so pci_lookup_name() cannot name 15b3:cf86 / 15b3:0276 with it.
    SwitchAsicId{0x15b3, 0xcf86, kNvidia, "Spectrum-4TOR", false, "pci.ids (misplaced as vendor cf86 in 2023.04.10)"},
    SwitchAsicId{0x15b3, 0xd2f0, kNvidia, "Quantum", false, "pci.ids (Quantum HDR (200Gbps) switch)"},
    SwitchAsicId{0x15b3, 0xd2f2, kNvidia, "Quantum-2", false, "pci.ids (Quantum-2 NDR (400Gbps) switch)"},
    SwitchAsicId{0x15b3, 0xd2f4, kNvidia, "Quantum-3", false, "pci.ids"},
    SwitchAsicId{0x15b3, 0xd2f6, kNvidia, "Quantum-3 CPO", false, "pci.ids (Quantum-3CPO)"},
    // The cposdk reference device (docs/pcie.md, "The reference device id").
    SwitchAsicId{kReferenceVendorId, kReferenceDeviceId, "cposdk", "reference device", false,
                 "cposdk docs/pcie.md; vendor c905 is unassigned in pci.ids"},
};

constexpr bool sorted() {
  for (std::size_t i = 1; i < kTable.size(); ++i) {
    const auto& a = kTable[i - 1];
    const auto& b = kTable[i];
    if (a.vendor_id > b.vendor_id || (a.vendor_id == b.vendor_id && a.device_id >= b.device_id)) return false;
  }
  return true;
}
static_assert(sorted(), "switch-ASIC table must be sorted by vendor, device and free of duplicates");

}  // namespace

std::span<const SwitchAsicId> known_switch_asics() noexcept { return kTable; }

const SwitchAsicId* find_switch_asic(std::uint16_t vendor_id, std::uint16_t device_id) noexcept {
  const auto key = [](const SwitchAsicId& e) { return (std::uint32_t{e.vendor_id} << 16) | e.device_id; };
  const std::uint32_t wanted = (std::uint32_t{vendor_id} << 16) | device_id;
  const auto* it = std::lower_bound(kTable.begin(), kTable.end(), wanted,
                                    [&](const SwitchAsicId& e, std::uint32_t v) { return key(e) < v; });
  return it != kTable.end() && key(*it) == wanted ? &*it : nullptr;
}

}  // namespace cpo::pcie
