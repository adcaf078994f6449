// Names of the code points CMIS modules report: SFF-8024 identifiers, connectors, host and
// media interface codes, and the CMIS state machines.
//
// Sources: SNIA SFF-8024 Rev 4.11 Tables 4-1 (identifiers), 4-3 (connectors), 4-5 (host
// electrical interface), 4-6 (MMF), 4-7 (SMF), 4-8 (passive copper), 4-9 (active cable),
// 4-10 (BASE-T); OIF CMIS 5.2 Tables 8-6 (module state), 8-15 (fault cause), 8-22 (media
// type), 8-76 (data path state), 8-89 (config status). Cross-checked against the code tables
// of sonic-net/sonic-platform-common sonic_xcvr/codes/public/{sff8024,cmis}.py.
//
// Every function returns a static string; codes without a table entry give a range name
// ("reserved", "custom", "vendor specific") rather than an empty string.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace cpo::cmis {

// SFF-8024 identifier (lower byte 00h, upper byte 128): "QSFP-DD Double Density 8X Pluggable
// Transceiver" for 0x18.
[[nodiscard]] std::string_view identifier_name(std::uint8_t id) noexcept;
// Short form: "QSFP-DD", "OSFP", "QSFP+ CMIS".
[[nodiscard]] std::string_view identifier_abbreviation(std::uint8_t id) noexcept;
// SFF-8024 connector type (page 00h byte 203).
[[nodiscard]] std::string_view connector_name(std::uint8_t code) noexcept;

// CMIS media type (lower byte 85h, CMIS 5.2 Table 8-22); selects the media code table.
enum class MediaType : std::uint8_t {
  undefined = 0x00,
  optical_mmf = 0x01,
  optical_smf = 0x02,
  passive_copper = 0x03,
  active_cable = 0x04,
  base_t = 0x05,
};
[[nodiscard]] std::string_view media_type_name(std::uint8_t media_type) noexcept;

// SFF-8024 Table 4-5 host electrical interface code.
[[nodiscard]] std::string_view host_interface_name(std::uint8_t code) noexcept;
// The media interface code's name in the table the media type selects (4-6 .. 4-10).
[[nodiscard]] std::string_view media_interface_name(std::uint8_t media_type, std::uint8_t code) noexcept;

// Media interface technology (page 00h byte 212, CMIS 5.2 Table 8-40).
[[nodiscard]] std::string_view media_technology_name(std::uint8_t code) noexcept;
// Module fault cause (lower byte 41, CMIS 5.2 Table 8-15).
[[nodiscard]] std::string_view fault_cause_name(std::uint8_t code) noexcept;

}  // namespace cpo::cmis
