// The simulator driven through its Bar as a driver would (mailbox.h), plus the back door for
// faults. Virtual time only: no test sleeps.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <set>

#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/sim/simulator.h"
#include "mailbox.h"
#include "make_switch.h"

namespace cpo::testing {
namespace {

using ::testing::HasSubstr;
using C = rd::Completion;
using O = rd::Opcode;
using sim::Switch;

bool has_event(const std::vector<Mailbox::Event>& ev, rd::EventType type, std::uint32_t object, std::uint32_t cause) {
  for (const auto& e : ev)
    if (e.type == type && e.object == object && e.cause == cause) return true;
  return false;
}
std::uint32_t port_obj(std::uint32_t port, std::uint32_t sub = 0) {
  return rd::make_object(rd::ObjectKind::kPort, port, sub);
}

class Cpo144 : public ::testing::Test {
 protected:
  void SetUp() override {
    sw_ = make();
    mb_ = std::make_unique<Mailbox>(sw_->bar(0));
  }
  void admin_up(std::uint32_t port) { ASSERT_EQ(mb_->run(O::kPortAdmin, {port, rd::kAllSubports, 1}).code, C::kOk); }
  std::unique_ptr<Switch> sw_;
  std::unique_ptr<Mailbox> mb_;
};

// ------------------------------------------------------------------ identity, mailbox
TEST_F(Cpo144, IdentityDescribesUnitOfCpo144) {
  Bar& b = sw_->bar(1);
  EXPECT_EQ(b.read32(rd::reg::kMagic), rd::kMagic);
  EXPECT_EQ(b.read32(rd::reg::kVersion), rd::kVersion);
  EXPECT_EQ(b.read32(rd::reg::kUnitIndex), 1u);
  EXPECT_EQ(b.read32(rd::reg::kUnitCount), 4u);
  EXPECT_EQ(b.read32(rd::reg::kPortCount), 36u);
  EXPECT_EQ(b.read32(rd::reg::kFirstPort), 36u);
  EXPECT_EQ(b.read32(rd::reg::kLaneCount), 144u);
  EXPECT_EQ(b.read32(rd::reg::kOeCount), 6u);
  EXPECT_EQ(b.read32(rd::reg::kBanksPerOe), 3u);
  EXPECT_EQ(b.read32(rd::reg::kFirstEls), 4u);  // ELS 4 feeds units 0 and 1
  EXPECT_EQ(b.read32(rd::reg::kElsCount), 5u);
  EXPECT_EQ(b.read32(rd::reg::kLasersPerEls), 8u);
  EXPECT_EQ(b.read32(rd::reg::kLaneRateGbps), 200u);
  EXPECT_EQ(b.read32(rd::reg::kBreakoutCaps), (1u << 1) | (1u << 2) | (1u << 4));
  EXPECT_EQ(b.size(), rd::kWindowBytes);
}

TEST_F(Cpo144, NopCompletesAfterItsLatencyAndBadOpcodeIsRejected) {
  auto c = mb_->run(O::kNop, {}, 1s, 1us);
  EXPECT_EQ(c.code, C::kOk);
  EXPECT_GE(c.elapsed, std::chrono::nanoseconds(rd::typical_latency(O::kNop)));
  EXPECT_EQ(mb_->run(static_cast<O>(0x7F)).code, C::kBadOpcode);
}

TEST_F(Cpo144, DoorbellWhileBusyCompletesTheNewTagWithBusyAndTheOldOneLater) {
  const std::uint32_t t1 = mb_->ring(O::kBreakout, {0, 1, 2});  // 50 ms
  sw_->advance(1ms);
  const std::uint32_t t2 = mb_->ring(O::kNop, {});
  auto c2 = mb_->wait_for(t2);
  EXPECT_EQ(c2.code, C::kBusy);
  auto c1 = mb_->wait_for(t1);
  EXPECT_EQ(c1.code, C::kOk);
  EXPECT_EQ(mb_->port(0, rd::field::kPortBreakout), 2u);
}

TEST_F(Cpo144, CommandsTakeEffectOnlyAtCompletion) {
  mb_->ring(O::kBreakout, {3, 1, 4});
  sw_->advance(10ms);
  EXPECT_EQ(mb_->port(3, rd::field::kPortBreakout), 1u);
  sw_->advance(50ms);
  EXPECT_EQ(mb_->port(3, rd::field::kPortBreakout), 4u);
}

struct BadArg {
  const char* name;
  O op;
  std::vector<std::uint32_t> args;
  C code;
  std::uint32_t result0;
};

void PrintTo(const BadArg& b, std::ostream* os) { *os << b.name; }

class BadArguments : public Cpo144, public ::testing::WithParamInterface<BadArg> {};

TEST_P(BadArguments, CompleteWithTheDocumentedCode) {
  const BadArg& p = GetParam();
  auto c = mb_->run(p.op, p.args);
  ASSERT_FALSE(c.timed_out);
  EXPECT_EQ(c.code, p.code) << rd::name(c.code);
  if (p.code == C::kBadObject || p.code == C::kBadValue || p.code == C::kUnsupported) {
    EXPECT_EQ(c.result[0], p.result0);
  }
}

const std::uint32_t kNeg1 = static_cast<std::uint32_t>(-1);
INSTANTIATE_TEST_SUITE_P(
    Refdev, BadArguments,
    ::testing::Values(BadArg{"PortAdminPort", O::kPortAdmin, {36, 0, 1}, C::kBadObject, 0},
                      BadArg{"PortAdminSubport", O::kPortAdmin, {0, 1, 1}, C::kBadObject, 1},
                      BadArg{"PortAdminUp", O::kPortAdmin, {0, 0, 2}, C::kBadValue, 2},
                      BadArg{"BreakoutFirst", O::kBreakout, {36, 1, 2}, C::kBadObject, 0},
                      BadArg{"BreakoutCountZero", O::kBreakout, {0, 0, 2}, C::kBadValue, 1},
                      BadArg{"BreakoutRunPastEnd", O::kBreakout, {30, 7, 2}, C::kBadObject, 1},
                      BadArg{"BreakoutThree", O::kBreakout, {0, 1, 3}, C::kBadValue, 2},
                      BadArg{"BreakoutEight", O::kBreakout, {0, 1, 8}, C::kUnsupported, 2},
                      BadArg{"FecPort", O::kFecMode, {99, 3}, C::kBadObject, 0},
                      BadArg{"FecMode", O::kFecMode, {0, 4}, C::kBadValue, 1},
                      BadArg{"FecFirecodeOnPam4", O::kFecMode, {0, 1}, C::kUnsupported, 1},
                      BadArg{"TxFirLane", O::kTxFir, {144, kNeg1, 50, 0}, C::kBadObject, 0},
                      BadArg{"TxFirPre", O::kTxFir, {0, static_cast<std::uint32_t>(-25), 40, 0}, C::kBadValue, 1},
                      BadArg{"TxFirPrePositive", O::kTxFir, {0, 1, 40, 0}, C::kBadValue, 1},
                      BadArg{"TxFirMain", O::kTxFir, {0, 0, 64, 0}, C::kBadValue, 2},
                      BadArg{"TxFirPost", O::kTxFir, {0, 0, 40, static_cast<std::uint32_t>(-30)}, C::kBadValue, 3},
                      BadArg{"TxFirSwing",
                             O::kTxFir,
                             {0, static_cast<std::uint32_t>(-10), 60, static_cast<std::uint32_t>(-10)},
                             C::kBadValue,
                             2},
                      BadArg{"PrbsLane", O::kPrbs, {144, 1, 1}, C::kBadObject, 0},
                      BadArg{"PrbsPattern", O::kPrbs, {0, 5, 1}, C::kBadValue, 1},
                      BadArg{"PrbsFlags", O::kPrbs, {0, 1, 8}, C::kBadValue, 2},
                      BadArg{"PrbsOffWithGenerator", O::kPrbs, {0, 0, 1}, C::kBadValue, 2},
                      BadArg{"LoopbackPort", O::kLoopback, {36, 1}, C::kBadObject, 0},
                      BadArg{"LoopbackMode", O::kLoopback, {0, 3}, C::kBadValue, 1},
                      BadArg{"CmisReadTarget", O::kCmisRead, {2, 0, 0, 0, 1}, C::kBadValue, 0},
                      BadArg{"CmisReadOe", O::kCmisRead, {0, 6, 0, 0, 1}, C::kBadObject, 1},
                      BadArg{"CmisReadBank", O::kCmisRead, {0, 0, 3, 0x11, 1}, C::kBadObject, 2},
                      BadArg{"CmisReadEls", O::kCmisRead, {1, 5, 0, 0x1A, 1}, C::kBadObject, 1},
                      BadArg{"CmisReadPage", O::kCmisRead, {0, 0, 0, 0x100, 1}, C::kBadValue, 3},
                      BadArg{"CmisReadRegion", O::kCmisRead, {0, 0, 0, 0, 2}, C::kBadValue, 4},
                      BadArg{"CmisReadOePage1A", O::kCmisRead, {0, 0, 0, 0x1A, 1}, C::kUnsupported, 3},
                      BadArg{"CmisReadElsPage11", O::kCmisRead, {1, 0, 0, 0x11, 1}, C::kUnsupported, 3},
                      BadArg{"CmisWriteOffset", O::kCmisWrite, {0, 0, 0, 0x10, 1, 128, 1}, C::kBadValue, 5},
                      BadArg{"CmisWriteLength", O::kCmisWrite, {0, 0, 0, 0x10, 1, 100, 29}, C::kBadValue, 6},
                      BadArg{"CmisWriteLengthZero", O::kCmisWrite, {0, 0, 0, 0x10, 1, 0, 0}, C::kBadValue, 6},
                      BadArg{"CmisWriteReadOnlyPage", O::kCmisWrite, {0, 0, 0, 0x11, 1, 0, 1}, C::kReadOnly, 0},
                      BadArg{"CmisWritePageSelect", O::kCmisWrite, {0, 0, 0, 0, 0, 127, 1}, C::kReadOnly, 0},
                      BadArg{"EventAckAhead", O::kEventAck, {5}, C::kBadValue, 0},
                      BadArg{"CountersClearPort", O::kCountersClear, {36}, C::kBadObject, 0}),
    [](const ::testing::TestParamInfo<BadArg>& i) { return std::string(i.param.name); });

TEST_F(Cpo144, EveryCommandSucceedsWithGoodArguments) {
  EXPECT_EQ(mb_->run(O::kPortAdmin, {0, 0, 1}).code, C::kOk);
  EXPECT_EQ(mb_->run(O::kPortAdmin, {0, 0, 0}).code, C::kOk);
  EXPECT_EQ(mb_->run(O::kBreakout, {0, 2, 4}).code, C::kOk);
  EXPECT_EQ(mb_->run(O::kFecMode, {0, 0}).code, C::kOk);
  EXPECT_EQ(mb_->port(0, rd::field::kPortFec), 0u);
  EXPECT_EQ(mb_->run(O::kTxFir, {5, static_cast<std::uint32_t>(-8), 40, static_cast<std::uint32_t>(-10)}).code, C::kOk);
  EXPECT_EQ(static_cast<std::int32_t>(mb_->lane(5, rd::field::kLaneTxFirPre)), -8);
  EXPECT_EQ(mb_->run(O::kPrbs, {5, 4, 3}).code, C::kOk);
  EXPECT_EQ(mb_->lane(5, rd::field::kLanePrbs), 4u | (1u << 8) | (1u << 9));
  EXPECT_EQ(mb_->run(O::kLoopback, {1, 1}).code, C::kOk);
  EXPECT_EQ(mb_->port(1, rd::field::kPortLoopback), 1u);
  std::array<std::uint8_t, 128> page{};
  EXPECT_EQ(mb_->cmis_read(rd::CmisTarget::kOe, 0, 0, 0, false, page).code, C::kOk);
  EXPECT_EQ(page[0], 0x19);
  EXPECT_EQ(page[1], 0x52);
  EXPECT_EQ(mb_->cmis_write(rd::CmisTarget::kOe, 0, 1, 0x10, true, 2, {0x00}).code, C::kOk);
  EXPECT_EQ(mb_->run(O::kCountersClear, {rd::kAllPorts}).code, C::kOk);
  EXPECT_EQ(mb_->run(O::kEventAck, {mb_->bar().read32(rd::reg::kEvtProducer)}).code, C::kOk);
  EXPECT_EQ(mb_->run(O::kUnitReset, {}, 2s).code, C::kOk);
  EXPECT_EQ(mb_->port(0, rd::field::kPortBreakout), 1u);
  EXPECT_EQ(mb_->port(1, rd::field::kPortLoopback), 0u);
}

// ------------------------------------------------------------------ breakout
TEST_F(Cpo144, BreakoutOfARunIsAllOrNothing) {
  admin_up(5);
  auto c = mb_->run(O::kBreakout, {2, 6, 4});
  EXPECT_EQ(c.code, C::kWrongState);
  EXPECT_EQ(c.result[1], 5u);
  for (std::uint32_t p = 2; p < 8; ++p) EXPECT_EQ(mb_->port(p, rd::field::kPortBreakout), 1u) << "port " << p;
  ASSERT_EQ(mb_->run(O::kPortAdmin, {5, rd::kAllSubports, 0}).code, C::kOk);
  c = mb_->run(O::kBreakout, {2, 6, 4});
  EXPECT_EQ(c.code, C::kOk);
  EXPECT_EQ(c.result[0], 6u);
  for (std::uint32_t p = 2; p < 8; ++p) {
    EXPECT_EQ(mb_->port(p, rd::field::kPortBreakout), 4u);
    EXPECT_EQ(mb_->port(p, rd::field::kPortSubportGbps), 200u);
  }
  EXPECT_EQ(mb_->port(8, rd::field::kPortBreakout), 1u);
}

// ------------------------------------------------------------------ links and physics
TEST_F(Cpo144, LinkComesUpAfterTheTrainingDelayOnALoopbackPlug) {
  admin_up(0);
  sw_->advance(900ms);
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 0u);
  EXPECT_NE(mb_->port(0, rd::field::kPortFaults) & rd::bits::kPortFaultsTraining.mask(), 0u);
  sw_->advance(200ms);
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 1u);
  EXPECT_TRUE(has_event(mb_->events(), rd::EventType::kLinkUp, port_obj(0), 0));
  const float ber = std::bit_cast<float>(mb_->lane(0, rd::field::kLanePreFecBer));
  EXPECT_GT(ber, 1e-9f);
  EXPECT_LT(ber, 1e-5f);
  const auto snr = static_cast<std::int32_t>(mb_->lane(0, rd::field::kLaneSnr));
  EXPECT_GT(snr, 1900);
  EXPECT_LT(snr, 2200);
  sw_->advance(1s);
  EXPECT_GT(mb_->port(0, rd::field::kPortFecCorrectedLo), 0u);
  EXPECT_EQ(mb_->port(0, rd::field::kPortFecUncorrectedLo), 0u);
}

