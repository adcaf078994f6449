// libFuzzer target for the profile loader (Platform::from_json): strict JSON through the SAX
// reader, then whole-document validation. Any input must give a Status or a Platform, without
// an exception (from_json is noexcept: one would abort), unbounded allocation (libFuzzer's
// -rss_limit_mb) or undefined behaviour. An accepted profile must be self-consistent: every
// lane sits in the port, bank and laser that list it, and loading is deterministic.
//
// Run: build/fuzz/tests/profile_fuzz -max_total_time=60 build/fuzz/corpus/profile tests/fuzz/seeds/profile
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = cpo::Platform::from_json(text, "fuzz");
  if (!p.ok()) {
    if (p.status().code() == cpo::Code::internal) std::abort();  // a bug, not bad input
    return 0;
  }
  for (std::size_t i = 0; i < p->lanes().size(); ++i) {
    const auto& lane = p->lanes()[i];
    if (lane.id.value() != i) std::abort();
    // Checked indexing: a platform that points outside itself is a finding, not a crash.
    if (lane.port.value() >= p->ports().size() || lane.oe.value() >= p->optical_engines().size()) std::abort();
    const auto& port = p->ports()[lane.port.value()];
    if (lane.index_in_port >= port.lanes.size() || port.lanes[lane.index_in_port] != lane.id) std::abort();
    const auto& oe = p->optical_engines()[lane.oe.value()];
    if (lane.bank.value() >= oe.banks.size()) std::abort();
    const auto& bank = oe.banks[lane.bank.value()];
    if (lane.index_in_bank >= bank.lanes.size() || bank.lanes[lane.index_in_bank] != lane.id) std::abort();
  }
  for (const auto& oe : p->optical_engines()) {
    if (!p->impacted_ports(oe.id).ok()) std::abort();
  }
  // An accepted ELS page map is a bijection between ELSFP pages and non-standard pages.
  for (const auto& r : p->els_page_map()) {
    if (!cpo::cmis::is_elsfp_page(r.logical) || cpo::cmis::is_standard_page(r.physical)) std::abort();
    if (p->els_page(r.logical) != r.physical || p->els_logical_page(r.physical) != r.logical) std::abort();
    if (p->els_page(r.physical).has_value() || p->els_logical_page(r.logical).has_value()) std::abort();
  }
  auto again = cpo::Platform::from_json(text, "fuzz");
  if (!again.ok() || again->lanes().size() != p->lanes().size()) std::abort();
  return 0;
}
