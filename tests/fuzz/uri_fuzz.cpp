// libFuzzer target for device URIs (scheme://target?key=value&..., sdk/src/uri/uri.h) and the
// strict number reader of their parameters. A parsed URI's parts must come from the text,
// keys are unique by construction, and numbers must print back to their text.
//
// Run: build/fuzz/tests/uri_fuzz -max_total_time=60 build/fuzz/corpus/uri tests/fuzz/seeds/uri
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "uri/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto uri = cpo::sdk::parse_uri(text);
  if (uri.ok()) {
    if (uri->scheme.empty() || text.find(uri->scheme) != 0) std::abort();
    if (text.find(uri->target) == std::string_view::npos) std::abort();
    for (const auto& [key, value] : uri->params) {
      if (text.find(key) == std::string_view::npos) std::abort();
      auto n = cpo::sdk::parse_u64(value, key);
      if (n.ok() && std::to_string(*n) != value) std::abort();
    }
  } else if (uri.status().code() != cpo::Code::invalid_argument) {
    std::abort();
  }
  return 0;
}
