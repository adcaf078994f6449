// Physical quantities with explicit types, so a milliwatt is never passed as a dBm.
//
// Conversions between mW and dBm are exact in the IEEE sense the standard library gives:
// dBm = 10 * log10(mW), mW = 10^(dBm / 10); 0 mW is -infinity dBm. Values are doubles;
// the device encodings (CMIS 0.1 uW steps and so on) live in the CMIS codec.
//
// Thread safety: plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace cpo {

template <typename Tag>
class Quantity {
 public:
  constexpr Quantity() noexcept = default;
  constexpr explicit Quantity(double value) noexcept : value_(value) {}
  [[nodiscard]] constexpr double value() const noexcept { return value_; }
  friend constexpr auto operator<=>(Quantity, Quantity) noexcept = default;
  friend constexpr Quantity operator+(Quantity a, Quantity b) noexcept { return Quantity(a.value_ + b.value_); }
  friend constexpr Quantity operator-(Quantity a, Quantity b) noexcept { return Quantity(a.value_ - b.value_); }
  friend constexpr Quantity operator*(Quantity a, double k) noexcept { return Quantity(a.value_ * k); }

 private:
  double value_ = 0.0;
};

struct MilliwattTag {};
struct DbmTag {};
struct DbTag {};
struct MilliampTag {};
struct CelsiusTag {};
struct VoltTag {};

using Milliwatts = Quantity<MilliwattTag>;  // optical or electrical power, mW
using Dbm = Quantity<DbmTag>;               // power relative to 1 mW, dBm
using Decibels = Quantity<DbTag>;           // a ratio (loss, gain, SNR), dB
using Milliamps = Quantity<MilliampTag>;    // laser bias current, mA
using Celsius = Quantity<CelsiusTag>;       // temperature, degC
using Volts = Quantity<VoltTag>;            // supply voltage, V

[[nodiscard]] Dbm to_dbm(Milliwatts power) noexcept;
[[nodiscard]] Milliwatts to_milliwatts(Dbm power) noexcept;
// Applies a loss (positive dB attenuates).
[[nodiscard]] Dbm attenuate(Dbm power, Decibels loss) noexcept;

// A data rate in whole Gb/s (800G port, 200G lane, 100G lane).
class Gbps {
 public:
  constexpr Gbps() noexcept = default;
  constexpr explicit Gbps(std::uint32_t value) noexcept : value_(value) {}
  [[nodiscard]] constexpr std::uint32_t value() const noexcept { return value_; }
  friend constexpr auto operator<=>(Gbps, Gbps) noexcept = default;

 private:
  std::uint32_t value_ = 0;
};

// "800G", "200G".
std::string to_string(Gbps speed);
std::string to_string(Milliwatts power);     // "1.500 mW"
std::string to_string(Dbm power);            // "1.76 dBm", "-inf dBm"
std::string to_string(Milliamps current);    // "45.00 mA"
std::string to_string(Celsius temperature);  // "42.5 degC"
std::string to_string(Volts voltage);        // "3.300 V"

}  // namespace cpo
