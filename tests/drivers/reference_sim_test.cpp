// Acceptance: the reference driver on a simulated cpo144 (sim/), end to end, with faults
// injected through the simulator's back door; and the same driver over a memfd
// shared-memory Bar served by a real-time simulator (the driver does not care which Bar).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/status_matchers.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <set>
#include <thread>

#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/drivers/shm/shm_bar.h"
#include "cpo/hal/backend/refdev/mailbox.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/backend/refdev/snapshot_channel.h"
#include "cpo/hal/backend/validated_driver.h"
#include "cpo/hal/cmis/elsfp.h"
#include "cpo/sim/simulator.h"
#include "reference_fake_device.h"

namespace cpo::reference {
namespace {

namespace rd = ::cpo::refdev;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

BreakoutMode mode(std::string_view text) { return *BreakoutMode::parse(text); }

class ReferenceOnSim : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sw = sim::Switch::create();
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    sim_ = std::move(*sw);
    for (std::size_t u = 0; u < sim_->unit_count(); ++u) bars_.push_back(&sim_->bar(u));
    auto d = ReferenceDriver::open(sim_->platform(), bars_);
    ASSERT_TRUE(d.ok()) << d.status().to_string();
    driver_ = std::move(*d);
    validated_ = std::make_unique<ValidatedDriver>(*driver_, sim_->platform());
  }
  std::vector<Event> drain() {
    std::vector<Event> out;
    Status s = driver_->read_events(out);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }
  std::uint64_t writes() {
    std::uint64_t n = 0;
    for (std::uint32_t u = 0; u < sim_->unit_count(); ++u) n += *sim_->backdoor().write_count(UnitId(u));
    return n;
  }
  Status all_admin(AdminState state) {
    for (std::uint32_t p = 0; p < 144; ++p) CPO_RETURN_IF_ERROR(validated_->set_admin_state(PortId(p), state));
    return ok_status();
  }

  std::unique_ptr<sim::Switch> sim_;
  std::vector<Bar*> bars_;
  std::unique_ptr<ReferenceDriver> driver_;
  std::unique_ptr<ValidatedDriver> validated_;
};

TEST_F(ReferenceOnSim, OpensWithTheSimulatorsCapabilities) {
  const Capabilities& c = driver_->capabilities();
  EXPECT_EQ(c.backend, "reference");
  EXPECT_TRUE(c.breakout && c.bulk_breakout && c.tx_fir && c.cmis_oe && c.cmis_els && c.events);
  EXPECT_FALSE(c.fec_modes.empty());
  EXPECT_FALSE(c.prbs_patterns.empty());
}

TEST_F(ReferenceOnSim, AdminUpBringsLinksUpThroughThePhysics) {
  ASSERT_TRUE(all_admin(AdminState::up).ok());
  sim_->advance(2s);
  for (std::uint32_t p = 0; p < 144; ++p) EXPECT_EQ(*validated_->oper_state(PortId(p)), OperState::up) << p;
  auto ev = drain();
  std::size_t ups = 0;
  for (const auto& e : ev)
    ups += e.get<LinkChange>() != nullptr && e.get<LinkChange>()->state == OperState::up ? 1u : 0u;
  EXPECT_EQ(ups, 144u);
  Telemetry t;
  ASSERT_TRUE(read_all_telemetry(*validated_, 4, t).ok());
  EXPECT_GT(t.units[0].lanes[0].snr.value(), 10.0);
  EXPECT_LT(t.units[0].lanes[0].pre_fec_ber, 2.4e-4);
}

TEST_F(ReferenceOnSim, EveryOperationEndToEnd) {
  std::vector<BreakoutRequest> all;
  for (std::uint32_t p = 0; p < 144; ++p) all.push_back({PortId(p), mode("4x200G")});
  ASSERT_TRUE(validated_->set_breakout(all).ok());
  EXPECT_EQ(validated_->port_telemetry(PortId(100))->subports, 4u);
  ASSERT_TRUE(validated_->set_fec(PortId(100), FecMode::rs544).ok());
  ASSERT_TRUE(validated_->set_loopback(PortId(100), LoopbackMode::phy_near_end).ok());
  EXPECT_EQ(validated_->port_telemetry(PortId(100))->loopback, LoopbackMode::phy_near_end);
  ASSERT_TRUE(validated_->set_tx_fir(LaneId(401), {-5, 50, -8}).ok());
  EXPECT_EQ(validated_->lane_telemetry(LaneId(401))->tx_fir, (TxFir{-5, 50, -8}));
  ASSERT_TRUE(validated_->set_prbs(LaneId(401), {PrbsPattern::prbs31q, false, true}).ok());
  EXPECT_TRUE(validated_->prbs_status(LaneId(401))->config.checker);
  ASSERT_TRUE(validated_->set_prbs(LaneId(401), {PrbsPattern::prbs31q, false, false}).ok());
  std::array<std::uint8_t, 128> page{};
  ASSERT_TRUE(validated_->read_cmis({OeId(13), BankId(2), 0x00, 0}, page).ok());
  EXPECT_NE(page[0], 0);  // SFF-8024 identifier of the OE
  ASSERT_TRUE(validated_->read_cmis({OeId(13), BankId(2), 0x11, 128}, page).ok());
  ASSERT_TRUE(validated_->read_cmis({ElsId(4), BankId(0), 0x1a, 128}, page).ok());
  UnitTelemetry u;
  ASSERT_TRUE(validated_->read_telemetry(UnitId(3), u).ok());
  EXPECT_EQ(u.ports.size(), 36u);
  ASSERT_TRUE(validated_->reset_unit(UnitId(3)).ok());
  EXPECT_EQ(validated_->port_telemetry(PortId(140))->subports, 1u);
}

TEST_F(ReferenceOnSim, BadArgumentsNeverReachTheDevice) {
  const std::uint64_t before = writes();
  std::array<std::uint8_t, 8> b{};
  EXPECT_EQ(validated_->set_admin_state(PortId(144), AdminState::up).code(), Code::out_of_range);
  std::vector<BreakoutRequest> bad{{PortId(1), mode("8x100G")}};
  EXPECT_EQ(validated_->set_breakout(bad).code(), Code::unsupported);
  EXPECT_EQ(validated_->set_fec(PortId(1), FecMode::rs528).code(), Code::unsupported);
  EXPECT_EQ(validated_->set_loopback(PortId(145), LoopbackMode::none).code(), Code::out_of_range);
  EXPECT_EQ(validated_->set_tx_fir(LaneId(1), {-25, 40, 0}).code(), Code::out_of_range);
  EXPECT_EQ(validated_->set_tx_fir(LaneId(1), {-20, 40, -20}).code(), Code::out_of_range);
  EXPECT_EQ(validated_->set_tx_fir(LaneId(576), {}).code(), Code::out_of_range);
  EXPECT_EQ(validated_->set_prbs(LaneId(1), {PrbsPattern::prbs9, true, false}).code(), Code::unsupported);
  EXPECT_EQ(validated_->read_cmis({OeId(24), BankId(0), 0, 128}, b).code(), Code::out_of_range);
  EXPECT_EQ(validated_->read_cmis({OeId(0), BankId(3), 0x11, 128}, b).code(), Code::out_of_range);
  EXPECT_EQ(validated_->read_cmis({ElsId(0), BankId(1), 0x1a, 128}, b).code(), Code::out_of_range);
  EXPECT_EQ(validated_->read_cmis({OeId(0), BankId(0), 0, 124}, b).code(), Code::invalid_argument);
  EXPECT_EQ(validated_->write_cmis({ElsId(18), BankId(0), 0x1b, 128}, b).code(), Code::out_of_range);
  EXPECT_EQ(validated_->reset_unit(UnitId(4)).code(), Code::out_of_range);
  EXPECT_EQ(writes(), before);
}

