// cpo::pcie::Bdf: the address of a PCI function, "domain:bus:device.function".
//
// Thread safety: a plain value.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "cpo/hal/status.h"

namespace cpo::pcie {

struct Bdf {
  std::uint32_t domain = 0;   // PCI segment (host bridge); 0..0xffff on most systems
  std::uint8_t bus = 0;       // 0..0xff
  std::uint8_t device = 0;    // 0..0x1f
  std::uint8_t function = 0;  // 0..7

  // "0000:03:00.0": the spelling of /sys/bus/pci/devices and `lspci -D` (4 hex digits of
  // domain, more when the domain needs them).
  [[nodiscard]] std::string to_string() const;

  // Accepts "0000:03:00.0", "03:00.0" (domain 0) and a 5-digit domain ("10000:00:01.0"),
  // hex digits in either case.
  // Errors: invalid_argument (wrong shape, non-hex digit) naming the text and the expected
  // form; out_of_range (device > 1f, function > 7, domain > ffffffff).
  static Result<Bdf> parse(std::string_view text);

  // Ordered by domain, bus, device, function: the order `lspci` prints.
  friend constexpr auto operator<=>(const Bdf&, const Bdf&) noexcept = default;
};

}  // namespace cpo::pcie
