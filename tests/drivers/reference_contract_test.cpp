// The validating layer above every backend: each bad input is refused with the exact code
// and a message naming the object, and the backend (a StrictMock) is never called.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/status_matchers.h"

#include "cpo/hal/backend/mock_driver.h"
#include "cpo/hal/backend/validated_driver.h"
#include "cpo/hal/platform.h"

namespace cpo {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrictMock;

const Platform& cpo144() {
  static const Platform p = *Platform::builtin("cpo144");
  return p;
}

BreakoutMode mode(std::string_view text) { return *BreakoutMode::parse(text); }

class ValidatedDriverTest : public ::testing::Test {
 protected:
  ValidatedDriverTest() { mock_.caps() = MockDriver::full_capabilities(); }
  StrictMock<MockDriver> mock_;
  ValidatedDriver driver_{mock_, cpo144()};
};

TEST_F(ValidatedDriverTest, PassesGoodCallsThroughUnchanged) {
  EXPECT_CALL(mock_, set_admin_state(PortId(143), AdminState::up)).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver_.set_admin_state(PortId(143), AdminState::up).ok());
  EXPECT_CALL(mock_, set_fec(PortId(0), FecMode::rs544)).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver_.set_fec(PortId(0), FecMode::rs544).ok());
  EXPECT_CALL(mock_, set_tx_fir(LaneId(575), TxFir{-16, 63, 16})).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver_.set_tx_fir(LaneId(575), TxFir{-16, 63, 16}).ok());
  EXPECT_CALL(mock_, oper_state(PortId(7))).WillOnce(Return(Result<OperState>(OperState::up)));
  auto oper = driver_.oper_state(PortId(7));
  ASSERT_TRUE(oper.ok());
  EXPECT_EQ(*oper, OperState::up);
}

TEST_F(ValidatedDriverTest, BackendErrorsPassThroughUnchanged) {
  EXPECT_CALL(mock_, reset_unit(UnitId(3))).WillOnce(Return(error(Code::timeout, "reset of unit 3 timed out")));
  EXPECT_STATUS(driver_.reset_unit(UnitId(3)), Code::timeout, "unit 3");
}

TEST_F(ValidatedDriverTest, RejectsUnknownIdsWithoutCallingBackend) {
  EXPECT_STATUS(driver_.set_admin_state(PortId(144), AdminState::up), Code::out_of_range,
                "port 144 does not exist (allowed 0..143)");
  EXPECT_STATUS(driver_.set_fec(PortId(200), FecMode::rs544), Code::out_of_range, "port 200");
  EXPECT_STATUS(driver_.set_loopback(PortId(144), LoopbackMode::none), Code::out_of_range, "port 144");
  EXPECT_STATUS(driver_.port_telemetry(PortId(144)).status(), Code::out_of_range, "port 144");
  EXPECT_STATUS(driver_.oper_state(PortId(1000)).status(), Code::out_of_range, "port 1000");
  EXPECT_STATUS(driver_.set_tx_fir(LaneId(576), {}), Code::out_of_range, "lane 576 does not exist (allowed 0..575)");
  EXPECT_STATUS(driver_.set_prbs(LaneId(576), {}), Code::out_of_range, "lane 576");
  EXPECT_STATUS(driver_.prbs_status(LaneId(576)).status(), Code::out_of_range, "lane 576");
  EXPECT_STATUS(driver_.lane_telemetry(LaneId(576)).status(), Code::out_of_range, "lane 576");
  UnitTelemetry t;
  EXPECT_STATUS(driver_.read_telemetry(UnitId(4), t), Code::out_of_range, "unit 4 does not exist (allowed 0..3)");
  EXPECT_STATUS(driver_.reset_unit(UnitId(4)), Code::out_of_range, "unit 4");
}