// driver.h: a driver used without ValidatedDriver refuses bad input itself (unsupported for a
// split the device cannot make, as the contract says). Each case here was applied by the
// device (or mapped to "off") before the driver checked it.
TEST_F(ReferenceOnSim, DriverAloneRefusesBreakoutsThatAreNotEqualSplitsOfThePort) {
  const std::uint64_t before = writes();
  for (const char* text : {"2x800G", "4x10G", "4x200G[800G]", "1x400G", "1x400G(2)+2x200G(2)"}) {
    const std::vector<BreakoutRequest> one{{PortId(7), mode(text)}};
    EXPECT_STATUS(driver_->set_breakout(one), Code::unsupported, text);
  }
  const std::vector<BreakoutRequest> twice{{PortId(7), mode("2x400G")}, {PortId(7), mode("4x200G")}};
  EXPECT_STATUS(driver_->set_breakout(twice), Code::invalid_argument, "appears twice");
  // A bad request after a good one: nothing is applied, not even the good one.
  const std::vector<BreakoutRequest> mixed{{PortId(8), mode("2x400G")}, {PortId(9), mode("2x800G")}};
  EXPECT_STATUS(driver_->set_breakout(mixed), Code::unsupported, "port 9: breakout 2x800G is not an equal split");
  EXPECT_EQ(writes(), before);
  EXPECT_EQ(driver_->port_telemetry(PortId(7))->subports, 1u);
  EXPECT_EQ(driver_->port_telemetry(PortId(8))->subports, 1u);
  // The equal splits the profile lists still work through the driver alone.
  const std::vector<BreakoutRequest> good{{PortId(7), mode("4x200G")}, {PortId(8), mode("2x400G")}};
  ASSERT_TRUE(driver_->set_breakout(good).ok());
  EXPECT_EQ(driver_->port_telemetry(PortId(7))->subports, 4u);
  EXPECT_EQ(driver_->port_telemetry(PortId(8))->subports, 2u);
}

TEST_F(ReferenceOnSim, DriverAloneRefusesEnumValuesOutsideTheirEnums) {
  ASSERT_TRUE(driver_->set_loopback(PortId(3), LoopbackMode::phy_near_end).ok());
  ASSERT_TRUE(driver_->set_admin_state(PortId(3), AdminState::up).ok());
  const std::uint64_t before = writes();
  EXPECT_STATUS(driver_->set_fec(PortId(3), static_cast<FecMode>(9)), Code::invalid_argument, "not a FecMode");
  EXPECT_STATUS(driver_->set_loopback(PortId(3), static_cast<LoopbackMode>(7)), Code::invalid_argument,
                "not a LoopbackMode");
  EXPECT_STATUS(driver_->set_admin_state(PortId(3), static_cast<AdminState>(2)), Code::invalid_argument,
                "not an AdminState");
  EXPECT_STATUS(driver_->set_subport_admin_state({PortId(3), 0}, static_cast<AdminState>(200)), Code::invalid_argument,
                "not an AdminState");
  EXPECT_EQ(writes(), before);
  // Nothing was mapped to "off": the loopback, FEC and admin state are what they were.
  const auto p = driver_->port_telemetry(PortId(3));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->loopback, LoopbackMode::phy_near_end);
  EXPECT_EQ(p->fec, FecMode::rs544);
  EXPECT_NE(p->admin_mask, 0u);
}

TEST_F(ReferenceOnSim, DeviceRefusalsMapToCodes) {
  ASSERT_TRUE(validated_->set_admin_state(PortId(5), AdminState::up).ok());
  std::vector<BreakoutRequest> one{{PortId(5), mode("2x400G")}};
  EXPECT_STATUS(validated_->set_breakout(one), Code::failed_precondition, "WrongState");
  ASSERT_TRUE(sim_->backdoor().remove_els(ElsId(9)).ok());
  std::array<std::uint8_t, 4> b{};
  EXPECT_STATUS(validated_->read_cmis({ElsId(9), BankId(0), 0x1a, 128}, b), Code::failed_precondition, "NotPresent");
}

TEST_F(ReferenceOnSim, FirmwareHangTimesOutNamingCommandAndUnitThenRecovers) {
  ASSERT_TRUE(sim_->backdoor().hang_firmware(UnitId(1)).ok());
  EXPECT_STATUS(validated_->set_admin_state(PortId(40), AdminState::up), Code::timeout,
                "unit 1: command PortAdmin (port 40) did not complete within");
  EXPECT_TRUE(validated_->set_admin_state(PortId(0), AdminState::up).ok());  // other units serve
  ASSERT_TRUE(sim_->backdoor().hang_firmware(UnitId(1), false).ok());
  EXPECT_TRUE(validated_->set_admin_state(PortId(41), AdminState::up).ok());
}

TEST_F(ReferenceOnSim, SurpriseRemovalGivesDeviceGoneAndPcieErrorsAreRetried) {
  ASSERT_TRUE(sim_->backdoor().pcie_error_reads(UnitId(0), 1).ok());
  EXPECT_TRUE(validated_->oper_state(PortId(3)).ok());
  ASSERT_TRUE(sim_->backdoor().surprise_remove(UnitId(2)).ok());
  EXPECT_STATUS(validated_->oper_state(PortId(80)).status(), Code::device_gone, "unit 2: device gone");
  EXPECT_STATUS(validated_->set_admin_state(PortId(80), AdminState::up), Code::device_gone, "unit 2");
  UnitTelemetry t;
  EXPECT_STATUS(validated_->read_telemetry(UnitId(2), t), Code::device_gone, "unit 2");
  std::vector<Event> out;
  EXPECT_STATUS(validated_->read_events(out), Code::device_gone, "unit 2");
  EXPECT_TRUE(validated_->set_admin_state(PortId(0), AdminState::up).ok());
}

TEST_F(ReferenceOnSim, OperStateProbeFollowsTheLinkAndFallsBackOnErrors) {
  auto probe = validated_->oper_state_probe(PortId(80));
  ASSERT_TRUE(probe.ok()) << probe.status().to_string();
  EXPECT_EQ(*probe->read(), OperState::down);
  ASSERT_TRUE(validated_->set_admin_state(PortId(80), AdminState::up).ok());
  sim_->advance(2s);
  EXPECT_EQ(*probe->read(), OperState::up);
  EXPECT_EQ(*probe->read(), *validated_->oper_state(PortId(80)));
  // A transient all-ones read goes through the driver, which retries it.
  ASSERT_TRUE(sim_->backdoor().pcie_error_reads(UnitId(2), 1).ok());
  EXPECT_EQ(*probe->read(), OperState::up);
  ASSERT_TRUE(sim_->backdoor().surprise_remove(UnitId(2)).ok());
  EXPECT_STATUS(probe->read().status(), Code::device_gone, "unit 2: device gone");
  EXPECT_STATUS(validated_->oper_state_probe(PortId(81)).status(), Code::device_gone, "unit 2");
  EXPECT_STATUS(validated_->oper_state_probe(PortId(144)).status(), Code::out_of_range, "port 144");
}

