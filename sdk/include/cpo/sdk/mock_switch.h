// cpo::sdk::MockSwitch: a GoogleMock cpo::Switch for users' unit tests (link cposdk::mocks),
// and cpo::sdk::MockSimulatorControl for the fault-injection interface.
//
// An agent written against `cpo::Switch&` runs unchanged on a MockSwitch, without a simulator
// or hardware. Every pure virtual member of Switch is a MOCK_METHOD; the conveniences of
// Switch (string breakout, dBm power, snapshot(), resolve, renderings) are inherited and call
// the mocked members, as they do on a real switch.
//
//   cpo::sdk::MockSwitch sw;                        // platform: the built-in cpo144
//   EXPECT_CALL(sw, set_admin(cpo::PortId(3), cpo::AdminState::up)).WillOnce(Return(cpo::ok_status()));
//   cpo::sdk::EventCallback deliver;                // keep the agent's callback, call it later
//   EXPECT_CALL(sw, subscribe(_, _)).WillOnce(DoAll(SaveArg<1>(&deliver), Return(ByMove(
//       cpo::Result<cpo::sdk::Subscription>(cpo::sdk::Subscription())))));
//
// Defaults (ON_CALL, so EXPECT_CALL overrides them): members returning Status succeed;
// members returning Result<T> fail with unsupported naming the member ("MockSwitch::port has
// no action"), so an unexpected call is visible in the agent's error path; breakout_map()
// returns the empty map (every port in the profile's default mode); now() returns 0;
// simulator() returns null. uri(), platform(), capabilities() and options() are plain values
// the test sets through the accessors below before handing the mock out.
//
// samples/agent/agent_test.cpp runs one agent on a MockSwitch and on sim://cpo144.
//
// Thread safety: as GoogleMock's (expectations are set before the code under test runs;
// calls may come from any thread, e.g. an event callback).
#pragma once

#include <gmock/gmock.h>

#include <chrono>
#include <span>
#include <string>
#include <utility>

#include "cpo/sdk/switch.h"

namespace cpo::sdk {

class MockSwitch : public Switch {
 public:
  // A mock of a switch of `platform` (default: the built-in cpo144) at `uri`.
  explicit MockSwitch(Platform platform = Platform::builtin("cpo144").value(), std::string uri = "mock://cpo144")
      : platform_(std::move(platform)), uri_(std::move(uri)) {
    using ::testing::_;
    using ::testing::Return;
    caps_.backend = "mock";
    ON_CALL(*this, breakout_map()).WillByDefault(Return(Result<BreakoutMap>(BreakoutMap{})));
    ON_CALL(*this, port(_)).WillByDefault(Return(no_action<PortTelemetry>("port")));
    ON_CALL(*this, mtu(_)).WillByDefault(Return(no_action<std::uint32_t>("mtu")));
    ON_CALL(*this, lane(_)).WillByDefault(Return(no_action<LaneTelemetry>("lane")));
    ON_CALL(*this, prbs(_)).WillByDefault(Return(no_action<PrbsStatus>("prbs")));
    ON_CALL(*this, laser_limits(_)).WillByDefault(Return(no_action<LaserLimits>("laser_limits")));
    ON_CALL(*this, laser_status(_)).WillByDefault(Return(no_action<LaserStatus>("laser_status")));
    ON_CALL(*this, enable_laser(_, _)).WillByDefault(Return(no_action<FiberCheck>("enable_laser")));
    ON_CALL(*this, hot_swap(_, _)).WillByDefault(Return(no_action<HotSwapReport>("hot_swap")));
    ON_CALL(*this, breakout(_, _)).WillByDefault(Return(no_action<BreakoutResult>("breakout")));
    ON_CALL(*this, subscribe(_, _)).WillByDefault([](const EventFilter&, const EventCallback&) {
      return no_action<Subscription>("subscribe");
    });
    ON_CALL(*this, subscribe(_)).WillByDefault([](const EventFilter&) { return no_action<Subscription>("subscribe"); });
    ON_CALL(*this, now()).WillByDefault(Return(std::chrono::nanoseconds(0)));
  }

  // The plain values behind uri(), platform(), capabilities() and options().
  Platform& platform_value() noexcept { return platform_; }
  std::string& uri_value() noexcept { return uri_; }
  Capabilities& caps() noexcept { return caps_; }
  OpenOptions& options_value() noexcept { return options_; }

  [[nodiscard]] const std::string& uri() const noexcept override { return uri_; }
  [[nodiscard]] const Platform& platform() const noexcept override { return platform_; }
  [[nodiscard]] const Capabilities& capabilities() const noexcept override { return caps_; }
  [[nodiscard]] const OpenOptions& options() const noexcept override { return options_; }

  // The conveniences of Switch, next to the mocked overloads of the same names.
  using Switch::breakout;
  using Switch::set_laser_power;
  using Switch::snapshot;

  MOCK_METHOD(Result<BreakoutMap>, breakout_map, (), (override));

  MOCK_METHOD(Result<PortTelemetry>, port, (PortId port), (override));
  MOCK_METHOD(Status, set_admin, (PortId port, AdminState state), (override));
  MOCK_METHOD(Status, set_admin, (const LogicalPort& port, AdminState state), (override));
  MOCK_METHOD(Status, set_fec, (PortId port, FecMode mode), (override));
  MOCK_METHOD(Result<std::uint32_t>, mtu, (const LogicalPort& port), (override));
  MOCK_METHOD(Status, set_mtu, (const LogicalPort& port, std::uint32_t bytes), (override));
  MOCK_METHOD(Result<BreakoutResult>, breakout,
              (std::span<const BreakoutGroupRequest> groups, const BreakoutOptions& options), (override));

