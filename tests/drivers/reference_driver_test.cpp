// The reference driver against a test-side fake device (reference_fake_device.h) over a
// memory Bar in virtual time: every operation end to end, every device refusal, a command
// timeout, a stuck seqlock, a ring overrun, a unit reset and a surprise removal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/status_matchers.h"

#include <algorithm>

#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/hal/backend/validated_driver.h"
#include "reference_fake_device.h"

namespace cpo::reference {
namespace {

using ::cpo::testing::FakeSwitch;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace rd = ::cpo::refdev;

const Platform& cpo144() {
  static const Platform p = *Platform::builtin("cpo144");
  return p;
}

BreakoutMode mode(std::string_view text) { return *BreakoutMode::parse(text); }

std::size_t count_op(const std::vector<std::uint32_t>& ops, rd::Opcode op) {
  return static_cast<std::size_t>(std::count(ops.begin(), ops.end(), static_cast<std::uint32_t>(op)));
}

class ReferenceDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = ReferenceDriver::open(cpo144(), sw_.bars);
    ASSERT_TRUE(d.ok()) << d.status().to_string();
    driver_ = std::move(*d);
  }
  std::vector<Event> events() {
    std::vector<Event> out;
    Status s = driver_->read_events(out);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }
  FakeSwitch sw_{cpo144()};
  std::unique_ptr<ReferenceDriver> driver_;
};

// ------------------------------------------------------------------------------------ open

TEST_F(ReferenceDriverTest, CapabilitiesComeFromTheIdentityBlock) {
  const Capabilities& c = driver_->capabilities();
  EXPECT_EQ(c.backend, "reference");
  EXPECT_THAT(c.fec_modes, ElementsAre(FecMode::none, FecMode::rs544));
  EXPECT_THAT(c.prbs_patterns,
              ElementsAre(PrbsPattern::prbs7, PrbsPattern::prbs13q, PrbsPattern::prbs31, PrbsPattern::prbs31q));
  EXPECT_THAT(c.loopback_modes, ElementsAre(LoopbackMode::phy_near_end, LoopbackMode::phy_far_end));
  EXPECT_EQ(c.tx_fir_limits.pre_min, -24);
  EXPECT_EQ(c.tx_fir_limits.main_max, 63);
  EXPECT_EQ(c.tx_fir_limits.swing_max, 63);
  EXPECT_TRUE(c.bulk_breakout && c.cmis_oe && c.cmis_els && c.cmis_write && c.events && c.telemetry);
}

TEST(ReferenceDriverOpen, RefusesBadMagic) {
  FakeSwitch sw(cpo144());
  sw.units[2]->raw(rd::reg::kMagic) = 0x12345678;
  auto d = ReferenceDriver::open(cpo144(), sw.bars);
  EXPECT_STATUS(d.status(), Code::invalid_argument, "unit 2: magic 0x12345678 is not a cposdk reference device");
}

TEST(ReferenceDriverOpen, RefusesUnknownMajorVersionButAcceptsNewerMinor) {
  FakeSwitch sw(cpo144());
  sw.units[0]->raw(rd::reg::kVersion) = rd::make_version(2, 0);
  EXPECT_STATUS(ReferenceDriver::open(cpo144(), sw.bars).status(), Code::unsupported,
                "unit 0: reference interface version 2.0 is not supported (this driver speaks 1.x)");
  sw.units[0]->raw(rd::reg::kVersion) = rd::make_version(1, 7);
  EXPECT_TRUE(ReferenceDriver::open(cpo144(), sw.bars).ok());
}

TEST(ReferenceDriverOpen, RefusesAbsentDeviceAndWrongWindowCount) {
  FakeSwitch sw(cpo144());
  sw.units[3]->remove();
  EXPECT_STATUS(ReferenceDriver::open(cpo144(), sw.bars).status(), Code::device_gone,
                "unit 3: identity block reads 0xffffffff");
  FakeSwitch ok(cpo144());
  EXPECT_STATUS(ReferenceDriver::open(cpo144(), std::span(ok.bars).first(3)).status(), Code::invalid_argument,
                "profile cpo144 has 4 units but 3 register windows were given");
}

