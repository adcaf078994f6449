#include "cpo/hal/platform.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace cpo {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Platform load(std::string_view name) {
  auto p = Platform::builtin(name);
  EXPECT_TRUE(p.ok()) << p.status().to_string();
  return std::move(p).value();
}

BreakoutMap all_ports(const Platform& p, std::string_view text) {
  BreakoutMap map;
  auto m = BreakoutMode::parse(text);
  EXPECT_TRUE(m.ok());
  for (const auto& port : p.ports()) map[port.id] = *m;
  return map;
}

std::vector<LogicalPort> impacted(const Platform& p, const FailureDomain& d, const BreakoutMap& b = {}) {
  auto r = p.impacted_ports(d, b);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<LogicalPort>{};
}

TEST(Platform, BuiltinNamesListsAllThreeProfiles) {
  EXPECT_THAT(Platform::builtin_names(), ElementsAre("cpo144", "bailly51t", "davisson102t"));
}

TEST(Platform, Cpo144MatchesTheReferencePlatform) {
  Platform p = load("cpo144");
  EXPECT_EQ(p.name(), "cpo144");
  EXPECT_EQ(p.units().size(), 4u);
  EXPECT_EQ(p.ports().size(), 144u);
  EXPECT_EQ(p.lanes().size(), 576u);
  EXPECT_EQ(p.optical_engines().size(), 24u);
  EXPECT_EQ(p.bank_count(), 72u);
  EXPECT_EQ(p.els_modules().size(), 18u);
  EXPECT_EQ(p.laser_count(), 144u);
  EXPECT_EQ(p.port_speed(), Gbps(800));
  EXPECT_EQ(p.lane_rate(), Gbps(200));
  EXPECT_EQ(p.default_breakout().to_string(), "1x800G[400G]");
  for (const auto& u : p.units()) EXPECT_EQ(p.ports_of(u.id)->size(), 36u);
  for (const auto& oe : p.optical_engines()) {
    ASSERT_EQ(oe.banks.size(), 3u);
    for (const auto& bank : oe.banks) EXPECT_EQ(bank.lanes.size(), 8u);
  }
}

TEST(Platform, OtherProfilesLoadWithTheirShapes) {
  Platform bailly = load("bailly51t");
  EXPECT_EQ(bailly.ports().size(), 64u);
  EXPECT_EQ(bailly.lanes().size(), 512u);
  EXPECT_EQ(bailly.optical_engines().size(), 8u);
  EXPECT_EQ(bailly.els_modules().front().lasers.size(), 16u);
  EXPECT_EQ(bailly.ports().front().lanes.size(), 8u);
  Platform davisson = load("davisson102t");
  EXPECT_EQ(davisson.ports().size(), 128u);
  EXPECT_EQ(davisson.optical_engines().size(), 16u);
  EXPECT_EQ(davisson.els_modules().size(), 16u);
  EXPECT_EQ(davisson.laser_count(), 128u);
  // Davisson-like ELS modules serve the ELSFP pages at vendor pages (B0h.. in ELSFP page
  // order); the other profiles keep the OIF-ELSFP-CMIS layout.
  EXPECT_THAT(davisson.els_page_map(), ElementsAre(ElsPageRelocation{0x1A, 0xB0}, ElsPageRelocation{0x1B, 0xB1}));
  EXPECT_TRUE(load("cpo144").els_page_map().empty());
  EXPECT_TRUE(load("bailly51t").els_page_map().empty());
}

