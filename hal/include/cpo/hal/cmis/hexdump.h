// Readers for the memory dumps bring-up engineers paste, producing a MemoryMap.
//
// Formats (docs/cmis.md has examples):
// - sfputil: SONiC `sfputil show eeprom-hexdump` output. Optional header "EEPROM hexdump for
//   port X [page Nh]"; sections "Lower page 0h" and "Upper page <hex>h"; lines
//   "<8 hex digit offset> <16 bytes, two groups of 8> |<ASCII>|", with or without leading
//   indentation. Lower page offsets run 0x00..0x7f; upper page offsets either 0x80..0xff
//   (current sfputil) or the flat offset 0x80 + page * 0x80 (older releases). The ASCII
//   column must match the bytes. cposdk extension: "Upper page 11h bank 1" selects a bank.
// - ethtool hex: `ethtool -m DEV [page N] [bank N] [offset N] [length N] hex on` output:
//   "Offset\t\tValues" / "------\t\t------" then "0x0000:\t\t18 30 ..." lines (the colon is
//   optional, as older ethtool omitted it). Offsets are linear as the kernel's ioctl dump:
//   0x000..0x07f lower page, 0x080..0x0ff page 00h, 0x100 + 0x80 * (N - 1) page N. A pasted
//   command line ("$ ethtool -m eth0 page 0x11 bank 1 hex on") before a block places the
//   block on that page and bank (offsets 0x80..0xff).
// - binary: `ethtool -m DEV raw on` output or an image file: 128 bytes (lower page), 256
//   (lower + page 00h) or 256 + n * 128 (then pages 01h, 02h, ... in order, the kernel's
//   linear ioctl layout; n <= 255).
//
// Every page must be complete (128 bytes). Rejected with invalid_argument and a message
// "line N: reason" (text) or "offset N: reason" (binary): truncated or short pages, non-hex
// bytes, unknown section headers, overlapping or out-of-order offsets, a page given twice,
// an ASCII column that contradicts the bytes, a binary length not in the list above.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/status.h"

namespace cpo::cmis {

enum class DumpFormat { sfputil, ethtool_hex, binary };
// "sfputil", "ethtool-hex", "binary".
[[nodiscard]] std::string_view to_string(DumpFormat format) noexcept;

[[nodiscard]] Result<MemoryMap> parse_sfputil(std::string_view text);
[[nodiscard]] Result<MemoryMap> parse_ethtool_hex(std::string_view text);
[[nodiscard]] Result<MemoryMap> parse_binary(std::span<const std::uint8_t> bytes);

struct ParsedDump {
  DumpFormat format = DumpFormat::binary;
  MemoryMap map;
};
// Detects the format and parses. Data containing a NUL byte, a byte >= 0x80 or a control
// character other than tab/CR/LF/FF is binary; text is ethtool-hex when it has an
// "Offset ... Values" header or "0x" offset lines, sfputil when it has page section headers
// or 8-digit offset lines. Errors: as the readers; invalid_argument for empty input or text
// in no known format.
[[nodiscard]] Result<ParsedDump> parse_dump(std::span<const std::uint8_t> data);

}  // namespace cpo::cmis