TEST(ReferenceDriverOpen, RefusesIdentityThatDoesNotMatchTheProfile) {
  FakeSwitch sw(cpo144());
  sw.units[1]->raw(rd::reg::kPortCount) = 32;
  EXPECT_STATUS(ReferenceDriver::open(cpo144(), sw.bars).status(), Code::invalid_argument,
                "unit 1: identity register PortCount reads 32 but profile cpo144 expects 36");
  FakeSwitch sw2(cpo144());
  sw2.units[1]->raw(rd::reg::kUnitIndex) = 0;
  EXPECT_STATUS(ReferenceDriver::open(cpo144(), sw2.bars).status(), Code::invalid_argument, "UnitIndex reads 0");
}

// ------------------------------------------------------------------------------------ ports

TEST_F(ReferenceDriverTest, AdminUpBringsTheLinkUpAndReportsAnEvent) {
  EXPECT_EQ(*driver_->oper_state(PortId(40)), OperState::down);
  ASSERT_TRUE(driver_->set_admin_state(PortId(40), AdminState::up).ok());
  EXPECT_EQ(*driver_->oper_state(PortId(40)), OperState::up);
  auto p = driver_->port_telemetry(PortId(40));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->admin(), AdminState::up);
  EXPECT_EQ(p->oper_mask, 1u);
  auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(to_string(ev[0]), "unit 1 link_change port 40/0 up t=0.000100s");
}

TEST_F(ReferenceDriverTest, BulkBreakoutOfAllPortsIsOneCommandPerUnit) {
  std::vector<BreakoutRequest> all;
  for (std::uint32_t p = 0; p < 144; ++p) all.push_back({PortId(p), mode("4x200G")});
  ASSERT_TRUE(driver_->set_breakout(all).ok());
  for (auto& u : sw_.units) EXPECT_EQ(count_op(u->opcodes, rd::Opcode::kBreakout), 1u);
  auto p = driver_->port_telemetry(PortId(143));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->subports, 4u);
  EXPECT_EQ(p->breakout, 2u);  // cpo144 modes: 1x800G[400G], 2x400G, 4x200G
  EXPECT_EQ(p->subport_speed, Gbps(200));
  // Sub-ports are separately addressable now: admin up gives four link events.
  ASSERT_TRUE(driver_->set_admin_state(PortId(143), AdminState::up).ok());
  EXPECT_EQ(driver_->port_telemetry(PortId(143))->oper_mask, 0xfu);
  EXPECT_EQ(events().size(), 4u);
}

TEST_F(ReferenceDriverTest, BreakoutRefusedWhileASubportIsAdminUp) {
  ASSERT_TRUE(driver_->set_admin_state(PortId(3), AdminState::up).ok());
  std::vector<BreakoutRequest> one{{PortId(3), mode("2x400G")}};
  EXPECT_STATUS(driver_->set_breakout(one), Code::failed_precondition, "port 3 has a sub-port admin up");
  // Runs across units: the first (unit 0, ports 0..1) applies, the second (unit 1) fails.
  ASSERT_TRUE(driver_->set_admin_state(PortId(36), AdminState::up).ok());
  std::vector<BreakoutRequest> two{
      {PortId(0), mode("2x400G")}, {PortId(1), mode("2x400G")}, {PortId(36), mode("2x400G")}};
  EXPECT_STATUS(driver_->set_breakout(two), Code::failed_precondition,
                "breakout step 2 of 2 (1 earlier applied, this one and later not): unit 1: Breakout of port 36 refused "
                "by the device: WrongState");
  EXPECT_EQ(driver_->port_telemetry(PortId(1))->subports, 2u);
  EXPECT_EQ(driver_->port_telemetry(PortId(36))->subports, 1u);
}

TEST_F(ReferenceDriverTest, UnequalBreakoutIsUnsupportedWithoutTouchingTheDevice) {
  std::vector<BreakoutRequest> mixed{{PortId(5), mode("1x400G(2)+2x200G(2)")}};
  EXPECT_STATUS(driver_->set_breakout(mixed), Code::unsupported, "not an equal split");
  EXPECT_TRUE(sw_.units[0]->opcodes.empty());
}

