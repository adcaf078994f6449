// libFuzzer target for PCI addresses (pcie::Bdf::parse). A parsed address must print in the
// canonical form and parse back to itself; errors are invalid_argument or out_of_range only.
//
// Run: build/fuzz/tests/bdf_fuzz -max_total_time=60 build/fuzz/corpus/bdf tests/fuzz/seeds/bdf
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cpo/drivers/pcie/bdf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bdf = cpo::pcie::Bdf::parse(text);
  if (!bdf.ok()) {
    const auto code = bdf.status().code();
    if (code != cpo::Code::invalid_argument && code != cpo::Code::out_of_range) std::abort();
    return 0;
  }
  if (bdf->device > 0x1f || bdf->function > 7) std::abort();
  auto again = cpo::pcie::Bdf::parse(bdf->to_string());
  if (!again.ok() || !(*again == *bdf)) std::abort();
  return 0;
}
