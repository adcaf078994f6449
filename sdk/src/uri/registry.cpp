// Every URI scheme the SDK opens, in one table.
#include "uri/registry.h"

#include <fmt/format.h>

namespace cpo::sdk {
namespace {

// The forms are what users read in messages and cpoctl --help; each factory names its own form
// through scheme_form(). snapshot= and command_timeout_ms= are the reference driver's
// (uri/reference_options.h), on every scheme that opens it.
constexpr SchemeEntry kSchemes[] = {
    {"sim",
     "sim://PROFILE[?seed=N&clock=virtual|real&snapshot=on|off&command_timeout_ms=N] or "
     "sim:///path/profile.json[?same parameters]",
     open_sim},
    {"pci",
     "pci://BDF[,BDF...][?profile=NAME|FILE.json&snapshot=on|off&command_timeout_ms=N] (one BDF per unit, in unit "
     "order)",
     open_pci},
    {"simd",
     "simd:///path/to/switch.sock[?snapshot=on|off&command_timeout_ms=N] or simd://NAME[?same parameters] "
     "(/run/cposim/NAME.sock), served by cpo-simd",
     open_simd},
    {"netlink",
     "netlink://?netns=NAME[&pattern=swp{N}|&map=FILE][&profile=NAME|FILE.json] (ports are netdevs; no netns: the "
     "current namespace)",
     open_netlink},
};

}  // namespace

std::span<const SchemeEntry> schemes() noexcept { return kSchemes; }

std::string_view scheme_form(std::string_view scheme) noexcept {
  for (const auto& s : kSchemes) {
    if (s.scheme == scheme) return s.form;
  }
  return {};
}

std::vector<std::string> uri_forms() {
  std::vector<std::string> forms;
  for (const auto& s : kSchemes) forms.emplace_back(s.form);
  return forms;
}

std::vector<std::string> uri_schemes() {
  std::vector<std::string> names;
  for (const auto& s : kSchemes) names.emplace_back(s.scheme);
  return names;
}

Result<Backend> open_backend(std::string_view text, const OpenOptions& options) {
  std::string accepted;
  for (const auto& s : kSchemes) accepted += fmt::format("{}{}", accepted.empty() ? "" : "; ", s.form);
  auto uri = parse_uri(text);
  if (!uri) return error(uri.status().code(), fmt::format("{} (accepted: {})", uri.status().message(), accepted));
  for (const auto& s : kSchemes) {
    if (s.scheme == uri->scheme) return s.open(*uri, options);
  }
  return error(Code::invalid_argument,
               fmt::format("{}: unknown scheme '{}' (accepted: {})", text, uri->scheme, accepted));
}

}  // namespace cpo::sdk