TEST_F(ReferenceOnSim, LaserFailureTakesDownExactlyTheImpactedPortsAndIsReportedOnce) {
  ASSERT_TRUE(all_admin(AdminState::up).ok());
  sim_->advance(2s);
  (void)drain();
  const LaserRef laser{ElsId(4), 5};  // an ELS shared by units 0 and 1; laser 5 lights unit 1
  ASSERT_TRUE(sim_->backdoor().fail_laser(laser).ok());
  sim_->advance(1s);
  auto ev = drain();
  std::size_t faults = 0;
  std::set<LogicalPort> down;
  for (const auto& e : ev) {
    if (const auto* fault = e.get<LaserFault>()) {
      ++faults;
      EXPECT_EQ(fault->laser, laser);
      EXPECT_EQ(fault->code, LaserFaultCode::apc_loop);
    }
    if (const auto* change = e.get<LinkChange>(); change != nullptr && change->state == OperState::down) {
      EXPECT_EQ(change->cause, LinkCause::laser_fault);
      down.insert(change->port);
    }
  }
  EXPECT_EQ(faults, 1u);
  auto impacted = sim_->platform().impacted_ports(laser);
  ASSERT_TRUE(impacted.ok());
  EXPECT_EQ(std::vector<LogicalPort>(down.begin(), down.end()), *impacted);
  for (const auto& lp : *impacted) EXPECT_EQ(*validated_->oper_state(lp.port), OperState::down);
}

TEST_F(ReferenceOnSim, RingOverrunResyncsAndTheReaderEndsWithTheDevicesState) {
  ASSERT_TRUE(all_admin(AdminState::up).ok());
  sim_->advance(2s);
  (void)drain();
  // Flap the fibers of unit 0 until far more than 1024 events were produced, unread.
  for (int cycle = 0; cycle < 16; ++cycle) {
    for (std::uint32_t p = 0; p < 36; ++p) ASSERT_TRUE(sim_->backdoor().cut_fiber(PortId(p)).ok());
    sim_->advance(1s);
    for (std::uint32_t p = 0; p < 36; ++p)
      ASSERT_TRUE(sim_->backdoor().set_fiber_loss(PortId(p), -1, Decibels(1.5)).ok());
    sim_->advance(2s);
  }
  for (std::uint32_t p = 0; p < 36; p += 2) ASSERT_TRUE(sim_->backdoor().cut_fiber(PortId(p)).ok());
  sim_->advance(1s);
  auto ev = drain();
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0].type(), EventType::resync);
  EXPECT_TRUE(ev[0].synthetic);
  // Apply the events in order to what the reader knew (all up): it ends with the truth.
  std::map<PortId, bool> up;
  for (std::uint32_t p = 0; p < 36; ++p) up[PortId(p)] = true;
  for (const auto& e : ev) {
    if (const auto* change = e.get<LinkChange>()) up[change->port.port] = change->state == OperState::up;
  }
  for (std::uint32_t p = 0; p < 36; ++p) {
    EXPECT_EQ(up[PortId(p)], *validated_->oper_state(PortId(p)) == OperState::up) << p;
    EXPECT_EQ(up[PortId(p)], p % 2 == 1) << p;
  }
  // Resynchronised: the next read delivers no second resync (and, nothing having changed, nothing).
  const auto again = drain();
  for (const auto& e : again) EXPECT_NE(e.type(), EventType::resync);
  EXPECT_TRUE(again.empty());
}

TEST_F(ReferenceOnSim, ConcurrentCommandsTelemetryAndEventsFromManyThreads) {
  // Two writers per unit 0 (serialised by its mailbox), a telemetry reader and an event
  // reader, all at once; every call must succeed and the final state must be the last write.
  std::atomic<int> failures{0};
  std::vector<Event> events;
  auto writer = [&](std::uint32_t first) {
    for (int round = 0; round < 20; ++round) {
      for (std::uint32_t p = first; p < first + 4; ++p) {
        const AdminState s = round % 2 == 0 ? AdminState::up : AdminState::down;
        if (!validated_->set_admin_state(PortId(p), s).ok()) ++failures;
      }
    }
    for (std::uint32_t p = first; p < first + 4; ++p) {
      if (!validated_->set_admin_state(PortId(p), AdminState::up).ok()) ++failures;
    }
  };
  std::atomic<bool> stop{false};
  std::thread w1(writer, 0), w2(writer, 4);
  std::thread reader([&] {
    UnitTelemetry t;
    while (!stop) {
      if (!validated_->read_telemetry(UnitId(0), t).ok()) ++failures;
      if (!validated_->oper_state(PortId(2)).ok()) ++failures;
    }
  });
  std::thread eventer([&] {
    while (!stop) {
      if (!validated_->read_events(events).ok()) ++failures;
    }
  });
  w1.join();
  w2.join();
  stop = true;
  reader.join();
  eventer.join();
  EXPECT_EQ(failures.load(), 0);
  sim_->advance(1s);
  for (std::uint32_t p = 0; p < 8; ++p) EXPECT_EQ(validated_->port_telemetry(PortId(p))->admin(), AdminState::up) << p;
}

// The laser input power and the ELS supply current (interface 1.2) reach the driver's
// telemetry; a dirty ELS connector shows on exactly the lanes its laser feeds.
TEST_F(ReferenceOnSim, LaserInputPowerAndElsSupplyCurrentReachTheTelemetry) {
  sim_->advance(200ms);
  const LaserRef laser{ElsId(2), 6};  // unit 0's ELS 2
  const auto& lit = (*sim_->platform().laser(laser))->lanes;
  UnitTelemetry t;
  ASSERT_TRUE(validated_->read_telemetry(UnitId(0), t).ok());
  for (const auto& lane : t.lanes) {
    EXPECT_NEAR(lane.laser_input_power.value(), 100.0 * std::pow(10.0, -0.15), 1e-3) << to_string(lane.lane);
  }
  ASSERT_FALSE(t.els.empty());
  for (const auto& e : t.els) {
    EXPECT_GT(e.supply_current.value(), 3000.0) << to_string(e.els);
    std::array<std::uint8_t, 2> icc{};
    ASSERT_TRUE(validated_->read_cmis({e.els, BankId(0), 0x1b, 240}, icc).ok());
    EXPECT_NEAR(e.supply_current.value(), ((icc[0] << 8) | icc[1]) * 0.2, 0.2) << to_string(e.els);
  }
  ASSERT_TRUE(sim_->backdoor().set_laser_fiber_loss(laser, Decibels(7.5)).ok());
  ASSERT_TRUE(validated_->read_telemetry(UnitId(0), t).ok());
  for (const auto& lane : t.lanes) {
    const bool fed = std::find(lit.begin(), lit.end(), lane.lane) != lit.end();
    EXPECT_NEAR(lane.laser_input_power.value(), 100.0 * std::pow(10.0, fed ? -0.75 : -0.15), 1e-3)
        << to_string(lane.lane);
  }
}

