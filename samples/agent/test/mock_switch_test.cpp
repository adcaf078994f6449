// What docs/sdk.md promises of cpo::sdk::MockSwitch and MockSimulatorControl: the defaults,
// and the conveniences of Switch running over the mocked members.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cpo/sdk/mock_switch.h>

namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

TEST(MockSwitch, DefaultsStatusSucceedsResultFailsNamingTheMember) {
  cpo::sdk::MockSwitch sw;
  EXPECT_TRUE(sw.set_admin(cpo::PortId(1), cpo::AdminState::up).ok());
  const auto port = sw.port(cpo::PortId(1));
  EXPECT_EQ(port.status().code(), cpo::Code::unsupported);
  EXPECT_THAT(port.status().message(), HasSubstr("MockSwitch::port has no action"));
  EXPECT_EQ(sw.subscribe(cpo::sdk::EventFilter{}).status().code(), cpo::Code::unsupported);
  EXPECT_TRUE(sw.breakout_map().ok() && sw.breakout_map()->empty());
  EXPECT_EQ(sw.simulator(), nullptr);
  EXPECT_EQ(sw.now(), std::chrono::nanoseconds(0));
  EXPECT_EQ(sw.platform().name(), "cpo144");
  EXPECT_EQ(sw.uri(), "mock://cpo144");
  EXPECT_EQ(sw.capabilities().backend, "mock");
}

TEST(MockSwitch, ConveniencesCallTheMockedMembers) {
  cpo::sdk::MockSwitch sw;
  EXPECT_CALL(sw, breakout(_, _)).WillOnce([](std::span<const cpo::sdk::BreakoutGroupRequest> groups, const auto&) {
    cpo::sdk::BreakoutResult r;
    r.applied = groups.size() == 4;
    return cpo::Result<cpo::sdk::BreakoutResult>(r);
  });
  auto split = sw.breakout("0-3", "4x200G");
  ASSERT_TRUE(split.ok());
  EXPECT_TRUE(split->applied);
  EXPECT_CALL(sw, snapshot(_)).WillOnce([](cpo::sdk::Snapshot& s) {
    s.platform = "from the mock";
    return cpo::ok_status();
  });
  auto snap = sw.snapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->platform, "from the mock");
  auto ref = sw.resolve("Ethernet236");  // the parser over the mock's platform and breakout_map()
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(std::get<cpo::PortId>(*ref), cpo::PortId(59));
  EXPECT_CALL(sw, set_laser_power(cpo::LaserRef{cpo::ElsId(7), 3}, _, _)).WillOnce(Return(cpo::ok_status()));
  EXPECT_TRUE(sw.set_laser_power(cpo::LaserRef{cpo::ElsId(7), 3}, cpo::Dbm(20.0)).ok());
}

TEST(MockSimulatorControl, StandsBehindTheMockSwitch) {
  cpo::sdk::MockSwitch sw;
  cpo::sdk::MockSimulatorControl sim;
  ON_CALL(sw, simulator()).WillByDefault(Return(&sim));
  EXPECT_CALL(sim, fail_laser(cpo::LaserRef{cpo::ElsId(1), 1})).WillOnce(Return(cpo::ok_status()));
  ASSERT_NE(sw.simulator(), nullptr);
  EXPECT_TRUE(sw.simulator()->fail_laser(cpo::LaserRef{cpo::ElsId(1), 1}).ok());
  EXPECT_EQ(sim.device_writes().status().code(), cpo::Code::unsupported);
}

}  // namespace
