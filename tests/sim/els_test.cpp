// The simulated ELS as the OE and the host see it through the Bar (mailbox.h): the laser input
// power each lane reports, the module supply current, the output-fiber check, a lossy or
// disconnected ELS-to-OE fiber, and APC/ACC control. Virtual time only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cpo/hal/cmis/elsfp.h"
#include "cpo/sim/simulator.h"
#include "mailbox.h"

namespace cpo::testing {
namespace {

using ::testing::HasSubstr;
using C = rd::Completion;
using O = rd::Opcode;
using sim::Switch;

std::unique_ptr<Switch> make(std::string profile = "cpo144", sim::StartState start = sim::StartState::operational) {
  sim::SimOptions o;
  o.profile = std::move(profile);
  o.start = start;
  auto s = Switch::create(o);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return std::move(s).value();
}

// 0.1 uW register units.
double mw(std::uint32_t raw) { return static_cast<double>(raw) * 1e-4; }
double db(double ratio) { return 10.0 * std::log10(ratio); }

// The documented laser L-I curve (docs/simulator.md, Thermal and aging).
double acc_power_mw(double bias_ma, double temp_c, double hours) {
  const double threshold = 30.0 * std::exp((temp_c - 25.0) / 60.0);
  const double slope = 0.25 * (1.0 - 0.003 * (temp_c - 25.0)) / (1.0 + hours / 150000.0);
  return std::max(0.0, (bias_ma - threshold) * slope);
}

class Els : public ::testing::Test {
 protected:
  void SetUp() override {
    sw_ = make();
    mb_ = std::make_unique<Mailbox>(sw_->bar(0));
  }
  // Unit 0's lanes lit by `laser` (unit 0 starts at lane 0).
  std::vector<std::uint32_t> lanes_of(const LaserRef& laser) {
    std::vector<std::uint32_t> out;
    for (auto lane : (*sw_->platform().laser(laser))->lanes) out.push_back(lane.value());
    return out;
  }
  // Brings up the port `lanes` (a laser's lanes) belong to; returns the port (4 lanes per port).
  std::uint32_t bring_up_port_of(const std::vector<std::uint32_t>& lanes) {
    const std::uint32_t port = lanes.front() / 4;
    EXPECT_EQ(mb_->run(O::kPortAdmin, {port, rd::kAllSubports, 1}).code, C::kOk);
    sw_->advance(1500ms);
    EXPECT_EQ(mb_->port(port, rd::field::kPortOperMask), 1u);
    return port;
  }
  std::uint32_t laser(std::uint32_t els_local, std::uint32_t k, std::size_t field) {
    return mb_->status(rd::at(rd::record::kLaser, els_local * 8 + k, field));
  }
  std::uint32_t els(std::uint32_t els_local, std::size_t field) {
    return mb_->status(rd::at(rd::record::kEls, els_local, field));
  }
  std::uint32_t oe(std::uint32_t oe_local, std::size_t field) {
    return mb_->status(rd::at(rd::record::kOe, oe_local, field));
  }
  cpo::cmis::ElsMonitors page1b(std::uint32_t els_local, std::uint32_t bank = 0) {
    std::array<std::uint8_t, 128> p{};
    EXPECT_EQ(mb_->cmis_read(rd::CmisTarget::kEls, els_local, bank, 0x1B, true, p).code, C::kOk);
    return cpo::cmis::decode_page1b(p);
  }
  cpo::cmis::ElsAdvertisement page1a(std::uint32_t els_local, std::uint32_t bank = 0) {
    std::array<std::uint8_t, 128> p{};
    EXPECT_EQ(mb_->cmis_read(rd::CmisTarget::kEls, els_local, bank, 0x1A, true, p).code, C::kOk);
    return cpo::cmis::decode_page1a(p);
  }
  std::unique_ptr<Switch> sw_;
  std::unique_ptr<Mailbox> mb_;
};

// ------------------------------------------------------------------ laser input power
TEST_F(Els, LaserInputPowerIsTheLaserOutputLessTheNominalElsFiberLoss) {
  const LaserRef ref{ElsId(0), 2};
  const auto lanes = lanes_of(ref);
  ASSERT_EQ(lanes.size(), 4u);
  const double out = mw(laser(0, 2, rd::field::kLaserPowerMon));
  EXPECT_NEAR(out, 100.0, 1e-3);
  for (auto l : lanes) {
    const double in = mw(mb_->lane(l, rd::field::kLaneLaserInPower));
    EXPECT_NEAR(db(out / in), 1.5, 0.001) << "lane " << l;  // nominal ELS-to-OE loss
    // Launched power: after the 1:4 split and the modulator, well below the laser input.
    EXPECT_LT(mw(mb_->lane(l, rd::field::kLaneTxPower)), in / 4.0);
  }
  EXPECT_EQ(oe(0, rd::field::kOeFaults) & rd::bits::kOeFaultsNoLight.mask(), 0u);
}

TEST_F(Els, LaserInputPowerStaysWhileTheDataPathIsDeinitialised) {
  const auto lanes = lanes_of(LaserRef{ElsId(0), 0});
  const std::uint32_t lane = lanes.front();
  const std::uint32_t in = mb_->lane(lane, rd::field::kLaneLaserInPower);
  ASSERT_GT(in, 0u);
  // Lane 0 is OE 0 bank 0 lane 1: DPDeinit (page 10h byte 128 bit 0), then 1 s.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kOe, 0, 0, 0x10, true, 0, {0x01}).code, C::kOk);
  sw_->advance(1s);
  EXPECT_EQ(mb_->lane(lane, rd::field::kLaneDataPathState),
            static_cast<std::uint32_t>(rd::DataPathState::kDeactivated));
  EXPECT_EQ(mb_->lane(lane, rd::field::kLaneTxPower), 0u);
  EXPECT_EQ(mb_->lane(lane, rd::field::kLaneLaserInPower), in);
  // The whole OE in ModuleLowPwr: still there.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kOe, 0, 0, 0, false, 26, {0x10}).code, C::kOk);
  sw_->advance(1s);
  EXPECT_EQ(oe(0, rd::field::kOeModuleState), static_cast<std::uint32_t>(rd::ModuleState::kLowPwr));
  EXPECT_EQ(mb_->lane(lane, rd::field::kLaneLaserInPower), in);
}

TEST_F(Els, AFailedLaserLeavesItsLanesWithoutLaserInputAndTheOeSaysNoLight) {
  const LaserRef ref{ElsId(1), 2};  // unit 0's ELS 1; lights OE 1 bank 2 lanes 0..3
  ASSERT_TRUE(sw_->backdoor().fail_laser(ref).ok());
  sw_->advance(1ms);
  for (auto l : lanes_of(ref)) EXPECT_EQ(mb_->lane(l, rd::field::kLaneLaserInPower), 0u) << l;
  EXPECT_NE(oe(1, rd::field::kOeFaults) & rd::bits::kOeFaultsNoLight.mask(), 0u);
  EXPECT_EQ(oe(0, rd::field::kOeFaults) & rd::bits::kOeFaultsNoLight.mask(), 0u);
}

// ------------------------------------------------------------------ supply current
TEST_F(Els, SupplyCurrentIsThePage1bIccOfTheModule) {
  sw_->advance(200ms);  // a firmware refresh: bias monitors settled
  for (std::uint32_t e = 0; e < sw_->bar(0).read32(rd::reg::kElsCount); ++e) {
    const double status_ma = static_cast<double>(els(e, rd::field::kElsSupplyCurrent)) / 1000.0;
    EXPECT_GT(status_ma, 3000.0) << "els " << e;                        // eight lasers near 0.45 A each
    EXPECT_NEAR(page1b(e).icc.value(), status_ma, 0.2) << "els " << e;  // 200 uA encoding step
  }
  // Lasers off: the module still draws its controller and TEC current.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0x00}).code, C::kOk);
  sw_->advance(200ms);
  const double idle_ma = static_cast<double>(els(0, rd::field::kElsSupplyCurrent)) / 1000.0;
  EXPECT_GT(idle_ma, 100.0);
  EXPECT_LT(idle_ma, 500.0);
  EXPECT_NEAR(page1b(0).icc.value(), idle_ma, 0.2);
  // Removed: 0.
  ASSERT_TRUE(sw_->backdoor().remove_els(ElsId(0)).ok());
  sw_->advance(1ms);
  EXPECT_EQ(els(0, rd::field::kElsSupplyCurrent), 0u);
}

TEST(ElsBailly, BothBanksReportTheWholeModulesSupplyCurrent) {
  auto sw = make("bailly51t");
  Mailbox mb(sw->bar(0));
  sw->advance(200ms);
  std::array<std::uint8_t, 128> p0{}, p1{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1B, true, p0).code, C::kOk);
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 1, 0x1B, true, p1).code, C::kOk);
  const double status_ma =
      static_cast<double>(mb.status(rd::at(rd::record::kEls, 0, rd::field::kElsSupplyCurrent))) / 1000.0;
  EXPECT_GT(status_ma, 6000.0);  // sixteen lasers
  EXPECT_NEAR(cpo::cmis::decode_page1b(p0).icc.value(), status_ma, 0.2);
  EXPECT_NEAR(cpo::cmis::decode_page1b(p1).icc.value(), status_ma, 0.2);
}