// A 16-laser ELS (bailly51t) has two banks of pages 1Ah/1Bh: lasers 8..15 are bank 1, lanes
// 1..8. Laser 12 is bank 1 lane 5, reached through the validating layer and the reference driver.
class ReferenceOnBailly : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimOptions o;
    o.profile = "bailly51t";
    auto sw = sim::Switch::create(o);
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    sim_ = std::move(*sw);
    bars_.push_back(&sim_->bar(0));
    auto d = ReferenceDriver::open(sim_->platform(), bars_);
    ASSERT_TRUE(d.ok()) << d.status().to_string();
    driver_ = std::move(*d);
    validated_ = std::make_unique<ValidatedDriver>(*driver_, sim_->platform());
  }
  Result<LaserTelemetry> laser(const LaserRef& ref) {
    UnitTelemetry t;
    CPO_RETURN_IF_ERROR(validated_->read_telemetry(UnitId(0), t));
    for (const auto& l : t.lasers)
      if (l.laser == ref) return l;
    return Status(Code::not_found, to_string(ref) + " not in the telemetry");
  }
  Result<cmis::PageBytes> upper(ElsId els, std::uint32_t bank, std::uint8_t page) {
    cmis::PageBytes p{};
    CPO_RETURN_IF_ERROR(validated_->read_cmis({els, BankId(bank), page, 128}, p));
    return p;
  }

  std::unique_ptr<sim::Switch> sim_;
  std::vector<Bar*> bars_;
  std::unique_ptr<ReferenceDriver> driver_;
  std::unique_ptr<ValidatedDriver> validated_;
};

TEST_F(ReferenceOnBailly, Laser12IsEnabledDisabledAndSetThroughBank1) {
  const ElsId els(3);
  const LaserRef l12{els, 12}, l4{els, 4};  // bank 1 lane 5, bank 0 lane 5
  constexpr unsigned kLane = 5;
  const std::uint8_t kBit = 1U << (kLane - 1);
  ASSERT_EQ(laser(l12)->state, LaserState::on);
  const auto impacted = *sim_->platform().impacted_ports(l12);
  ASSERT_FALSE(impacted.empty());
  for (const auto& lp : impacted) ASSERT_TRUE(validated_->set_admin_state(lp.port, AdminState::up).ok());
  sim_->advance(2s);
  for (const auto& lp : impacted) ASSERT_EQ(*validated_->oper_state(lp.port), OperState::up) << to_string(lp);

  // Disable: page 1Ah byte 220 of bank 1, bit 4 only.
  auto p1a = upper(els, 1, 0x1a);
  ASSERT_TRUE(p1a.ok()) << p1a.status().to_string();
  const auto adv = cmis::decode_page1a(*p1a);
  EXPECT_EQ(adv.lane_count, 8);
  EXPECT_EQ(adv.lane_enable, 0xFF);
  EXPECT_EQ(adv.output_fiber_checked, 0xFF);
  ASSERT_TRUE(cmis::set_lane_enable(*p1a, kLane, false).ok());
  ASSERT_TRUE(validated_->write_cmis({els, BankId(1), 0x1a, 220}, std::span(&(*p1a)[220 - 128], 1)).ok());
  sim_->advance(10ms);
  EXPECT_EQ(laser(l12)->state, LaserState::off);
  EXPECT_FALSE(laser(l12)->flags.has(LaserFlag::enabled));
  EXPECT_EQ(laser(l4)->state, LaserState::on);  // bank 0's lane 5 untouched
  EXPECT_EQ(cmis::decode_page1a(*upper(els, 1, 0x1a)).lane_enable, static_cast<std::uint8_t>(0xFF & ~kBit));
  EXPECT_EQ(cmis::decode_page1a(*upper(els, 0, 0x1a)).lane_enable, 0xFF);
  for (const auto& lp : impacted) EXPECT_EQ(*validated_->oper_state(lp.port), OperState::down) << to_string(lp);

  // Set-point: 90 mW on page 1Bh bank 1, lane 5 (bytes 152-153), inside the advertised range.
  auto p1b = upper(els, 1, 0x1b);
  ASSERT_TRUE(p1b.ok());
  ASSERT_TRUE(cmis::set_power_setpoint(*p1b, kLane, Milliwatts(90.0), &adv).ok());
  ASSERT_TRUE(validated_->write_cmis({els, BankId(1), 0x1b, 152}, std::span(&(*p1b)[152 - 128], 2)).ok());
  EXPECT_NEAR(laser(l12)->power_setpoint.value(), 90.0, 1e-3);
  EXPECT_NEAR(laser(l4)->power_setpoint.value(), 100.0, 1e-3);
  // Outside the advertised range: the device refuses the write.
  cmis::PageBytes bad = *p1b;
  ASSERT_TRUE(cmis::set_power_setpoint(bad, kLane, Milliwatts(200.0)).ok());
  EXPECT_FALSE(validated_->write_cmis({els, BankId(1), 0x1b, 152}, std::span(&bad[152 - 128], 2)).ok());
  EXPECT_NEAR(laser(l12)->power_setpoint.value(), 90.0, 1e-3);

  // Enable again: it ramps to the new set-point and the links return.
  ASSERT_TRUE(cmis::set_lane_enable(*p1a, kLane, true).ok());
  ASSERT_TRUE(validated_->write_cmis({els, BankId(1), 0x1a, 220}, std::span(&(*p1a)[220 - 128], 1)).ok());
  sim_->advance(100ms);
  EXPECT_EQ(laser(l12)->state, LaserState::ramping);
  sim_->advance(2s);
  EXPECT_EQ(laser(l12)->state, LaserState::on);
  EXPECT_NEAR(laser(l12)->power.value(), 90.0, 1e-3);
  EXPECT_TRUE(laser(l12)->flags.has(LaserFlag::enabled));
  EXPECT_NEAR(cmis::decode_page1b(*upper(els, 1, 0x1b)).power[kLane - 1].value(), 90.0, 0.01);
  for (const auto& lp : impacted) EXPECT_EQ(*validated_->oper_state(lp.port), OperState::up) << to_string(lp);
}

// "How many banks an ELS has" is Platform's (ElsInfo::cmis_banks): the validating layer and
// the device (the generated CmisRead check) agree on bailly51t's 16-laser ELS, and an offset
// past the page gets the same code from both layers.
TEST_F(ReferenceOnBailly, BothLayersAgreeOnElsBanksAndOffsets) {
  const ElsId els(3);
  ASSERT_EQ((*sim_->platform().els(els))->cmis_banks(), 2u);
  std::array<std::uint8_t, 4> b{};
  for (std::uint32_t bank : {0u, 1u}) {
    EXPECT_TRUE(validated_->read_cmis({els, BankId(bank), 0x1a, 128}, b).ok()) << bank;
    EXPECT_TRUE(driver_->read_cmis({els, BankId(bank), 0x1a, 128}, b).ok()) << bank;
  }
  EXPECT_STATUS(validated_->read_cmis({els, BankId(2), 0x1a, 128}, b), Code::out_of_range, "banks 0..1");
  EXPECT_STATUS(driver_->read_cmis({els, BankId(2), 0x1a, 128}, b), Code::out_of_range, "BadObject");
  for (const std::uint16_t offset : std::array<std::uint16_t, 3>{256, 300, 65535}) {
    const CmisAddress a{els, BankId(0), 0x1a, offset};
    EXPECT_STATUS(validated_->read_cmis(a, b), Code::out_of_range, "allowed 0..255");
    EXPECT_STATUS(driver_->read_cmis(a, b), Code::out_of_range, "allowed 0..255");
    EXPECT_STATUS(driver_->write_cmis(a, b), Code::out_of_range, "allowed 0..255");
  }
  const CmisAddress crossing{els, BankId(0), 0x1a, 126};
  EXPECT_STATUS(validated_->read_cmis(crossing, b), Code::invalid_argument, "cross byte 128");
  EXPECT_STATUS(driver_->read_cmis(crossing, b), Code::invalid_argument, "cross byte 128");
}

