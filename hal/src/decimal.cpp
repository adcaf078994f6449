#include "cpo/hal/decimal.h"

#include <algorithm>
#include <charconv>
#include <string>

#include <fmt/format.h>

namespace cpo {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status check_digits(std::string_view text, std::string_view digits, std::string_view what, std::string_view range) {
  if (text.empty()) return error(Code::invalid_argument, fmt::format("{}: empty (allowed {})", what, range));
  if (!all_digits(digits)) {
    return error(Code::invalid_argument,
                 fmt::format("{} '{}' is not a decimal number (digits only: no sign, blank or 0x; allowed {})", what,
                             text, range));
  }
  if (digits.size() > 1 && digits[0] == '0') {
    return error(
        Code::invalid_argument,
        fmt::format("{} '{}' has a leading zero (numbers are decimal, not octal; allowed {})", what, text, range));
  }
  return ok_status();
}

template <typename T>
Result<T> convert(std::string_view text, std::string_view what, T min, T max, const std::string& range) {
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && (value < min || value > max))) {
    return error(Code::out_of_range, fmt::format("{} {} is out of range (allowed {})", what, text, range));
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return error(Code::invalid_argument,
                 fmt::format("{} '{}' is not a decimal number (allowed {})", what, text, range));
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> decimal_value(std::string_view text) noexcept {
  if (!all_digits(text) || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::uint64_t> parse_decimal(std::string_view text, std::string_view what, std::uint64_t min,
                                    std::uint64_t max) {
  const std::string range = fmt::format("{}..{}", min, max);
  CPO_RETURN_IF_ERROR(check_digits(text, text, what, range));
  return convert<std::uint64_t>(text, what, min, max, range);
}

Result<std::int64_t> parse_signed_decimal(std::string_view text, std::string_view what, std::int64_t min,
                                          std::int64_t max) {
  const std::string range = fmt::format("{}..{}", min, max);
  const std::string_view digits = !text.empty() && text[0] == '-' ? text.substr(1) : text;
  CPO_RETURN_IF_ERROR(check_digits(text, digits, what, range));
  if (text == "-0") return error(Code::invalid_argument, fmt::format("{} '-0': write 0 (allowed {})", what, range));
  return convert<std::int64_t>(text, what, min, max, range);
}

}  // namespace cpo
