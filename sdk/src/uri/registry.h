// The one table of URI schemes -> backend factories (registry.cpp). A reader sees every
// scheme this build opens in one place; later transports (simd://, netlink://) add a row.
#pragma once

#include <span>
#include <string_view>

#include "core/backend.h"
#include "cpo/sdk/switch.h"
#include "uri/uri.h"

namespace cpo::sdk {

struct SchemeEntry {
  std::string_view scheme;  // "sim"
  std::string_view form;    // "sim://PROFILE[?seed=N&clock=virtual|real&...]", for messages and --help
  Result<Backend> (*open)(const Uri& uri, const OpenOptions& options);
};

[[nodiscard]] std::span<const SchemeEntry> schemes() noexcept;
// The table's form of `scheme`, for a factory's messages; empty for a scheme not in the table.
[[nodiscard]] std::string_view scheme_form(std::string_view scheme) noexcept;

// Builds the backend `uri` names. Errors: invalid_argument for a malformed URI or an unknown
// scheme (naming the accepted forms); the factory's errors.
Result<Backend> open_backend(std::string_view uri, const OpenOptions& options);

// The factories, one file each.
Result<Backend> open_sim(const Uri& uri, const OpenOptions& options);
Result<Backend> open_pci(const Uri& uri, const OpenOptions& options);
Result<Backend> open_simd(const Uri& uri, const OpenOptions& options);
Result<Backend> open_netlink(const Uri& uri, const OpenOptions& options);

}  // namespace cpo::sdk
