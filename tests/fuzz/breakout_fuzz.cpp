// libFuzzer target for breakout modes (BreakoutMode::parse and assign). The first byte picks
// the port's lane count (1..16), the rest is the mode text. A parsed mode must survive
// parse(to_string()) unchanged; a mode laid out on a port must use exactly its lanes, in
// order, without overlap; and nothing may allocate beyond the port (-rss_limit_mb catches it).
//
// Run: build/fuzz/tests/breakout_fuzz -max_total_time=60 build/fuzz/corpus/breakout tests/fuzz/seeds/breakout
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cpo/hal/breakout.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint32_t port_lanes = 1u + data[0] % 16u;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto mode = cpo::BreakoutMode::parse(text);
  if (!mode.ok()) {
    if (mode.status().code() != cpo::Code::invalid_argument) std::abort();
    return 0;
  }
  auto again = cpo::BreakoutMode::parse(mode->to_string());
  if (!again.ok() || again->to_string() != mode->to_string()) std::abort();
  auto lanes = mode->assign(port_lanes, cpo::Gbps(200));
  if (!lanes.ok()) return 0;
  std::uint32_t next = 0;
  for (const auto& sub : *lanes) {
    if (sub.first != next || sub.count == 0) std::abort();
    next += sub.count;
  }
  if (next != port_lanes || lanes->size() != mode->subport_count()) std::abort();
  return 0;
}