TEST(Platform, LanesKnowTheirPortBankAndLaser) {
  Platform p = load("cpo144");
  auto port = p.port(PortId(37));
  ASSERT_TRUE(port.ok());
  EXPECT_EQ((*port)->unit, UnitId(1));
  ASSERT_EQ((*port)->lanes.size(), 4u);
  auto lane = p.lane((*port)->lanes[2]);
  ASSERT_TRUE(lane.ok());
  EXPECT_EQ((*lane)->port, PortId(37));
  EXPECT_EQ((*lane)->index_in_port, 2u);
  EXPECT_EQ((*lane)->oe, OeId(6));  // ports 36..41 are on oe 6
  EXPECT_EQ((*lane)->bank, BankId(0));
  EXPECT_EQ((*lane)->index_in_bank, 6u);
  EXPECT_EQ((*lane)->laser, (LaserRef{ElsId(4), 5}));  // port 37 = els 4 laser 5
}

TEST(Platform, LookupsOutOfRangeNameTheAllowedRange) {
  Platform p = load("cpo144");
  auto port = p.port(PortId(144));
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), Code::out_of_range);
  EXPECT_THAT(port.status().message(), HasSubstr("port 144 does not exist (allowed 0..143)"));
  auto laser = p.laser(LaserRef{ElsId(3), 8});
  ASSERT_FALSE(laser.ok());
  EXPECT_THAT(laser.status().message(), HasSubstr("els 3 has lasers 0..7"));
  EXPECT_EQ(p.els(ElsId(18)).status().code(), Code::out_of_range);
  EXPECT_EQ(p.optical_engine(OeId(24)).status().code(), Code::out_of_range);
  EXPECT_EQ(p.unit(UnitId(4)).status().code(), Code::out_of_range);
  EXPECT_EQ(p.lane(LaneId(576)).status().code(), Code::out_of_range);
}

TEST(Platform, UnknownBuiltinListsTheKnownOnes) {
  auto p = Platform::builtin("cpo999");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::not_found);
  EXPECT_THAT(p.status().message(), HasSubstr("cpo144, bailly51t, davisson102t"));
}

TEST(Platform, ProfileFilesOnDiskMatchTheEmbeddedOnes) {
  for (const auto& name : Platform::builtin_names()) {
    auto file = Platform::resolve(std::string(CPOSDK_PROFILE_DIR) + "/" + name + ".json");
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    Platform embedded = load(name);
    EXPECT_EQ(file->lanes().size(), embedded.lanes().size());
    EXPECT_EQ(file->name(), embedded.name());
  }
}

TEST(Platform, CheckBreakoutAcceptsOnlyProfileModes) {
  Platform p = load("cpo144");
  EXPECT_TRUE(p.check_breakout(PortId(0), *BreakoutMode::parse("2x400G")).ok());
  Status s = p.check_breakout(PortId(0), *BreakoutMode::parse("8x100G"));
  EXPECT_EQ(s.code(), Code::unsupported);
  EXPECT_THAT(s.message(), HasSubstr("allowed: 1x800G[400G], 2x400G, 4x200G"));
  EXPECT_EQ(p.check_breakout(PortId(999), *BreakoutMode::parse("2x400G")).code(), Code::out_of_range);
}

// Impact queries: the laser of port N feeds its four lanes on cpo144.
TEST(Impact, Cpo144LaserTakesDownOnePortUnder1x800G) {
  Platform p = load("cpo144");
  EXPECT_THAT(impacted(p, LaserRef{ElsId(7), 3}), ElementsAre(LogicalPort{PortId(59), 0}));
}

TEST(Impact, Cpo144LaserTakesDownEverySubportUnder4x200G) {
  Platform p = load("cpo144");
  EXPECT_THAT(impacted(p, LaserRef{ElsId(7), 3}, all_ports(p, "4x200G")),
              ElementsAre(LogicalPort{PortId(59), 0}, LogicalPort{PortId(59), 1}, LogicalPort{PortId(59), 2},
                          LogicalPort{PortId(59), 3}));
  EXPECT_EQ(impacted(p, LaserRef{ElsId(7), 3}, all_ports(p, "2x400G")).size(), 2u);
}

