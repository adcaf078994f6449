#include "cpo/hal/units.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace cpo {

Dbm to_dbm(Milliwatts power) noexcept {
  if (power.value() <= 0.0) return Dbm(-std::numeric_limits<double>::infinity());
  return Dbm(10.0 * std::log10(power.value()));
}

Milliwatts to_milliwatts(Dbm power) noexcept { return Milliwatts(std::pow(10.0, power.value() / 10.0)); }

Dbm attenuate(Dbm power, Decibels loss) noexcept { return Dbm(power.value() - loss.value()); }

std::string to_string(Gbps speed) { return fmt::format("{}G", speed.value()); }
std::string to_string(Milliwatts power) { return fmt::format("{:.3f} mW", power.value()); }
std::string to_string(Dbm power) {
  if (std::isinf(power.value()) && power.value() < 0) return "-inf dBm";
  return fmt::format("{:.2f} dBm", power.value());
}
std::string to_string(Milliamps current) { return fmt::format("{:.2f} mA", current.value()); }
std::string to_string(Celsius temperature) { return fmt::format("{:.1f} degC", temperature.value()); }
std::string to_string(Volts voltage) { return fmt::format("{:.3f} V", voltage.value()); }

}  // namespace cpo
