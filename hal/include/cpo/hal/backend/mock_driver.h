// cpo::MockDriver: a GoogleMock Driver for users' unit tests (link cposdk::mocks).
//
// capabilities() returns caps(), which a test fills before use (by default a backend named
// "mock" that supports nothing). Every other method is a MOCK_METHOD.
//
//   cpo::MockDriver driver;
//   driver.caps() = cpo::MockDriver::full_capabilities();
//   EXPECT_CALL(driver, set_admin_state(cpo::PortId(3), cpo::AdminState::up)).WillOnce(Return(cpo::ok_status()));
//
// Thread safety: as GoogleMock's; set caps() before handing the mock to other threads.
#pragma once

#include <gmock/gmock.h>

#include "cpo/hal/backend/driver.h"

namespace cpo {

class MockDriver : public Driver {
 public:
  MockDriver() { caps_.backend = "mock"; }

  // Everything the contract knows, with tx-FIR limits -16..16 / 0..63 / -16..16.
  static Capabilities full_capabilities() {
    Capabilities c;
    c.backend = "mock";
    c.port_admin = c.subport_admin = c.breakout = c.bulk_breakout = c.tx_fir = true;
    c.fec_modes = {FecMode::none, FecMode::fc, FecMode::rs528, FecMode::rs544};
    c.tx_fir_limits = {-16, 16, 0, 63, -16, 16};
    c.prbs_patterns = {PrbsPattern::prbs7,  PrbsPattern::prbs9,  PrbsPattern::prbs13q, PrbsPattern::prbs15,
                       PrbsPattern::prbs23, PrbsPattern::prbs31, PrbsPattern::prbs31q};
    c.loopback_modes = {LoopbackMode::phy_near_end, LoopbackMode::phy_far_end};
    c.cmis_oe = c.cmis_els = c.cmis_write = c.telemetry = c.events = c.unit_reset = true;
    return c;
  }

  Capabilities& caps() noexcept { return caps_; }
  [[nodiscard]] const Capabilities& capabilities() const noexcept override { return caps_; }

  MOCK_METHOD(Status, set_admin_state, (PortId port, AdminState state), (override));
  MOCK_METHOD(Status, set_subport_admin_state, (const LogicalPort& port, AdminState state), (override));
  MOCK_METHOD(Status, set_breakout, (std::span<const BreakoutRequest> requests), (override));
  MOCK_METHOD(Status, set_fec, (PortId port, FecMode mode), (override));
  MOCK_METHOD(Status, set_loopback, (PortId port, LoopbackMode mode), (override));
  MOCK_METHOD(Result<PortTelemetry>, port_telemetry, (PortId port), (override));
  MOCK_METHOD(Result<OperState>, oper_state, (PortId port), (override));
  MOCK_METHOD(Result<OperStateProbe>, oper_state_probe, (PortId port), (override));
  MOCK_METHOD(Status, set_tx_fir, (LaneId lane, const TxFir& taps), (override));
  MOCK_METHOD(Status, set_prbs, (LaneId lane, const PrbsConfig& config), (override));
  MOCK_METHOD(Result<PrbsStatus>, prbs_status, (LaneId lane), (override));
  MOCK_METHOD(Result<LaneTelemetry>, lane_telemetry, (LaneId lane), (override));
  MOCK_METHOD(Status, read_cmis, (const CmisAddress& address, std::span<std::uint8_t> out), (override));
  MOCK_METHOD(Status, write_cmis, (const CmisAddress& address, std::span<const std::uint8_t> bytes), (override));
  MOCK_METHOD(Status, read_telemetry, (UnitId unit, UnitTelemetry& out), (override));
  MOCK_METHOD(Status, read_events, (std::vector<Event> & out), (override));
  MOCK_METHOD(Status, reset_unit, (UnitId unit), (override));

 private:
  Capabilities caps_;
};

}  // namespace cpo