TEST_F(ValidatedDriverTest, RejectsIllegalBreakoutWithoutCallingBackend) {
  std::vector<BreakoutRequest> bad_port{{PortId(144), mode("2x400G")}};
  EXPECT_STATUS(driver_.set_breakout(bad_port), Code::out_of_range, "port 144");
  std::vector<BreakoutRequest> bad_mode{{PortId(3), mode("8x100G")}};
  EXPECT_STATUS(driver_.set_breakout(bad_mode), Code::unsupported, "8x100G");
  std::vector<BreakoutRequest> twice{{PortId(3), mode("2x400G")}, {PortId(3), mode("4x200G")}};
  EXPECT_STATUS(driver_.set_breakout(twice), Code::invalid_argument, "port 3 appears twice");
  // A bad entry late in the list refuses the whole call: nothing was applied.
  std::vector<BreakoutRequest> late{
      {PortId(0), mode("2x400G")}, {PortId(1), mode("2x400G")}, {PortId(9), mode("1x100G")}};
  EXPECT_EQ(driver_.set_breakout(late).code(), Code::unsupported);
}

TEST_F(ValidatedDriverTest, EmptyBreakoutIsANoOp) { EXPECT_TRUE(driver_.set_breakout({}).ok()); }

TEST_F(ValidatedDriverTest, BulkBreakoutReachesBackendOnce) {
  std::vector<BreakoutRequest> all;
  for (std::uint32_t p = 0; p < 144; ++p) all.push_back({PortId(p), mode("4x200G")});
  EXPECT_CALL(mock_, set_breakout(_)).WillOnce([](std::span<const BreakoutRequest> r) {
    EXPECT_EQ(r.size(), 144u);
    return ok_status();
  });
  EXPECT_TRUE(driver_.set_breakout(all).ok());
}

TEST_F(ValidatedDriverTest, BulkBreakoutNeedsTheCapability) {
  mock_.caps().bulk_breakout = false;
  std::vector<BreakoutRequest> two{{PortId(0), mode("2x400G")}, {PortId(1), mode("2x400G")}};
  EXPECT_STATUS(driver_.set_breakout(two), Code::unsupported,
                "backend mock does not support breakout of 2 port groups");
  EXPECT_CALL(mock_, set_breakout(_)).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver_.set_breakout(std::span(two).first(1)).ok());
}

TEST_F(ValidatedDriverTest, RejectsFecTheLaneRateCannotCarry) {
  EXPECT_STATUS(driver_.set_fec(PortId(0), FecMode::rs528), Code::unsupported,
                "not defined for 200G lanes (allowed: none, rs544)");
  EXPECT_STATUS(driver_.set_fec(PortId(0), FecMode::fc), Code::unsupported, "FEC fc");
  mock_.caps().fec_modes = {FecMode::none};
  EXPECT_STATUS(driver_.set_fec(PortId(0), FecMode::rs544), Code::unsupported, "(supported: none)");
}

TEST_F(ValidatedDriverTest, RejectsTxFirOutsideLimits) {
  EXPECT_STATUS(driver_.set_tx_fir(LaneId(5), {-17, 10, 0}), Code::out_of_range,
                "lane 5 tx-FIR pre tap -17 is outside the allowed range -16..16");
  EXPECT_STATUS(driver_.set_tx_fir(LaneId(5), {0, 64, 0}), Code::out_of_range, "main tap 64");
  EXPECT_STATUS(driver_.set_tx_fir(LaneId(5), {0, 10, 17}), Code::out_of_range, "post tap 17");
}

TEST_F(ValidatedDriverTest, RejectsUnsupportedPrbsPatternButAllowsTurningOff) {
  mock_.caps().prbs_patterns = {PrbsPattern::prbs7, PrbsPattern::prbs31q};
  EXPECT_STATUS(driver_.set_prbs(LaneId(1), {PrbsPattern::prbs9, true, false}), Code::unsupported,
                "lane 1: backend mock does not support PRBS pattern prbs9 (supported: prbs7, prbs31q)");
  EXPECT_CALL(mock_, set_prbs(LaneId(1), PrbsConfig{PrbsPattern::prbs9, false, false})).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver_.set_prbs(LaneId(1), {PrbsPattern::prbs9, false, false}).ok());
}