TEST_F(ReferenceDriverTest, FecAndLoopbackReachTheStatusRegion) {
  ASSERT_TRUE(driver_->set_fec(PortId(77), FecMode::none).ok());
  ASSERT_TRUE(driver_->set_loopback(PortId(77), LoopbackMode::phy_near_end).ok());
  auto p = driver_->port_telemetry(PortId(77));
  EXPECT_EQ(p->fec, FecMode::none);
  EXPECT_EQ(p->loopback, LoopbackMode::phy_near_end);
  // Without the validating layer the device itself refuses what it lacks.
  EXPECT_STATUS(driver_->set_fec(PortId(77), FecMode::rs528), Code::unsupported,
                "unit 2: FecMode of port 77 FEC rs528 refused by the device: Unsupported (argument 1");
}

TEST_F(ReferenceDriverTest, OwnRangeChecksWithoutTheValidatingLayer) {
  EXPECT_STATUS(driver_->set_admin_state(PortId(144), AdminState::up), Code::out_of_range, "port 144 does not exist");
  EXPECT_STATUS(driver_->oper_state(PortId(999)).status(), Code::out_of_range, "port 999");
  EXPECT_STATUS(driver_->set_tx_fir(LaneId(576), {}), Code::out_of_range, "lane 576");
  UnitTelemetry t;
  EXPECT_STATUS(driver_->read_telemetry(UnitId(4), t), Code::out_of_range, "unit 4");
  std::array<std::uint8_t, 8> b{};
  EXPECT_STATUS(driver_->read_cmis({OeId(0), BankId(0), 0, 124}, b), Code::invalid_argument,
                "8 bytes would cross byte 128");
  EXPECT_STATUS(driver_->read_cmis({ElsId(18), BankId(0), 0x1a, 128}, b), Code::out_of_range, "els 18");
  EXPECT_STATUS(driver_->read_cmis({OeId(2), BankId(3), 0x11, 128}, b), Code::out_of_range,
                "CmisRead of oe 2 bank 3 page 11h byte 128 refused by the device: BadObject (argument 2");
}

// ------------------------------------------------------------------------------------ lanes

TEST_F(ReferenceDriverTest, TxFirIsAppliedAndTheDevicesSwingLimitIsReported) {
  ASSERT_TRUE(driver_->set_tx_fir(LaneId(300), {-6, 50, -7}).ok());
  EXPECT_EQ(driver_->lane_telemetry(LaneId(300))->tx_fir, (TxFir{-6, 50, -7}));
  EXPECT_STATUS(
      driver_->set_tx_fir(LaneId(300), {-10, 50, -10}), Code::out_of_range,
      "unit 2: TxFir of lane 300 tx-FIR pre -10 main 50 post -10 refused by the device: BadValue (argument 2");
}

TEST_F(ReferenceDriverTest, PrbsCheckerLocksAndTurnsOff) {
  ASSERT_TRUE(driver_->set_prbs(LaneId(10), {PrbsPattern::prbs13q, true, true}).ok());
  auto s = driver_->prbs_status(LaneId(10));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->config, (PrbsConfig{PrbsPattern::prbs13q, true, true}));
  EXPECT_TRUE(s->locked);
  ASSERT_TRUE(driver_->set_prbs(LaneId(10), {PrbsPattern::prbs13q, false, false}).ok());
  EXPECT_FALSE(driver_->prbs_status(LaneId(10))->config.checker);
  EXPECT_STATUS(driver_->set_prbs(LaneId(10), {PrbsPattern::prbs9, true, false}), Code::unsupported,
                "PRBS pattern prbs9 is not defined by the reference device");
}

// ------------------------------------------------------------------------------------ CMIS