TEST(ElsBailly, ASixteenLaserModuleStaysOnAndInsideItsTemperatureThresholds) {
  auto sw = make("bailly51t");
  Mailbox mb(sw->bar(0));
  EXPECT_GT(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserBiasMon)), 0u);  // from power-on
  sw->advance(std::chrono::minutes(3));
  const std::uint32_t els = sw->bar(0).read32(rd::reg::kElsCount);
  for (std::uint32_t e = 0; e < els; ++e) {
    EXPECT_EQ(mb.status(rd::at(rd::record::kEls, e, rd::field::kElsTempFlags)), 0u) << "els " << e;
    for (std::uint32_t k = 0; k < 16; ++k)
      EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, e * 16 + k, rd::field::kLaserState)),
                static_cast<std::uint32_t>(rd::LaserState::kOn))
          << "els " << e << " laser " << k;
  }
}

// ------------------------------------------------------------------ fiber check
TEST(ElsFiberCheck, TheOeSeesTheFiberCheckPowerBeforeAnyDataPathIsUp) {
  auto sw = make("cpo144", sim::StartState::cold);
  Mailbox mb(sw->bar(0));
  const auto lanes = (*sw->platform().laser(LaserRef{ElsId(0), 3}))->lanes;
  for (auto l : lanes) EXPECT_EQ(mb.lane(l.value(), rd::field::kLaneLaserInPower), 0u);
  // Enable laser 3 (page 1Ah byte 220 bit 3); its output fiber is not checked yet.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0x08}).code, C::kOk);
  sw->advance(5ms);  // 1 mW at 0.5 mW/ms: 2 ms
  for (auto l : lanes) {
    EXPECT_NEAR(mw(mb.lane(l.value(), rd::field::kLaneLaserInPower)), 1.0 * std::pow(10.0, -0.15), 1e-4);
    EXPECT_EQ(mb.lane(l.value(), rd::field::kLaneDataPathState),
              static_cast<std::uint32_t>(rd::DataPathState::kDeactivated));
  }
  // Checked: the OE's input follows the ramp to the set-point.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0x08}).code, C::kOk);
  sw->advance(300ms);
  for (auto l : lanes)
    EXPECT_NEAR(mw(mb.lane(l.value(), rd::field::kLaneLaserInPower)), 100.0 * std::pow(10.0, -0.15), 1e-3);
}

