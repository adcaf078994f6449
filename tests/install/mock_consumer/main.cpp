// Code under test written against cpo::Switch&, run on the installed MockSwitch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cpo/sdk/mock_switch.h>

namespace {

cpo::Status bring_up(cpo::Switch& sw) { return sw.set_admin(cpo::PortId(3), cpo::AdminState::up); }

TEST(InstalledMocks, MockSwitchStandsInForASwitch) {
  cpo::sdk::MockSwitch sw;
  EXPECT_CALL(sw, set_admin(cpo::PortId(3), cpo::AdminState::up)).WillOnce(::testing::Return(cpo::ok_status()));
  EXPECT_TRUE(bring_up(sw).ok());
  EXPECT_EQ(sw.platform().ports().size(), 144u);
  EXPECT_EQ(sw.port(cpo::PortId(1)).status().code(), cpo::Code::unsupported);  // no action set
}

}  // namespace