TEST_F(Cpo144, FiberLossPastTheBudgetDropsTheLinkAndRaisesRxLos) {
  admin_up(7);
  sw_->advance(1500ms);
  ASSERT_EQ(mb_->port(7, rd::field::kPortOperMask), 1u);
  mb_->events();
  ASSERT_TRUE(sw_->backdoor().set_fiber_loss(PortId(7), -1, Decibels(20.0)).ok());
  sw_->advance(1ms);
  EXPECT_EQ(mb_->port(7, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb_->port(7, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kRxLos));
  EXPECT_NE(mb_->port(7, rd::field::kPortFaults) & rd::bits::kPortFaultsRxLos.mask(), 0u);
  auto ev = mb_->events();
  EXPECT_TRUE(has_event(ev, rd::EventType::kLinkDown, port_obj(7), static_cast<std::uint32_t>(rd::LinkCause::kRxLos)));
  // CMIS: port 7 = lanes 28..31 = OE 1 bank 0 lanes 4..7: page 11h byte 147 Rx LOS.
  std::array<std::uint8_t, 128> p11{};
  ASSERT_EQ(mb_->cmis_read(rd::CmisTarget::kOe, 1, 0, 0x11, true, p11).code, C::kOk);
  EXPECT_EQ(p11[147 - 128], 0xF0);
  bool flag_event = false;
  for (const auto& e : mb_->events())
    if (e.type == rd::EventType::kCmisFlag && e.detail == ((0x11u << 16) | (147u << 8) | 0xF0u)) flag_event = true;
  for (const auto& e : ev)
    if (e.type == rd::EventType::kCmisFlag && e.detail == ((0x11u << 16) | (147u << 8) | 0xF0u)) flag_event = true;
  EXPECT_TRUE(flag_event);
  // Restored: back up only after the training delay.
  ASSERT_TRUE(sw_->backdoor().set_fiber_loss(PortId(7), -1, Decibels(0.5)).ok());
  sw_->advance(900ms);
  EXPECT_EQ(mb_->port(7, rd::field::kPortOperMask), 0u);
  sw_->advance(200ms);
  EXPECT_EQ(mb_->port(7, rd::field::kPortOperMask), 1u);
}

TEST_F(Cpo144, ModerateLossKeepsLightButTheBerDropsTheLink) {
  admin_up(2);
  sw_->advance(1500ms);
  ASSERT_TRUE(sw_->backdoor().set_fiber_loss(PortId(2), 1, Decibels(8.0)).ok());
  sw_->advance(1ms);
  EXPECT_EQ(mb_->port(2, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb_->port(2, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kHighBer));
  EXPECT_NE(mb_->lane(9, rd::field::kLaneFlags) & rd::bits::kLaneFlagsSignalDetect.mask(), 0u);
}

TEST_F(Cpo144, SerdesDegradationRaisesBer) {
  admin_up(3);
  sw_->advance(1500ms);
  const float before = std::bit_cast<float>(mb_->lane(12, rd::field::kLanePreFecBer));
  ASSERT_TRUE(sw_->backdoor().degrade_lane(LaneId(12), Decibels(3.0)).ok());
  sw_->advance(1ms);
  const float after = std::bit_cast<float>(mb_->lane(12, rd::field::kLanePreFecBer));
  EXPECT_GT(after, before * 10.0f);
  EXPECT_EQ(mb_->port(3, rd::field::kPortOperMask), 1u);  // still inside the FEC limit
  ASSERT_TRUE(sw_->backdoor().degrade_lane(LaneId(12), Decibels(6.0)).ok());
  sw_->advance(1ms);
  EXPECT_EQ(mb_->port(3, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb_->port(3, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kHighBer));
}

TEST_F(Cpo144, FecNoneTakesA200gPam4LinkDown) {
  admin_up(4);
  sw_->advance(1500ms);
  ASSERT_EQ(mb_->run(O::kFecMode, {4, 0}).code, C::kOk);
  sw_->advance(2s);
  EXPECT_EQ(mb_->port(4, rd::field::kPortOperMask), 0u);
}

TEST_F(Cpo144, PrbsGeneratorAndCheckerLockOnALoopbackPlug) {
  ASSERT_EQ(mb_->run(O::kPrbs, {8, static_cast<std::uint32_t>(rd::PrbsPattern::kPrbs31Q), 3}).code, C::kOk);
  sw_->advance(1s);
  EXPECT_NE(mb_->lane(8, rd::field::kLaneFlags) & rd::bits::kLaneFlagsPrbsLock.mask(), 0u);
  const std::uint64_t bits = mb_->lane(8, rd::field::kLanePrbsBitsLo) |
                             (static_cast<std::uint64_t>(mb_->lane(8, rd::field::kLanePrbsBitsHi)) << 32);
  EXPECT_NEAR(static_cast<double>(bits), 200e9, 200e9 * 0.15);
  const std::uint64_t errors = mb_->lane(8, rd::field::kLanePrbsErrorsLo);
  const float ber = std::bit_cast<float>(mb_->lane(8, rd::field::kLanePreFecBer));
  EXPECT_NEAR(static_cast<double>(errors) / static_cast<double>(bits), ber, ber * 0.05);
  // The generator takes the port's link down.
  ASSERT_EQ(mb_->run(O::kPrbs, {8, 0, 0}).code, C::kOk);
  admin_up(2);
  sw_->advance(1500ms);
  ASSERT_EQ(mb_->port(2, rd::field::kPortOperMask), 1u);
  EXPECT_EQ(mb_->run(O::kPrbs, {8, 1, 1}).code, C::kOk);
  sw_->advance(1ms);
  EXPECT_EQ(mb_->port(2, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kPrbs));
}

TEST_F(Cpo144, NearEndLoopbackBringsALinkUpWithoutLight) {
  ASSERT_TRUE(sw_->backdoor().cut_fiber(PortId(9)).ok());
  admin_up(9);
  sw_->advance(2s);
  EXPECT_EQ(mb_->port(9, rd::field::kPortOperMask), 0u);
  ASSERT_EQ(mb_->run(O::kLoopback, {9, 1}).code, C::kOk);
  sw_->advance(1500ms);
  EXPECT_EQ(mb_->port(9, rd::field::kPortOperMask), 1u);
}

// ------------------------------------------------------------------ lasers
class LaserImpact : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(LaserImpact, LaserFailureTakesDownExactlyTheImpactedLogicalPorts) {
  const std::uint32_t subports = GetParam();
  auto sw = make();
  std::vector<std::unique_ptr<Mailbox>> mbs;
  BreakoutMap map;
  auto mode = BreakoutMode::parse(subports == 1 ? "1x800G[400G]" : "4x200G");
  ASSERT_TRUE(mode.ok());
  for (std::size_t u = 0; u < sw->unit_count(); ++u) {
    mbs.push_back(std::make_unique<Mailbox>(sw->bar(u)));
    ASSERT_EQ(mbs[u]->run(O::kBreakout, {0, 36, subports}).code, C::kOk);
    for (std::uint32_t p = 0; p < 36; ++p) ASSERT_EQ(mbs[u]->run(O::kPortAdmin, {p, rd::kAllSubports, 1}).code, C::kOk);
  }
  for (const auto& p : sw->platform().ports()) map[p.id] = *mode;
  sw->advance(2s);
  auto all_up = [&] {
    std::set<LogicalPort> up;
    for (std::size_t u = 0; u < sw->unit_count(); ++u)
      for (std::uint32_t p = 0; p < 36; ++p) {
        const std::uint32_t oper = mbs[u]->port(p, rd::field::kPortOperMask);
        for (std::uint32_t s = 0; s < subports; ++s)
          if (oper & (1u << s)) up.insert(LogicalPort{PortId(static_cast<std::uint32_t>(u * 36 + p)), s});
      }
    return up;
  };
  const auto before = all_up();
  ASSERT_EQ(before.size(), 144u * subports);
  const LaserRef laser{ElsId(7), 3};
  ASSERT_TRUE(sw->backdoor().fail_laser(laser).ok());
  sw->advance(10ms);
  const auto after = all_up();
  std::vector<LogicalPort> down;
  for (const auto& lp : before)
    if (!after.count(lp)) down.push_back(lp);
  auto expected = sw->platform().impacted_ports(laser, map);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(down, *expected);
  // The laser record and the ELSFP fault flag show it.
  Mailbox& mb = *mbs[1];  // ELS 7 is unit 1's ELS 3
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 3 * 8 + 3, rd::field::kLaserState)),
            static_cast<std::uint32_t>(rd::LaserState::kFault));
  std::array<std::uint8_t, 128> p1a{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 3, 0, 0x1A, true, p1a).code, C::kOk);
  EXPECT_EQ(p1a[166 - 128], 1u << 3);
  EXPECT_EQ(p1a[212 - 128 + 3] & 0x0F, 1u);  // APC loop failure
  EXPECT_TRUE(has_event(mb.events(), rd::EventType::kLaserFault, rd::make_object(rd::ObjectKind::kLaser, 3, 3),
                        static_cast<std::uint32_t>(rd::LaserFault::kApcLoop)));
}