TEST(ElsFiberCheck, AnInsertedModuleStartsUncheckedAndTheLinkWaitsForTheCheck) {
  auto sw = make();
  Mailbox mb(sw->bar(0));
  ASSERT_EQ(mb.run(O::kPortAdmin, {0, rd::kAllSubports, 1}).code, C::kOk);
  sw->advance(1500ms);
  ASSERT_EQ(mb.port(0, rd::field::kPortOperMask), 1u);
  ASSERT_TRUE(sw->backdoor().remove_els(ElsId(0)).ok());
  ASSERT_TRUE(sw->backdoor().insert_els(ElsId(0)).ok());
  std::array<std::uint8_t, 128> p{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1A, true, p).code, C::kOk);
  EXPECT_EQ(cpo::cmis::decode_page1a(p).output_fiber_checked, 0x00);
  EXPECT_EQ(cpo::cmis::decode_page1a(p).lane_enable, 0x00);
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0xFF}).code, C::kOk);
  sw->advance(3s);
  EXPECT_EQ(mb.port(0, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb.port(0, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kElsRemoved));
  EXPECT_NE(mb.port(0, rd::field::kPortFaults) & rd::bits::kPortFaultsLaserFault.mask(), 0u);
  EXPECT_GT(mb.lane(0, rd::field::kLaneLaserInPower), 0u);  // the fiber check can run
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0xFF}).code, C::kOk);
  sw->advance(1500ms);
  EXPECT_EQ(mb.port(0, rd::field::kPortOperMask), 1u);
}

