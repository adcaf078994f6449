// Code tables. Sources per table below; names follow the SFF-8024 wording as reproduced in
// sonic-net/sonic-platform-common sonic_xcvr/codes/public/sff8024.py (Rev 4.8a tables) and
// extended with later SFF-8024 assignments (Rev 4.11: identifiers 1Fh..25h, host codes
// 41h..58h, 70h..74h, 80h..83h) where several public decoders agree on them.
#include "cpo/hal/cmis/codes.h"

#include <algorithm>
#include <iterator>

namespace cpo::cmis {
namespace {

struct Entry {
  std::uint8_t code;
  std::string_view name;
};

template <std::size_t N>
constexpr bool sorted(const Entry (&table)[N]) {
  for (std::size_t i = 1; i < N; ++i) {
    if (table[i - 1].code >= table[i].code) return false;
  }
  return true;
}

template <std::size_t N>
std::string_view find(const Entry (&table)[N], std::uint8_t code, std::string_view otherwise) {
  auto it = std::lower_bound(std::begin(table), std::end(table), code,
                             [](const Entry& e, std::uint8_t c) { return e.code < c; });
  return (it != std::end(table) && it->code == code) ? it->name : otherwise;
}

// SFF-8024 Table 4-1, identifier values.
constexpr Entry kIdentifiers[] = {
    {0x00, "Unknown or unspecified"},
    {0x01, "GBIC"},
    {0x02, "Module/connector soldered to motherboard"},
    {0x03, "SFP/SFP+/SFP28"},
    {0x04, "300 pin XBI"},
    {0x05, "XENPAK"},
    {0x06, "XFP"},
    {0x07, "XFF"},
    {0x08, "XFP-E"},
    {0x09, "XPAK"},
    {0x0A, "X2"},
    {0x0B, "DWDM-SFP/SFP+"},
    {0x0C, "QSFP"},
    {0x0D, "QSFP+ or later with SFF-8636 or SFF-8436"},
    {0x0E, "CXP or later"},
    {0x0F, "Shielded Mini Multilane HD 4X"},
    {0x10, "Shielded Mini Multilane HD 8X"},
    {0x11, "QSFP28 or later"},
    {0x12, "CXP2 (aka CXP28) or later"},
    {0x13, "CDFP (Style 1/Style2)"},
    {0x14, "Shielded Mini Multilane HD 4X Fanout Cable"},
    {0x15, "Shielded Mini Multilane HD 8X Fanout Cable"},
    {0x16, "CDFP (Style 3)"},
    {0x17, "microQSFP"},
    {0x18, "QSFP-DD Double Density 8X Pluggable Transceiver"},
    {0x19, "OSFP 8X Pluggable Transceiver"},
    {0x1A, "SFP-DD Double Density 2X Pluggable Transceiver"},
    {0x1B, "DSFP Dual Small Form Factor Pluggable Transceiver"},
    {0x1C, "x4 MiniLink/OcuLink"},
    {0x1D, "x8 MiniLink"},
    {0x1E, "QSFP+ or later with CMIS"},
    {0x1F, "SFP-DD Double Density 2X Pluggable Transceiver with CMIS"},
    {0x20, "SFP+ and later with CMIS"},
    {0x21, "OSFP-XD with CMIS"},
    {0x22, "OIF-ELSFP with CMIS"},
    {0x23, "CDFP (x4 PCIe) SFF-TA-1032 with CMIS"},
    {0x24, "CDFP (x8 PCIe) SFF-TA-1032 with CMIS"},
    {0x25, "CDFP (x16 PCIe) SFF-TA-1032 with CMIS"},
};
static_assert(sorted(kIdentifiers));

constexpr Entry kIdentifierAbbreviations[] = {
    {0x00, "Unknown"},     {0x01, "GBIC"},        {0x02, "Soldered"},  {0x03, "SFP"},       {0x04, "XBI300"},
    {0x05, "XENPAK"},      {0x06, "XFP"},         {0x07, "XFF"},       {0x08, "XFP-E"},     {0x09, "XPAK"},
    {0x0A, "X2"},          {0x0B, "DWDM-SFP"},    {0x0C, "QSFP"},      {0x0D, "QSFP+"},     {0x0E, "CXP"},
    {0x0F, "HD4X"},        {0x10, "HD8X"},        {0x11, "QSFP28"},    {0x12, "CXP2"},      {0x13, "CDFP-1/2"},
    {0x14, "HD4X-Fanout"}, {0x15, "HD8X-Fanout"}, {0x16, "CDFP-3"},    {0x17, "MicroQSFP"}, {0x18, "QSFP-DD"},
    {0x19, "OSFP"},        {0x1A, "SFP-DD"},      {0x1B, "DSFP"},      {0x1C, "Link-x4"},   {0x1D, "Link-x8"},
    {0x1E, "QSFP+ CMIS"},  {0x1F, "SFP-DD CMIS"}, {0x20, "SFP+ CMIS"}, {0x21, "OSFP-XD"},   {0x22, "ELSFP"},
    {0x23, "CDFP-x4"},     {0x24, "CDFP-x8"},     {0x25, "CDFP-x16"},
};
static_assert(sorted(kIdentifierAbbreviations));

// SFF-8024 Table 4-3, connector types.
constexpr Entry kConnectors[] = {
    {0x00, "Unknown or unspecified"},
    {0x01, "SC"},
    {0x02, "FC Style 1 copper connector"},
    {0x03, "FC Style 2 copper connector"},
    {0x04, "BNC/TNC"},
    {0x05, "FC coax headers"},
    {0x06, "Fiberjack"},
    {0x07, "LC"},
    {0x08, "MT-RJ"},
    {0x09, "MU"},
    {0x0A, "SG"},
    {0x0B, "Optical Pigtail"},
    {0x0C, "MPO 1x12"},
    {0x0D, "MPO 2x16"},
    {0x20, "HSSDC II"},
    {0x21, "Copper pigtail"},
    {0x22, "RJ45"},
    {0x23, "No separable connector"},
    {0x24, "MXC 2x16"},
    {0x25, "CS optical connector"},
    {0x26, "SN optical connector"},
    {0x27, "MPO 2x12"},
    {0x28, "MPO 1x16"},
};
static_assert(sorted(kConnectors));

// CMIS 5.2 Table 8-22, MediaType.
constexpr Entry kMediaTypes[] = {
    {0x00, "Undefined"},
    {0x01, "Optical Interfaces: MMF"},
    {0x02, "Optical Interfaces: SMF"},
    {0x03, "Passive Copper Cables"},
    {0x04, "Active Cables"},
    {0x05, "BASE-T"},
};
static_assert(sorted(kMediaTypes));

// SFF-8024 Table 4-5, host electrical interface codes.
constexpr Entry kHostInterfaces[] = {
    {0x00, "Undefined"},
    {0x01, "1000BASE-CX (Clause 39)"},
    {0x02, "XAUI (Clause 47)"},
    {0x03, "XFI (SFF INF-8071i)"},
    {0x04, "SFI (SFF-8431)"},
    {0x05, "25GAUI C2M (Annex 109B)"},
    {0x06, "XLAUI C2M (Annex 83B)"},
    {0x07, "XLPPI (Annex 86A)"},
    {0x08, "LAUI-2 C2M (Annex 135C)"},
    {0x09, "50GAUI-2 C2M (Annex 135E)"},
    {0x0A, "50GAUI-1 C2M (Annex 135G)"},
    {0x0B, "CAUI-4 C2M (Annex 83E)"},
    {0x0C, "100GAUI-4 C2M (Annex 135E)"},
    {0x0D, "100GAUI-2 C2M (Annex 135G)"},
    {0x0E, "200GAUI-8 C2M (Annex 120C)"},
    {0x0F, "200GAUI-4 C2M (Annex 120E)"},
    {0x10, "400GAUI-16 C2M (Annex 120C)"},
    {0x11, "400GAUI-8 C2M (Annex 120E)"},
    {0x13, "10GBASE-CX4 (Clause 54)"},
    {0x14, "25GBASE-CR CA-L (Clause 110)"},
    {0x15, "25GBASE-CR CA-S (Clause 110)"},
    {0x16, "25GBASE-CR CA-N (Clause 110)"},
    {0x17, "40GBASE-CR4 (Clause 85)"},
    {0x18, "50GBASE-CR (Clause 126)"},
    {0x19, "100GBASE-CR10 (Clause 85)"},
    {0x1A, "100GBASE-CR4 (Clause 92)"},
    {0x1B, "100GBASE-CR2 (Clause 136)"},
    {0x1C, "200GBASE-CR4 (Clause 136)"},
    {0x1D, "400G CR8"},
    {0x1E, "1000BASE-T (Clause 40)"},
    {0x1F, "2.5GBASE-T (Clause 126)"},
    {0x20, "5GBASE-T (Clause 126)"},
    {0x21, "10GBASE-T (Clause 55)"},
    {0x22, "25GBASE-T (Clause 113)"},
    {0x23, "40GBASE-T (Clause 113)"},
    {0x24, "50GBASE-T (Placeholder)"},
    {0x25, "8GFC (FC-PI-4)"},
    {0x26, "10GFC (10GFC)"},
    {0x27, "16GFC (FC-PI-5)"},
    {0x28, "32GFC (FC-PI-6)"},
    {0x29, "64GFC (FC-PI-7)"},
    {0x2A, "128GFC (FC-PI-6P)"},
    {0x2B, "256GFC (FC-PI-7P)"},
    {0x2C, "IB SDR (Arch.Spec.Vol.2)"},
    {0x2D, "IB DDR (Arch.Spec.Vol.2)"},
    {0x2E, "IB QDR (Arch.Spec.Vol.2)"},
    {0x2F, "IB FDR (Arch.Spec.Vol.2)"},
    {0x30, "IB EDR (Arch.Spec.Vol.2)"},
    {0x31, "IB HDR (Arch.Spec.Vol.2)"},
    {0x32, "IB NDR"},
    {0x33, "E.96 (CPRI Specification V7.0)"},
    {0x34, "E.99 (CPRI Specification V7.0)"},
    {0x35, "E.119 (CPRI Specification V7.0)"},
    {0x36, "E.238 (CPRI Specification V7.0)"},
    {0x37, "OTL3.4 (ITU-T G.709/Y.1331 G.Sup58)"},
    {0x38, "OTL4.10 (ITU-T G.709/Y.1331 G.Sup58)"},
    {0x39, "OTL4.4 (ITU-T G.709/Y.1331 G.Sup58)"},
    {0x3A, "OTLC.4 (ITU-T G.709.1/Y.1331 G.Sup58)"},
    {0x3B, "FOIC1.4 (ITU-T G.709.1/Y.1331 G.Sup58)"},
    {0x3C, "FOIC1.2 (ITU-T G.709.1/Y.1331 G.Sup58)"},
    {0x3D, "FOIC2.8 (ITU-T G.709.1/Y.1331 G.Sup58)"},
    {0x3E, "FOIC2.4 (ITU-T G.709.1/Y.1331 G.Sup58)"},
    {0x3F, "FOIC4.16 (ITU-T G.709.1 G.Sup58)"},
    {0x40, "FOIC4.8 (ITU-T G.709.1 G.Sup58)"},
    {0x41, "CAUI-4 C2M (Annex 83E) without FEC"},
    {0x42, "CAUI-4 C2M (Annex 83E) with RS(528,514) FEC"},
    {0x43, "50GBASE-CR2 (Ethernet Technology Consortium) with RS(528,514) (Clause 91) FEC"},
    {0x44, "50GBASE-CR2 (Ethernet Technology Consortium) with BASE-R (Clause 74) Fire code FEC"},
    {0x45, "50GBASE-CR2 (Ethernet Technology Consortium) with no FEC"},
    {0x46, "100GBASE-CR1 (Clause 162)"},
    {0x47, "200GBASE-CR2 (Clause 162)"},
    {0x48, "400GBASE-CR4 (Clause 162)"},
    {0x49, "800G-ETC-CR8 or 800GBASE-CR8"},
    {0x4A, "128GFC (FC-PI-8)"},
    {0x4B, "100GAUI-1-S C2M (Annex 120G)"},
    {0x4C, "100GAUI-1-L C2M (Annex 120G)"},
    {0x4D, "200GAUI-2-S C2M (Annex 120G)"},
    {0x4E, "200GAUI-2-L C2M (Annex 120G)"},
    {0x4F, "400GAUI-4-S C2M (Annex 120G)"},
    {0x50, "400GAUI-4-L C2M (Annex 120G)"},
    {0x51, "800GAUI-8 S C2M (Annex 120G)"},
    {0x52, "800GAUI-8 L C2M (Annex 120G)"},
    {0x53, "OTL4.2"},
    {0x55, "1.6TAUI-16-S C2M (Annex 120G)"},
    {0x56, "1.6TAUI-16-L C2M (Annex 120G)"},
    {0x57, "800GBASE-CR4 (Clause 179)"},
    {0x58, "1.6TBASE-CR8 (Clause 179)"},
    {0x70, "PCIe 4.0"},
    {0x71, "PCIe 5.0"},
    {0x72, "PCIe 6.0"},
    {0x73, "PCIe 7.0"},
    {0x74, "CEI-112G-LINEAR-PAM4"},
    {0x80, "200GAUI-1 C2M (Annex 176E)"},
    {0x81, "400GAUI-2 C2M (Annex 176E)"},
    {0x82, "800GAUI-4 C2M (Annex 176E)"},
    {0x83, "1.6TAUI-8 C2M (Annex 176E)"},
    {0xFF, "End of list"},
};
static_assert(sorted(kHostInterfaces));

// SFF-8024 Table 4-6, MMF media interface codes.
constexpr Entry kMmfInterfaces[] = {
    {0x00, "Undefined"},
    {0x01, "10GBASE-SW (Clause 52)"},
    {0x02, "10GBASE-SR (Clause 52)"},
    {0x03, "25GBASE-SR (Clause 112)"},
    {0x04, "40GBASE-SR4 (Clause 86)"},
    {0x05, "40GE SWDM4 MSA Spec"},
    {0x06, "40GE BiDi"},
    {0x07, "50GBASE-SR (Clause 138)"},
    {0x08, "100GBASE-SR10 (Clause 86)"},
    {0x09, "100GBASE-SR4 (Clause 95)"},
    {0x0A, "100GE SWDM4 MSA Spec"},
    {0x0B, "100GE BiDi"},
    {0x0C, "100GBASE-SR2 (Clause 138)"},
    {0x0D, "100G-SR"},
    {0x0E, "200GBASE-SR4 (Clause 138)"},
    {0x0F, "400GBASE-SR16 (Clause 123)"},
    {0x10, "400GBASE-SR8 (Clause 138)"},
    {0x11, "400G-SR4"},
    {0x12, "800G-SR8"},
    {0x13, "8GFC-MM (FC-PI-4)"},
    {0x14, "10GFC-MM (10GFC)"},
    {0x15, "16GFC-MM (FC-PI-5)"},
    {0x16, "32GFC-MM (FC-PI-6)"},
    {0x17, "64GFC-MM (FC-PI-7)"},
    {0x18, "128GFC-MM4 (FC-PI-6P)"},
    {0x19, "256GFC-MM4 (FC-PI-7P)"},
    {0x1A, "400GBASE-SR4.2 (Clause 150) (400GE BiDi)"},
};
static_assert(sorted(kMmfInterfaces));

// SFF-8024 Table 4-7, SMF media interface codes.
constexpr Entry kSmfInterfaces[] = {
    {0x00, "Undefined"},
    {0x01, "10GBASE-LW (Cl 52)"},
    {0x02, "10GBASE-EW (Cl 52)"},
    {0x03, "10G-ZW"},
    {0x04, "10GBASE-LR (Cl 52)"},
    {0x05, "10GBASE-ER (Cl 52)"},
    {0x06, "10G-ZR"},
    {0x07, "25GBASE-LR (Cl 114)"},
    {0x08, "25GBASE-ER (Cl 114)"},
    {0x09, "40GBASE-LR4 (Cl 87)"},
    {0x0A, "40GBASE-FR (Cl 89)"},
    {0x0B, "50GBASE-FR (Cl 139)"},
    {0x0C, "50GBASE-LR (Cl 139)"},
    {0x0D, "100GBASE-LR4 (Cl 88)"},
    {0x0E, "100GBASE-ER4 (Cl 88)"},
    {0x0F, "100G PSM4 MSA Spec"},
    {0x10, "100G CWDM4 MSA Spec"},
    {0x11, "100G 4WDM-10 MSA Spec"},
    {0x12, "100G 4WDM-20 MSA Spec"},
    {0x13, "100G 4WDM-40 MSA Spec"},
    {0x14, "100GBASE-DR (Cl 140)"},
    {0x15, "100G-FR/100GBASE-FR1 (Cl 140)"},
    {0x16, "100G-LR/100GBASE-LR1 (Cl 140)"},
    {0x17, "200GBASE-DR4 (Cl 121)"},
    {0x18, "200GBASE-FR4 (Cl 122)"},
    {0x19, "200GBASE-LR4 (Cl 122)"},
    {0x1A, "400GBASE-FR8 (Cl 122)"},
    {0x1B, "400GBASE-LR8 (Cl 122)"},
    {0x1C, "400GBASE-DR4 (Cl 124)"},
    {0x1D, "400G-FR4/400GBASE-FR4 (Cl 151)"},
    {0x1E, "400G-LR4-10"},
    {0x1F, "8GFC-SM (FC-PI-4)"},
    {0x20, "10GFC-SM (10GFC)"},
    {0x21, "16GFC-SM (FC-PI-5)"},
    {0x22, "32GFC-SM (FC-PI-6)"},
    {0x23, "64GFC-SM (FC-PI-7)"},
    {0x24, "128GFC-PSM4 (FC-PI-6P)"},
    {0x25, "256GFC-PSM4 (FC-PI-7P)"},
    {0x26, "128GFC-CWDM4 (FC-PI-6P)"},
    {0x27, "256GFC-CWDM4 (FC-PI-7P)"},
    {0x2C, "4I1-9D1F (G.959.1)"},
    {0x2D, "4L1-9C1F (G.959.1)"},
    {0x2E, "4L1-9D1F (G.959.1)"},
    {0x2F, "C4S1-9D1F (G.695)"},
    {0x30, "C4S1-4D1F (G.695)"},
    {0x31, "4I1-4D1F (G.959.1)"},
    {0x32, "8R1-4D1F (G.959.1)"},
    {0x33, "8I1-4D1F (G.959.1)"},
    {0x38, "10G-SR"},
    {0x39, "10G-LR"},
    {0x3A, "25G-SR"},
    {0x3B, "25G-LR"},
    {0x3C, "10G-LR-BiDi"},
    {0x3D, "25G-LR-BiDi"},
    {0x3E, "400ZR, DWDM, amplified"},
    {0x3F, "400ZR, Single Wavelength, Unamplified"},
    {0x46, "ZR400-OFEC-16QAM"},
    {0x47, "ZR300-OFEC-8QAM"},
    {0x48, "ZR200-OFEC-QPSK"},
    {0x49, "ZR100-OFEC-QPSK"},
    {0x56, "800GBASE-DR8 (Cl 124)"},
    {0x57, "800GBASE-DR8-2 (Cl 124)"},
    // 200G per lane single-mode (IEEE 802.3dj Clauses 180/181): SFF-8024 Table 4-7 (73h..80h),
    // as sonic_xcvr codes/public/sff8024.py and ethtool's cmis code table list them.
    {0x73, "200GBASE-DR1 (Clause 180)"},
    {0x74, "200GBASE-DR1-2 (Clause 181)"},
    {0x75, "400GBASE-DR2 (Clause 180)"},
    {0x76, "400GBASE-DR2-2 (Clause 181)"},
    {0x77, "800GBASE-DR4 (Clause 180)"},
    {0x78, "800GBASE-DR4-2 (Clause 181)"},
    {0x7F, "1.6TBASE-DR8 (Clause 180)"},
    {0x80, "1.6TBASE-DR8-2 (Clause 181)"},
};
static_assert(sorted(kSmfInterfaces));

// SFF-8024 Table 4-8, passive copper cable media codes.
constexpr Entry kPassiveCopperInterfaces[] = {
    {0x00, "Undefined"},
    {0x01, "Copper cable"},
    {0x02, "Passive Loopback module"},
};
static_assert(sorted(kPassiveCopperInterfaces));

// SFF-8024 Table 4-9, active cable assembly media codes.
constexpr Entry kActiveCableInterfaces[] = {
    {0x00, "Undefined"},
    {0x01, "Active Cable assembly with BER < 10^-12"},
    {0x02, "Active Cable assembly with BER < 5x10^-5"},
    {0x03, "Active Cable assembly with BER < 2.6x10^-4"},
    {0x04, "Active Cable assembly with BER < 10^-6"},
    {0xBF, "Active Loopback module"},
};
static_assert(sorted(kActiveCableInterfaces));

// SFF-8024 Table 4-10, BASE-T media codes.
constexpr Entry kBaseTInterfaces[] = {
    {0x00, "Undefined"},
    {0x01, "1000BASE-T (Clause 40)"},
    {0x02, "2.5GBASE-T (Clause 126)"},
    {0x03, "5GBASE-T (Clause 126)"},
    {0x04, "10GBASE-T (Clause 55)"},
};
static_assert(sorted(kBaseTInterfaces));

// CMIS 5.2 Table 8-40, media interface technology.
constexpr Entry kMediaTechnologies[] = {
    {0x00, "850 nm VCSEL"},
    {0x01, "1310 nm VCSEL"},
    {0x02, "1550 nm VCSEL"},
    {0x03, "1310 nm FP"},
    {0x04, "1310 nm DFB"},
    {0x05, "1550 nm DFB"},
    {0x06, "1310 nm EML"},
    {0x07, "1550 nm EML"},
    {0x08, "Others"},
    {0x09, "1490 nm DFB"},
    {0x0A, "Copper cable unequalized"},
    {0x0B, "Copper cable passive equalized"},
    {0x0C, "Copper cable, near and far end limiting active equalizers"},
    {0x0D, "Copper cable, far end limiting active equalizers"},
    {0x0E, "Copper cable, near end limiting active equalizers"},
    {0x0F, "Copper cable, linear active equalizers"},
    {0x10, "C-band tunable laser"},
    {0x11, "L-band tunable laser"},
};
static_assert(sorted(kMediaTechnologies));

// CMIS 5.2 Table 8-15, module fault cause.
constexpr Entry kFaultCauses[] = {
    {0x00, "No fault detected"},
    {0x01, "TEC runaway"},
    {0x02, "Data memory corrupted"},
    {0x03, "Program memory corrupted"},
};
static_assert(sorted(kFaultCauses));

}  // namespace

std::string_view identifier_name(std::uint8_t id) noexcept {
  return find(kIdentifiers, id, id >= 0x80 ? "Vendor specific" : "Reserved");
}

std::string_view identifier_abbreviation(std::uint8_t id) noexcept {
  return find(kIdentifierAbbreviations, id, id >= 0x80 ? "Vendor" : "Reserved");
}

std::string_view connector_name(std::uint8_t code) noexcept {
  return find(kConnectors, code, code >= 0x80 ? "Vendor specific" : "Reserved");
}

std::string_view media_type_name(std::uint8_t media_type) noexcept {
  // CMIS 5.2 Table 8-22: 40h..8Fh custom, the rest reserved.
  return find(kMediaTypes, media_type, (media_type >= 0x40 && media_type <= 0x8F) ? "Custom" : "Reserved");
}

std::string_view host_interface_name(std::uint8_t code) noexcept {
  return find(kHostInterfaces, code, code >= 0xC0 ? "Custom" : "Reserved");
}

std::string_view media_interface_name(std::uint8_t media_type, std::uint8_t code) noexcept {
  const std::string_view other = code >= 0xC0 ? "Custom" : "Reserved";
  switch (static_cast<MediaType>(media_type)) {
    case MediaType::optical_mmf: return find(kMmfInterfaces, code, other);
    case MediaType::optical_smf: return find(kSmfInterfaces, code, other);
    case MediaType::passive_copper: return find(kPassiveCopperInterfaces, code, other);
    case MediaType::active_cable: return find(kActiveCableInterfaces, code, other);
    case MediaType::base_t: return find(kBaseTInterfaces, code, other);
    case MediaType::undefined: break;
  }
  return code == 0 ? "Undefined" : "Unknown (media type undefined)";
}

std::string_view media_technology_name(std::uint8_t code) noexcept {
  return find(kMediaTechnologies, code, "Reserved");
}

std::string_view fault_cause_name(std::uint8_t code) noexcept {
  // CMIS 5.2 Table 8-15: 04h..1Fh reserved, 20h..3Fh custom, 40h..FFh reserved.
  return find(kFaultCauses, code, (code >= 0x20 && code <= 0x3F) ? "Custom" : "Reserved");
}

}  // namespace cpo::cmis
