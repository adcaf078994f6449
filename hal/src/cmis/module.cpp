#include "cpo/hal/cmis/module.h"

namespace cpo::cmis {

Result<Module> decode(const MemoryMap& map) {
  if (map.empty()) return error(Code::invalid_argument, "CMIS memory map: no page present, nothing to decode");
  Module m;
  if (const auto* lower = map.lower()) m.lower = decode_lower(*lower);
  if (const auto* p = map.upper(kPage00)) m.page00 = decode_page00(*p);
  if (const auto* p = map.upper(kPage01)) {
    m.page01 = decode_page01(*p);
    m.advertisement = *m.page01;
    m.advertisement_assumed = false;
  } else {
    // Without page 01h: multiplier x1, one bank, nothing advertised (see assumed_advertisement).
    m.advertisement = assumed_advertisement();
  }
  const std::uint8_t mult = m.advertisement.tx_bias_multiplier;
  if (const auto* p = map.upper(kPage02)) m.page02 = decode_page02(*p, mult);

  // Banked pages: the map keeps them sorted by (page, bank); gather per bank.
  for (const auto& up : map.upper_pages()) {
    const auto page = up.address.page;
    if (page != kPage10 && page != kPage11 && page != kPage1A && page != kPage1B) continue;
    auto it = m.banks.begin();
    while (it != m.banks.end() && it->bank < up.address.bank) ++it;
    if (it == m.banks.end() || it->bank != up.address.bank) {
      it = m.banks.insert(it, BankPages{});
      it->bank = up.address.bank;
    }
    switch (page) {
      case kPage10: it->controls = decode_page10(up.bytes); break;
      case kPage11: it->status = decode_page11(up.bytes, mult); break;
      case kPage1A: it->els = decode_page1a(up.bytes); break;
      default: it->els_monitors = decode_page1b(up.bytes); break;
    }
  }

  // ApSel 1..8 from the lower page, 9..15 from page 01h (only when the lower table is full).
  if (m.lower) {
    for (std::uint8_t i = 0; i < m.lower->application_count; ++i)
      m.applications[m.application_count++] = m.lower->applications[i];
    if (m.page01 && m.lower->application_count == kLowerApplications) {
      for (std::uint8_t i = 0; i < m.page01->application_count; ++i) {
        m.applications[m.application_count++] = m.page01->applications[i];
      }
    }
    if (m.page01) {
      for (std::uint8_t i = 0; i < m.application_count; ++i) {
        auto& app = m.applications[i];
        app.media_lane_assignment = m.page01->media_lane_assignment[app.app_sel - 1u];
      }
    }
  }
  return m;
}

}  // namespace cpo::cmis