INSTANTIATE_TEST_SUITE_P(Breakouts, LaserImpact, ::testing::Values(1u, 4u));

TEST_F(Cpo144, ElsRemovalAndInsertion) {
  admin_up(0);
  sw_->advance(1500ms);
  mb_->events();
  ASSERT_TRUE(sw_->backdoor().remove_els(ElsId(0)).ok());
  sw_->advance(1ms);
  auto ev = mb_->events();
  EXPECT_TRUE(has_event(ev, rd::EventType::kElsRemoved, rd::make_object(rd::ObjectKind::kEls, 0), 0));
  EXPECT_TRUE(
      has_event(ev, rd::EventType::kLinkDown, port_obj(0), static_cast<std::uint32_t>(rd::LinkCause::kElsRemoved)));
  std::array<std::uint8_t, 128> page{};
  EXPECT_EQ(mb_->cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1A, true, page).code, C::kNotPresent);
  EXPECT_EQ(mb_->status(rd::at(rd::record::kEls, 0, rd::field::kElsPresent)), 0u);
  EXPECT_EQ(sw_->backdoor().remove_els(ElsId(0)).code(), Code::failed_precondition);
  ASSERT_TRUE(sw_->backdoor().insert_els(ElsId(0)).ok());
  sw_->advance(1ms);
  EXPECT_TRUE(has_event(mb_->events(), rd::EventType::kElsInserted, rd::make_object(rd::ObjectKind::kEls, 0), 0));
  // Inserted with lasers off and output fibers unchecked: enabled (page 1Ah byte 220), the
  // lasers emit only the fiber-check power and the link stays down ...
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 0u);
  std::array<std::uint8_t, 128> p1a{};
  ASSERT_EQ(mb_->cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1A, true, p1a).code, C::kOk);
  EXPECT_EQ(p1a[220 - 128], 0x00);
  EXPECT_EQ(p1a[223 - 128], 0x00);
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0xFF}).code, C::kOk);
  sw_->advance(100ms);
  EXPECT_EQ(mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserPowerMon)), 10000u);  // 1 mW
  sw_->advance(1500ms);
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 0u);
  EXPECT_NE(mb_->port(0, rd::field::kPortFaults) & rd::bits::kPortFaultsLaserFault.mask(), 0u);
  // ... until the host marks their output fibers checked (byte 223): they ramp, the link returns.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0xFF}).code, C::kOk);
  sw_->advance(100ms);
  EXPECT_EQ(mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserState)),
            static_cast<std::uint32_t>(rd::LaserState::kRamping));
  sw_->advance(1500ms);
  EXPECT_EQ(mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserState)),
            static_cast<std::uint32_t>(rd::LaserState::kOn));
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 1u);
  EXPECT_EQ(sw_->backdoor().remove_els(ElsId(18)).code(), Code::out_of_range);
}

