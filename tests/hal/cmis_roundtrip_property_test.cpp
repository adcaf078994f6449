// Round-trip properties (RapidCheck): for any page content, decoding, encoding the decoded
// value into a fresh page and decoding again gives the same value; writable fields read back
// what was written for every lane and every on-grid value. The properties alone only pit our
// encoder against our decoder, so fixed byte vectors from outside pin both to the bytes: a real
// module's pages (tests/data/cmis, a QSFP-DD dump from sonic-utilities) and the ELSFP page 1Ah
// vectors of sonic-platform-common must re-encode to the very bytes they came from.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "cmis_test_util.h"
#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/hexdump.h"
#include "cpo/hal/cmis/pages.h"

namespace cpo::cmis {
namespace {

PageBytes random_page() {
  const auto bytes = *rc::gen::container<std::vector<std::uint8_t>>(kPageSize, rc::gen::arbitrary<std::uint8_t>());
  PageBytes p{};
  std::copy(bytes.begin(), bytes.end(), p.begin());
  return p;
}

template <typename Decode, typename Encode>
void check_value_round_trip(Decode decode_fn, Encode encode_fn) {
  const PageBytes p = random_page();
  const auto v = decode_fn(p);
  PageBytes q{};
  const Status s = encode_fn(v, q);
  RC_ASSERT(s.ok());
  RC_ASSERT(decode_fn(q) == v);
}

RC_GTEST_PROP(CmisRoundTrip, LowerPage, ()) { check_value_round_trip(decode_lower, encode_lower); }

RC_GTEST_PROP(CmisRoundTrip, Page00ExceptTheRecomputedChecksum, ()) {
  const PageBytes p = random_page();
  Page00 v = decode_page00(p);
  PageBytes q{};
  RC_ASSERT(encode_page00(v, q).ok());
  Page00 back = decode_page00(q);
  RC_ASSERT(back.checksum_ok);
  v.checksum = back.checksum;
  v.checksum_ok = true;
  RC_ASSERT(back == v);
}

RC_GTEST_PROP(CmisRoundTrip, Page01, ()) { check_value_round_trip(decode_page01, encode_page01); }

RC_GTEST_PROP(CmisRoundTrip, Page02WithEveryMultiplier, ()) {
  const std::uint8_t mult = *rc::gen::element<std::uint8_t>(1, 2, 4);
  check_value_round_trip([&](const PageBytes& p) { return decode_page02(p, mult); },
                         [&](const Thresholds& t, PageBytes& q) { return encode_page02(t, q, mult); });
}

RC_GTEST_PROP(CmisRoundTrip, Page10, ()) { check_value_round_trip(decode_page10, encode_page10); }

RC_GTEST_PROP(CmisRoundTrip, Page11WithEveryMultiplier, ()) {
  const std::uint8_t mult = *rc::gen::element<std::uint8_t>(1, 2, 4);
  check_value_round_trip([&](const PageBytes& p) { return decode_page11(p, mult); },
                         [&](const LaneStatus& s, PageBytes& q) { return encode_page11(s, q, mult); });
}

RC_GTEST_PROP(CmisRoundTrip, Page1A, ()) { check_value_round_trip(decode_page1a, encode_page1a); }

RC_GTEST_PROP(CmisRoundTrip, Page1B, ()) { check_value_round_trip(decode_page1b, encode_page1b); }

RC_GTEST_PROP(CmisWritable, Page10FieldsReadBackAndTouchNothingElse, ()) {
  PageBytes p = random_page();
  const PageBytes before = p;
  const unsigned lane = *rc::gen::inRange(1u, 9u);
  const bool on = *rc::gen::arbitrary<bool>();
  const DataPathConfig cfg{*rc::gen::inRange<std::uint8_t>(0, 16), *rc::gen::inRange<std::uint8_t>(0, 8),
                           *rc::gen::arbitrary<bool>()};
  RC_ASSERT(set_tx_disable(p, lane, on).ok());
  RC_ASSERT(set_rx_disable(p, lane, !on).ok());
  RC_ASSERT(set_data_path_deinit(p, lane, on).ok());
  RC_ASSERT(set_staged_config(p, lane, cfg).ok());
  const LaneControls c = decode_page10(p);
  RC_ASSERT(lane_bit(c.tx_disable, lane) == on);
  RC_ASSERT(lane_bit(c.rx_disable, lane) == !on);
  RC_ASSERT(lane_bit(c.data_path_deinit, lane) == on);
  RC_ASSERT(c.staged[lane - 1] == cfg);
  for (std::size_t i = 0; i < kPageSize; ++i) {
    const bool touched = i == 0 || i == 2 || i == 10 || i == 16 + lane;
    if (!touched) RC_ASSERT(p[i] == before[i]);
  }
}

RC_GTEST_PROP(CmisWritable, LowPowerRequestReadsBack, (bool low_power)) {
  PageBytes p = random_page();
  RC_ASSERT(set_low_power_request(p, low_power).ok());
  RC_ASSERT(decode_lower(p).control.low_power_request_sw == low_power);
}

RC_GTEST_PROP(CmisWritable, ElsSetpointsAndEnableReadBack, ()) {
  PageBytes p1a = random_page();
  PageBytes p1b = random_page();
  const unsigned lane = *rc::gen::inRange(1u, 9u);
  const bool enable = *rc::gen::arbitrary<bool>();
  const auto power_raw = *rc::gen::arbitrary<std::uint16_t>();
  const auto bias_raw = *rc::gen::arbitrary<std::uint16_t>();
  RC_ASSERT(set_lane_enable(p1a, lane, enable).ok());
  RC_ASSERT(set_power_setpoint(p1b, lane, Milliwatts(power_raw * 0.01)).ok());
  RC_ASSERT(set_bias_setpoint(p1b, lane, Milliamps(bias_raw * 0.1)).ok());
  RC_ASSERT(lane_bit(decode_page1a(p1a).lane_enable, lane) == enable);
  const ElsMonitors m = decode_page1b(p1b);
  RC_ASSERT(m.power_setpoint[lane - 1].value() == power_raw * 0.01);
  RC_ASSERT(m.bias_setpoint[lane - 1].value() == bias_raw * 0.1);
}

RC_GTEST_PROP(CmisDumps, BinaryImagesOfEveryAcceptedSizeParse, ()) {
  const std::size_t pages = *rc::gen::inRange<std::size_t>(1, 6);
  const auto data =
      *rc::gen::container<std::vector<std::uint8_t>>(pages * kPageSize, rc::gen::arbitrary<std::uint8_t>());
  auto map = parse_binary(data);
  RC_ASSERT(map.ok());
  RC_ASSERT(map->upper_pages().size() == pages - 1);
}

// Bytes of the MCP1660 dump the codec models (CMIS 5.2 Table 8-4 and section 8.4): identifier,
// revision, media type and the application table in the lower page; vendor data through the
// checksum in page 00h. The module's live bytes (state, flags, monitors) are decoded too but a
// captured dump holds them as they were, which the fixed comparison below also covers.
TEST(CmisRoundTripVectors, ARealModulesPagesReEncodeToTheSameBytes) {
  const std::string text = testing::read_text(testing::data_path("qsfpdd-mcp1660-page0.sfputil.txt"));
  auto map = parse_sfputil(text);
  ASSERT_TRUE(map.ok()) << map.status().to_string();
  const PageBytes* lower = map->lower();
  const PageBytes* page00 = map->upper(0x00);
  ASSERT_NE(lower, nullptr);
  ASSERT_NE(page00, nullptr);
  // Known bytes first, so a reader that misplaces them cannot pass by re-encoding its mistake.
  EXPECT_EQ((*lower)[0], 0x18);
  EXPECT_EQ((*lower)[1], 0x30);
  EXPECT_EQ((*lower)[85], 0x03);
  EXPECT_EQ((*lower)[86], 0x1d);
  EXPECT_EQ((*lower)[88], 0x88);
  EXPECT_EQ((*page00)[129 - 128], 'M');
  EXPECT_EQ((*page00)[222 - 128], 0x77);

  PageBytes lower_again{};
  ASSERT_TRUE(encode_lower(decode_lower(*lower), lower_again).ok());
  for (std::size_t i = 0; i < kPageSize; ++i) EXPECT_EQ(lower_again[i], (*lower)[i]) << "lower page byte " << i;
  // Page 00h: every byte from the identifier through the media data (128-189, 200-221). Not
  // compared: the CLEI code (190-199), which this module leaves NUL and the encoder writes as
  // blanks (both decode to "no CLEI"), the checksum over it (222), and the vendor-specific bytes
  // 223-255 that Page00 does not model.
  PageBytes page00_again{};
  ASSERT_TRUE(encode_page00(decode_page00(*page00), page00_again).ok());
  for (std::size_t i = 0; i < kPageSize; ++i) {
    const std::size_t address = 128 + i;
    if ((address >= 190 && address <= 199) || address >= 222) continue;
    EXPECT_EQ(page00_again[i], (*page00)[i]) << "page 00h byte " << address;
  }
  EXPECT_TRUE(decode_page00(page00_again).checksum_ok);
  EXPECT_EQ(decode_page00(page00_again).clei, decode_page00(*page00).clei);
}

// sonic-platform-common's page 1Ah vectors (tests/data/cmis/elsfp-page1a-vectors.tsv): the raw
// value written at its byte decodes and re-encodes to the same bytes, and nothing else is set.
TEST(CmisRoundTripVectors, ElsfpPage1aVectorsReEncodeToTheSameBytes) {
  std::istringstream in(testing::read_text(testing::data_path("elsfp-page1a-vectors.tsv")));
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream cols(line);
    std::string field, byte, width, raw;
    std::getline(cols, field, '\t');
    std::getline(cols, byte, '\t');
    std::getline(cols, width, '\t');
    std::getline(cols, raw, '\t');
    const std::size_t at = std::stoul(byte), n = std::stoul(width);
    PageBytes page{};
    testing::put_be(page, at, n, static_cast<std::uint32_t>(std::stoul(raw, nullptr, 0)));
    PageBytes again{};
    ASSERT_TRUE(encode_page1a(decode_page1a(page), again).ok()) << field;
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(again[(at + i) % kPageSize], page[(at + i) % kPageSize]) << field << " byte " << at + i;
    }
    ++rows;
  }
  EXPECT_GE(rows, 10);
}

}  // namespace
}  // namespace cpo::cmis
