#pragma once
// Whole numbers as users type them, in every text the project reads (cpoctl options, URI
// parameters, object references): decimal digits only — no sign, blank, "0x" or leading zero
// (which some tools read as octal) — and a value outside the allowed range is refused, never
// wrapped or clamped. Messages name the text, what it was for and the allowed range.
#include <cstdint>
#include <optional>
#include <string_view>

#include "cpo/hal/status.h"

namespace cpo {

// The value of `text` when it is a strict decimal that fits 64 bits; nullopt otherwise.
[[nodiscard]] std::optional<std::uint64_t> decimal_value(std::string_view text) noexcept;

// `text` as a number in min..max. `what` names it in messages ("--els", "seed").
// Errors: invalid_argument (not a strict decimal), out_of_range (outside min..max).
[[nodiscard]] Result<std::uint64_t> parse_decimal(std::string_view text, std::string_view what, std::uint64_t min,
                                                  std::uint64_t max);

// The same with an optional leading '-' ("-0" refused: write 0).
[[nodiscard]] Result<std::int64_t> parse_signed_decimal(std::string_view text, std::string_view what, std::int64_t min,
                                                        std::int64_t max);

}  // namespace cpo
