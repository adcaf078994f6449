// The object-reference parser: every accepted form, and the refusals naming what is allowed.
#include "cpo/sdk/objects.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cpo::sdk {
namespace {

using ::testing::HasSubstr;

const Platform& cpo144() {
  static const Platform p = *Platform::builtin("cpo144");
  return p;
}

ObjectRef parse(std::string_view text, const BreakoutMap& map = {}) {
  auto r = parse_object(text, cpo144(), map);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().to_string();
  return r.ok() ? *r : ObjectRef{};
}

void expect_refused(std::string_view text, Code code, std::string_view fragment, const BreakoutMap& map = {}) {
  auto r = parse_object(text, cpo144(), map);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  EXPECT_THAT(r.status().message(), HasSubstr(fragment));
}

TEST(ObjectParser, AcceptsEveryForm) {
  EXPECT_EQ(std::get<PortId>(parse("59")), PortId(59));
  EXPECT_EQ(std::get<PortId>(parse("Ethernet236")), PortId(59));
  EXPECT_EQ(std::get<PortId>(parse("etp60")), PortId(59));
  EXPECT_EQ(std::get<LogicalPort>(parse("59/0")), (LogicalPort{PortId(59), 0}));
  EXPECT_EQ(std::get<LaneId>(parse("lane148")), LaneId(148));
  EXPECT_EQ(std::get<OeId>(parse("oe5")), OeId(5));
  EXPECT_EQ(std::get<OeBank>(parse("oe5/bank1")), (OeBank{OeId(5), BankId(1)}));
  EXPECT_EQ(std::get<ElsId>(parse("els7")), ElsId(7));
  EXPECT_EQ(std::get<LaserRef>(parse("els7/3")), (LaserRef{ElsId(7), 3}));
  EXPECT_EQ(std::get<UnitId>(parse("unit2")), UnitId(2));
}

TEST(ObjectParser, SonicNamesOfSubportsFollowTheCurrentBreakout) {
  const BreakoutMap split{{PortId(59), *BreakoutMode::parse("4x200G")}};
  EXPECT_EQ(std::get<LogicalPort>(parse("Ethernet236", split)), (LogicalPort{PortId(59), 0}));
  EXPECT_EQ(std::get<LogicalPort>(parse("Ethernet237", split)), (LogicalPort{PortId(59), 1}));
  EXPECT_EQ(std::get<LogicalPort>(parse("Ethernet239", split)), (LogicalPort{PortId(59), 3}));
  EXPECT_EQ(std::get<LogicalPort>(parse("59/3", split)), (LogicalPort{PortId(59), 3}));
  // Under 1x800G, Ethernet237 is inside port 59 but names no sub-port.
  expect_refused("Ethernet237", Code::not_found, "its sub-ports: Ethernet236");
  expect_refused("59/1", Code::out_of_range, "sub-ports 0..0");
  EXPECT_EQ(*sonic_name(cpo144(), LogicalPort{PortId(59), 2}, split), "Ethernet238");
  EXPECT_EQ(sonic_name(cpo144(), LogicalPort{PortId(59), 2}).status().code(), Code::out_of_range);
}

TEST(ObjectParser, RefusesMalformedAndOutOfRangeNamingTheAcceptedForms) {
  expect_refused("", Code::invalid_argument, "accepted: PORT");
  expect_refused("+5", Code::invalid_argument, "accepted: PORT");
  expect_refused(" 5", Code::invalid_argument, "accepted");
  expect_refused("05", Code::invalid_argument, "leading zeros");
  expect_refused("4294967296", Code::out_of_range, "ports 0..143");
  expect_refused("144", Code::out_of_range, "ports 0..143");
  expect_refused("els18", Code::out_of_range, "els 18");
  expect_refused("els7/8", Code::out_of_range, "els 7 laser 8");
  expect_refused("oe5/bank3", Code::out_of_range, "banks 0..2");
  expect_refused("oe5/3", Code::invalid_argument, "bankB");
  expect_refused("lane576", Code::out_of_range, "lane 576");
  expect_refused("Ethernet576", Code::not_found, "Ethernet0..Ethernet572");
  expect_refused("port5", Code::invalid_argument, "unknown form");
}

TEST(ObjectParser, ListsAndRangesAreBoundedAndWithoutDuplicates) {
  auto ports = parse_ports("0-15,20", cpo144());
  ASSERT_TRUE(ports.ok()) << ports.status().to_string();
  ASSERT_EQ(ports->size(), 17u);
  EXPECT_EQ(ports->front(), PortId(0));
  EXPECT_EQ(ports->back(), PortId(20));
  auto lasers = parse_lasers("els7/0-3", cpo144());
  ASSERT_TRUE(lasers.ok()) << lasers.status().to_string();
  EXPECT_EQ(lasers->size(), 4u);
  EXPECT_EQ(lasers->back(), (LaserRef{ElsId(7), 3}));
  EXPECT_EQ(parse_objects("3,3", cpo144()).status().code(), Code::invalid_argument);
  EXPECT_EQ(parse_objects("5-2", cpo144()).status().code(), Code::invalid_argument);
  // 2^32 items: counted in 64 bits, refused before anything is allocated.
  EXPECT_THAT(parse_objects("0-4294967295", cpo144()).status().message(), HasSubstr("spans 4294967296 items"));
  EXPECT_EQ(parse_objects("0-18446744073709551616", cpo144()).status().code(), Code::invalid_argument);
  EXPECT_EQ(parse_objects("0-999999999", cpo144()).status().code(), Code::out_of_range);
  EXPECT_EQ(parse_objects("1,,2", cpo144()).status().code(), Code::invalid_argument);
  EXPECT_THAT(parse_ports("59/1", cpo144(), {{PortId(59), *BreakoutMode::parse("2x400G")}}).status().message(),
              HasSubstr("is not a port"));
  EXPECT_THAT(parse_lasers("els7", cpo144()).status().message(), HasSubstr("is not a laser"));
}

TEST(ObjectParser, FormatRoundTrips) {
  const BreakoutMap split{{PortId(59), *BreakoutMode::parse("4x200G")}};
  for (const char* text : {"59", "59/2", "lane148", "oe5", "oe5/bank1", "els7", "els7/3", "unit2"}) {
    auto r = parse_object(text, cpo144(), split);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(format_object(*r), text);
  }
}

}  // namespace
}  // namespace cpo::sdk