TEST_F(ValidatedDriverTest, RejectsUnsupportedLoopback) {
  mock_.caps().loopback_modes = {LoopbackMode::phy_near_end};
  EXPECT_STATUS(driver_.set_loopback(PortId(2), LoopbackMode::phy_far_end), Code::unsupported,
                "does not support loopback phy_far_end (supported: none, phy_near_end)");
}

TEST_F(ValidatedDriverTest, MissingCapabilitiesAreUnsupportedNotStubs) {
  mock_.caps() = Capabilities{};
  mock_.caps().backend = "tiny";
  EXPECT_STATUS(driver_.set_admin_state(PortId(0), AdminState::up), Code::unsupported,
                "backend tiny does not support port admin state");
  EXPECT_STATUS(driver_.set_breakout({}), Code::unsupported, "breakout");
  EXPECT_STATUS(driver_.set_fec(PortId(0), FecMode::none), Code::unsupported, "FEC");
  EXPECT_STATUS(driver_.set_loopback(PortId(0), LoopbackMode::none), Code::unsupported, "loopback");
  EXPECT_STATUS(driver_.set_tx_fir(LaneId(0), {}), Code::unsupported, "tx-FIR");
  EXPECT_STATUS(driver_.set_prbs(LaneId(0), {}), Code::unsupported, "PRBS");
  EXPECT_STATUS(driver_.prbs_status(LaneId(0)).status(), Code::unsupported, "PRBS");
  EXPECT_STATUS(driver_.oper_state(PortId(0)).status(), Code::unsupported, "telemetry");
  EXPECT_STATUS(driver_.port_telemetry(PortId(0)).status(), Code::unsupported, "telemetry");
  EXPECT_STATUS(driver_.lane_telemetry(LaneId(0)).status(), Code::unsupported, "telemetry");
  UnitTelemetry t;
  EXPECT_STATUS(driver_.read_telemetry(UnitId(0), t), Code::unsupported, "telemetry");
  std::vector<Event> events;
  EXPECT_STATUS(driver_.read_events(events), Code::unsupported, "events");
  EXPECT_STATUS(driver_.reset_unit(UnitId(0)), Code::unsupported, "unit reset");
  std::array<std::uint8_t, 4> buf{};
  EXPECT_STATUS(driver_.read_cmis({OeId(0), BankId(0), 0, 128}, buf), Code::unsupported, "optical engines");
  EXPECT_STATUS(driver_.read_cmis({ElsId(0), BankId(0), 0x1a, 128}, buf), Code::unsupported, "ELS modules");
  EXPECT_STATUS(driver_.write_cmis({ElsId(0), BankId(0), 0x1a, 128}, buf), Code::unsupported, "CMIS writes");
}