TEST_F(ReferenceDriverTest, CmisWriteThenReadBackAnUpperPageOfAnOeBank) {
  const std::array<std::uint8_t, 5> bytes{0xde, 0xad, 0xbe, 0xef, 0x42};
  ASSERT_TRUE(driver_->write_cmis({OeId(7), BankId(2), 0x10, 131}, bytes).ok());
  std::array<std::uint8_t, 7> back{};
  ASSERT_TRUE(driver_->read_cmis({OeId(7), BankId(2), 0x10, 130}, back).ok());
  EXPECT_THAT(back, ElementsAre(0, 0xde, 0xad, 0xbe, 0xef, 0x42, 0));
  // OE 7 is unit 1's OE 1: the bytes landed there, in bank 2 of page 10h, upper half.
  const auto& stored = sw_.units[1]->cmis.at({0, 1, 2, 0x10, 1});
  EXPECT_EQ(stored[3], 0xde);
  EXPECT_EQ(count_op(sw_.units[1]->opcodes, rd::Opcode::kCmisWrite), 1u);
}

TEST_F(ReferenceDriverTest, CmisRefusalsMapToCodes) {
  std::array<std::uint8_t, 4> b{};
  EXPECT_STATUS(driver_->read_cmis({OeId(0), BankId(0), 0x99, 128}, b), Code::unsupported,
                "CmisRead of oe 0 bank 0 page 99h byte 128 refused by the device: Unsupported");
  EXPECT_STATUS(driver_->write_cmis({OeId(0), BankId(0), 0, 124}, b), Code::invalid_argument, "read-only");
  sw_.units[0]->set_els_present(1, false);
  EXPECT_STATUS(driver_->read_cmis({ElsId(1), BankId(0), 0x1a, 128}, b), Code::failed_precondition,
                "els 1 page 1Ah byte 128 refused by the device: NotPresent");
}

TEST_F(ReferenceDriverTest, AnElsSharedByTwoUnitsIsReachedThroughTheLowerUnit) {
  // cpo144: ELS 4 lights ports of unit 0 and of unit 1.
  std::array<std::uint8_t, 1> b{};
  ASSERT_TRUE(driver_->read_cmis({ElsId(4), BankId(0), 0x1a, 128}, b).ok());
  EXPECT_EQ(count_op(sw_.units[0]->opcodes, rd::Opcode::kCmisRead), 1u);
  EXPECT_EQ(count_op(sw_.units[1]->opcodes, rd::Opcode::kCmisRead), 0u);
}

// ------------------------------------------------------------------------------------ telemetry

TEST_F(ReferenceDriverTest, SnapshotOfAUnitDecodesEveryRecord) {
  UnitTelemetry t;
  ASSERT_TRUE(driver_->read_telemetry(UnitId(1), t).ok());
  EXPECT_EQ(t.unit, UnitId(1));
  ASSERT_EQ(t.ports.size(), 36u);
  ASSERT_EQ(t.lanes.size(), 144u);
  ASSERT_EQ(t.oes.size(), 6u);
  ASSERT_EQ(t.lasers.size(), 36u);
  EXPECT_EQ(t.ports[0].port, PortId(36));
  EXPECT_EQ(t.lanes[0].lane, LaneId(144));
  EXPECT_EQ(t.oes[5].oe, OeId(11));
  EXPECT_EQ(t.oes[0].temperature, Celsius(45.5));
  EXPECT_EQ(t.oes[0].vcc.value(), 3.3);
  EXPECT_EQ(t.oes[0].module_state, cmis::ModuleState::ready);
  EXPECT_NEAR(t.lanes[3].pre_fec_ber, 1e-5, 1e-11);
  EXPECT_EQ(t.lanes[3].snr, Decibels(21.5));
  EXPECT_NEAR(t.lasers[0].power.value(), 20.0, 1e-9);
  EXPECT_NEAR(t.lasers[0].bias.value(), 350.0, 1e-9);
  EXPECT_EQ(t.lasers[0].state, LaserState::on);
  EXPECT_EQ(t.coolant_temperature, Celsius(30.0));
  EXPECT_EQ(t.flags, UnitFlags{UnitFlag::ready});
  EXPECT_EQ(t.generation % 2, 0u);
}