TEST(Impact, Cpo144WholeElsAndOe) {
  Platform p = load("cpo144");
  auto els = impacted(p, ElsId(17));
  ASSERT_EQ(els.size(), 8u);
  EXPECT_EQ(els.front(), (LogicalPort{PortId(136), 0}));
  EXPECT_EQ(els.back(), (LogicalPort{PortId(143), 0}));
  auto oe = impacted(p, OeId(1), all_ports(p, "4x200G"));
  ASSERT_EQ(oe.size(), 24u);
  EXPECT_EQ(oe.front(), (LogicalPort{PortId(6), 0}));
  EXPECT_EQ(oe.back(), (LogicalPort{PortId(11), 3}));
}

TEST(Impact, Bailly51tLaserDarkensHalfAPort) {
  Platform p = load("bailly51t");
  // els 1 laser 3 feeds lanes 76..79 = port 9 lanes 4..7.
  EXPECT_THAT(impacted(p, LaserRef{ElsId(1), 3}), ElementsAre(LogicalPort{PortId(9), 0}));
  EXPECT_THAT(impacted(p, LaserRef{ElsId(1), 3}, all_ports(p, "2x400G")), ElementsAre(LogicalPort{PortId(9), 1}));
  EXPECT_THAT(impacted(p, LaserRef{ElsId(1), 3}, all_ports(p, "8x100G")),
              ElementsAre(LogicalPort{PortId(9), 4}, LogicalPort{PortId(9), 5}, LogicalPort{PortId(9), 6},
                          LogicalPort{PortId(9), 7}));
  EXPECT_EQ(impacted(p, OeId(7)).size(), 8u);
}

TEST(Impact, Davisson102tLaserAndMixedBreakout) {
  Platform p = load("davisson102t");
  EXPECT_THAT(impacted(p, LaserRef{ElsId(15), 7}), ElementsAre(LogicalPort{PortId(127), 0}));
  BreakoutMap map{{PortId(127), *BreakoutMode::parse("2x400G")}};
  EXPECT_THAT(impacted(p, LaserRef{ElsId(15), 7}, map),
              ElementsAre(LogicalPort{PortId(127), 0}, LogicalPort{PortId(127), 1}));
  EXPECT_EQ(impacted(p, ElsId(0)).size(), 8u);
  EXPECT_EQ(impacted(p, OeId(0), all_ports(p, "4x200G")).size(), 32u);
}

TEST(Impact, EveryLaserOnEveryProfileDarkensExactlyItsLanes) {
  for (const auto& name : Platform::builtin_names()) {
    Platform p = load(name);
    std::set<LogicalPort> all;
    for (const auto& els : p.els_modules()) {
      for (const auto& laser : els.lasers) {
        auto lanes = p.impacted_lanes(laser.ref);
        ASSERT_TRUE(lanes.ok());
        for (LaneId lane : *lanes) EXPECT_EQ((*p.lane(lane))->laser, laser.ref) << name;
        for (const auto& lp : impacted(p, laser.ref)) all.insert(lp);
      }
    }
    EXPECT_EQ(all.size(), p.ports().size()) << name << ": every port is lit by some laser";
  }
}

TEST(Impact, RejectsUnknownDomainsAndBadBreakouts) {
  Platform p = load("cpo144");
  auto laser = p.impacted_ports(LaserRef{ElsId(18), 0});
  ASSERT_FALSE(laser.ok());
  EXPECT_EQ(laser.status().code(), Code::out_of_range);
  EXPECT_THAT(laser.status().message(), HasSubstr("els 18 does not exist (allowed 0..17)"));
  auto oe = p.impacted_ports(OeId(30));
  EXPECT_EQ(oe.status().code(), Code::out_of_range);
  BreakoutMap bad{{PortId(3), *BreakoutMode::parse("8x100G")}};
  auto b = p.impacted_ports(ElsId(0), bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Code::unsupported);
  EXPECT_THAT(b.status().message(), HasSubstr("port 3"));
}

}  // namespace
}  // namespace cpo