TEST_F(Cpo144, LaserSetpointOutsideTheAdvertisedRangeIsRefusedNotClamped) {
  sw_->advance(200ms);
  const std::size_t setpoint = rd::at(rd::record::kLaser, 1, rd::field::kLaserPowerSetpoint);
  const std::uint32_t before = mb_->status(setpoint);
  auto snapshot = sw_->backdoor().snapshot(UnitId(0));
  // Page 1Bh byte 146 = laser 1's power set-point, 10 uW steps: 200 mW (above 150) and
  // 10 mW (below 20) are refused with BadValue on the data word, nothing written.
  for (std::uint16_t raw : {std::uint16_t{20000}, std::uint16_t{1000}}) {
    auto c = mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1B, true, 146 - 128,
                             {static_cast<std::uint8_t>(raw >> 8), static_cast<std::uint8_t>(raw & 0xFF)});
    EXPECT_EQ(c.code, C::kBadValue) << raw;
    EXPECT_EQ(c.result[0], 7u) << raw;
  }
  sw_->advance(200ms);
  EXPECT_EQ(mb_->status(setpoint), before);
  // 120 mW is inside the range: accepted and applied.
  ASSERT_EQ(mb_->cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1B, true, 146 - 128, {0x2E, 0xE0}).code, C::kOk);
  sw_->advance(200ms);
  EXPECT_EQ(mb_->status(setpoint), 1200000u);  // 0.1 uW units
  EXPECT_NE(*sw_->backdoor().snapshot(UnitId(0)), *snapshot);
}

TEST_F(Cpo144, AgingRaisesBiasUntilTheApcLoopFails) {
  sw_->advance(200ms);
  const std::uint32_t fresh = mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserBiasMon));
  EXPECT_GT(fresh, 400000u);  // about 0.45 A for 100 mW
  ASSERT_TRUE(sw_->backdoor().set_laser_age(LaserRef{ElsId(0), 0}, std::chrono::hours(25000)).ok());
  sw_->advance(200ms);
  const std::uint32_t old = mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserBiasMon));
  EXPECT_GT(old, fresh + 50000u);  // uA
  EXPECT_NE(
      mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserFlags)) & rd::bits::kLaserFlagsBiasHighWarning.mask(),
      0u);
  ASSERT_TRUE(sw_->backdoor().set_laser_age(LaserRef{ElsId(0), 0}, std::chrono::hours(150000)).ok());
  sw_->advance(200ms);
  EXPECT_EQ(mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserFaultCode)),
            static_cast<std::uint32_t>(rd::LaserFault::kApcLoop));
}

// ------------------------------------------------------------------ CMIS state machines
TEST(SimCmis, ModuleAndDataPathStateMachinesRunWithTheirDurations) {
  auto sw = make("cpo144", 1, sim::StartState::cold);
  Mailbox mb(sw->bar(0));
  std::array<std::uint8_t, 128> lower{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kOe, 0, 0, 0, false, lower).code, C::kOk);
  EXPECT_EQ((lower[3] >> 1) & 7, 1);  // ModuleLowPwr
  // Release LowPwr: ModulePwrUp for 1 s, then ModuleReady; DPInit 1 s, TxTurnOn 0.1 s.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kOe, 0, 0, 0, false, 26, {0x00}).code, C::kOk);
  EXPECT_EQ(mb.status(rd::at(rd::record::kOe, 0, rd::field::kOeModuleState)),
            static_cast<std::uint32_t>(rd::ModuleState::kPwrUp));
  sw->advance(900ms);
  EXPECT_EQ(mb.status(rd::at(rd::record::kOe, 0, rd::field::kOeModuleState)),
            static_cast<std::uint32_t>(rd::ModuleState::kPwrUp));
  sw->advance(200ms);
  EXPECT_EQ(mb.status(rd::at(rd::record::kOe, 0, rd::field::kOeModuleState)),
            static_cast<std::uint32_t>(rd::ModuleState::kReady));
  EXPECT_EQ(mb.lane(0, rd::field::kLaneDataPathState), static_cast<std::uint32_t>(rd::DataPathState::kInit));
  sw->advance(1050ms);
  EXPECT_EQ(mb.lane(0, rd::field::kLaneDataPathState), static_cast<std::uint32_t>(rd::DataPathState::kActivated));
  std::array<std::uint8_t, 128> p11{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kOe, 0, 0, 0x11, true, p11).code, C::kOk);
  EXPECT_EQ(p11[0], 0x44);  // lanes 1,2 DPActivated
  // DPDeinit on lane 1 of bank 0: TxTurnOff 50 ms, DPDeinit 0.5 s, then DPDeactivated.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kOe, 0, 0, 0x10, true, 0, {0x01}).code, C::kOk);
  sw->advance(400ms);
  EXPECT_EQ(mb.lane(0, rd::field::kLaneDataPathState), static_cast<std::uint32_t>(rd::DataPathState::kDeinit));
  sw->advance(200ms);
  EXPECT_EQ(mb.lane(0, rd::field::kLaneDataPathState), static_cast<std::uint32_t>(rd::DataPathState::kDeactivated));
  EXPECT_EQ(mb.lane(1, rd::field::kLaneDataPathState), static_cast<std::uint32_t>(rd::DataPathState::kActivated));
  // LowPwr again: DPInitPending for the released lanes while the module is down.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kOe, 0, 0, 0, false, 26, {0x10}).code, C::kOk);
  sw->advance(200ms);
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kOe, 0, 0, 0x11, true, p11).code, C::kOk);
  EXPECT_EQ(p11[0], 0x11);
  EXPECT_EQ(p11[235 - 128], 0xFE);
}

