#include "cpo/drivers/pcie/bdf.h"

#include <charconv>

#include <fmt/format.h>

namespace cpo::pcie {
namespace {

// Parses exactly `text` as hex into `out`; false on an empty field or any other character.
bool parse_hex(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 8) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out, 16);
  return ec == std::errc() && ptr == end;
}

Status malformed(std::string_view text) {
  return error(Code::invalid_argument,
               fmt::format("pci address '{}': expected [DOMAIN:]BUS:DEVICE.FUNCTION in hex, as 0000:03:00.0", text));
}

}  // namespace

std::string Bdf::to_string() const { return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function); }

Result<Bdf> Bdf::parse(std::string_view text) {
  const auto dot = text.rfind('.');
  if (dot == std::string_view::npos) return malformed(text);
  const auto colon2 = text.rfind(':', dot);
  if (colon2 == std::string_view::npos) return malformed(text);
  const auto colon1 = colon2 == 0 ? std::string_view::npos : text.rfind(':', colon2 - 1);

  std::uint64_t domain = 0, bus = 0, device = 0, function = 0;
  const std::string_view bus_text =
      colon1 == std::string_view::npos ? text.substr(0, colon2) : text.substr(colon1 + 1, colon2 - colon1 - 1);
  if (colon1 != std::string_view::npos && !parse_hex(text.substr(0, colon1), domain)) return malformed(text);
  if (bus_text.size() > 2 || !parse_hex(bus_text, bus)) return malformed(text);
  const std::string_view dev_text = text.substr(colon2 + 1, dot - colon2 - 1);
  if (dev_text.size() > 2 || !parse_hex(dev_text, device)) return malformed(text);
  const std::string_view fn_text = text.substr(dot + 1);
  if (fn_text.size() != 1 || !parse_hex(fn_text, function)) return malformed(text);

  if (device > 0x1f || function > 7 || domain > 0xffffffffu) {
    return error(Code::out_of_range, fmt::format("pci address '{}': device must be 00..1f and function 0..7", text));
  }
  Bdf bdf;
  bdf.domain = static_cast<std::uint32_t>(domain);
  bdf.bus = static_cast<std::uint8_t>(bus);
  bdf.device = static_cast<std::uint8_t>(device);
  bdf.function = static_cast<std::uint8_t>(function);
  return bdf;
}

}  // namespace cpo::pcie