TEST_F(ReferenceDriverTest, SwitchSnapshotListsEveryObjectOnce) {
  Telemetry all;
  ASSERT_TRUE(read_all_telemetry(*driver_, 4, all).ok());
  std::size_t ports = 0, lanes = 0, oes = 0, els = 0, lasers = 0;
  std::set<LaserRef> seen;
  for (const auto& u : all.units) {
    ports += u.ports.size();
    lanes += u.lanes.size();
    oes += u.oes.size();
    els += u.els.size();
    lasers += u.lasers.size();
    for (const auto& l : u.lasers) seen.insert(l.laser);
  }
  EXPECT_EQ(ports, 144u);
  EXPECT_EQ(lanes, 576u);
  EXPECT_EQ(oes, 24u);
  EXPECT_EQ(els, 18u);
  EXPECT_EQ(lasers, 144u);
  EXPECT_EQ(seen.size(), 144u);
}

TEST_F(ReferenceDriverTest, StuckSeqlockTimesOutAndRecovers) {
  sw_.units[0]->stuck_odd = true;
  sw_.units[0]->wait(std::chrono::nanoseconds(0));
  UnitTelemetry t;
  EXPECT_STATUS(driver_->read_telemetry(UnitId(0), t), Code::timeout,
                "unit 0: status region not consistent (generation");
  EXPECT_STATUS(driver_->lane_telemetry(LaneId(3)).status(), Code::timeout, "unit 0");
  sw_.units[0]->stuck_odd = false;
  EXPECT_TRUE(driver_->read_telemetry(UnitId(0), t).ok());
}

// ------------------------------------------------------------------------------------ robustness

TEST_F(ReferenceDriverTest, CommandTimeoutNamesCommandAndUnitAndLeavesDriverUsable) {
  auto& unit1 = *sw_.units[1];
  unit1.hang = true;
  EXPECT_STATUS(driver_->set_admin_state(PortId(40), AdminState::up), Code::timeout,
                "unit 1: command PortAdmin (port 40) did not complete within 20 ms; the driver stays usable");
  // Other units are unaffected; reads need no mailbox.
  EXPECT_TRUE(driver_->set_admin_state(PortId(0), AdminState::up).ok());
  EXPECT_TRUE(driver_->port_telemetry(PortId(40)).ok());
  // The firmware recovers: the stale command completes under its old tag (the driver waits
  // for the mailbox to go idle before writing new arguments), the next one under its own.
  unit1.hang = false;
  ASSERT_TRUE(driver_->set_admin_state(PortId(41), AdminState::up).ok());
  EXPECT_EQ(*driver_->oper_state(PortId(41)), OperState::up);
  EXPECT_EQ(*driver_->oper_state(PortId(40)), OperState::up);  // the late one took effect too
}

TEST_F(ReferenceDriverTest, SurpriseRemovalMakesEveryCallOnThatUnitDeviceGone) {
  ASSERT_TRUE(driver_->set_admin_state(PortId(0), AdminState::up).ok());
  (void)events();
  sw_.units[2]->remove();
  EXPECT_STATUS(driver_->oper_state(PortId(80)).status(), Code::device_gone, "unit 2: device gone");
  EXPECT_STATUS(driver_->set_admin_state(PortId(80), AdminState::up), Code::device_gone, "unit 2");
  EXPECT_STATUS(driver_->port_telemetry(PortId(72)).status(), Code::device_gone, "unit 2");
  EXPECT_STATUS(driver_->lane_telemetry(LaneId(300)).status(), Code::device_gone, "unit 2");
  std::array<std::uint8_t, 4> b{};
  EXPECT_STATUS(driver_->read_cmis({OeId(12), BankId(0), 0, 128}, b), Code::device_gone, "unit 2");
  UnitTelemetry t;
  EXPECT_STATUS(driver_->read_telemetry(UnitId(2), t), Code::device_gone, "unit 2");
  EXPECT_STATUS(driver_->reset_unit(UnitId(2)), Code::device_gone, "unit 2");
  // Events of the other units still arrive; the call reports the gone unit.
  ASSERT_TRUE(driver_->set_admin_state(PortId(1), AdminState::up).ok());
  std::vector<Event> out;
  EXPECT_STATUS(driver_->read_events(out), Code::device_gone, "unit 2");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<LogicalPort>(out[0].object()), (LogicalPort{PortId(1), 0}));
  // Other units keep working.
  EXPECT_EQ(*driver_->oper_state(PortId(0)), OperState::up);
}

