// The reference driver's options a switch URI may set, for every scheme that opens the
// reference driver (sim://, simd://, pci://): one parser, so the parameter means the same
// everywhere.
//   snapshot=on|off        read_telemetry through the device's status snapshot channel when
//                          the unit and the transport offer it (on, the default), or always by
//                          registers
//   command_timeout_ms=N   reference::Options::min_command_timeout, 1..60000 ms (default 20):
//                          a real-time simulator on a loaded host, or slow hardware, may need
//                          more; an hour-long deadline would only hide a hung unit
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/hal/decimal.h"
#include "uri/uri.h"

namespace cpo::sdk {

inline constexpr std::string_view kReferenceParamSnapshot = "snapshot";
inline constexpr std::string_view kReferenceParamCommandTimeout = "command_timeout_ms";
inline constexpr std::uint64_t kCommandTimeoutMinMs = 1;
inline constexpr std::uint64_t kCommandTimeoutMaxMs = 60000;

// Errors: invalid_argument naming the parameter, the value and the allowed ones (an empty or
// non-decimal command_timeout_ms included); out_of_range for a command_timeout_ms outside
// 1..60000 (never clamped).
inline Result<reference::Options> reference_options(const Uri& uri) {
  reference::Options o;
  const std::string_view snapshot = uri.param(kReferenceParamSnapshot, "on");
  if (snapshot == "on") {
    o.status_snapshot = true;
  } else if (snapshot == "off") {
    o.status_snapshot = false;
  } else {
    return error(Code::invalid_argument, fmt::format("{}: snapshot '{}' is not one of on, off", uri.text, snapshot));
  }
  // Looked up, not param(): "command_timeout_ms=" (present, empty) is refused, not the default.
  if (auto it = uri.params.find(kReferenceParamCommandTimeout); it != uri.params.end()) {
    auto ms = parse_decimal(it->second, kReferenceParamCommandTimeout, kCommandTimeoutMinMs, kCommandTimeoutMaxMs);
    if (!ms) return ms.status().with_context(uri.text);
    o.min_command_timeout = std::chrono::milliseconds(*ms);
  }
  return o;
}

}  // namespace cpo::sdk
