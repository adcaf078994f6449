// libFuzzer target for the CMIS dump readers and page decoders (fuzz preset: clang 14,
// -fsanitize=fuzzer-no-link,address,undefined).
//
// Every input goes through format detection and the matching reader; whatever parses is
// decoded page by page. The first 128 bytes are also decoded directly as every page type,
// and the value must survive encode -> decode unchanged (a mismatch aborts: that is a finding).
//
// Run: build/fuzz/tests/cmis_fuzz -max_total_time=60 tests/data/cmis
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/hexdump.h"
#include "cpo/hal/cmis/module.h"
#include "cpo/hal/cmis/pages.h"

namespace {

using namespace cpo::cmis;

template <typename Decode, typename Encode>
void round_trip(const PageBytes& page, Decode decode_fn, Encode encode_fn) {
  const auto value = decode_fn(page);
  PageBytes out{};
  if (!encode_fn(value, out).ok() || !(decode_fn(out) == value)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  if (auto dump = parse_dump(input); dump.ok()) {
    auto module = decode(dump->map);
    if (!module.ok()) std::abort();  // a parsed dump always holds at least one page
    // Host-view reads through the select bytes must never touch memory outside the map.
    for (unsigned address = 0; address < 256; address += 37) (void)dump->map.read(static_cast<std::uint8_t>(address));
  }
  if (size >= kPageSize) {
    PageBytes page;
    std::memcpy(page.data(), data, kPageSize);
    const std::uint8_t mult = static_cast<std::uint8_t>(1U << (data[0] % 3));
    round_trip(page, decode_lower, encode_lower);
    round_trip(page, decode_page01, encode_page01);
    round_trip(page, decode_page10, encode_page10);
    round_trip(page, decode_page1a, encode_page1a);
    round_trip(page, decode_page1b, encode_page1b);
    round_trip(
        page, [&](const PageBytes& p) { return decode_page02(p, mult); },
        [&](const Thresholds& t, PageBytes& p) { return encode_page02(t, p, mult); });
    round_trip(
        page, [&](const PageBytes& p) { return decode_page11(p, mult); },
        [&](const LaneStatus& s, PageBytes& p) { return encode_page11(s, p, mult); });
    Page00 admin = decode_page00(page);
    PageBytes out{};
    if (!encode_page00(admin, out).ok()) std::abort();
    Page00 back = decode_page00(out);
    admin.checksum = back.checksum;
    admin.checksum_ok = back.checksum_ok;
    if (!(back == admin) || !back.checksum_ok) std::abort();
  }
  return 0;
}
