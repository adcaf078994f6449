#include "cpo/hal/breakout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cpo {
namespace {

using ::testing::HasSubstr;

BreakoutMode mode(std::string_view text) {
  auto m = BreakoutMode::parse(text);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  return m.ok() ? *m : BreakoutMode{};
}

TEST(BreakoutMode, ParsesSonicSpellings) {
  auto m = mode("1x800G[400G]");
  ASSERT_EQ(m.groups().size(), 1u);
  EXPECT_EQ(m.groups()[0].count, 1u);
  EXPECT_EQ(m.groups()[0].speed, Gbps(800));
  EXPECT_EQ(m.groups()[0].alt_speeds, std::vector<Gbps>{Gbps(400)});
  EXPECT_EQ(m.subport_count(), 1u);
  EXPECT_EQ(mode("4x200G").subport_count(), 4u);
  EXPECT_EQ(mode("8x100G").subport_count(), 8u);
  EXPECT_EQ(mode("2x400G[200G,100G]").groups()[0].alt_speeds.size(), 2u);
}

TEST(BreakoutMode, ParsesMixedModeWithLaneCounts) {
  auto m = mode("1x400G(2)+2x200G(2)");
  ASSERT_EQ(m.groups().size(), 2u);
  EXPECT_EQ(m.groups()[0].lanes, 2u);
  EXPECT_EQ(m.subport_count(), 3u);
}

TEST(BreakoutMode, PrintsCanonicalSpellingThatParsesBack) {
  for (std::string_view text :
       {"1x800G[400G]", "2x400G", "4x200G", "8x100G", "1x400G(2)+2x200G(2)", "2x400G[200G,100G]"}) {
    auto m = mode(text);
    EXPECT_EQ(m.to_string(), text);
    EXPECT_EQ(mode(m.to_string()), m);
  }
}

TEST(BreakoutMode, RejectsMalformedSpellingsNamingThePosition) {
  struct Case {
    std::string_view text;
    std::string_view fragment;
  };
  for (const auto& c : std::initializer_list<Case>{
           {"", "expected a sub-port count"},
           {"x800G", "expected a sub-port count"},
           {"0x800G", "must be at least 1"},
           {"1y800G", "expected 'x'"},
           {"1x800", "expected 'G'"},
           {"1x800G[", "expected a speed"},
           {"1x800G[400G", "expected ',' or ']'"},
           {"1x800G(4", "expected ')'"},
           {"1x800G junk", "expected '+' or the end"},
           {"1x400G+2x200G", "mixed mode"},
           {"99999999999x1G", "sub-port count such as the 2 of 2x400G is too large (allowed 1..1024)"},
           {"1025x1G", "too large (allowed 1..1024)"},
           {"1x1G(1025)", "lane count is too large (allowed 1..1024)"},
           {"1x100001G", "speed such as 400G is too large (allowed 1..100000)"},
           {"01x800G", "has a leading zero"},
           {"+1x800G", "expected a sub-port count"},
       }) {
    auto m = BreakoutMode::parse(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), Code::invalid_argument) << c.text;
    EXPECT_THAT(m.status().message(), HasSubstr(c.fragment)) << c.text;
  }
  EXPECT_THAT(BreakoutMode::parse("1x800G junk").status().message(), HasSubstr("position 7"));
}

TEST(BreakoutMode, AssignsLanesInOrder) {
  auto layout = mode("4x200G").assign(4, Gbps(200));
  ASSERT_TRUE(layout.ok());
  ASSERT_EQ(layout->size(), 4u);
  EXPECT_EQ((*layout)[2], (SubportLanes{2, 1, Gbps(200)}));
  auto mixed = mode("1x400G(2)+2x200G(2)").assign(4, Gbps(200));
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ((*mixed)[0], (SubportLanes{0, 2, Gbps(400)}));
  EXPECT_EQ((*mixed)[2], (SubportLanes{3, 1, Gbps(200)}));
  auto eight = mode("4x200G").assign(8, Gbps(100));
  ASSERT_TRUE(eight.ok());
  EXPECT_EQ((*eight)[3], (SubportLanes{6, 2, Gbps(200)}));
}

TEST(BreakoutMode, AssignRejectsModesThatDoNotFitThePort) {
  auto too_fast = mode("8x100G").assign(4, Gbps(200));
  ASSERT_FALSE(too_fast.ok());
  EXPECT_THAT(too_fast.status().message(), HasSubstr("do not divide"));
  auto overspeed = mode("4x400G").assign(4, Gbps(200));
  ASSERT_FALSE(overspeed.ok());
  EXPECT_THAT(overspeed.status().message(), HasSubstr("at most 200G"));
  auto alt_overspeed = mode("4x200G[400G]").assign(4, Gbps(200));
  EXPECT_FALSE(alt_overspeed.ok());
  auto short_mix = mode("1x400G(2)+1x200G(1)").assign(4, Gbps(200));
  ASSERT_FALSE(short_mix.ok());
  EXPECT_THAT(short_mix.status().message(), HasSubstr("uses 3 lanes, but the port has 4"));
}

TEST(FecMode, ParsesSonicAndCposdkNames) {
  EXPECT_EQ(*parse_fec_mode("rs"), FecMode::rs544);
  EXPECT_EQ(*parse_fec_mode("rs528"), FecMode::rs528);
  EXPECT_EQ(*parse_fec_mode("none"), FecMode::none);
  EXPECT_EQ(*parse_fec_mode("fc"), FecMode::fc);
  for (FecMode m : {FecMode::none, FecMode::fc, FecMode::rs528, FecMode::rs544}) {
    EXPECT_EQ(*parse_fec_mode(to_string(m)), m);
  }
  auto bad = parse_fec_mode("reed-solomon");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("allowed none, fc, rs"));
}

TEST(Speed, Parses) {
  EXPECT_EQ(*parse_speed("800G"), Gbps(800));
  EXPECT_FALSE(parse_speed("800").ok());
  EXPECT_FALSE(parse_speed("800GG").ok());
  EXPECT_FALSE(parse_speed("-1G").ok());
}

}  // namespace
}  // namespace cpo