// ------------------------------------------------------------------ ELS-to-OE fiber loss
TEST_F(Els, ADirtyElsConnectorLowersLaserInputTxAndRxAndADisconnectedOneDarkensTheLanes) {
  const LaserRef ref{ElsId(0), 1};
  const auto lanes = lanes_of(ref);
  const std::uint32_t port = bring_up_port_of(lanes);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::uint32_t l = lanes.front();
  const double in0 = mw(mb_->lane(l, rd::field::kLaneLaserInPower));
  const double tx0 = mw(mb_->lane(l, rd::field::kLaneTxPower));
  const double rx0 = mw(mb_->lane(l, rd::field::kLaneRxPower));  // loopback plug: its own light
  // 3 dB more than nominal.
  ASSERT_TRUE(sw_->backdoor().set_laser_fiber_loss(ref, Decibels(4.5)).ok());
  sw_->advance(1ms);
  EXPECT_NEAR(db(in0 / mw(mb_->lane(l, rd::field::kLaneLaserInPower))), 3.0, 0.01);
  EXPECT_NEAR(db(tx0 / mw(mb_->lane(l, rd::field::kLaneTxPower))), 3.0, 0.01);
  EXPECT_NEAR(db(rx0 / mw(mb_->lane(l, rd::field::kLaneRxPower))), 3.0, 0.01);
  EXPECT_NEAR(sw_->backdoor().rx_power_dbm(LaneId(l))->value(), 10.0 * std::log10(rx0) - 3.0, 0.01);
  EXPECT_NEAR(mw(laser(0, 1, rd::field::kLaserPowerMon)), 100.0, 1e-3);  // the laser itself is fine
  EXPECT_EQ(mb_->port(port, rd::field::kPortOperMask), 1u);              // inside the budget
  // Disconnected: no light at the OE, the lanes go dark, the link drops on Rx LOS.
  ASSERT_TRUE(sw_->backdoor().set_laser_fiber_loss(ref, Decibels(std::numeric_limits<double>::infinity())).ok());
  sw_->advance(1ms);
  for (auto lane : lanes) {
    EXPECT_EQ(mb_->lane(lane, rd::field::kLaneLaserInPower), 0u);
    EXPECT_EQ(mb_->lane(lane, rd::field::kLaneTxPower), 0u);
  }
  EXPECT_EQ(mb_->port(port, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb_->port(port, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kRxLos));
  EXPECT_NE(oe(0, rd::field::kOeFaults) & rd::bits::kOeFaultsNoLight.mask(), 0u);
  EXPECT_EQ(sw_->backdoor().rx_power_dbm(LaneId(l))->value(), -std::numeric_limits<double>::infinity());
  // Cleaned: back to nominal, the link retrains.
  ASSERT_TRUE(sw_->backdoor().set_laser_fiber_loss(ref, Decibels(1.5)).ok());
  sw_->advance(1500ms);
  EXPECT_NEAR(mw(mb_->lane(l, rd::field::kLaneLaserInPower)), in0, 1e-3);
  EXPECT_EQ(mb_->port(port, rd::field::kPortOperMask), 1u);
  EXPECT_EQ(oe(0, rd::field::kOeFaults) & rd::bits::kOeFaultsNoLight.mask(), 0u);
}

TEST(ElsFabric, ADirtyElsConnectorLowersTheFarEndsReceivedPower) {
  sim::Fabric fabric;
  auto a = fabric.add({});
  auto b = fabric.add({});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(fabric.connect(**a, PortId(0), **b, PortId(0)).ok());
  const auto lanes = (*(*a)->platform().port(PortId(0)))->lanes;
  const LaserRef ref = (*(*a)->platform().lane(lanes.front()))->laser;
  const double before = (*b)->backdoor().rx_power_dbm(lanes.front())->value();
  ASSERT_TRUE((*a)->backdoor().set_laser_fiber_loss(ref, Decibels(5.5)).ok());
  EXPECT_NEAR((*b)->backdoor().rx_power_dbm(lanes.front())->value(), before - 4.0, 0.01);
  EXPECT_NEAR((*a)->backdoor().rx_power_dbm(lanes.front())->value(), before, 0.01);  // the other direction
}

// ------------------------------------------------------------------ laser-safety interlock
std::uint32_t laser_object(std::uint32_t els, std::uint32_t k) {
  return (static_cast<std::uint32_t>(rd::ObjectKind::kLaser) << 24) | (els << 8) | k;
}

TEST_F(Els, AnOpenInterlockTurnsEveryLaserOfItsElsOffAndItsLanesGoDark) {
  const LaserRef ref{ElsId(0), 1};
  const auto lanes = lanes_of(ref);
  const std::uint32_t port = bring_up_port_of(lanes);
  ASSERT_FALSE(::testing::Test::HasFailure());
  ASSERT_EQ(els(0, rd::field::kElsFlags), 0u);
  (void)mb_->events();

  ASSERT_TRUE(sw_->backdoor().open_interlock(ElsId(0)).ok());
  sw_->advance(1ms);
  EXPECT_EQ(els(0, rd::field::kElsFlags), rd::bits::kElsFlagsInterlockOpen.mask());
  EXPECT_EQ(els(1, rd::field::kElsFlags), 0u) << "the other modules' interlocks are closed";
  for (std::uint32_t k = 0; k < 8; ++k) {
    EXPECT_EQ(laser(0, k, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOff)) << k;
    EXPECT_EQ(laser(0, k, rd::field::kLaserFaultCode), static_cast<std::uint32_t>(rd::LaserFault::kInterlockOpen));
    EXPECT_EQ(laser(0, k, rd::field::kLaserPowerMon), 0u) << "its own power monitor reads dark";
    for (auto l : lanes_of(LaserRef{ElsId(0), k})) EXPECT_EQ(mb_->lane(l, rd::field::kLaneLaserInPower), 0u) << l;
  }
  EXPECT_EQ(laser(1, 0, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOn));
  EXPECT_NE(oe(0, rd::field::kOeFaults) & rd::bits::kOeFaultsNoLight.mask(), 0u);
  EXPECT_EQ(mb_->port(port, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb_->port(port, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kLaserFault));
  // A LaserFault event per enabled laser with the interlock as the cause.
  std::vector<std::uint32_t> faulted;
  for (const auto& e : mb_->events())
    if (e.type == rd::EventType::kLaserFault && e.cause == static_cast<std::uint32_t>(rd::LaserFault::kInterlockOpen))
      faulted.push_back(e.object);
  ASSERT_EQ(faulted.size(), 8u);
  for (std::uint32_t k = 0; k < 8; ++k) EXPECT_EQ(faulted[k], laser_object(0, k));
  // The module's own pages: lanes off, a vendor-specific fault code, the lane fault flags.
  const auto a = page1a(0);
  for (std::uint32_t k = 0; k < 8; ++k) {
    EXPECT_EQ(a.lane_state[k], cpo::cmis::ElsLaneState::off);
    EXPECT_EQ(a.fault_code[k], 10);
  }
  EXPECT_EQ(a.lane_fault_flags, 0xFFu);
  EXPECT_EQ(a.lane_enable, 0xFF) << "the host's enable bits are the host's";
}

TEST_F(Els, ADisconnectedFiberLeavesTheLaserOnWhileAnOpenInterlockTurnsItOff) {
  // The same laser, two faults the OE's laser input monitor alone cannot tell apart.
  const LaserRef ref{ElsId(1), 2};
  const std::uint32_t lane = lanes_of(ref).front();
  ASSERT_TRUE(sw_->backdoor().set_laser_fiber_loss(ref, Decibels(std::numeric_limits<double>::infinity())).ok());
  sw_->advance(1ms);
  EXPECT_EQ(mb_->lane(lane, rd::field::kLaneLaserInPower), 0u);
  EXPECT_EQ(laser(1, 2, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOn));
  EXPECT_NEAR(mw(laser(1, 2, rd::field::kLaserPowerMon)), 100.0, 1e-3);
  EXPECT_EQ(els(1, rd::field::kElsFlags), 0u);
  ASSERT_TRUE(sw_->backdoor().set_laser_fiber_loss(ref, Decibels(1.5)).ok());
  ASSERT_TRUE(sw_->backdoor().open_interlock(ElsId(1)).ok());
  sw_->advance(1ms);
  EXPECT_EQ(mb_->lane(lane, rd::field::kLaneLaserInPower), 0u);
  EXPECT_EQ(laser(1, 2, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOff));
  EXPECT_EQ(laser(1, 2, rd::field::kLaserPowerMon), 0u);
  EXPECT_EQ(els(1, rd::field::kElsFlags), rd::bits::kElsFlagsInterlockOpen.mask());
}

TEST_F(Els, ClosingTheInterlockLightsNothingUntilTheHostEnablesAndChecksAgain) {
  ASSERT_TRUE(sw_->backdoor().open_interlock(ElsId(0)).ok());
  // Enabling while open lights nothing.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0x00}).code, C::kOk);
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0xFF}).code, C::kOk);
  sw_->advance(1s);
  EXPECT_EQ(laser(0, 0, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOff));
  ASSERT_TRUE(sw_->backdoor().close_interlock(ElsId(0)).ok());
  sw_->advance(2s);
  EXPECT_EQ(els(0, rd::field::kElsFlags), 0u);
  for (std::uint32_t k = 0; k < 8; ++k) {
    EXPECT_EQ(laser(0, k, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOff)) << k;
    EXPECT_EQ(laser(0, k, rd::field::kLaserFaultCode), static_cast<std::uint32_t>(rd::LaserFault::kInterlockOpen));
  }
  // Disable and enable laser 0 with OutputFiberChecked still set from before the opening: the
  // old check no longer counts, the laser comes up at the fiber-check power only.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0xFE}).code, C::kOk);
  EXPECT_EQ(laser(0, 0, rd::field::kLaserFaultCode), static_cast<std::uint32_t>(rd::LaserFault::kNone));
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0xFF}).code, C::kOk);
  sw_->advance(1s);
  EXPECT_EQ(laser(0, 0, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOn));
  EXPECT_NEAR(mw(laser(0, 0, rd::field::kLaserPowerMon)), page1a(0).fiber_check_power.value(), 1e-3);
  EXPECT_EQ(laser(0, 1, rd::field::kLaserState), static_cast<std::uint32_t>(rd::LaserState::kOff))
      << "the others stay off until the host takes them through disable and enable too";
  // A new check: OutputFiberChecked cleared and set again, then the set-point.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0xFE}).code, C::kOk);
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0xFF}).code, C::kOk);
  sw_->advance(1s);
  EXPECT_NEAR(mw(laser(0, 0, rd::field::kLaserPowerMon)), 100.0, 1e-3);
}