TEST(SimCmis, ColdStartLasersRampOnceTheirOutputFiberIsChecked) {
  auto sw = make("cpo144", 1, sim::StartState::cold);
  Mailbox mb(sw->bar(0));
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserState)),
            static_cast<std::uint32_t>(rd::LaserState::kOff));
  std::array<std::uint8_t, 128> p1a{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1A, true, p1a).code, C::kOk);
  EXPECT_EQ(p1a[223 - 128], 0x00);  // no output fiber checked
  EXPECT_EQ(p1a[248 - 128], 1);     // fiber-check power, 1 mW
  // Enabled, unchecked: the fiber-check power only.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 220 - 128, {0x01}).code, C::kOk);
  sw->advance(100ms);
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserState)),
            static_cast<std::uint32_t>(rd::LaserState::kOn));
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserPowerMon)), 10000u);  // 1 mW, 0.1 uW units
  // Checked: ramp at 0.5 mW/ms to the 100 mW set-point.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0x01}).code, C::kOk);
  sw->advance(100ms);
  const std::uint32_t mid = mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserPowerMon));
  EXPECT_GT(mid, 10000u);
  EXPECT_LT(mid, 1000000u);  // below 100 mW while ramping
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserState)),
            static_cast<std::uint32_t>(rd::LaserState::kRamping));
  sw->advance(200ms);
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserPowerMon)), 1000000u);
  std::array<std::uint8_t, 128> p1b{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1B, true, p1b).code, C::kOk);
  EXPECT_EQ((p1b[200 - 128] << 8) | p1b[201 - 128], 10000);  // 100 mW in 10 uW steps
  // Unchecked again: back to the fiber-check power at once (no ramp down).
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0x00}).code, C::kOk);
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserPowerMon)), 10000u);
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1B, true, p1b).code, C::kOk);
  EXPECT_EQ((p1b[200 - 128] << 8) | p1b[201 - 128], 100);  // 1 mW
  // Laser 1 was never enabled: checking its fiber lights nothing.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, 0x1A, true, 223 - 128, {0x02}).code, C::kOk);
  sw->advance(300ms);
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 1, rd::field::kLaserPowerMon)), 0u);
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 0, rd::field::kLaserPowerMon)), 10000u);
}

TEST(SimCmis, OperationalStartHasEveryOutputFiberChecked) {
  for (const char* profile : {"cpo144", "bailly51t"}) {
    auto sw = make(profile);
    Mailbox mb(sw->bar(0));
    const std::uint32_t banks = (sw->bar(0).read32(rd::reg::kLasersPerEls) + 7) / 8;
    for (std::uint32_t bank = 0; bank < banks; ++bank) {
      std::array<std::uint8_t, 128> p1a{};
      ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, bank, 0x1A, true, p1a).code, C::kOk);
      const auto a = cpo::cmis::decode_page1a(p1a);
      EXPECT_EQ(a.lane_enable, 0xFF) << profile << " bank " << bank;
      EXPECT_EQ(a.output_fiber_checked, 0xFF) << profile << " bank " << bank;
      EXPECT_EQ(a.control_mode, cpo::cmis::ElsControlMode::apc);
      EXPECT_DOUBLE_EQ(a.fiber_check_power.value(), 1.0);
    }
  }
}

TEST(SimCmis, PagesDecodeWithTheHalCodec) {
  auto sw = make();
  Mailbox mb(sw->bar(0));
  sw->advance(500ms);
  std::array<std::uint8_t, 128> page{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kOe, 1, 0, 0, false, page).code, C::kOk);
  const auto lower = cpo::cmis::decode_lower(page);
  EXPECT_EQ(lower.module_state, cpo::cmis::ModuleState::ready);
  EXPECT_EQ(lower.revision.major, 5);
  EXPECT_NEAR(lower.temperature.value(), sw->backdoor().oe_temperature(OeId(1))->value(), 0.01);
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kOe, 1, 0, 0x00, true, page).code, C::kOk);
  const auto p00 = cpo::cmis::decode_page00(page);
  EXPECT_TRUE(p00.checksum_ok);
  EXPECT_EQ(p00.vendor_name, "CPOSDK SIM");
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kOe, 1, 2, 0x11, true, page).code, C::kOk);
  const auto p11 = cpo::cmis::decode_page11(page);
  EXPECT_EQ(p11.data_path_state[7], cpo::cmis::DataPathState::activated);
  EXPECT_NEAR(to_dbm(p11.tx_power[0]).value(), 2.5, 0.1);              // launch power per lane
  ASSERT_TRUE(sw->backdoor().fail_laser(LaserRef{ElsId(1), 2}).ok());  // unit 0's ELS 1
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 1, 0, 0x1A, true, page).code, C::kOk);
  const auto p1a = cpo::cmis::decode_page1a(page);
  EXPECT_EQ(p1a.lane_state[2], cpo::cmis::ElsLaneState::off);
  EXPECT_EQ(p1a.lane_state[3], cpo::cmis::ElsLaneState::on);
  EXPECT_EQ(p1a.fault_code[2], cpo::cmis::kElsFaultApcLoop);
  EXPECT_EQ(p1a.lane_fault_flags, 1u << 2);
  EXPECT_EQ(p1a.control_mode, cpo::cmis::ElsControlMode::apc);
  // The OE sees the dark lanes: laser 2 of ELS 1 lights port 10 = lanes 40..43 = OE 1 bank 2 lanes 0..3.
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kOe, 1, 2, 0x11, true, page).code, C::kOk);
  const auto dark = cpo::cmis::decode_page11(page);
  EXPECT_EQ(dark.tx_fault, 0x0F);
  EXPECT_EQ(dark.tx_power_flags.low_alarm, 0x0F);
  EXPECT_EQ(dark.rx_los, 0x0F);
  EXPECT_EQ(dark.rx_power_flags.low_alarm, 0x0F);
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 1, 0, 0x1B, true, page).code, C::kOk);
  const auto p1b = cpo::cmis::decode_page1b(page);
  EXPECT_NEAR(p1b.power[3].value(), 100.0, 0.01);
  EXPECT_GT(p1b.bias[3].value(), 400.0);
  // A power set-point written through the mailbox reaches the laser at the module's bounded
  // ramp rate (0.5 mW/ms, 40 ms from 100 to 120 mW): a lit laser never jumps up in one step.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 1, 0, 0x1B, true, 144 - 128 + 6, {0x2E, 0xE0}).code, C::kOk);  // 120 mW
  EXPECT_LT(mb.status(rd::at(rd::record::kLaser, 8 + 3, rd::field::kLaserPowerMon)), 1150000u);
  sw->advance(50ms);
  EXPECT_EQ(mb.status(rd::at(rd::record::kLaser, 8 + 3, rd::field::kLaserPowerMon)), 1200000u);
}

