// Private helpers for the CMIS codec: big-endian fields, bit fields and unit quantisation.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "cpo/hal/cmis/fields.h"
#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/status.h"

namespace cpo::cmis::detail {

// Byte `address` (128..255) of an upper page, or 0..127 of the lower page.
inline std::uint8_t at(const PageBytes& p, std::size_t address) noexcept { return p[address % kPageSize]; }
inline void put(PageBytes& p, std::size_t address, std::uint8_t v) noexcept { p[address % kPageSize] = v; }

inline std::uint16_t u16(const PageBytes& p, std::size_t address) noexcept {
  return static_cast<std::uint16_t>((at(p, address) << 8) | at(p, address + 1));
}
inline std::int16_t s16(const PageBytes& p, std::size_t address) noexcept {
  return static_cast<std::int16_t>(u16(p, address));
}
inline void put_u16(PageBytes& p, std::size_t address, std::uint16_t v) noexcept {
  put(p, address, static_cast<std::uint8_t>(v >> 8));
  put(p, address + 1, static_cast<std::uint8_t>(v & 0xFF));
}
inline void put_s16(PageBytes& p, std::size_t address, std::int16_t v) noexcept {
  put_u16(p, address, static_cast<std::uint16_t>(v));
}

inline bool bit(std::uint8_t byte, unsigned n) noexcept { return ((static_cast<unsigned>(byte) >> n) & 1U) != 0; }
inline std::uint8_t bits(std::uint8_t byte, unsigned low, unsigned width) noexcept {
  return static_cast<std::uint8_t>((static_cast<unsigned>(byte) >> low) & ((1U << width) - 1U));
}
// Replaces `width` bits at `low` in byte `address`.
inline void put_bits(PageBytes& p, std::size_t address, unsigned low, unsigned width, unsigned value) noexcept {
  const unsigned mask = ((1U << width) - 1U) << low;
  const unsigned old = at(p, address);
  put(p, address, static_cast<std::uint8_t>((old & ~mask) | ((value << low) & mask)));
}
inline void put_bit(PageBytes& p, std::size_t address, unsigned n, bool value) noexcept {
  put_bits(p, address, n, 1, value ? 1U : 0U);
}

// A field name: a string, or a callable returning one. Callables let hot encode loops name
// "lane 6 Tx bias" without formatting anything unless an error is reported.
template <typename Name>
std::string name_of(const Name& name) {
  if constexpr (std::is_invocable_v<const Name&>) {
    return std::string(name());
  } else {
    return std::string(name);
  }
}

// Quantises `value` (in the field's unit) to whole steps of `step` within [min_raw, max_raw].
// Rounds to the nearest step: the encoding resolution, not clamping; values beyond the
// representable range are refused.
template <typename Name>
Result<long> quantise(double value, double step, long min_raw, long max_raw, const Name& field, std::string_view unit) {
  if (std::isnan(value)) return error(Code::invalid_argument, fmt::format("{}: NaN is not a value", name_of(field)));
  const double raw = std::round(value / step);
  if (!(raw >= static_cast<double>(min_raw) && raw <= static_cast<double>(max_raw))) {
    return error(Code::out_of_range,
                 fmt::format("{}: {} {} outside the encodable range {}..{} {}", name_of(field), value, unit,
                             static_cast<double>(min_raw) * step, static_cast<double>(max_raw) * step, unit));
  }
  return static_cast<long>(raw);
}

template <typename Name>
Result<std::uint16_t> to_u16(double value, double step, const Name& field, std::string_view unit) {
  auto raw = quantise(value, step, 0, 0xFFFF, field, unit);
  if (!raw) return raw.status();
  return static_cast<std::uint16_t>(*raw);
}

template <typename Name>
Status check_max(unsigned value, unsigned max, const Name& field) {
  if (value > max) return error(Code::out_of_range, fmt::format("{}: {} outside 0..{}", name_of(field), value, max));
  return ok_status();
}

inline Status check_lane(unsigned lane, std::string_view field) {
  if (lane < 1 || lane > kLanesPerBank) {
    return error(Code::out_of_range, fmt::format("{} lane {}: lanes within a bank are 1..8", field, lane));
  }
  return ok_status();
}

// Sets or clears `lane`'s bit (1..8) of a lane-mask field, touching no other bit.
inline Status put_lane_bit(PageBytes& p, const Field& f, unsigned lane, bool value, std::string_view what) {
  CPO_RETURN_IF_ERROR(check_lane(lane, what));
  put_bit(p, f.byte, lane - 1, value);
  return ok_status();
}

// Four consecutive per-lane flag bytes: high alarm, low alarm, high warning, low warning
// (the order of CMIS page 11h and ELSFP page 1Ah flag groups).
inline LaneFlagSet flags_at(const PageBytes& p, std::size_t first) {
  return LaneFlagSet{at(p, first), at(p, first + 1), at(p, first + 2), at(p, first + 3)};
}
inline void put_flags(PageBytes& p, std::size_t first, const LaneFlagSet& f) {
  put(p, first, f.high_alarm);
  put(p, first + 1, f.low_alarm);
  put(p, first + 2, f.high_warning);
  put(p, first + 3, f.low_warning);
}

}  // namespace cpo::cmis::detail
