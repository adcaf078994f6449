// Decoding a whole memory map at once: every present page of an optical engine (lower, 00h,
// 01h, 02h, 10h/11h per bank) or an ELS module (lower, 00h, 01h, 02h, 1Ah/1Bh per bank).
//
// Absent pages stay absent (std::nullopt); nothing is invented. Page 01h supplies the Tx
// bias multiplier and the media lane assignment; without it assumed_advertisement() holds.
//
// Thread safety: pure functions on values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/status.h"

namespace cpo::cmis {

// The banked pages of one bank (lanes 8*bank+1 .. 8*bank+8).
struct BankPages {
  std::uint8_t bank = 0;
  std::optional<LaneControls> controls;     // page 10h
  std::optional<LaneStatus> status;         // page 11h
  std::optional<ElsAdvertisement> els;      // page 1Ah
  std::optional<ElsMonitors> els_monitors;  // page 1Bh
};

struct Module {
  std::optional<LowerPage> lower;
  std::optional<Page00> page00;
  std::optional<Advertisement> page01;
  std::optional<Thresholds> page02;
  std::vector<BankPages> banks;  // ascending bank, only banks with a decoded page
  // The advertisement the decode used: page01 when present, else assumed_advertisement().
  Advertisement advertisement;
  bool advertisement_assumed = true;
  // ApSel 1..15 merged from the lower page and page 01h, media lane assignment filled in
  // when page 01h is present.
  std::array<ApplicationDescriptor, 15> applications{};
  std::uint8_t application_count = 0;
};

// Errors: invalid_argument when the map holds no page at all.
[[nodiscard]] Result<Module> decode(const MemoryMap& map);

}  // namespace cpo::cmis