TEST(SimClock, RealTimeModeServesDoorbellsFromItsThread) {
  sim::SimOptions o;
  o.clock = sim::ClockMode::real_time;
  auto sw = Switch::create(o);
  ASSERT_TRUE(sw.ok());
  Mailbox mb((*sw)->bar(0));
  auto c = mb.run(O::kNop, {}, 2s, 50us);  // real time: the Bar's wait sleeps
  EXPECT_FALSE(c.timed_out);
  EXPECT_EQ(c.code, C::kOk);
  EXPECT_GT((*sw)->now().count(), 0);
}

// ------------------------------------------------------------------ faults
TEST_F(Cpo144, OeFaultTakesItsPortsDownAndAnUnresponsiveOeAnswersDeviceFault) {
  admin_up(0);
  sw_->advance(1500ms);
  mb_->events();
  ASSERT_TRUE(sw_->backdoor().fail_oe(OeId(0), true).ok());
  sw_->advance(1ms);
  auto ev = mb_->events();
  EXPECT_TRUE(has_event(ev, rd::EventType::kOeFault, rd::make_object(rd::ObjectKind::kOe, 0, 0xFF), 0));
  EXPECT_TRUE(
      has_event(ev, rd::EventType::kLinkDown, port_obj(0), static_cast<std::uint32_t>(rd::LinkCause::kOeFault)));
  EXPECT_EQ(mb_->status(rd::at(rd::record::kOe, 0, rd::field::kOeModuleState)),
            static_cast<std::uint32_t>(rd::ModuleState::kFault));
  std::array<std::uint8_t, 128> page{};
  EXPECT_EQ(mb_->cmis_read(rd::CmisTarget::kOe, 0, 0, 0, false, page).code, C::kDeviceFault);
  ASSERT_TRUE(sw_->backdoor().repair_oe(OeId(0)).ok());
  // ModulePwrUp 1 s, DPInit 1 s, DPTxTurnOn 0.1 s, link training 1 s.
  sw_->advance(3s);
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 0u);
  sw_->advance(200ms);
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 1u);
}

TEST_F(Cpo144, OverTemperatureRaisesAlarmsThenShutsTheLasersDown) {
  admin_up(0);
  sw_->advance(1500ms);
  mb_->events();
  ASSERT_TRUE(sw_->backdoor().set_coolant_temperature(Celsius(44.0)).ok());
  sw_->advance(120s);
  auto ev = mb_->events();
  EXPECT_TRUE(has_event(ev, rd::EventType::kTempAlarm, rd::make_object(rd::ObjectKind::kEls, 0),
                        static_cast<std::uint32_t>(rd::ThresholdFlag::kHighWarning)));
  EXPECT_EQ(mb_->port(0, rd::field::kPortOperMask), 1u);
  ASSERT_TRUE(sw_->backdoor().set_coolant_temperature(Celsius(62.0)).ok());
  sw_->advance(120s);
  ev = mb_->events();
  EXPECT_TRUE(has_event(ev, rd::EventType::kThermalShutdown, rd::make_object(rd::ObjectKind::kEls, 0), 0));
  EXPECT_TRUE(has_event(ev, rd::EventType::kLinkDown, port_obj(0),
                        static_cast<std::uint32_t>(rd::LinkCause::kThermalShutdown)));
  EXPECT_NE(mb_->status(rd::reg::kUnitFlags) & rd::bits::kUnitFlagsThermalShutdown.mask(), 0u);
  EXPECT_EQ(mb_->status(rd::at(rd::record::kLaser, 0, rd::field::kLaserFaultCode)),
            static_cast<std::uint32_t>(rd::LaserFault::kThermalShutdown));
  auto t = sw_->backdoor().laser_temperature(LaserRef{ElsId(0), 0});
  ASSERT_TRUE(t.ok());
  EXPECT_GT(t->value(), 60.0);
}

TEST_F(Cpo144, OeOverheatRaisesCmisTemperatureFlags) {
  ASSERT_TRUE(sw_->backdoor().overheat_oe(OeId(2), Celsius(30.0)).ok());
  sw_->advance(120s);
  auto ev = mb_->events();
  EXPECT_TRUE(has_event(ev, rd::EventType::kTempAlarm, rd::make_object(rd::ObjectKind::kOe, 2, 0xFF),
                        static_cast<std::uint32_t>(rd::ThresholdFlag::kHighAlarm)));
  std::array<std::uint8_t, 128> lower{};
  ASSERT_EQ(mb_->cmis_read(rd::CmisTarget::kOe, 2, 0, 0, false, lower).code, C::kOk);
  EXPECT_EQ(lower[9] & 0x05, 0x05);  // TempHighAlarm + TempHighWarning latched
  const auto temp = static_cast<std::int16_t>((lower[14] << 8) | lower[15]);
  EXPECT_GT(temp / 256.0, 75.0);
}

TEST_F(Cpo144, HungFirmwareTimesOutAndHardResetRecovers) {
  ASSERT_TRUE(sw_->backdoor().hang_firmware(UnitId(0)).ok());
  const std::uint32_t hb = mb_->status(rd::reg::kHeartbeat);
  auto c = mb_->run(O::kNop, {}, 500ms);
  EXPECT_TRUE(c.timed_out);
  EXPECT_EQ(mb_->bar().read32(rd::reg::kHeartbeat), hb);
  mb_->bar().write32(rd::reg::kHardReset, rd::kHardResetKey);
  sw_->advance(300ms);
  EXPECT_EQ(mb_->run(O::kNop).code, C::kOk);
  EXPECT_TRUE(has_event(mb_->events(), rd::EventType::kUnitReset, rd::make_object(rd::ObjectKind::kUnit, 0), 0));
}

TEST_F(Cpo144, PcieErrorsAndSurpriseRemovalReadAllOnes) {
  Bar& b = sw_->bar(2);
  ASSERT_TRUE(sw_->backdoor().pcie_error_reads(UnitId(2), 2).ok());
  EXPECT_EQ(b.read32(rd::reg::kMagic), 0xFFFFFFFFu);
  EXPECT_EQ(b.read32(rd::reg::kMagic), 0xFFFFFFFFu);
  EXPECT_EQ(b.read32(rd::reg::kMagic), rd::kMagic);
  ASSERT_TRUE(sw_->backdoor().surprise_remove(UnitId(2)).ok());
  EXPECT_EQ(b.read32(rd::reg::kMagic), 0xFFFFFFFFu);
  b.write32(rd::reg::kScratch, 5);
  EXPECT_EQ(b.read32(rd::reg::kScratch), 0xFFFFFFFFu);
  EXPECT_EQ(sw_->backdoor().surprise_remove(UnitId(4)).code(), Code::out_of_range);
  EXPECT_THAT(sw_->backdoor().surprise_remove(UnitId(4)).message(), HasSubstr("unit 4: allowed 0..3"));
}

TEST_F(Cpo144, WriteCounterAndSnapshotProveNothingChanged) {
  auto w0 = sw_->backdoor().write_count(UnitId(0));
  auto s0 = sw_->backdoor().snapshot(UnitId(0));
  ASSERT_TRUE(w0.ok() && s0.ok());
  // Reading a status register is side-effect free: it returns the state (port 0 admin down
  // at start) and writes nothing.
  EXPECT_EQ(mb_->port(0, rd::field::kPortAdminMask), 0u);
  EXPECT_EQ(*sw_->backdoor().write_count(UnitId(0)), *w0);
  EXPECT_EQ(*sw_->backdoor().snapshot(UnitId(0)), *s0);
  admin_up(0);
  EXPECT_GT(*sw_->backdoor().write_count(UnitId(0)), *w0);
}

