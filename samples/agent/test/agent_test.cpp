// The agent's unit test, the way a NOS developer writes one: the same tests run once with a
// cpo::sdk::MockSwitch (no simulator: expectations on the calls, an event delivered by hand)
// and once with sim://cpo144 (a real laser failure).
#include "agent.h"  // samples/agent

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <cpo/sdk/mock_switch.h>

namespace {

using ::testing::_;
using ::testing::ByMove;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::Return;
using ::testing::SaveArg;

// Collects the agent's log lines; waits for one (events arrive on the SDK's thread).
class LogSink {
 public:
  agent::Agent::Log function() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
      cv_.notify_all();
    };
  }
  std::vector<std::string> wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return lines_.size() >= n; });
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

cpo::Result<cpo::sdk::Subscription> empty_subscription() { return cpo::sdk::Subscription(); }

// --- with the mock --------------------------------------------------------------------------

TEST(AgentWithMock, BringUpSplitsInOneCallThenSetsEachPortUp) {
  cpo::sdk::MockSwitch sw;
  LogSink log;
  agent::Agent a(sw, log.function());
  std::vector<cpo::sdk::BreakoutGroupRequest> seen;
  EXPECT_CALL(sw, breakout(_, _)).WillOnce([&](std::span<const cpo::sdk::BreakoutGroupRequest> groups, const auto&) {
    seen.assign(groups.begin(), groups.end());
    return cpo::Result<cpo::sdk::BreakoutResult>(cpo::sdk::BreakoutResult{});
  });
  for (std::uint32_t p = 8; p <= 11; ++p)
    EXPECT_CALL(sw, set_admin(cpo::PortId(p), cpo::AdminState::up)).WillOnce(Return(cpo::ok_status()));
  ASSERT_TRUE(a.bring_up("8-11", "4x200G").ok());
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].port, cpo::PortId(8));
  EXPECT_EQ(seen[3].mode.to_string(), "4x200G");
}

TEST(AgentWithMock, ARefusedBreakoutTouchesNoPort) {
  cpo::sdk::MockSwitch sw;
  LogSink log;
  agent::Agent a(sw, log.function());
  EXPECT_CALL(sw, breakout(_, _))
      .WillOnce(Return(cpo::Result<cpo::sdk::BreakoutResult>(
          cpo::error(cpo::Code::safety_refused, "port 8: a sub-port would cross a bank"))));
  EXPECT_CALL(sw, set_admin(::testing::An<cpo::PortId>(), _)).Times(0);
  const cpo::Status s = a.bring_up("8-11", "4x200G");
  EXPECT_EQ(s.code(), cpo::Code::safety_refused);
}

TEST(AgentWithMock, LinkDownByALaserFaultLogsEveryPortTheLaserLights) {
  cpo::sdk::MockSwitch sw;
  LogSink log;
  agent::Agent a(sw, log.function());
  EXPECT_CALL(sw, breakout(_, _)).WillOnce(Return(cpo::Result<cpo::sdk::BreakoutResult>(cpo::sdk::BreakoutResult{})));
  EXPECT_CALL(sw, set_admin(::testing::An<cpo::PortId>(), cpo::AdminState::up))
      .WillRepeatedly(Return(cpo::ok_status()));
  ASSERT_TRUE(a.bring_up("8-11", "4x200G").ok());

  // The device now runs 4x200G on ports 8-11: what breakout_map() reports.
  cpo::BreakoutMap map;
  for (std::uint32_t p = 8; p <= 11; ++p) map[cpo::PortId(p)] = cpo::BreakoutMode::parse("4x200G").value();
  ON_CALL(sw, breakout_map()).WillByDefault(Return(cpo::Result<cpo::BreakoutMap>(map)));

  cpo::sdk::EventCallback deliver;
  cpo::sdk::EventFilter filter;
  EXPECT_CALL(sw, subscribe(_, _))
      .WillOnce(DoAll(SaveArg<0>(&filter), SaveArg<1>(&deliver), Return(ByMove(empty_subscription()))));
  ASSERT_TRUE(a.watch().ok());
  ASSERT_TRUE(deliver);
  EXPECT_THAT(filter.types, ElementsAre(cpo::EventType::link_change));
  EXPECT_EQ(filter.objects.size(), 4u);

  cpo::Event up;
  up.payload = cpo::LinkChange{cpo::LogicalPort{cpo::PortId(9), 0}, cpo::OperState::up, cpo::LinkCause::none};
  deliver(up);  // ignored
  cpo::Event down;
  down.payload =
      cpo::LinkChange{cpo::LogicalPort{cpo::PortId(9), 2}, cpo::OperState::down, cpo::LinkCause::laser_fault};
  deliver(down);
  cpo::Event los;
  los.payload = cpo::LinkChange{cpo::LogicalPort{cpo::PortId(10), 1}, cpo::OperState::down, cpo::LinkCause::rx_los};
  deliver(los);
  EXPECT_THAT(log.wait_for(2), ElementsAre("link down 9/2 (laser_fault): els 1 laser 1 darkens 9/0,9/1,9/2,9/3",
                                           "link down 10/1 (rx_los)"));
}