  MOCK_METHOD(Result<LaneTelemetry>, lane, (LaneId lane), (override));
  MOCK_METHOD(Status, set_tx_fir, (LaneId lane, const TxFir& taps), (override));
  MOCK_METHOD(Status, set_prbs, (LaneId lane, const PrbsConfig& config), (override));
  MOCK_METHOD(Result<PrbsStatus>, prbs, (LaneId lane), (override));

  MOCK_METHOD(Result<LaserLimits>, laser_limits, (const LaserRef& laser), (override));
  MOCK_METHOD(Result<LaserStatus>, laser_status, (const LaserRef& laser), (override));
  MOCK_METHOD(Result<FiberCheck>, enable_laser, (const LaserRef& laser, const EnableOptions& options), (override));
  MOCK_METHOD(Status, disable_laser, (const LaserRef& laser, bool force), (override));
  MOCK_METHOD(Status, set_laser_power, (const LaserRef& laser, Milliwatts power, const RampOptions& ramp), (override));
  MOCK_METHOD(Status, set_laser_bias, (const LaserRef& laser, Milliamps bias, const RampOptions& ramp), (override));
  MOCK_METHOD(Status, set_laser_control_mode, (const LaserRef& laser, cmis::ElsControlMode mode), (override));
  MOCK_METHOD(Result<HotSwapReport>, hot_swap, (ElsId els, const HotSwapOptions& options), (override));

  MOCK_METHOD(Status, read_cmis, (const CmisAddress& address, std::span<std::uint8_t> out), (override));
  MOCK_METHOD(Status, write_cmis, (const CmisAddress& address, std::span<const std::uint8_t> bytes), (override));

  MOCK_METHOD(Status, snapshot, (Snapshot & out), (override));

  MOCK_METHOD(Result<Subscription>, subscribe, (const EventFilter& filter, EventCallback callback), (override));
  MOCK_METHOD(Result<Subscription>, subscribe, (const EventFilter& filter), (override));

  MOCK_METHOD(std::chrono::nanoseconds, now, (), (const, override));
  MOCK_METHOD(void, sleep_for, (std::chrono::nanoseconds duration), (override));
  // NOLINTNEXTLINE(bugprone-exception-escape): gMock reports an unexpected call, it does not throw
  MOCK_METHOD(SimulatorControl*, simulator, (), (noexcept, override));

 private:
  template <typename T>
  static Result<T> no_action(const char* member) {
    return Status(Code::unsupported,
                  std::string("MockSwitch::") + member + " has no action (set one with EXPECT_CALL or ON_CALL)");
  }

  Platform platform_;
  std::string uri_;
  Capabilities caps_;
  OpenOptions options_;
};

// The fault-injection interface (Switch::simulator()), for tests of code that drives a
// simulated switch: every member is a MOCK_METHOD (Status members succeed by default;
// device_writes() fails with unsupported until given an action).
//
//   cpo::sdk::MockSimulatorControl sim;
//   ON_CALL(sw, simulator()).WillByDefault(Return(&sim));
class MockSimulatorControl : public SimulatorControl {
 public:
  MockSimulatorControl() {
    ON_CALL(*this, device_writes())
        .WillByDefault(::testing::Return(
            Result<std::uint64_t>(Status(Code::unsupported,
                                         "MockSimulatorControl::device_writes has no action (set one with "
                                         "EXPECT_CALL or ON_CALL)"))));
  }
  MOCK_METHOD(Status, fail_laser, (const LaserRef& laser), (override));
  MOCK_METHOD(Status, repair_laser, (const LaserRef& laser), (override));
  MOCK_METHOD(Status, set_laser_fiber_loss, (const LaserRef& laser, Decibels loss), (override));
  MOCK_METHOD(Status, remove_els, (ElsId els), (override));
  MOCK_METHOD(Status, insert_els, (ElsId els), (override));
  MOCK_METHOD(Status, open_interlock, (ElsId els), (override));
  MOCK_METHOD(Status, close_interlock, (ElsId els), (override));
  MOCK_METHOD(Status, set_port_fiber_loss, (PortId port, int lane_in_port, Decibels loss), (override));
  MOCK_METHOD(Status, cut_port_fiber, (PortId port, int lane_in_port), (override));
  MOCK_METHOD(Status, fail_oe, (OeId oe), (override));
  MOCK_METHOD(Status, repair_oe, (OeId oe), (override));
  MOCK_METHOD(Status, set_coolant_temperature, (Celsius temperature), (override));
  MOCK_METHOD(Status, overheat_oe, (OeId oe, Celsius extra_rise), (override));
  MOCK_METHOD(Status, degrade_lane, (LaneId lane, Decibels snr_penalty), (override));
  MOCK_METHOD(Status, hang_firmware, (UnitId unit, bool hung), (override));
  MOCK_METHOD(Result<std::uint64_t>, device_writes, (), (const, override));
};

}  // namespace cpo::sdk

namespace cpo {
using sdk::MockSimulatorControl;
using sdk::MockSwitch;
}  // namespace cpo
