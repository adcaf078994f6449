// URI splitting shared by every scheme.
#include "uri/uri.h"

#include <limits>

#include <fmt/format.h>

#include "cpo/hal/decimal.h"

namespace cpo::sdk {

std::string_view Uri::param(std::string_view key, std::string_view fallback) const {
  auto it = params.find(key);
  return it == params.end() ? fallback : std::string_view(it->second);
}

Result<Uri> parse_uri(std::string_view text) {
  Uri uri;
  uri.text = std::string(text);
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return error(Code::invalid_argument, fmt::format("'{}' is not a switch URI (expected SCHEME://TARGET)", text));
  }
  uri.scheme = std::string(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);
  const auto q = rest.find('?');
  uri.target = std::string(rest.substr(0, q));
  if (q == std::string_view::npos) return uri;
  std::string_view query = rest.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return error(Code::invalid_argument, fmt::format("{}: parameter '{}' is not KEY=VALUE", text, pair));
    }
    std::string key(pair.substr(0, eq));
    if (!uri.params.emplace(key, std::string(pair.substr(eq + 1))).second) {
      return error(Code::invalid_argument, fmt::format("{}: parameter '{}' is given twice", text, key));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
    if (query.empty()) return error(Code::invalid_argument, fmt::format("{}: the query ends with '&'", text));
  }
  return uri;
}

Status check_params(const Uri& uri, std::span<const std::string_view> allowed, std::string_view form) {
  for (const auto& [key, value] : uri.params) {
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      std::string names;
      for (auto a : allowed) names += fmt::format("{}{}", names.empty() ? "" : ", ", a);
      return error(Code::invalid_argument, fmt::format("{}: unknown parameter '{}' (allowed: {}; form: {})", uri.text,
                                                       key, names.empty() ? "none" : names, form));
    }
  }
  return ok_status();
}

Result<std::uint64_t> parse_u64(std::string_view text, std::string_view what) {
  return parse_decimal(text, what, 0, std::numeric_limits<std::uint64_t>::max());
}

}  // namespace cpo::sdk