TEST_F(ValidatedDriverTest, RejectsBadCmisAddresses) {
  std::array<std::uint8_t, 128> page{};
  EXPECT_STATUS(driver_.read_cmis({OeId(24), BankId(0), 0, 128}, page), Code::out_of_range,
                "oe 24 does not exist (allowed 0..23)");
  EXPECT_STATUS(driver_.read_cmis({OeId(5), BankId(3), 0x11, 128}, page), Code::out_of_range,
                "oe 5 bank 3 does not exist (oe 5 has banks 0..2)");
  EXPECT_STATUS(driver_.read_cmis({ElsId(18), BankId(0), 0x1a, 128}, page), Code::out_of_range,
                "els 18 does not exist (allowed 0..17)");
  EXPECT_STATUS(driver_.read_cmis({ElsId(7), BankId(1), 0x1a, 128}, page), Code::out_of_range,
                "els 7 bank 1 does not exist");
  EXPECT_STATUS(driver_.read_cmis({OeId(5), BankId(0), 0, 256}, std::span(page).first(1)), Code::out_of_range,
                "allowed 0..255");
  EXPECT_STATUS(driver_.read_cmis({OeId(5), BankId(0), 0, 128}, std::span(page).first(0)), Code::invalid_argument,
                "transfer of 0 bytes (allowed 1..128)");
  std::array<std::uint8_t, 129> big{};
  EXPECT_STATUS(driver_.read_cmis({OeId(5), BankId(0), 0, 0}, big), Code::invalid_argument, "transfer of 129 bytes");
  EXPECT_STATUS(driver_.read_cmis({OeId(5), BankId(0), 0, 100}, std::span(page).first(40)), Code::invalid_argument,
                "oe 5 bank 0 page 00h byte 100: 40 bytes would cross byte 128");
  EXPECT_STATUS(driver_.write_cmis({ElsId(1), BankId(0), 0x1b, 250}, std::span(page).first(7)), Code::invalid_argument,
                "els 1 page 1Bh byte 250: 7 bytes would cross byte 256");
}

TEST_F(ValidatedDriverTest, GoodCmisTransfersReachBackend) {
  std::array<std::uint8_t, 128> page{};
  EXPECT_CALL(mock_, read_cmis(_, _)).Times(2).WillRepeatedly(Return(ok_status()));
  EXPECT_TRUE(driver_.read_cmis({OeId(23), BankId(2), 0x11, 128}, page).ok());
  EXPECT_TRUE(driver_.read_cmis({OeId(0), BankId(0), 0, 0}, page).ok());
  EXPECT_CALL(mock_, write_cmis(_, _)).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver_.write_cmis({ElsId(17), BankId(0), 0x1b, 255}, std::span(page).first(1)).ok());
}

// davisson102t relocates the ELSFP pages (1Ah -> B0h, 1Bh -> B1h): the backend receives the
// module's page, marked physical; a raw-view write and an alias of a relocated page never
// reach it; flag events come back under the logical page.
TEST(ValidatedDriverPageMap, BackendReceivesTheModulesPageAndFlagsComeBackLogical) {
  static const Platform davisson = *Platform::builtin("davisson102t");
  StrictMock<MockDriver> mock;
  mock.caps() = MockDriver::full_capabilities();
  ValidatedDriver driver(mock, davisson);
  auto at = [](std::uint8_t page, CmisPageView view) {
    return ::testing::AllOf(::testing::Field(&CmisAddress::page, page), ::testing::Field(&CmisAddress::view, view));
  };
  std::array<std::uint8_t, 4> bytes{};
  EXPECT_CALL(mock, read_cmis(at(0xB0, CmisPageView::physical), _)).Times(2).WillRepeatedly(Return(ok_status()));
  EXPECT_TRUE(driver.read_cmis({ElsId(3), BankId(0), 0x1A, 128}, bytes).ok());
  EXPECT_TRUE(driver.read_cmis({ElsId(3), BankId(0), 0xB0, 128, CmisPageView::physical}, bytes).ok());
  EXPECT_CALL(mock, write_cmis(at(0xB1, CmisPageView::physical), _)).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver.write_cmis({ElsId(3), BankId(0), 0x1B, 148}, std::span(bytes).first(2)).ok());
  // Standard pages, lower memory and OE pages are not moved.
  EXPECT_CALL(mock, read_cmis(at(0x01, CmisPageView::physical), _)).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver.read_cmis({ElsId(3), BankId(0), 0x01, 128}, bytes).ok());
  EXPECT_CALL(mock, read_cmis(at(0x1A, CmisPageView::physical), _)).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver.read_cmis({ElsId(3), BankId(0), 0x1A, 0}, bytes).ok());
  // Refused before the backend.
  EXPECT_STATUS(driver.read_cmis({ElsId(3), BankId(0), 0xB1, 128}, bytes), Code::invalid_argument,
                "els 3 page B1h byte 128: profile davisson102t serves ELSFP page 1Bh at page B1h");
  EXPECT_STATUS(driver.write_cmis({ElsId(3), BankId(0), 0xB0, 198, CmisPageView::physical}, bytes),
                Code::invalid_argument, "the module page view is read-only");
  // A lane-fault flag of page B0h reaches subscribers as page 1Ah; an OE's page stays.
  EXPECT_CALL(mock, read_events(_)).WillOnce([](std::vector<Event>& out) {
    out.push_back(Event{UnitId(0), {}, false, CmisFlag{ElsId(3), BankId(0), 0xB0, 166, 0x04}});
    out.push_back(Event{UnitId(0), {}, false, CmisFlag{OeId(1), BankId(0), 0x11, 147, 0xF0}});
    return ok_status();
  });
  std::vector<Event> events;
  ASSERT_TRUE(driver.read_events(events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].get<CmisFlag>()->page, 0x1A);
  EXPECT_EQ(events[1].get<CmisFlag>()->page, 0x11);
  EXPECT_EQ(to_string(CmisAddress{ElsId(3), BankId(0), 0xB0, 128, CmisPageView::physical}),
            "els 3 module page B0h byte 128");
}

