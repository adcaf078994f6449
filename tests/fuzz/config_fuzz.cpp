// libFuzzer target for the configuration reader (fuzz preset: clang 14,
// -fsanitize=fuzzer-no-link,address,undefined).
//
// Every input is read as YAML, as JSON and auto-detected; the reader must return (issues or a
// document), never crash, throw or run away (aliases, nesting). A document read without
// issues must survive render -> read unchanged in both formats (a mismatch aborts: that is a
// finding).
//
// Run: build/fuzz/tests/config_fuzz -max_total_time=60 tests/config/seeds
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cpo/sdk/config.h"

namespace {

using namespace cpo::sdk;

void round_trip(const Config& config) {
  const std::string reference = render_config(config, ConfigFormat::json, false);
  for (auto format : {ConfigFormat::yaml, ConfigFormat::json}) {
    const std::string text = render_config(config, format);
    ParsedConfig back = parse_config(text, format);
    if (!back.issues.empty()) std::abort();
    if (render_config(back.config, ConfigFormat::json, false) != reference) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto format : {ConfigFormat::automatic, ConfigFormat::yaml, ConfigFormat::json}) {
    ParsedConfig parsed = parse_config(text, format);
    for (const auto& issue : parsed.issues) {
      if (issue.code == cpo::Code::internal) std::abort();  // an exception escaped a reader
    }
    if (parsed.issues.empty()) round_trip(parsed.config);
  }
  (void)issues_status(parse_config(text).issues);
  return 0;
}