// The argument checks are generated from registers.def's REFUSE rows (refdev/mailbox.h) for
// the simulator and the tests' fake device alike: the same bad commands, rung on both
// through raw registers, get the completion and rejected argument written here by hand.
TEST(ReferenceDeviceArgumentChecks, SimulatorAndFakeDeviceRefuseAlike) {
  auto sw = sim::Switch::create();
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  ::cpo::testing::FakeSwitch fake((*sw)->platform());
  struct Case {
    rd::Opcode op;
    std::vector<std::uint32_t> args;
    rd::Completion code;
    std::uint32_t bad_arg;
  };
  using C = rd::Completion;
  using O = rd::Opcode;
  const std::uint32_t neg30 = static_cast<std::uint32_t>(-30), neg20 = static_cast<std::uint32_t>(-20);
  const std::vector<Case> cases{
      {O::kPortAdmin, {36, 0, 1}, C::kBadObject, 0},
      {O::kPortAdmin, {0, 1, 1}, C::kBadObject, 1},  // port 0 runs 1x800G: no sub-port 1
      {O::kPortAdmin, {0, 0, 2}, C::kBadValue, 2},
      {O::kBreakout, {0, 0, 1}, C::kBadValue, 1},
      {O::kBreakout, {30, 10, 1}, C::kBadObject, 1},
      {O::kBreakout, {0, 1, 3}, C::kBadValue, 2},
      {O::kBreakout, {0, 1, 8}, C::kUnsupported, 2},  // 8 sub-ports on 4 lanes
      {O::kFecMode, {0, 9}, C::kBadValue, 1},
      {O::kTxFir, {0, neg30, 50, 0}, C::kBadValue, 1},
      {O::kTxFir, {0, neg20, 40, neg20}, C::kBadValue, 2},  // 20 + 40 + 20 > 63
      {O::kTxFir, {144, 0, 50, 0}, C::kBadObject, 0},
      {O::kPrbs, {0, 9, 0}, C::kBadValue, 1},
      {O::kPrbs, {0, 0, 1}, C::kBadValue, 2},  // Off with the generator on
      {O::kPrbs, {0, 1, 8}, C::kBadValue, 2},
      {O::kLoopback, {0, 3}, C::kBadValue, 1},
      {O::kCmisRead, {2, 0, 0, 0, 1}, C::kBadValue, 0},
      {O::kCmisRead, {0, 0, 0, 0x100, 1}, C::kBadValue, 3},
      {O::kCmisRead, {0, 99, 0, 0x11, 1}, C::kBadObject, 1},
      {O::kCmisRead, {0, 0, 3, 0x11, 1}, C::kBadObject, 2},  // OEs have banks 0..2
      {O::kCmisRead, {1, 0, 1, 0x1a, 1}, C::kBadObject, 2},  // 8-laser ELS: bank 0 only
      {O::kCmisWrite, {0, 0, 0, 0x10, 1, 120, 9}, C::kBadValue, 6},
      {O::kCmisWrite, {0, 0, 0, 0x10, 1, 128, 1}, C::kBadValue, 5},
      {O::kCountersClear, {36}, C::kBadObject, 0},
      {O::kSetMtu, {36, 0, 1500}, C::kBadObject, 0},
      {O::kSetMtu, {0, 1, 1500}, C::kBadObject, 1},
      {O::kSetMtu, {0, 0, 9300}, C::kBadValue, 2},
      {static_cast<O>(0x7f), {}, C::kBadOpcode, 0},
  };
  struct Answer {
    C code;
    std::uint32_t result0;
  };
  const auto ring = [](Bar& bar, O op, const std::vector<std::uint32_t>& args) {
    bar.write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(op));
    for (std::size_t i = 0; i < rd::kMailboxArgs; ++i) bar.write32(rd::mbx_arg(i), i < args.size() ? args[i] : 0);
    const std::uint32_t tag = bar.read32(rd::reg::kMbxDoorbell) + 1;
    bar.write32(rd::reg::kMbxDoorbell, tag);
    for (int i = 0; i < 1000 && bar.read32(rd::reg::kMbxCompTag) != tag; ++i) bar.wait(100us);
    EXPECT_EQ(bar.read32(rd::reg::kMbxCompTag), tag);
    return Answer{static_cast<C>(bar.read32(rd::reg::kMbxCompCode)), bar.read32(rd::mbx_result(0))};
  };
  for (const Case& c : cases) {
    const std::string what = std::string(rd::name(c.op)) + " case " + std::to_string(&c - cases.data());
    for (Bar* bar : {&(*sw)->bar(0), fake.bars[0]}) {
      const Answer got = ring(*bar, c.op, c.args);
      EXPECT_EQ(got.code, c.code) << what << (bar == fake.bars[0] ? " (fake)" : " (simulator)");
      EXPECT_EQ(got.result0, c.bad_arg) << what << (bar == fake.bars[0] ? " (fake)" : " (simulator)");
    }
  }
  // EventAck ahead of the producer: the check reads the device's own producer count.
  for (Bar* bar : {&(*sw)->bar(0), fake.bars[0]}) {
    const Answer got = ring(*bar, O::kEventAck, {bar->read32(rd::reg::kEvtProducer) + 5});
    EXPECT_EQ(got.code, C::kBadValue);
  }
}

// Typed mailbox words against fixed word vectors (not only pack against unpack).
TEST(ReferenceDeviceArgumentChecks, TypedWordsSitWhereTheTableSays) {
  const rd::ArgWords w = rd::pack(
      rd::CmisWriteArgs{.Target = 1, .Index = 2, .Bank = 3, .Page = 0x1b, .Region = 1, .Offset = 24, .Length = 2});
  EXPECT_EQ(w.opcode, rd::Opcode::kCmisWrite);
  EXPECT_EQ(w.count, 7u);
  EXPECT_THAT(w.word, ::testing::ElementsAre(1u, 2u, 3u, 0x1bu, 1u, 24u, 2u, 0u));
  EXPECT_EQ(rd::pack(rd::UnitResetArgs{}).count, 0u);
  const std::array<std::uint32_t, 4> words{41, 7, 0, 0};
  const auto r = rd::unpack_results<rd::EventAckResults>(words);
  EXPECT_EQ(r.Producer, 41u);
  EXPECT_EQ(r.Lost, 7u);
  EXPECT_EQ(rd::pack_results(rd::BreakoutResults{.Changed = 3, .Port = 9}), (std::array<std::uint32_t, 4>{3, 9, 0, 0}));
  EXPECT_EQ(rd::bits::kPrbsFlagsGenerator.mask() | rd::bits::kPrbsFlagsChecker.mask() |
                rd::bits::kPrbsFlagsClearCounters.mask(),
            7u);
}