TEST_F(ValidatedDriverTest, RejectsTxFirBeyondFullSwing) {
  mock_.caps().tx_fir_limits = {-24, 0, 16, 63, -24, 0, 63};
  EXPECT_STATUS(driver_.set_tx_fir(LaneId(9), {-4, 52, -8}), Code::out_of_range,
                "lane 9 tx-FIR |pre| + main + |post| = 64 exceeds the full swing 63");
  EXPECT_CALL(mock_, set_tx_fir(LaneId(9), TxFir{-4, 52, -7})).WillOnce(Return(ok_status()));
  EXPECT_TRUE(driver_.set_tx_fir(LaneId(9), {-4, 52, -7}).ok());
}

TEST(DriverNames, EventAndAddressRendering) {
  Event e{UnitId(1), std::chrono::seconds(12), false,
          LinkChange{LogicalPort{PortId(40), 2}, OperState::down, LinkCause::rx_los}};
  EXPECT_EQ(e.type(), EventType::link_change);
  EXPECT_EQ(to_string(e), "unit 1 link_change port 40/2 down cause=rx_los t=12.000000s");
  Event r{UnitId(0), std::chrono::seconds(1), true, Resync{7}};
  EXPECT_EQ(to_string(r), "unit 0 resync unit 0 lost=7 t=1.000000s (synthetic)");
  Event t{
      UnitId(2), std::chrono::seconds(3), false,
      ThresholdCrossing{OeId(5), Measure::temperature, ThresholdLevel::alarm, ThresholdBound::high, true, 76.5, 75.0}};
  EXPECT_EQ(to_string(t),
            "unit 2 threshold_crossing oe 5 temperature high_alarm asserted value=76.5 degC threshold=75 t=3.000000s");
  EXPECT_EQ(std::get<OeId>(t.object()), OeId(5));
  for (EventType type : kAllEventTypes) EXPECT_EQ(*parse_event_type(to_string(type)), type);
  EXPECT_EQ(parse_event_type("link").status().code(), Code::invalid_argument);
  EXPECT_EQ(to_string(CmisAddress{OeId(5), BankId(2), 0x11, 130}), "oe 5 bank 2 page 11h byte 130");
  EXPECT_EQ(to_string(EventObject{LaserRef{ElsId(7), 3}}), "els 7 laser 3");
  EXPECT_EQ(to_string(EventObject{OeBank{OeId(2), BankId(1)}}), "oe 2 bank 1");
  EXPECT_EQ(to_string(PrbsPattern::prbs13q), "prbs13q");
  EXPECT_EQ(to_string(LinkCause::els_removed), "els_removed");
}

}  // namespace
}  // namespace cpo