TEST_F(Els, InterlockRefusesUnknownModulesAndRepeatedRequests) {
  Status s = sw_->backdoor().open_interlock(ElsId(18));
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("els 18: allowed 0..17"));
  EXPECT_EQ(sw_->backdoor().close_interlock(ElsId(18)).code(), Code::out_of_range);
  s = sw_->backdoor().close_interlock(ElsId(2));
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_THAT(s.message(), HasSubstr("els 2: interlock is already closed"));
  ASSERT_TRUE(sw_->backdoor().open_interlock(ElsId(2)).ok());
  s = sw_->backdoor().open_interlock(ElsId(2));
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_THAT(s.message(), HasSubstr("els 2: interlock is already open"));
}

TEST_F(Els, LaserFiberLossRefusesUnknownLasersAndBadLosses) {
  Status s = sw_->backdoor().set_laser_fiber_loss(LaserRef{ElsId(18), 0}, Decibels(2.0));
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("els 18 laser 0: allowed els 0..17, laser 0..7"));
  s = sw_->backdoor().set_laser_fiber_loss(LaserRef{ElsId(3), 8}, Decibels(2.0));
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("els 3 laser 8"));
  s = sw_->backdoor().set_laser_fiber_loss(LaserRef{ElsId(3), 1}, Decibels(-0.5));
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("els 3 laser 1: fiber loss must be >= 0 dB"));
  EXPECT_EQ(sw_->backdoor().set_laser_fiber_loss(LaserRef{ElsId(3), 1}, Decibels(std::nan(""))).code(),
            Code::invalid_argument);
  EXPECT_EQ(sw_->backdoor().set_laser_age(LaserRef{ElsId(3), 1}, std::chrono::hours(-1)).code(),
            Code::invalid_argument);
  EXPECT_EQ(sw_->backdoor().set_laser_age(LaserRef{ElsId(3), 9}, std::chrono::hours(1)).code(), Code::out_of_range);
}