// ------------------------------------------------------------------ event ring
TEST_F(Cpo144, EventRingOverrunIsDetectableAndEventAckResynchronises) {
  // 36 ports up and down 20 times: far more than 1024 link events without consuming.
  ASSERT_EQ(mb_->run(O::kBreakout, {0, 36, 4}).code, C::kOk);
  for (std::uint32_t p = 0; p < 36; ++p) admin_up(p);
  for (std::uint32_t round = 0; round < 16; ++round) {
    sw_->advance(1500ms);
    for (std::uint32_t p = 0; p < 36; ++p)
      ASSERT_EQ(mb_->run(O::kPortAdmin, {p, rd::kAllSubports, round % 2}).code, C::kOk);
  }
  Bar& b = mb_->bar();
  const std::uint32_t prod = b.read32(rd::reg::kEvtProducer);
  EXPECT_GT(prod - b.read32(rd::reg::kEvtConsumer), rd::kEventRingEntries);
  EXPECT_GT(b.read32(rd::reg::kEvtLost), 0u);
  auto c = mb_->run(O::kEventAck, {prod});
  EXPECT_EQ(c.code, C::kOk);
  EXPECT_EQ(c.result[0], prod);
  EXPECT_GT(c.result[1], 0u);
  EXPECT_EQ(b.read32(rd::reg::kEvtLost), 0u);
  EXPECT_EQ(b.read32(rd::reg::kEvtConsumer), prod);
}

// ------------------------------------------------------------------ determinism, memory, fabric
std::vector<std::uint32_t> run_mixed(std::uint64_t seed) {
  sim::SimOptions o;
  o.seed = seed;
  o.status_period = 250ms;  // a slower firmware refresh keeps the 10-minute run cheap in debug builds
  auto sw = std::move(Switch::create(o)).value();
  Mailbox mb(sw->bar(0));
  Mailbox mb3(sw->bar(3));
  for (std::uint32_t p = 0; p < 36; ++p) mb.run(O::kPortAdmin, {p, rd::kAllSubports, 1});
  mb3.run(O::kBreakout, {0, 10, 2});
  for (std::uint32_t p = 0; p < 10; ++p) mb3.run(O::kPortAdmin, {p, rd::kAllSubports, 1});
  sw->advance(60s);
  (void)sw->backdoor().fail_laser(LaserRef{ElsId(2), 5});
  (void)sw->backdoor().set_fiber_loss(PortId(3), 2, Decibels(4.0));
  mb.run(O::kPrbs, {40, 3, 3});
  sw->advance(120s);
  (void)sw->backdoor().set_coolant_temperature(Celsius(40.0));
  (void)sw->backdoor().degrade_lane(LaneId(433), Decibels(2.5));
  sw->advance(180s);
  (void)sw->backdoor().remove_els(ElsId(16));
  sw->advance(240s);
  auto snap = sw->backdoor().snapshot(UnitId(0));
  auto snap3 = sw->backdoor().snapshot(UnitId(3));
  std::vector<std::uint32_t> out = *snap;
  out.insert(out.end(), snap3->begin(), snap3->end());
  return out;
}

TEST(SimDeterminism, SameSeedSameCallsGiveIdenticalRegistersAfterTenVirtualMinutes) {
  const auto a = run_mixed(42);
  const auto b = run_mixed(42);
  EXPECT_TRUE(a == b);
  // The runs did what run_mixed asked: two identical snapshots of a simulator that ignored
  // the calls would pass the comparison above too.
  const std::size_t words = rd::kWindowBytes / 4;
  ASSERT_EQ(a.size(), 2 * words);
  auto u0 = [&](std::size_t offset) { return a[offset / 4]; };
  auto u3 = [&](std::size_t offset) { return a[words + offset / 4]; };
  const std::uint64_t t = u0(rd::reg::kTimeLo) | (static_cast<std::uint64_t>(u0(rd::reg::kTimeHi)) << 32);
  EXPECT_GE(t, 600'000'000'000ull);  // 60 + 120 + 180 + 240 s of virtual time
  EXPECT_EQ(u0(rd::at(rd::record::kPort, 0, rd::field::kPortAdminMask)), 1u);
  EXPECT_EQ(u0(rd::at(rd::record::kPort, 0, rd::field::kPortOperMask)), 1u);
  EXPECT_GT(u0(rd::at(rd::record::kPort, 0, rd::field::kPortFecCorrectedLo)), 0u);
  const std::uint32_t lasers = u0(rd::reg::kLasersPerEls);
  EXPECT_EQ(u0(rd::at(rd::record::kLaser, 2 * lasers + 5, rd::field::kLaserState)),
            static_cast<std::uint32_t>(rd::LaserState::kFault));
  // The 4 dB fiber on port 3 lane 2 lowers that lane's received power below its neighbour's.
  EXPECT_LT(u0(rd::at(rd::record::kLane, 3 * 4 + 2, rd::field::kLaneRxPower)),
            u0(rd::at(rd::record::kLane, 3 * 4 + 1, rd::field::kLaneRxPower)));
  const std::uint32_t els16 = 16 - u3(rd::reg::kFirstEls);
  EXPECT_EQ(u3(rd::at(rd::record::kEls, els16, rd::field::kElsPresent)), 0u);
  EXPECT_EQ(u3(rd::at(rd::record::kPort, 0, rd::field::kPortBreakout)), 2u);
  EXPECT_GT(u3(rd::at(rd::record::kEls, 0, rd::field::kElsTemp)), 0u);
}

TEST(SimDeterminism, TheSeedSetsThePerLaneSpread) {
  auto a = make("cpo144", 1), b = make("cpo144", 2);
  a->advance(1s);
  b->advance(1s);
  EXPECT_NE(*a->backdoor().snr_db(LaneId(0)), *b->backdoor().snr_db(LaneId(0)));
}

TEST(SimMemory, RegisterWindowLivesInCallerSharedMemory) {
  const int fd = ::memfd_create("cposdk-sim-test", 0);
  ASSERT_GE(fd, 0);
  const std::size_t bytes = rd::kWindowBytes * 4;
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(bytes)), 0);
  void* sim_side = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  void* other = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(sim_side, MAP_FAILED);
  ASSERT_NE(other, MAP_FAILED);
  sim::SimOptions o;
  for (std::size_t u = 0; u < 4; ++u) o.unit_memory.push_back(static_cast<char*>(sim_side) + u * rd::kWindowBytes);
  {
    auto sw = Switch::create(o);
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    const auto* words = static_cast<const std::uint32_t*>(other);
    EXPECT_EQ(words[(rd::kWindowBytes * 2 + rd::reg::kMagic) / 4], rd::kMagic);
    EXPECT_EQ(words[(rd::kWindowBytes * 2 + rd::reg::kUnitIndex) / 4], 2u);
    // Another process rings the doorbell in the shared memory, not through the simulator's
    // Bar: the firmware polls such windows and serves the command.
    auto* w1 = static_cast<std::uint32_t*>(other) + rd::kWindowBytes / 4;
    const std::uint32_t tag = w1[rd::reg::kMbxDoorbell / 4] + 1;
    w1[rd::reg::kMbxOpcode / 4] = static_cast<std::uint32_t>(O::kNop);
    std::atomic_ref<std::uint32_t>(w1[rd::reg::kMbxDoorbell / 4]).store(tag);
    (*sw)->advance(1ms);
    EXPECT_EQ(std::atomic_ref<std::uint32_t>(w1[rd::reg::kMbxCompTag / 4]).load(), tag);
    EXPECT_EQ(std::atomic_ref<std::uint32_t>(w1[rd::reg::kMbxCompCode / 4]).load(), static_cast<std::uint32_t>(C::kOk));
  }
  o.unit_memory.pop_back();
  auto bad = Switch::create(o);
  EXPECT_EQ(bad.status().code(), Code::invalid_argument);
  EXPECT_THAT(bad.status().message(), HasSubstr("unit_memory has 3 windows, the profile has 4 units"));
  ::munmap(sim_side, bytes);
  ::munmap(other, bytes);
  ::close(fd);
}

