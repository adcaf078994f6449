// Dump readers. Formats:
// - SONiC sfputil: sonic-net/sonic-utilities sfputil/main.py, eeprom_hexdump_pages_general()
//   and hexdump(): "{indent}{offset:08x} {8 bytes}  {8 bytes} |{ascii}|", sections
//   "Lower page 0h" / "Upper page {page:x}h", upper offsets printed from 0x80.
// - ethtool: ethtool.c dump_hex(): "Offset\t\tValues", "------\t\t------", then
//   "\n0x%04x:\t\t" every 16 bytes followed by "%02x " per byte; netlink/module-eeprom.c
//   prints one page per call (offset within the page), the ioctl path a linear image.
// - raw: the same bytes unformatted (fwrite of the EEPROM data).
#include "cpo/hal/cmis/hexdump.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace cpo::cmis {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\f')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\f')) {
    s.remove_suffix(1);
  }
  return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a whole string of hex digits (no prefix), at most 8 digits.
std::optional<std::uint32_t> parse_hex(std::string_view s) {
  if (s.empty() || s.size() > 8) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) {
    const int d = hex_digit(c);
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<std::uint32_t>(d);
  }
  return v;
}

// Decimal or 0x-prefixed number, as ethtool's parse_u32 accepts (strtoul base 0, no octal).
std::optional<std::uint32_t> parse_number(std::string_view s) {
  if (starts_with_nocase(s, "0x")) return parse_hex(s.substr(2));
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return v;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Iterates lines with 1-based numbers.
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view& line, std::size_t& number) {
    if (pos_ >= text_.size()) return false;
    const std::size_t end = text_.find('\n', pos_);
    const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    line = text_.substr(pos_, stop - pos_);
    number = ++line_;
    pos_ = stop + 1;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 0;
};

Status line_error(std::size_t line, std::string_view what) {
  return error(Code::invalid_argument, fmt::format("line {}: {}", line, what));
}

std::string page_label(bool lower, PageAddress a) { return lower ? std::string("lower page") : to_string(a); }

