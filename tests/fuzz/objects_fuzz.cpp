// libFuzzer target for object references (cpo::sdk::parse_objects) on the cpo144 platform
// with every port broken out 4x200G, so SONiC sub-port names resolve too. Every parsed object
// must exist on the platform and print (format_object) in a form that parses back to itself;
// list sizes are bounded by the platform, never by the text.
//
// Run: build/fuzz/tests/objects_fuzz -max_total_time=60 build/fuzz/corpus/objects tests/fuzz/seeds/objects
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cpo/sdk/objects.h"

namespace {

struct Fixture {
  cpo::Platform platform;
  cpo::BreakoutMap breakout;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    auto p = cpo::Platform::builtin("cpo144");
    if (!p.ok()) std::abort();
    Fixture out{*p, {}};
    auto mode = cpo::BreakoutMode::parse("4x200G");
    if (!mode.ok()) std::abort();
    for (const auto& port : out.platform.ports()) out.breakout[port.id] = *mode;
    return out;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Fixture& f = fixture();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = cpo::sdk::parse_objects(text, f.platform, f.breakout);
  if (!list.ok()) {
    if (list.status().code() == cpo::Code::internal) std::abort();
    return 0;
  }
  if (list->size() > f.platform.lanes().size() * 4) std::abort();
  for (const auto& object : *list) {
    auto again = cpo::sdk::parse_object(cpo::sdk::format_object(object), f.platform, f.breakout);
    if (!again.ok() || !(*again == object)) std::abort();
  }
  return 0;
}