// ------------------------------------------------------------------ firmware tick
TEST_F(Cpo144, ASteadySwitchKeepsItsHeartbeatAndClockAndFollowsACoolantChange) {
  sw_->advance(5s);  // long past start-up: nothing changes, every temperature at its target
  Bar& b = sw_->bar(1);
  const std::uint32_t hb = b.read32(rd::reg::kHeartbeat);
  const std::uint32_t t0 = b.read32(rd::reg::kTimeLo);
  const auto oe_temp = [&] {
    return static_cast<std::int16_t>(b.read32(rd::at(rd::record::kOe, 0, rd::field::kOeTemp)));
  };
  const std::int16_t before = oe_temp();
  sw_->advance(300ms);
  EXPECT_EQ(b.read32(rd::reg::kHeartbeat), hb + 3);  // one per 100 ms tick
  EXPECT_EQ(b.read32(rd::reg::kTimeLo) - t0, 300'000'000u);
  EXPECT_EQ(oe_temp(), before);
  ASSERT_TRUE(sw_->backdoor().set_coolant_temperature(Celsius(40.0)).ok());
  sw_->advance(200ms);
  // 10 K warmer coolant, 20 s time constant: about 0.1 K after 200 ms, at once, not at the
  // quiet switch's next once-a-second thermal pass.
  EXPECT_GT(oe_temp() - before, 0.05 * 256);
  sw_->advance(60s);
  EXPECT_NEAR((oe_temp() - before) / 256.0, 10.0 * (1.0 - std::exp(-60.2 / 20.0)), 0.1);
}

TEST_F(Cpo144, FecCountsOnlyOnAnAdminUpPort) {
  admin_up(0);
  sw_->advance(3s);
  EXPECT_GT(mb_->port(0, rd::field::kPortFecCorrectedLo), 0u);
  // Port 1 receives the same light on its loopback plug, but its PCS is off.
  EXPECT_NE(mb_->lane(4, rd::field::kLaneFlags) & rd::bits::kLaneFlagsCdrLock.mask(), 0u);
  EXPECT_EQ(mb_->port(1, rd::field::kPortFecCorrectedLo), 0u);
}

TEST(SimFabric, CommandsOnEverySwitchOfAFabricAreServed) {
  sim::Fabric fabric;
  std::vector<Switch*> sws;
  for (std::uint64_t i = 0; i < 6; ++i) {
    sim::SimOptions o;
    o.seed = i + 1;
    auto s = fabric.add(o);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    sws.push_back(*s);
  }
  // Ring every unit of every switch before the firmware runs: each is queued once and served.
  std::vector<std::uint32_t> tags;
  for (Switch* sw : sws)
    for (std::size_t u = 0; u < sw->unit_count(); ++u) {
      Bar& b = sw->bar(u);
      b.write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(O::kPortAdmin));
      b.write32(rd::mbx_arg(0), 2);
      b.write32(rd::mbx_arg(1), rd::kAllSubports);
      b.write32(rd::mbx_arg(2), 1);
      tags.push_back(b.read32(rd::reg::kMbxDoorbell) + 1);
      b.write32(rd::reg::kMbxDoorbell, tags.back());
      b.write32(rd::reg::kMbxDoorbell, tags.back());  // a second write of the same tag is no new command
    }
  fabric.advance(1ms);
  std::size_t k = 0;
  for (Switch* sw : sws)
    for (std::size_t u = 0; u < sw->unit_count(); ++u, ++k) {
      Bar& b = sw->bar(u);
      EXPECT_EQ(b.read32(rd::reg::kMbxCompTag), tags[k]);
      EXPECT_EQ(b.read32(rd::reg::kMbxCompCode), static_cast<std::uint32_t>(C::kOk));
      EXPECT_EQ(b.read32(rd::at(rd::record::kPort, 2, rd::field::kPortAdminMask)), 1u);
      EXPECT_EQ(b.read32(rd::at(rd::record::kPort, 3, rd::field::kPortAdminMask)), 0u);
    }
}

TEST(SimProfiles, OtherProfilesFitTheWindowAndUnknownOnesAreRejected) {
  for (const char* name : {"bailly51t", "davisson102t"}) {
    auto sw = make(name);
    ASSERT_NE(sw, nullptr);
    EXPECT_EQ(sw->unit_count(), 1u);
    EXPECT_EQ(sw->bar(0).read32(rd::reg::kMagic), rd::kMagic);
  }
  sim::SimOptions o;
  o.profile = "nosuch";
  EXPECT_EQ(Switch::create(o).status().code(), Code::not_found);
}

TEST(SimProfiles, BaillyLaserFailureDarkensHalfAPortAndItsElsHasTwoBanks) {
  auto sw = make("bailly51t");
  Mailbox mb(sw->bar(0));
  ASSERT_EQ(mb.run(O::kBreakout, {0, 2, 4}).code, C::kOk);
  ASSERT_EQ(mb.run(O::kPortAdmin, {0, rd::kAllSubports, 1}).code, C::kOk);
  ASSERT_EQ(mb.run(O::kPortAdmin, {1, rd::kAllSubports, 1}).code, C::kOk);
  sw->advance(2s);
  ASSERT_EQ(mb.port(0, rd::field::kPortOperMask), 0xFu);
  EXPECT_EQ(mb.port(0, rd::field::kPortSubportGbps), 200u);  // 2 x 100G lanes
  // Laser 9 of ELS 0 lights lanes 36..39: port 4. Laser 0 lights lanes 0..3: sub-ports 0 and 1 of port 0.
  ASSERT_TRUE(sw->backdoor().fail_laser(LaserRef{ElsId(0), 0}).ok());
  sw->advance(1ms);
  EXPECT_EQ(mb.port(0, rd::field::kPortOperMask), 0xCu);
  EXPECT_EQ(mb.port(1, rd::field::kPortOperMask), 0xFu);
  BreakoutMap map{{PortId(0), *BreakoutMode::parse("4x200G")}, {PortId(1), *BreakoutMode::parse("4x200G")}};
  auto expected = sw->platform().impacted_ports(LaserRef{ElsId(0), 0}, map);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*expected, (std::vector<LogicalPort>{{PortId(0), 0}, {PortId(0), 1}}));
  std::array<std::uint8_t, 128> page{};
  ASSERT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 1, 0x1A, true, page).code, C::kOk);  // lasers 8..15
  EXPECT_EQ(cpo::cmis::decode_page1a(page).lane_count, 8);
  EXPECT_EQ(mb.cmis_read(rd::CmisTarget::kEls, 0, 2, 0x1A, true, page).code, C::kBadObject);
}

TEST(SimFabric, TwoSwitchesLinkThroughAFiberAndACutDropsBothEnds) {
  sim::Fabric fabric;
  sim::SimOptions o;
  auto a = fabric.add(o);
  o.seed = 2;
  auto b = fabric.add(o);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(fabric.connect(**a, PortId(0), **b, PortId(40)).ok());
  Mailbox ma((*a)->bar(0)), mb((*b)->bar(1));
  ASSERT_EQ(ma.run(O::kPortAdmin, {0, rd::kAllSubports, 1}).code, C::kOk);
  fabric.advance(2s);
  EXPECT_EQ(ma.port(0, rd::field::kPortOperMask), 0u);  // the far end is still admin down
  ASSERT_EQ(mb.run(O::kPortAdmin, {4, rd::kAllSubports, 1}).code, C::kOk);
  fabric.advance(1500ms);
  EXPECT_EQ(ma.port(0, rd::field::kPortOperMask), 1u);
  EXPECT_EQ(mb.port(4, rd::field::kPortOperMask), 1u);
  ASSERT_TRUE((*a)->backdoor().cut_fiber(PortId(0), 2).ok());
  fabric.advance(1ms);
  EXPECT_EQ(ma.port(0, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb.port(4, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mb.port(4, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kRxLos));
}

}  // namespace
}  // namespace cpo::testing