// Parses hex byte tokens ("18", "30", ...) into `out`. Returns the first bad token, if any.
std::optional<std::string_view> parse_bytes(const std::vector<std::string_view>& tokens, std::size_t first,
                                            std::vector<std::uint8_t>& out) {
  for (std::size_t i = first; i < tokens.size(); ++i) {
    const auto t = tokens[i];
    if (t.size() != 2 || hex_digit(t[0]) < 0 || hex_digit(t[1]) < 0) return t;
    out.push_back(static_cast<std::uint8_t>(hex_digit(t[0]) * 16 + hex_digit(t[1])));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// sfputil

struct SfpSection {
  bool open = false;
  bool lower = false;
  PageAddress address;
  std::size_t header_line = 0;
  std::optional<std::uint32_t> base;  // offset of the first byte
  PageBytes bytes{};
  std::size_t count = 0;
};

Status close_section(SfpSection& s, MemoryMap& map) {
  if (!s.open) return ok_status();
  s.open = false;
  const std::string label = page_label(s.lower, s.address);
  if (s.count != kPageSize) {
    return line_error(s.header_line, fmt::format("{} is truncated: {} of 128 bytes", label, s.count));
  }
  if (s.lower) {
    if (map.lower() != nullptr) return line_error(s.header_line, "lower page given twice");
    map.set_lower(s.bytes);
    return ok_status();
  }
  if (map.upper(s.address.page, s.address.bank) != nullptr) {
    return line_error(s.header_line, fmt::format("{} given twice", label));
  }
  return map.set_upper(s.address.page, s.address.bank, s.bytes);
}

// "Upper page 11h" / "Upper page 11h bank 1" / "Lower page 0h": returns false when the line is
// not a section header at all; sets `bad` when it looks like one but is malformed.
bool parse_section_header(std::string_view line, SfpSection& s, std::string& bad) {
  const bool lower = starts_with_nocase(line, "lower page");
  const bool upper = starts_with_nocase(line, "upper page");
  if (!lower && !upper) return false;
  auto tokens = split_ws(line.substr(10));
  auto page_token = tokens.empty() ? std::string_view{} : tokens[0];
  std::optional<std::uint32_t> page;
  if (page_token.size() >= 2 && (page_token.back() == 'h' || page_token.back() == 'H')) {
    page = parse_hex(page_token.substr(0, page_token.size() - 1));
  }
  if (!page || *page > 0xFF) {
    bad = fmt::format("unknown section header '{}': expected 'Lower page 0h' or 'Upper page <hex>h'", line);
    return true;
  }
  std::uint32_t bank = 0;
  if (tokens.size() == 3 && tokens[1] == "bank") {
    auto b = parse_number(tokens[2]);
    if (!b || *b > 0xFF) {
      bad = fmt::format("section header '{}': bank must be 0..255", line);
      return true;
    }
    bank = *b;
  } else if (tokens.size() != 1) {
    bad = fmt::format("unknown section header '{}': expected 'Upper page <hex>h [bank N]'", line);
    return true;
  }
  if (lower && *page != 0) {
    bad = fmt::format("section header '{}': the lower page is page 0h", line);
    return true;
  }
  if (upper && bank != 0 && !is_banked(static_cast<std::uint8_t>(*page))) {
    bad = fmt::format("section header '{}': pages 00h..0Fh have no banks", line);
    return true;
  }
  s = SfpSection{};
  s.open = true;
  s.lower = lower;
  s.address = PageAddress{static_cast<std::uint8_t>(*page), static_cast<std::uint8_t>(bank)};
  return true;
}

Status parse_sfputil_line(std::string_view line, std::size_t n, SfpSection& s) {
  // "<offset:08x> <hex bytes> |<ascii>|"
  const auto bar = line.find('|');
  const std::string_view hex_part = bar == std::string_view::npos ? line : line.substr(0, bar);
  auto tokens = split_ws(hex_part);
  const auto offset = tokens.empty() ? std::nullopt : parse_hex(tokens[0]);
  if (!offset || tokens[0].size() != 8) {
    return line_error(n, fmt::format("'{}' is neither a section header nor an 8-digit hex offset line", line));
  }
  if (!s.open) return line_error(n, "data before any 'Lower page 0h' or 'Upper page <hex>h' header");
  std::vector<std::uint8_t> bytes;
  bytes.reserve(16);
  if (auto bad = parse_bytes(tokens, 1, bytes)) return line_error(n, fmt::format("'{}' is not a hex byte", *bad));
  if (bytes.empty()) return line_error(n, "offset without bytes");
  if (bytes.size() > 16) return line_error(n, fmt::format("{} bytes on one line; sfputil prints 16", bytes.size()));
  if (!s.base) {
    // Lower page from 0; upper pages from 80h, or the flat offset 80h + page * 80h.
    const std::uint32_t flat = 0x80u + 0x80u * s.address.page;
    if (s.lower ? *offset != 0 : (*offset != 0x80 && *offset != flat)) {
      return line_error(n,
                        fmt::format("{} starts at offset {:#x}; expected {}", page_label(s.lower, s.address), *offset,
                                    s.lower        ? std::string("0x0")
                                    : flat == 0x80 ? std::string("0x80")
                                                   : fmt::format("0x80 or {:#x}", flat)));
    }
    s.base = *offset;
  }
  const std::uint32_t expected = *s.base + static_cast<std::uint32_t>(s.count);
  if (*offset < expected) {
    return line_error(
        n, fmt::format("offset {:#x} overlaps bytes already given (next expected {:#x})", *offset, expected));
  }
  if (*offset > expected) {
    return line_error(n, fmt::format("offset {:#x} leaves a gap (next expected {:#x})", *offset, expected));
  }
  if (s.count + bytes.size() > kPageSize) {
    return line_error(n, fmt::format("{} has more than 128 bytes", page_label(s.lower, s.address)));
  }
  if (bar != std::string_view::npos) {
    // The ASCII column is derived from the bytes; a mismatch means an edited or mangled paste.
    std::string_view ascii = line.substr(bar + 1);
    if (ascii.empty() || ascii.back() != '|') return line_error(n, "ASCII column not closed with '|'");
    ascii.remove_suffix(1);
    bool same = ascii.size() == bytes.size();
    for (std::size_t i = 0; same && i < bytes.size(); ++i) {
      const auto b = bytes[i];
      const char want = (b >= 0x20 && b <= 0x7E) ? static_cast<char>(b) : '.';
      same = ascii[i] == want;
    }
    if (!same) return line_error(n, "ASCII column does not match the hex bytes");
  }
  for (auto b : bytes) s.bytes[s.count++] = b;
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// ethtool hex

struct PageFill {
  bool lower = false;
  PageAddress address;
  PageBytes bytes{};
  std::bitset<kPageSize> have;
  std::size_t first_line = 0;
};

PageFill& fill_for(std::vector<PageFill>& fills, bool lower, PageAddress a, std::size_t line) {
  for (auto& f : fills) {
    if (f.lower == lower && (lower || f.address == a)) return f;
  }
  fills.push_back(PageFill{});
  auto& f = fills.back();
  f.lower = lower;
  f.address = lower ? PageAddress{} : a;
  f.first_line = line;
  return f;
}

}  // namespace

std::string_view to_string(DumpFormat format) noexcept {
  switch (format) {
    case DumpFormat::sfputil: return "sfputil";
    case DumpFormat::ethtool_hex: return "ethtool-hex";
    case DumpFormat::binary: return "binary";
  }
  return "binary";
}

Result<MemoryMap> parse_sfputil(std::string_view text) {
  MemoryMap map;
  SfpSection section;
  bool seen_port = false;
  Lines lines(text);
  std::string_view raw;
  std::size_t n = 0;
  while (lines.next(raw, n)) {
    const std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (starts_with_nocase(line, "EEPROM hexdump for port")) {
      if (seen_port) return line_error(n, "a second port's dump; give one module per file");
      seen_port = true;
      continue;
    }
    SfpSection next;
    std::string bad;
    if (parse_section_header(line, next, bad)) {
      if (!bad.empty()) return line_error(n, bad);
      CPO_RETURN_IF_ERROR(close_section(section, map));
      next.header_line = n;
      section = next;
      continue;
    }
    CPO_RETURN_IF_ERROR(parse_sfputil_line(line, n, section));
  }
  CPO_RETURN_IF_ERROR(close_section(section, map));
  if (map.empty()) return error(Code::invalid_argument, "sfputil dump: no 'Lower page'/'Upper page' section found");
  return map;
}

Result<MemoryMap> parse_ethtool_hex(std::string_view text) {
  std::vector<PageFill> fills;
  // Page and bank from a pasted "ethtool -m DEV page N bank N ..." command line, applied to
  // the next block.
  std::optional<PageAddress> command_page;
  std::optional<PageAddress> block_page;
  bool any_data = false;
  Lines lines(text);
  std::string_view raw;
  std::size_t n = 0;
  while (lines.next(raw, n)) {
    const std::string_view line = trim(raw);
    if (line.empty()) continue;
    auto tokens = split_ws(line);
    if (tokens[0] == "Offset" && tokens.size() == 2 && tokens[1] == "Values") {
      block_page = command_page;
      command_page.reset();
      continue;
    }
    if (tokens[0] == "------") continue;
    bool is_command = false;
    for (auto t : tokens) is_command = is_command || t == "ethtool" || t.ends_with("/ethtool");
    if (is_command) {
      PageAddress a;
      bool has_page = false;
      for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        if (tokens[i] != "page" && tokens[i] != "bank") continue;
        auto v = parse_number(tokens[i + 1]);
        if (!v || *v > 0xFF) {
          return line_error(n, fmt::format("ethtool command: '{} {}' must be 0..255", tokens[i], tokens[i + 1]));
        }
        if (tokens[i] == "page") {
          a.page = static_cast<std::uint8_t>(*v);
          has_page = true;
        } else {
          a.bank = static_cast<std::uint8_t>(*v);
        }
      }
      if (!is_banked(a.page) && a.bank != 0) {
        return line_error(n, fmt::format("ethtool command: page {:02X}h has no banks", a.page));
      }
      if (has_page || a.bank != 0) {
        command_page.emplace(a);
      } else {
        command_page.reset();
      }
      continue;
    }
    std::string_view off = tokens[0];
    if (!off.empty() && off.back() == ':') off.remove_suffix(1);
    if (!starts_with_nocase(off, "0x")) {
      return line_error(n, fmt::format("'{}' is not an ethtool hex line ('0x0000:  18 30 ...')", line));
    }
    auto offset = parse_hex(off.substr(2));
    if (!offset) return line_error(n, fmt::format("'{}' is not a hex offset", tokens[0]));
    std::vector<std::uint8_t> bytes;
    bytes.reserve(16);
    if (auto bad = parse_bytes(tokens, 1, bytes)) return line_error(n, fmt::format("'{}' is not a hex byte", *bad));
    if (bytes.empty()) return line_error(n, "offset without bytes");
    if (bytes.size() > 16) return line_error(n, fmt::format("{} bytes on one line; ethtool prints 16", bytes.size()));
    any_data = true;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      const std::uint32_t addr = *offset + static_cast<std::uint32_t>(i);
      bool lower = false;
      PageAddress page;
      if (block_page) {
        // A page read through netlink: offsets 0..127 are lower memory, 128..255 the page.
        if (addr >= 2 * kPageSize) {
          return line_error(n,
                            fmt::format("offset {:#x} beyond the 256-byte window of {}", addr, to_string(*block_page)));
        }
        lower = addr < kPageSize;
        page = *block_page;
      } else {
        // Linear image as the kernel's ioctl dump: page N upper half at 128 * (N + 1).
        lower = addr < kPageSize;
        const std::uint32_t index = addr / kPageSize;
        if (index > 0x100) return line_error(n, fmt::format("offset {:#x} beyond page FFh of a linear dump", addr));
        page = PageAddress{static_cast<std::uint8_t>(lower ? 0 : index - 1), 0};
      }
      auto& f = fill_for(fills, lower, page, n);
      const std::size_t at = addr % kPageSize;
      if (f.have[at]) {
        return line_error(
            n, fmt::format("offset {:#x} of {} overlaps bytes already given", addr, page_label(lower, page)));
      }
      f.have[at] = true;
      f.bytes[at] = bytes[i];
    }
  }
  if (!any_data) return error(Code::invalid_argument, "ethtool hex dump: no '0x0000: ..' data lines found");
  MemoryMap map;
  for (const auto& f : fills) {
    if (!f.have.all()) {
      return line_error(f.first_line, fmt::format("{} is truncated: {} of 128 bytes", page_label(f.lower, f.address),
                                                  f.have.count()));
    }
    if (f.lower) {
      map.set_lower(f.bytes);
    } else {
      CPO_RETURN_IF_ERROR(map.set_upper(f.address.page, f.address.bank, f.bytes));
    }
  }
  return map;
}