// ------------------------------------------------------------------ APC / ACC
TEST_F(Els, AccModeFollowsTheBiasSetpointThroughTheLiCurve) {
  EXPECT_EQ(page1a(0).control_mode, cpo::cmis::ElsControlMode::apc);
  EXPECT_NEAR(page1b(0).bias_setpoint[1].value(), 430.0, 1e-9);  // default bias set-point
  // Page 1Ah byte 140 bit 0 clear: ACC. Bits 7-1 (the lane count) are not the host's.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 140 - 128, {0x00}).code, C::kOk);
  const auto a = page1a(0);
  EXPECT_EQ(a.control_mode, cpo::cmis::ElsControlMode::acc);
  EXPECT_EQ(a.lane_count, 8);
  // Laser 1 at 300 mA (page 1Bh bytes 130-131, 100 uA steps).
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1B, true, 130 - 128, {0x0B, 0xB8}).code, C::kOk);
  sw_->advance(500ms);
  auto expect_li = [&](std::uint32_t k, double bias_ma) {
    const double temp = static_cast<std::int32_t>(laser(0, k, rd::field::kLaserTemp)) / 256.0;
    const double hours = laser(0, k, rd::field::kLaserAgeHours);
    EXPECT_EQ(laser(0, k, rd::field::kLaserBiasMon), static_cast<std::uint32_t>(bias_ma * 1000.0)) << k;
    EXPECT_NEAR(mw(laser(0, k, rd::field::kLaserPowerMon)), acc_power_mw(bias_ma, temp, hours), 0.01) << k;
  };
  expect_li(1, 300.0);
  expect_li(0, 430.0);
  EXPECT_LT(mw(laser(0, 1, rd::field::kLaserPowerMon)), mw(laser(0, 0, rd::field::kLaserPowerMon)));
  // The lanes follow the laser.
  const auto lanes = lanes_of(LaserRef{ElsId(0), 1});
  EXPECT_NEAR(mw(mb_->lane(lanes.front(), rd::field::kLaneLaserInPower)),
              mw(laser(0, 1, rd::field::kLaserPowerMon)) * std::pow(10.0, -0.15), 1e-3);
  // Aging lowers the output at a constant bias; no APC loop to fail.
  ASSERT_TRUE(sw_->backdoor().set_laser_age(LaserRef{ElsId(0), 1}, std::chrono::hours(150000)).ok());
  sw_->advance(200ms);
  expect_li(1, 300.0);
  EXPECT_EQ(laser(0, 1, rd::field::kLaserFaultCode), static_cast<std::uint32_t>(rd::LaserFault::kNone));
  // Back to APC: the power set-point again, ramping up at the bounded rate (0.5 mW/ms), not
  // in one step.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 140 - 128, {0x01}).code, C::kOk);
  EXPECT_LT(mw(laser(0, 0, rd::field::kLaserPowerMon)), 99.0);
  sw_->advance(100ms);
  EXPECT_NEAR(mw(laser(0, 0, rd::field::kLaserPowerMon)), 100.0, 1e-3);
  EXPECT_EQ(page1a(0).control_mode, cpo::cmis::ElsControlMode::apc);
}

