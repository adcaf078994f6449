// The reference driver's options a switch URI may set, for every scheme that opens the
// reference driver (sim://, simd://, pci://): one parser, so the parameter means the same
// everywhere.
//   snapshot=on|off   read_telemetry through the device's status snapshot channel when the
//                     unit and the transport offer it (on, the default), or always by registers
#pragma once

#include <string_view>

#include <fmt/format.h>

#include "cpo/drivers/reference/reference_driver.h"
#include "uri/uri.h"

namespace cpo::sdk {

inline constexpr std::string_view kReferenceParamSnapshot = "snapshot";

// Errors: invalid_argument naming the value and the allowed ones.
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
  return o;
}

}  // namespace cpo::sdk
