#include "cmis_image.h"

#include <cmath>

namespace cpo::sim::cmis {

std::uint32_t u16_sat(double v) noexcept {
  if (!(v > 0)) return 0;
  if (v >= 65535.0) return 65535;
  return static_cast<std::uint32_t>(std::lround(v));
}
std::int32_t temp_s16(double celsius) noexcept {
  double raw = std::round(celsius * 256.0);
  if (raw > 32767.0) raw = 32767.0;
  if (raw < -32768.0) raw = -32768.0;
  return static_cast<std::int32_t>(raw);
}
std::uint32_t power_0p1uw(double milliwatts) noexcept { return u16_sat(milliwatts * 1e4); }
std::uint32_t power_10uw(double milliwatts) noexcept { return u16_sat(milliwatts * 100.0); }
std::uint32_t bias_100ua(double milliamps) noexcept { return u16_sat(milliamps * 10.0); }

}  // namespace cpo::sim::cmis