TEST(AgentWithMock, ADeviceErrorWhileWorkingOutTheImpactIsLogged) {
  cpo::sdk::MockSwitch sw;
  LogSink log;
  agent::Agent a(sw, log.function());
  EXPECT_CALL(sw, breakout_map())
      .WillOnce(Return(cpo::Result<cpo::BreakoutMap>(cpo::error(cpo::Code::timeout, "unit 0: no answer"))));
  cpo::Event down;
  down.payload = cpo::LinkChange{cpo::LogicalPort{cpo::PortId(3), 0}, cpo::OperState::down, cpo::LinkCause::oe_fault};
  cpo::sdk::EventCallback deliver;
  EXPECT_CALL(sw, subscribe(_, _)).WillOnce(DoAll(SaveArg<1>(&deliver), Return(ByMove(empty_subscription()))));
  ASSERT_TRUE(a.watch().ok());
  deliver(down);
  EXPECT_THAT(log.wait_for(1), ElementsAre("link down 3/0 (oe_fault): timeout: unit 0: no answer"));
}

// --- with the simulator ---------------------------------------------------------------------

TEST(AgentWithSimulator, ALaserFailureIsLoggedWithEveryPortItDarkens) {
  auto opened = cpo::Switch::open("sim://cpo144");
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  cpo::Switch& sw = **opened;
  LogSink log;
  agent::Agent a(sw, log.function());
  ASSERT_TRUE(a.bring_up("8-11", "4x200G").ok());
  ASSERT_TRUE(a.watch().ok());
  sw.sleep_for(std::chrono::seconds(3));  // the links train
  ASSERT_TRUE(sw.simulator()->fail_laser(cpo::LaserRef{cpo::ElsId(1), 1}).ok());
  sw.sleep_for(std::chrono::milliseconds(200));
  // Each of port 9's four sub-ports goes down and names the same four.
  const auto lines = log.wait_for(4);
  a.stop();
  ASSERT_EQ(lines.size(), 4u);
  for (std::uint32_t s = 0; s < 4; ++s)
    EXPECT_THAT(lines, ::testing::Contains("link down 9/" + std::to_string(s) +
                                           " (laser_fault): els 1 laser 1 darkens 9/0,9/1,9/2,9/3"));
}

TEST(AgentWithSimulator, ABreakoutTheProfileLacksIsRefusedWhole) {
  auto opened = cpo::Switch::open("sim://cpo144");
  ASSERT_TRUE(opened.ok());
  LogSink log;
  agent::Agent a(**opened, log.function());
  EXPECT_EQ(a.bring_up("8-11", "8x100G").code(), cpo::Code::unsupported);
  auto port = (*opened)->port(cpo::PortId(8));
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(port->subports, 1u);
  EXPECT_EQ(port->admin(), cpo::AdminState::down);
}

}  // namespace
