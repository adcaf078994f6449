// A parsed switch URI: scheme://target?key=value&... (Switch::open).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "cpo/hal/status.h"

namespace cpo::sdk {

struct Uri {
  std::string text;    // as given, for messages
  std::string scheme;  // "sim"
  std::string target;  // between "://" and "?": "cpo144", "/path/p.json", "0000:03:00.0"
  std::map<std::string, std::string, std::less<>> params;

  // The value of `key`, or `fallback` when absent.
  [[nodiscard]] std::string_view param(std::string_view key, std::string_view fallback = {}) const;
};

// Splits `text`. Errors: invalid_argument naming what is wrong (no "://", an empty scheme,
// a parameter without '=', a key twice, a key not in `allowed`).
Result<Uri> parse_uri(std::string_view text);
Status check_params(const Uri& uri, std::span<const std::string_view> allowed, std::string_view form);

// A strict unsigned decimal (no sign, blanks or leading zeros) of at most 64 bits.
Result<std::uint64_t> parse_u64(std::string_view text, std::string_view what);

}  // namespace cpo::sdk