TEST_F(ReferenceDriverTest, TransientAllOnesReadIsCheckedAndRetried) {
  ASSERT_TRUE(driver_->set_admin_state(PortId(9), AdminState::up).ok());
  sw_.units[0]->transient_all_ones(1);
  auto oper = driver_->oper_state(PortId(9));
  ASSERT_TRUE(oper.ok()) << oper.status().to_string();
  EXPECT_EQ(*oper, OperState::up);
  sw_.units[0]->transient_all_ones(1);
  UnitTelemetry t;
  EXPECT_TRUE(driver_->read_telemetry(UnitId(0), t).ok());
  EXPECT_TRUE(driver_->port_telemetry(PortId(9)).ok());
}

// ------------------------------------------------------------------------------------ events

TEST_F(ReferenceDriverTest, EventsAreDecodedWithSwitchWideIdsAndAcknowledged) {
  auto& u1 = *sw_.units[1];
  u1.set_link(2, 0, true);
  u1.set_link(2, 0, false, rd::LinkCause::kHighBer);
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  const auto* change = ev[1].get<LinkChange>();
  ASSERT_NE(change, nullptr);
  EXPECT_EQ(change->port, (LogicalPort{PortId(38), 0}));
  EXPECT_EQ(change->state, OperState::down);
  EXPECT_EQ(change->cause, LinkCause::high_ber);
  EXPECT_FALSE(ev[1].synthetic);
  EXPECT_EQ(u1.raw(rd::reg::kEvtConsumer), 2u);
  EXPECT_TRUE(events().empty());
}

TEST_F(ReferenceDriverTest, SharedElsAndLaserEventsAreReportedOnceByTheirOwner) {
  // ELS 4 is unit 0's local ELS 4 and unit 1's local ELS 0; its lasers 0..3 light unit 0,
  // 4..7 unit 1. Both units report the removal; the reader sees it once.
  sw_.units[0]->set_els_present(4, false);
  sw_.units[1]->set_els_present(0, false);
  sw_.units[0]->fail_laser(4, 1, rd::LaserFault::kApcLoop);
  sw_.units[1]->fail_laser(0, 1, rd::LaserFault::kApcLoop);  // the same laser seen from unit 1
  sw_.units[1]->fail_laser(0, 6, rd::LaserFault::kAccLoop);
  auto ev = events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(to_string(ev[0]), "unit 0 els_presence els 4 removed t=0.000000s");
  EXPECT_EQ(std::get<LaserRef>(ev[1].object()), (LaserRef{ElsId(4), 1}));
  EXPECT_EQ(ev[1].unit, UnitId(0));
  EXPECT_EQ(ev[1].get<LaserFault>()->code, LaserFaultCode::apc_loop);
  EXPECT_EQ(std::get<LaserRef>(ev[2].object()), (LaserRef{ElsId(4), 6}));
  EXPECT_EQ(ev[2].get<LaserFault>()->code, LaserFaultCode::acc_loop);
  EXPECT_EQ(ev[2].unit, UnitId(1));
}