// Refdev 1.3 SetMtu: per logical port, through the validating layer and the driver alone.
TEST_F(ReferenceOnSim, MtuPerLogicalPortIsSetAndReadThroughTheDevice) {
  const Capabilities& c = driver_->capabilities();
  ASSERT_TRUE(c.mtu);
  EXPECT_EQ(c.mtu_min, 68u);
  EXPECT_EQ(c.mtu_max, 9216u);
  EXPECT_EQ(*validated_->mtu({PortId(40), 0}), 9100u);
  ASSERT_TRUE(validated_->set_mtu({PortId(40), 0}, 1500).ok());
  EXPECT_EQ(*validated_->mtu({PortId(40), 0}), 1500u);
  EXPECT_EQ(*validated_->mtu({PortId(41), 0}), 9100u);
  // A new breakout starts its sub-ports at the default; each sub-port has its own MTU.
  ASSERT_TRUE(validated_->set_breakout(std::vector<BreakoutRequest>{{PortId(40), mode("2x400G")}}).ok());
  EXPECT_EQ(*validated_->mtu({PortId(40), 0}), 9100u);
  ASSERT_TRUE(validated_->set_mtu({PortId(40), 1}, 9216).ok());
  EXPECT_EQ(*validated_->mtu({PortId(40), 1}), 9216u);
  EXPECT_EQ(*validated_->mtu({PortId(40), 0}), 9100u);
  // Refused by the validating layer's range, and by the device's own check without it.
  EXPECT_STATUS(validated_->set_mtu({PortId(40), 0}, 67), Code::out_of_range, "68..9216");
  EXPECT_STATUS(driver_->set_mtu({PortId(40), 0}, 9217), Code::out_of_range, "BadValue (argument 2");
  EXPECT_STATUS(driver_->set_mtu({PortId(40), 2}, 1500), Code::out_of_range, "BadObject (argument 1");
  EXPECT_STATUS(driver_->mtu({PortId(40), 2}).status(), Code::out_of_range, "runs 2 sub-ports");
  EXPECT_EQ(*validated_->mtu({PortId(40), 0}), 9100u);
  // A unit reset restores the default.
  ASSERT_TRUE(validated_->set_mtu({PortId(41), 0}, 4000).ok());
  ASSERT_TRUE(validated_->reset_unit(UnitId(1)).ok());
  EXPECT_EQ(*validated_->mtu({PortId(41), 0}), 9100u);
}

// Counts register reads; optionally hides the simulator's DMA region (a transport without
// DMA, where the driver must fall back to register reads) or offers one the device never
// handed out (its bus address moved: the device refuses the request).
class CountingBar final : public Bar {
 public:
  CountingBar(Bar& inner, bool offer_dma, bool as_1_2 = false, bool foreign_dma = false)
      : inner_(inner), offer_dma_(offer_dma), as_1_2_(as_1_2), foreign_dma_(foreign_dma) {}
  [[nodiscard]] std::size_t size() const noexcept override { return inner_.size(); }
  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override {
    ++reads;
    if (as_1_2_ && offset == rd::reg::kVersion) return rd::make_version(1, 2);  // a device of 1.2
    return inner_.read32(offset);
  }
  void write32(std::size_t offset, std::uint32_t value) noexcept override { inner_.write32(offset, value); }
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override { return inner_.now(); }
  void wait(std::chrono::nanoseconds d) noexcept override { inner_.wait(d); }
  [[nodiscard]] DmaRegion dma_region() const noexcept override {
    if (!offer_dma_) return {};
    DmaRegion r = inner_.dma_region();
    if (foreign_dma_) r.bus_address += 0x1000;
    return r;
  }
  mutable std::uint64_t reads = 0;

 private:
  Bar& inner_;
  bool offer_dma_;
  bool as_1_2_;
  bool foreign_dma_;
};

struct CountedDriver {
  // `snapshot`: Options::status_snapshot, or the default Options when empty.
  CountedDriver(sim::Switch& sw, bool offer_dma, std::optional<bool> snapshot, bool as_1_2 = false,
                bool foreign_dma = false) {
    for (std::size_t u = 0; u < sw.unit_count(); ++u) {
      counting.push_back(std::make_unique<CountingBar>(sw.bar(u), offer_dma, as_1_2, foreign_dma));
    }
    for (auto& c : counting) bars.push_back(c.get());
    Options o;
    if (snapshot) o.status_snapshot = *snapshot;
    auto d = ReferenceDriver::open(sw.platform(), bars, o);
    EXPECT_TRUE(d.ok()) << d.status().to_string();
    if (d.ok()) driver = std::move(*d);
  }
  // Register reads of one full telemetry sweep.
  std::uint64_t sweep(Telemetry& t) {
    std::uint64_t before = 0, after = 0;
    for (auto& c : counting) before += c->reads;
    EXPECT_TRUE(read_all_telemetry(*driver, counting.size(), t).ok());
    for (auto& c : counting) after += c->reads;
    return after - before;
  }
  std::vector<std::unique_ptr<CountingBar>> counting;
  std::vector<Bar*> bars;
  std::unique_ptr<ReferenceDriver> driver;
};

// Field by field: the channel's copy decodes to exactly what the register path reads.
void expect_same_telemetry(const Telemetry& a, const Telemetry& b) {
  ASSERT_EQ(a.units.size(), b.units.size());
  for (std::size_t u = 0; u < a.units.size(); ++u) {
    const UnitTelemetry &x = a.units[u], &y = b.units[u];
    EXPECT_EQ(x.generation, y.generation) << "unit " << u;
    EXPECT_EQ(x.timestamp, y.timestamp);
    EXPECT_EQ(x.flags.has(UnitFlag::ready), y.flags.has(UnitFlag::ready));
    EXPECT_EQ(x.coolant_temperature.value(), y.coolant_temperature.value());
    EXPECT_EQ(x.asic_temperature.value(), y.asic_temperature.value());
    EXPECT_EQ(x.optics_power.value(), y.optics_power.value());
    ASSERT_EQ(x.ports.size(), y.ports.size());
    ASSERT_EQ(x.lanes.size(), y.lanes.size());
    ASSERT_EQ(x.oes.size(), y.oes.size());
    ASSERT_EQ(x.els.size(), y.els.size());
    ASSERT_EQ(x.lasers.size(), y.lasers.size());
    for (std::size_t i = 0; i < x.ports.size(); ++i) {
      EXPECT_EQ(x.ports[i].port, y.ports[i].port);
      EXPECT_EQ(x.ports[i].admin_mask, y.ports[i].admin_mask);
      EXPECT_EQ(x.ports[i].oper_mask, y.ports[i].oper_mask);
      EXPECT_EQ(x.ports[i].subports, y.ports[i].subports);
      EXPECT_EQ(x.ports[i].fec, y.ports[i].fec);
      EXPECT_EQ(x.ports[i].link_ups, y.ports[i].link_ups);
      EXPECT_EQ(x.ports[i].fec_corrected, y.ports[i].fec_corrected);
    }
    for (std::size_t i = 0; i < x.lanes.size(); ++i) {
      EXPECT_EQ(x.lanes[i].lane, y.lanes[i].lane);
      EXPECT_EQ(x.lanes[i].rx_power.value(), y.lanes[i].rx_power.value()) << to_string(x.lanes[i].lane);
      EXPECT_EQ(x.lanes[i].tx_power.value(), y.lanes[i].tx_power.value());
      EXPECT_EQ(x.lanes[i].snr.value(), y.lanes[i].snr.value());
      EXPECT_EQ(x.lanes[i].pre_fec_ber, y.lanes[i].pre_fec_ber);
      EXPECT_EQ(x.lanes[i].tx_fir, y.lanes[i].tx_fir);
      EXPECT_EQ(x.lanes[i].fec_corrected, y.lanes[i].fec_corrected);
    }
    for (std::size_t i = 0; i < x.oes.size(); ++i) {
      EXPECT_EQ(x.oes[i].oe, y.oes[i].oe);
      EXPECT_EQ(x.oes[i].temperature.value(), y.oes[i].temperature.value());
    }
    for (std::size_t i = 0; i < x.els.size(); ++i) {
      EXPECT_EQ(x.els[i].els, y.els[i].els);
      EXPECT_EQ(x.els[i].present, y.els[i].present);
      EXPECT_EQ(x.els[i].supply_current.value(), y.els[i].supply_current.value());
    }
    for (std::size_t i = 0; i < x.lasers.size(); ++i) {
      EXPECT_EQ(x.lasers[i].laser, y.lasers[i].laser);
      EXPECT_EQ(x.lasers[i].power.value(), y.lasers[i].power.value());
      EXPECT_EQ(x.lasers[i].bias.value(), y.lasers[i].bias.value());
    }
  }
}