TEST_F(Els, BiasSetpointOutsideTheAdvertisedRangeIsRefusedWhole) {
  const auto a = page1a(0);
  EXPECT_DOUBLE_EQ(a.min_bias.value(), 50.0);
  EXPECT_DOUBLE_EQ(a.max_bias.value(), 600.0);
  const auto before = page1b(0);
  // 700 mA and 40 mA on laser 2, each written together with a valid power set-point of laser 0.
  for (std::uint16_t raw : {std::uint16_t{7000}, std::uint16_t{400}}) {
    std::vector<std::uint8_t> bytes(32, 0);
    for (int k = 0; k < 8; ++k) {
      bytes[static_cast<std::size_t>(2 * k)] = 0x10;  // 430.0 mA = 4300 = 0x10CC
      bytes[static_cast<std::size_t>(2 * k + 1)] = 0xCC;
      bytes[static_cast<std::size_t>(16 + 2 * k)] = 0x2E;  // 120 mW = 12000 = 0x2EE0
      bytes[static_cast<std::size_t>(16 + 2 * k + 1)] = 0xE0;
    }
    bytes[4] = static_cast<std::uint8_t>(raw >> 8);
    bytes[5] = static_cast<std::uint8_t>(raw & 0xFF);
    const auto c = mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1B, true, 0, bytes);
    EXPECT_EQ(c.code, C::kBadValue) << raw;
    EXPECT_EQ(c.result[0], 7u) << raw;
    EXPECT_EQ(page1b(0), before) << raw;  // nothing landed, not even the valid power set-points
  }
  // 50 and 600 mA are inside.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1B, true, 0, {0x01, 0xF4, 0x17, 0x70}).code, C::kOk);
  EXPECT_NEAR(page1b(0).bias_setpoint[0].value(), 50.0, 1e-9);
  EXPECT_NEAR(page1b(0).bias_setpoint[1].value(), 600.0, 1e-9);
}

}  // namespace
}  // namespace cpo::testing