TEST_F(ReferenceDriverTest, RingOverrunResyncsFromTheStatusRegionAndNeverLosesState) {
  auto& u0 = *sw_.units[0];
  // 1100 link flaps on port 5 end with it up; port 6 goes up once early; ELS 2 is removed;
  // laser 3 of ELS 1 fails. The ring holds 1024: the early events are overwritten.
  u0.set_link(6, 0, true);
  u0.set_els_present(2, false);
  u0.fail_laser(1, 3, rd::LaserFault::kApcLoop);
  for (int i = 0; i < 1100; ++i) u0.set_link(5, 0, i % 2 == 0);
  u0.set_link(5, 0, true);
  auto ev = events();
  ASSERT_GE(ev.size(), 4u);
  EXPECT_EQ(ev[0].type(), EventType::resync);
  EXPECT_TRUE(ev[0].synthetic);
  EXPECT_EQ(ev[0].unit, UnitId(0));
  EXPECT_GT(ev[0].get<Resync>()->lost, 0u);
  std::set<std::string> synthetic;
  for (std::size_t i = 1; i < ev.size(); ++i) {
    EXPECT_TRUE(ev[i].synthetic);
    synthetic.insert(to_string(ev[i]));
  }
  EXPECT_THAT(synthetic,
              ::testing::UnorderedElementsAre(::testing::HasSubstr("link_change port 5/0 up"),
                                              ::testing::HasSubstr("link_change port 6/0 up"),
                                              ::testing::HasSubstr("els_presence els 2 removed"),
                                              ::testing::HasSubstr("laser_fault els 1 laser 3 code=apc_loop")));
  // Acknowledged with EventAck: the device's lost count is cleared, reading resumes.
  EXPECT_EQ(count_op(u0.opcodes, rd::Opcode::kEventAck), 1u);
  EXPECT_EQ(u0.raw(rd::reg::kEvtLost), 0u);
  EXPECT_EQ(u0.raw(rd::reg::kEvtConsumer), u0.raw(rd::reg::kEvtProducer));
  u0.set_link(5, 0, false);
  auto next = events();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_FALSE(next[0].synthetic);
  EXPECT_EQ(next[0].get<LinkChange>()->state, OperState::down);
}

TEST_F(ReferenceDriverTest, OverwrittenEntryIsDetectedEvenWithoutTheLostCounter) {
  auto& u0 = *sw_.units[0];
  u0.set_link(7, 0, true);
  // The device overwrote entry 0 with event 1024 but (a firmware bug) never counted it.
  for (int i = 0; i < 1024; ++i) u0.push_event(rd::EventType::kCmisFlag, rd::make_object(rd::ObjectKind::kOe, 0, 0));
  u0.raw(rd::reg::kEvtLost) = 0;
  auto ev = events();
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[0].type(), EventType::resync);
  EXPECT_EQ(to_string(ev[1].object()), "port 7/0");
}

TEST_F(ReferenceDriverTest, UnitResetReportsWhatTheClearedRingLost) {
  ASSERT_TRUE(driver_->set_admin_state(PortId(110), AdminState::up).ok());
  (void)events();
  ASSERT_TRUE(driver_->reset_unit(UnitId(3)).ok());
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(to_string(ev[0]), "unit 3 link_change port 110/0 down cause=none t=0.200100s (synthetic)");
  EXPECT_EQ(ev[1].type(), EventType::unit_reset);
  EXPECT_FALSE(ev[1].synthetic);
  EXPECT_EQ(*driver_->oper_state(PortId(110)), OperState::down);
}

// ------------------------------------------------------------------------------------ with the validating layer

TEST_F(ReferenceDriverTest, ValidatedReferenceDriverNeverTouchesTheDeviceOnBadInput) {
  ValidatedDriver v(*driver_, cpo144());
  std::vector<BreakoutRequest> bad{{PortId(3), mode("8x100G")}};
  EXPECT_EQ(v.set_breakout(bad).code(), Code::unsupported);
  EXPECT_EQ(v.set_fec(PortId(3), FecMode::rs528).code(), Code::unsupported);
  EXPECT_EQ(v.set_tx_fir(LaneId(3), {-30, 40, 0}).code(), Code::out_of_range);
  EXPECT_EQ(v.set_tx_fir(LaneId(3), {-10, 50, -10}).code(), Code::out_of_range);
  EXPECT_EQ(v.set_prbs(LaneId(3), {PrbsPattern::prbs23, true, false}).code(), Code::unsupported);
  std::array<std::uint8_t, 4> b{};
  EXPECT_EQ(v.read_cmis({OeId(1), BankId(3), 0x11, 128}, b).code(), Code::out_of_range);
  for (auto& u : sw_.units) EXPECT_TRUE(u->opcodes.empty());
  EXPECT_TRUE(v.set_tx_fir(LaneId(3), {-4, 52, -7}).ok());
  EXPECT_EQ(sw_.units[0]->opcodes.size(), 1u);
}

}  // namespace
}  // namespace cpo::reference
