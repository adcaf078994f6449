// Helpers shared by the CMIS codec tests.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/memory_map.h"

namespace cpo::cmis::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string data_path(const std::string& name) { return std::string(CPOSDK_TEST_DATA) + "/cmis/" + name; }

// Sets a big-endian value of `width` bytes at `address` (0..255: lower page below 128).
inline void put_be(PageBytes& page, std::size_t address, std::size_t width, std::uint32_t value) {
  for (std::size_t i = 0; i < width; ++i) {
    page[(address + i) % kPageSize] = static_cast<std::uint8_t>((value >> (8 * (width - 1 - i))) & 0xFF);
  }
}

inline void put_ascii(PageBytes& page, std::size_t address, std::size_t width, const std::string& text) {
  for (std::size_t i = 0; i < width; ++i) {
    page[(address + i) % kPageSize] = i < text.size() ? static_cast<std::uint8_t>(text[i]) : std::uint8_t{' '};
  }
}

// An ELS advertising only its set-point ranges (page 1Ah bytes 128..135).
inline ElsAdvertisement setpoint_limits(double min_mw, double max_mw, double min_ma, double max_ma) {
  ElsAdvertisement limits;
  limits.min_optical_power = Milliwatts(min_mw);
  limits.max_optical_power = Milliwatts(max_mw);
  limits.min_bias = Milliamps(min_ma);
  limits.max_bias = Milliamps(max_ma);
  return limits;
}

}  // namespace cpo::cmis::testing