Result<MemoryMap> parse_binary(std::span<const std::uint8_t> bytes) {
  const std::size_t size = bytes.size();
  const std::size_t max = 2 * kPageSize + 255 * kPageSize;
  if (size == 0 || size % kPageSize != 0 || size > max) {
    const std::size_t whole = std::min(size, max) / kPageSize * kPageSize;
    return error(Code::invalid_argument,
                 fmt::format("offset {}: binary image of {} bytes; expected 128 (lower page), 256 (lower + page 00h) "
                             "or 256 + n * 128 (then pages 01h, 02h, ...) up to {} bytes",
                             whole, size, max));
  }
  MemoryMap map;
  PageBytes page;
  std::copy_n(bytes.begin(), kPageSize, page.begin());
  map.set_lower(page);
  for (std::size_t index = 1; index * kPageSize < size; ++index) {
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(index * kPageSize), kPageSize, page.begin());
    CPO_RETURN_IF_ERROR(map.set_upper(static_cast<std::uint8_t>(index - 1), 0, page));
  }
  return map;
}

Result<ParsedDump> parse_dump(std::span<const std::uint8_t> data) {
  if (data.empty()) return error(Code::invalid_argument, "empty input: no dump to decode");
  bool binary = false;
  for (auto b : data) {
    if (b == 0 || b >= 0x80 || (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f')) {
      binary = true;
      break;
    }
  }
  ParsedDump out;
  if (binary) {
    auto map = parse_binary(data);
    if (!map) return map.status();
    out.format = DumpFormat::binary;
    out.map = std::move(*map);
    return out;
  }
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  // Look at the first meaningful line to pick the text format.
  Lines lines(text);
  std::string_view raw;
  std::size_t n = 0;
  while (lines.next(raw, n)) {
    const auto line = trim(raw);
    if (line.empty()) continue;
    const auto tokens = split_ws(line);
    if (starts_with_nocase(line, "EEPROM hexdump") || starts_with_nocase(line, "Lower page") ||
        starts_with_nocase(line, "Upper page") || (tokens[0].size() == 8 && parse_hex(tokens[0]))) {
      auto map = parse_sfputil(text);
      if (!map) return map.status();
      out.format = DumpFormat::sfputil;
      out.map = std::move(*map);
      return out;
    }
    bool command = false;
    for (auto t : tokens) command = command || t == "ethtool" || t.ends_with("/ethtool");
    if (command || tokens[0] == "Offset" || starts_with_nocase(tokens[0], "0x")) {
      auto map = parse_ethtool_hex(text);
      if (!map) return map.status();
      out.format = DumpFormat::ethtool_hex;
      out.map = std::move(*map);
      return out;
    }
    return line_error(n, fmt::format("unrecognised dump format at '{}': expected sfputil eeprom-hexdump, ethtool -m "
                                     "hex output, or a binary image",
                                     line.substr(0, 60)));
  }
  return error(Code::invalid_argument, "input holds only blank lines: no dump to decode");
}

}  // namespace cpo::cmis