// Refdev 1.3 status snapshot channel (issue 11): with DEFAULT options a cpo144 sweep costs a
// few register accesses per unit instead of ~14,000 reads, and decodes to the same telemetry;
// without DMA in the transport, with the option off, or on a 1.2 device, the driver reads
// registers.
TEST(ReferenceStatusSnapshot, DefaultOptionsSweepCpo144WithinTheReadBudgetAndTheSameTelemetry) {
  auto sw = sim::Switch::create();
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  sim::Switch& s = **sw;
  for (std::uint32_t p = 0; p < 144; p += 3)
    ASSERT_TRUE(s.backdoor().set_fiber_loss(PortId(p), -1, Decibels(2.0)).ok());
  s.advance(1s);
  CountedDriver snap(s, true, std::nullopt), no_dma(s, false, std::nullopt), off(s, true, false);
  ASSERT_TRUE(snap.driver && no_dma.driver && off.driver);
  {
    // A driver opened after another continues the device's SnapRequest numbering (the first
    // asked with 1 at its open; asking with 1 again would go unanswered).
    CountedDriver next(s, true, std::nullopt);
    ASSERT_TRUE(next.driver);
    EXPECT_EQ(next.driver->telemetry_paths(UnitId(0))->channel_copies, 1u);
    EXPECT_EQ(next.driver->telemetry_paths(UnitId(0))->register_copies, 0u);
  }
  Telemetry a, b, c;
  const std::uint64_t snap_reads = snap.sweep(a);
  const std::uint64_t no_dma_reads = no_dma.sweep(b);
  const std::uint64_t off_reads = off.sweep(c);
  EXPECT_LE(snap_reads, 1500u);  // the budget for a sweep
  EXPECT_LE(snap_reads, 40u);    // what the channel costs: a handful per unit
  EXPECT_GT(no_dma_reads, 10000u);
  EXPECT_GT(off_reads, 10000u);
  for (std::uint32_t u = 0; u < 4; ++u) {
    EXPECT_TRUE(snap.driver->telemetry_paths(UnitId(u))->channel);
    EXPECT_EQ(snap.driver->telemetry_paths(UnitId(u))->channel_copies, 2u);  // open + sweep
    EXPECT_EQ(snap.driver->telemetry_paths(UnitId(u))->register_copies, 0u);
    EXPECT_FALSE(no_dma.driver->telemetry_paths(UnitId(u))->channel);
    EXPECT_FALSE(off.driver->telemetry_paths(UnitId(u))->channel);
  }
  EXPECT_STATUS(snap.driver->telemetry_paths(UnitId(4)).status(), Code::out_of_range, "unit 4");
  ASSERT_EQ(a.units.size(), 4u);
  expect_same_telemetry(a, b);
  expect_same_telemetry(a, c);
  // A 1.2 device (same window, Version reads 1.2): no snapshot and no MTU, negotiated by the
  // minor version even though the capability bits are set.
  CountedDriver old(s, true, std::nullopt, true);
  ASSERT_TRUE(old.driver);
  Telemetry d;
  EXPECT_GT(old.sweep(d), 10000u);
  EXPECT_FALSE(old.driver->capabilities().mtu);
  EXPECT_TRUE(snap.driver->capabilities().mtu);
  // Not an empty copy: the lasers are lit and the coolant is warm in the snapshot.
  EXPECT_GT(a.units[0].lasers[0].power.value(), 1.0);
  EXPECT_GT(a.units[3].coolant_temperature.value(), 10.0);
}

// A request the device refuses (a buffer it was never given) costs that call the register
// path; the telemetry is still right and the next call tries the channel again.
TEST(ReferenceStatusSnapshot, ARefusedRequestFallsBackToRegistersForThatCall) {
  auto sw = sim::Switch::create();
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  sim::Switch& s = **sw;
  CountedDriver foreign(s, true, std::nullopt, false, true), regs(s, true, false);
  ASSERT_TRUE(foreign.driver && regs.driver);
  Telemetry a, b;
  EXPECT_GT(foreign.sweep(a), 10000u);
  regs.sweep(b);
  expect_same_telemetry(a, b);
  const auto paths = foreign.driver->telemetry_paths(UnitId(2));
  ASSERT_TRUE(paths.ok());
  EXPECT_TRUE(paths->channel);  // still tried on every call
  EXPECT_EQ(paths->channel_copies, 0u);
  EXPECT_EQ(paths->register_copies, 2u);
}

// The channel at register level, as the generated check (refdev/snapshot_channel.h) answers:
// each bad request register is named in SnapRejected and nothing is copied; a good request
// copies one even generation of the status region; none of it counts as a device write.
TEST(ReferenceStatusSnapshot, ChannelRefusesBadRequestsNamingTheRegisterAndCountsNoWrites) {
  auto sw = sim::Switch::create();
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  sim::Switch& s = **sw;
  Bar& bar = s.bar(1);
  const Bar::DmaRegion dma = bar.dma_region();
  ASSERT_EQ(dma.words.size() * 4, rd::region::kStatus.bytes);
  const auto lo = static_cast<std::uint32_t>(dma.bus_address);
  const auto hi = static_cast<std::uint32_t>(dma.bus_address >> 32);
  const std::uint64_t writes_before = *s.backdoor().write_count(UnitId(1));
  std::uint32_t seq = 0;
  struct Answer {
    rd::Completion code;
    std::uint32_t rejected;
    std::uint32_t generation;
  };
  const auto request = [&](std::uint32_t a_lo, std::uint32_t a_hi, std::uint32_t bytes) {
    bar.write32(rd::reg::kSnapAddrLo, a_lo);
    bar.write32(rd::reg::kSnapAddrHi, a_hi);
    bar.write32(rd::reg::kSnapBytes, bytes);
    seq = rd::next_snapshot_sequence(seq);
    bar.write32(rd::reg::kSnapRequest, seq);
    for (int i = 0; i < 100 && bar.read32(rd::reg::kSnapDone) != seq; ++i) bar.wait(10us);
    EXPECT_EQ(bar.read32(rd::reg::kSnapDone), seq);
    return Answer{static_cast<rd::Completion>(bar.read32(rd::reg::kSnapStatus)), bar.read32(rd::reg::kSnapRejected),
                  bar.read32(rd::reg::kSnapGeneration)};
  };
  struct Case {
    std::uint32_t lo, hi, bytes;
    std::size_t rejected;
  };
  for (const Case& c : {Case{lo + 2, hi, 64, rd::reg::kSnapAddrLo}, Case{lo, hi, 0, rd::reg::kSnapBytes},
                        Case{lo, hi, 6, rd::reg::kSnapBytes},
                        Case{lo, hi, static_cast<std::uint32_t>(rd::region::kStatus.bytes + 4), rd::reg::kSnapBytes},
                        Case{lo + 0x1000, hi, 64, rd::reg::kSnapAddrHi}, Case{lo, hi + 1, 64, rd::reg::kSnapAddrHi}}) {
    const Answer got = request(c.lo, c.hi, c.bytes);
    EXPECT_EQ(got.code, rd::Completion::kBadValue) << c.bytes;
    EXPECT_EQ(got.rejected, c.rejected) << c.bytes;
  }
  EXPECT_TRUE(std::all_of(dma.words.begin(), dma.words.end(), [](std::uint32_t w) { return w == 0; }))
      << "a refused request copied something";
  const Answer ok = request(lo, hi, 0x1000);
  EXPECT_EQ(ok.code, rd::Completion::kOk);
  EXPECT_EQ(ok.rejected, 0u);
  EXPECT_EQ(ok.generation % 2, 0u);
  EXPECT_EQ(ok.generation, dma.words[0]);  // the copied Generation word is the one reported
  EXPECT_EQ(dma.words[(rd::reg::kHeartbeat - rd::region::kStatus.offset) / 4], bar.read32(rd::reg::kHeartbeat));
  EXPECT_EQ(*s.backdoor().write_count(UnitId(1)), writes_before);
  bar.write32(rd::reg::kScratch, 0x5a5a);  // a register outside the channel counts
  EXPECT_EQ(*s.backdoor().write_count(UnitId(1)), writes_before + 1);
}

TEST_F(ReferenceOnSim, TelemetryThroughTheChannelLeavesTheDeviceWriteCounterUnchanged) {
  ASSERT_TRUE(all_admin(AdminState::up).ok());
  const std::uint64_t before = writes();
  for (std::uint32_t u = 0; u < 4; ++u) {
    UnitTelemetry t;
    ASSERT_TRUE(driver_->read_telemetry(UnitId(u), t).ok());
    EXPECT_EQ(t.ports.size(), 36u);
    EXPECT_GT(driver_->telemetry_paths(UnitId(u))->channel_copies, 0u);
  }
  EXPECT_EQ(writes(), before);
  // A hung firmware serves no request: the call times out on the channel and reads the
  // registers (the frozen region is still consistent), logged once.
  ASSERT_TRUE(sim_->backdoor().hang_firmware(UnitId(1)).ok());
  const std::uint64_t regs_before = driver_->telemetry_paths(UnitId(1))->register_copies;
  UnitTelemetry t;
  EXPECT_TRUE(driver_->read_telemetry(UnitId(1), t).ok());
  EXPECT_EQ(driver_->telemetry_paths(UnitId(1))->register_copies, regs_before + 1);
  ASSERT_TRUE(sim_->backdoor().hang_firmware(UnitId(1), false).ok());
  const std::uint64_t channel_before = driver_->telemetry_paths(UnitId(1))->channel_copies;
  EXPECT_TRUE(driver_->read_telemetry(UnitId(1), t).ok());
  EXPECT_EQ(driver_->telemetry_paths(UnitId(1))->channel_copies, channel_before + 1);
}

// read_telemetry takes only the unit's snapshot lock: it completes while a 200 ms UnitReset of
// the same unit holds the mailbox (real-time clock, so the reset really is in flight).
TEST(ReferenceStatusSnapshot, TelemetryCompletesWhileAUnitResetHoldsTheMailbox) {
  sim::SimOptions o;
  o.clock = sim::ClockMode::real_time;
  auto sw = sim::Switch::create(o);
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  sim::Switch& s = **sw;
  std::vector<Bar*> bars;
  for (std::size_t u = 0; u < s.unit_count(); ++u) bars.push_back(&s.bar(u));
  auto d = ReferenceDriver::open(s.platform(), bars);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  ReferenceDriver& driver = **d;
  std::atomic<bool> reset_done{false};
  Status reset_status;
  std::thread reset([&] {
    reset_status = driver.reset_unit(UnitId(2));
    reset_done.store(true);
  });
  // The device shows the reset running once the driver rang it (the driver holds the mailbox
  // until the completion).
  const auto resetting = static_cast<std::uint32_t>(rd::MailboxState::kResetting);
  for (int i = 0; i < 2000 && s.bar(2).read32(rd::reg::kMbxState) != resetting; ++i) std::this_thread::sleep_for(50us);
  ASSERT_EQ(s.bar(2).read32(rd::reg::kMbxState), resetting);
  const std::uint64_t copies = driver.telemetry_paths(UnitId(2))->channel_copies;
  UnitTelemetry t;
  const Status read = driver.read_telemetry(UnitId(2), t);
  const bool finished_first = !reset_done.load();
  const std::uint64_t copies_after = driver.telemetry_paths(UnitId(2))->channel_copies;
  reset.join();  // (the driver re-reads the unit after its reset: one more copy)
  EXPECT_TRUE(read.ok()) << read.to_string();
  EXPECT_TRUE(finished_first) << "read_telemetry waited for the reset";
  EXPECT_EQ(copies_after, copies + 1);
  EXPECT_TRUE(t.flags.has(UnitFlag::resetting));  // the copy was taken during the reset
  EXPECT_TRUE(reset_status.ok()) << reset_status.to_string();
}

// The same driver over a memfd window the simulator serves from its real-time thread.
TEST(ReferenceOnSharedMemory, DriverRunsUnchangedOverAShmBar) {
  const std::size_t units = 4;
  std::vector<std::shared_ptr<shm::SharedMemory>> sim_side, driver_side;
  sim::SimOptions options;
  options.clock = sim::ClockMode::real_time;
  options.status_period = 1ms;
  for (std::size_t u = 0; u < units; ++u) {
    auto mem = shm::SharedMemory::create("cpo144-unit" + std::to_string(u), refdev::kWindowBytes);
    ASSERT_TRUE(mem.ok()) << mem.status().to_string();
    auto mine = shm::SharedMemory::attach(mem->fd());  // a second mapping, as another process would
    ASSERT_TRUE(mine.ok());
    sim_side.push_back(std::make_shared<shm::SharedMemory>(std::move(*mem)));
    driver_side.push_back(std::make_shared<shm::SharedMemory>(std::move(*mine)));
    options.unit_memory.push_back(sim_side.back()->words().data());
  }
  auto sw = sim::Switch::create(options);
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  std::vector<std::unique_ptr<shm::ShmBar>> owned;
  std::vector<Bar*> bars;
  for (const auto& m : driver_side) {
    owned.push_back(std::make_unique<shm::ShmBar>(m));
    bars.push_back(owned.back().get());
  }
  auto d = ReferenceDriver::open((*sw)->platform(), bars);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  ReferenceDriver& driver = **d;
  ASSERT_TRUE(driver.set_admin_state(PortId(37), AdminState::up).ok());
  // The firmware publishes the status region every status_period: poll (bounded) for it.
  AdminState admin = AdminState::down;
  for (int i = 0; i < 2000 && admin != AdminState::up; ++i) {
    admin = driver.port_telemetry(PortId(37))->admin();
    if (admin != AdminState::up) bars[1]->wait(1ms);
  }
  EXPECT_EQ(admin, AdminState::up);
  std::array<std::uint8_t, 16> page{};
  ASSERT_TRUE(driver.read_cmis({OeId(6), BankId(0), 0x00, 0}, page).ok());
  EXPECT_NE(page[0], 0);
  Telemetry t;
  ASSERT_TRUE(read_all_telemetry(driver, units, t).ok());
  EXPECT_EQ(t.units[1].ports[1].port, PortId(37));
}

}  // namespace
}  // namespace cpo::reference
