// The facade on the simulator, through the same reference driver as hardware: opening by URI,
// the breakout and laser policies, refusals that change nothing, the hot-swap, events.
#include "cpo/sdk/switch.h"

#include <sys/epoll.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cpo/hal/backend/refdev/refdev.h"
#include "sdk_test_util.h"

namespace cpo::sdk {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ------------------------------------------------------------------------------ opening

TEST(SwitchOpen, SimUriOpensTheBuiltInProfile) {
  auto sw = Switch::open("sim://cpo144?seed=7&clock=virtual");
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  EXPECT_EQ((*sw)->platform().name(), "cpo144");
  EXPECT_EQ((*sw)->platform().ports().size(), 144u);
  EXPECT_NE((*sw)->simulator(), nullptr);
  EXPECT_TRUE((*sw)->capabilities().breakout);
}

TEST(SwitchOpen, RefusesMalformedUrisNamingTheAcceptedForms) {
  struct Case {
    const char* uri;
    Code code;
    const char* fragment;
  };
  for (const Case& c : {
           Case{"", Code::invalid_argument, "accepted: sim://PROFILE"},
           Case{"cpo144", Code::invalid_argument, "SCHEME://TARGET"},
           Case{"ftp://x", Code::invalid_argument, "unknown scheme 'ftp' (accepted: sim://PROFILE"},
           Case{"sim://", Code::invalid_argument, "no profile"},
           Case{"sim://cpo144?seed=-1", Code::invalid_argument, "seed '-1'"},
           Case{"sim://cpo144?seed=99999999999999999999", Code::out_of_range, "allowed 0..18446744073709551615"},
           Case{"sim://cpo144?colour=red", Code::invalid_argument, "unknown parameter 'colour' (allowed: seed, clock"},
           Case{"sim://cpo144?clock=fast", Code::invalid_argument, "virtual, real"},
           Case{"sim://cpo144?snapshot=maybe", Code::invalid_argument, "snapshot 'maybe' is not one of on, off"},
           Case{"sim://cpo144?snapshot=", Code::invalid_argument, "snapshot '' is not one of on, off"},
           Case{"sim://cpo144?seed=1&seed=2", Code::invalid_argument, "twice"},
           // command_timeout_ms: a strict decimal in 1..60000 ms, never clamped; the same parser
           // for every scheme that opens the reference driver (checked before any connection).
           Case{"sim://cpo144?command_timeout_ms=0", Code::out_of_range,
                "sim://cpo144?command_timeout_ms=0: command_timeout_ms 0 is out of range (allowed 1..60000)"},
           Case{"sim://cpo144?command_timeout_ms=60001", Code::out_of_range,
                "command_timeout_ms 60001 is out of range (allowed 1..60000)"},
           Case{"sim://cpo144?command_timeout_ms=99999999999999999999", Code::out_of_range, "allowed 1..60000"},
           Case{
               "sim://cpo144?command_timeout_ms=-1", Code::invalid_argument,
               "command_timeout_ms '-1' is not a decimal number (digits only: no sign, blank or 0x; allowed 1..60000)"},
           Case{"sim://cpo144?command_timeout_ms=abc", Code::invalid_argument,
                "command_timeout_ms 'abc' is not a decimal number"},
           Case{"sim://cpo144?command_timeout_ms=10ms", Code::invalid_argument,
                "command_timeout_ms '10ms' is not a decimal number"},
           Case{"sim://cpo144?command_timeout_ms=020", Code::invalid_argument,
                "command_timeout_ms '020' has a leading zero"},
           Case{"sim://cpo144?command_timeout_ms=", Code::invalid_argument,
                "command_timeout_ms: empty (allowed 1..60000)"},
           Case{"sim://cpo144?command_timeout_ms=5&command_timeout_ms=6", Code::invalid_argument,
                "parameter 'command_timeout_ms' is given twice"},
           Case{"simd:///nonexistent/sw.sock?command_timeout_ms=0", Code::out_of_range, "allowed 1..60000"},
           Case{"pci://0000:03:00.0?command_timeout_ms=abc", Code::invalid_argument,
                "command_timeout_ms 'abc' is not a decimal number"},
           Case{"netlink://?command_timeout_ms=100", Code::invalid_argument, "unknown parameter 'command_timeout_ms'"},
           Case{"sim://cpo144?seed", Code::invalid_argument, "KEY=VALUE"},
           Case{"sim://nosuchprofile", Code::not_found, "cpo144"},
           Case{"pci://", Code::invalid_argument, "no BDF"},
           Case{"pci://0000:zz:00.0", Code::invalid_argument, "0000:zz:00.0"},
       }) {
    auto sw = Switch::open(c.uri);
    ASSERT_FALSE(sw.ok()) << c.uri;
    EXPECT_EQ(sw.status().code(), c.code) << c.uri << ": " << sw.status().to_string();
    EXPECT_THAT(sw.status().message(), HasSubstr(c.fragment)) << c.uri;
  }
}

// snapshot=on|off: telemetry through the device's status snapshot channel (the default) or by
// registers; the unit's SnapRequest register shows which path the switch's snapshot took.
TEST(SwitchOpen, SnapshotParameterChoosesTheTelemetryPath) {
  for (const auto& [uri, channel] : {std::pair{"sim://cpo144", true}, std::pair{"sim://cpo144?snapshot=on", true},
                                     std::pair{"sim://cpo144?snapshot=off", false}}) {
    auto sw = Switch::open(uri);
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    ASSERT_TRUE((*sw)->snapshot().ok()) << uri;
    auto window = (*sw)->simulator()->register_window(UnitId(0));
    ASSERT_TRUE(window.ok()) << window.status().to_string();
    EXPECT_EQ((*window)[refdev::reg::kSnapRequest / 4] != 0, channel) << uri;
  }
}

// command_timeout_ms=N is the reference driver's shortest command deadline: a command to a
// hung unit fails after N ms of device time (the virtual clock), never earlier, and says so.
// PortAdmin's own deadline (10 x its 100 us typical latency) is 1 ms, below every N here.
TEST(SwitchOpen, CommandTimeoutParameterSetsTheCommandDeadline) {
  for (const auto& [uri, ms] : {std::pair{"sim://cpo144", 20}, std::pair{"sim://cpo144?command_timeout_ms=1", 1},
                                std::pair{"sim://cpo144?command_timeout_ms=250&seed=4", 250}}) {
    auto sw = Switch::open(uri);
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    ASSERT_TRUE((*sw)->simulator()->hang_firmware(UnitId(1), true).ok());
    const auto t0 = (*sw)->now();
    EXPECT_STATUS((*sw)->set_admin(PortId(40), AdminState::up), Code::timeout,
                  fmt::format("unit 1: command PortAdmin (port 40) did not complete within {} ms", ms));
    EXPECT_GE((*sw)->now() - t0, std::chrono::milliseconds(ms)) << uri;
    ASSERT_TRUE((*sw)->simulator()->hang_firmware(UnitId(1), false).ok());
    EXPECT_TRUE((*sw)->set_admin(PortId(40), AdminState::up).ok()) << uri;
  }
  // The whole range opens: the widest deadline a slow device may need.
  EXPECT_TRUE(Switch::open("sim://cpo144?command_timeout_ms=60000").ok());
}

TEST(SwitchOpen, ProfileFileByPath) {
  const auto dir = std::filesystem::temp_directory_path() / "cposdk_switch_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "copy.json";
  std::filesystem::copy_file(std::string(CPOSDK_PROFILE_DIR) + "/davisson102t.json", path,
                             std::filesystem::copy_options::overwrite_existing);
  auto sw = Switch::open("sim://" + path.string() + "?seed=3");
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  EXPECT_EQ((*sw)->platform().name(), "davisson102t");
}

// ------------------------------------------------------------------------------ breakout

class SwitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sw = Switch::open("sim://cpo144");
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    sw_ = std::move(sw).value();
  }
  Switch& sw() { return *sw_; }
  std::uint64_t writes() { return *sw_->simulator()->device_writes(); }
  // Hot-swap options whose progress plays the technician: removes `els` when asked, then runs
  // `before_insert` (the fault of the new module) and inserts it.
  HotSwapOptions technician_swaps(ElsId els, std::function<void()> before_insert) {
    HotSwapOptions o;
    o.progress = [this, els, before_insert = std::move(before_insert)](const SwapProgress& p) {
      if (!p.done && p.step == SwapStep::wait_removal) {
        ASSERT_TRUE(sw().simulator()->remove_els(els).ok());
      }
      if (!p.done && p.step == SwapStep::wait_insertion) {
        before_insert();
        ASSERT_TRUE(sw().simulator()->insert_els(els).ok());
      }
    };
    return o;
  }

  std::unique_ptr<Switch> sw_;
};

TEST_F(SwitchTest, BulkBreakoutSplitsSixteenPortsAndRestoresThem) {
  ASSERT_TRUE(sw().set_admin(PortId(3), AdminState::up).ok());
  auto r = sw().breakout("0-15", "4x200G");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->applied);
  EXPECT_EQ(r->changes.size(), 16u);
  EXPECT_EQ(r->removed.size(), 16u);
  EXPECT_EQ(r->created.size(), 64u);
  EXPECT_EQ(r->created[5], (LogicalPort{PortId(1), 1}));
  auto p = sw().port(PortId(15));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->subports, 4u);
  // Port 3 was admin up: each of its new sub-ports is admin up, the others stay down.
  EXPECT_EQ(sw().port(PortId(3))->admin_mask, 0xFu);
  EXPECT_EQ(sw().port(PortId(4))->admin_mask, 0u);
  EXPECT_EQ(std::get<LogicalPort>(*sw().resolve("Ethernet13")), (LogicalPort{PortId(3), 1}));

  // SONiC's spelling without the alternative speed.
  auto back = sw().breakout("0-15", "1x800G");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->created.size(), 16u);
  EXPECT_EQ(sw().port(PortId(15))->subports, 1u);
  EXPECT_EQ(sw().port(PortId(3))->admin_mask, 1u);
}

TEST_F(SwitchTest, BreakoutAcrossUnitsRunsInParallelAndOnlyChangedGroupsAreTouched) {
  ASSERT_TRUE(sw().breakout("0-143", "2x400G").ok());
  for (PortId p : {PortId(0), PortId(40), PortId(100), PortId(143)}) EXPECT_EQ(sw().port(p)->subports, 2u);
  // Asking again for what runs: nothing to change, nothing written.
  const auto before = writes();
  auto again = sw().breakout("0-143", "2x400G");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->changes.empty());
  EXPECT_EQ(writes(), before);
}

TEST_F(SwitchTest, DryRunPlansWithoutWriting) {
  const auto before = writes();
  BreakoutOptions dry;
  dry.dry_run = true;
  auto r = sw().breakout("8-9", "4x200G", dry);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->applied);
  EXPECT_EQ(r->created.size(), 8u);
  EXPECT_EQ(writes(), before);
  EXPECT_EQ(sw().port(PortId(8))->subports, 1u);
}

TEST_F(SwitchTest, BreakoutRefusalsChangeNothing) {
  const std::string before = snapshot_json(sw());
  const auto w = writes();
  std::vector<BreakoutGroupRequest> twice{{PortId(3), *BreakoutMode::parse("4x200G")},
                                          {PortId(3), *BreakoutMode::parse("2x400G")}};
  EXPECT_STATUS(sw().breakout(twice).status(), Code::invalid_argument, "port 3 appears twice");
  EXPECT_STATUS(sw().breakout("144", "4x200G").status(), Code::out_of_range, "ports 0..143");
  EXPECT_STATUS(sw().breakout("0-3", "8x100G").status(), Code::unsupported, "1x800G[400G], 2x400G, 4x200G");
  EXPECT_STATUS(sw().breakout("0", "3x200G").status(), Code::unsupported, "");
  EXPECT_STATUS(sw().breakout("0", "banana").status(), Code::invalid_argument, "");
  // A valid group before an invalid one: still nothing written.
  std::vector<BreakoutGroupRequest> mixed{{PortId(0), *BreakoutMode::parse("4x200G")},
                                          {PortId(1), *BreakoutMode::parse("8x100G")}};
  EXPECT_STATUS(sw().breakout(mixed).status(), Code::unsupported, "port 1");
  EXPECT_EQ(writes(), w);
  EXPECT_EQ(snapshot_json(sw()), before);
}

TEST_F(SwitchTest, AFailedUnitRollsEveryGroupBackToItsModeAndAdminState) {
  ASSERT_TRUE(sw().set_admin(PortId(0), AdminState::up).ok());
  ASSERT_TRUE(sw().set_admin(PortId(120), AdminState::up).ok());
  ASSERT_TRUE(sw().simulator()->hang_firmware(UnitId(2), true).ok());
  auto r = sw().breakout("0-143", "4x200G");
  EXPECT_STATUS(r.status(), Code::timeout, "breakout on unit 2");
  EXPECT_THAT(r.status().message(), HasSubstr("rolling back unit 2"));
  // Units 0, 1 and 3 are back where they were, admin states included.
  for (PortId p : {PortId(0), PortId(1), PortId(40), PortId(120), PortId(143)}) {
    EXPECT_EQ(sw().port(p)->subports, 1u) << to_string(p);
  }
  EXPECT_EQ(sw().port(PortId(0))->admin_mask, 1u);
  EXPECT_EQ(sw().port(PortId(120))->admin_mask, 1u);
  EXPECT_EQ(sw().port(PortId(1))->admin_mask, 0u);
  ASSERT_TRUE(sw().simulator()->hang_firmware(UnitId(2), false).ok());
  EXPECT_TRUE(sw().breakout("72-107", "1x800G").ok());
}

TEST_F(SwitchTest, RawCmisWritesOutsideTheLaserControlsPass) {
  const std::array<std::uint8_t, 1> mask{0x01};
  EXPECT_TRUE(sw().write_cmis(CmisAddress{ElsId(7), BankId(0), 0x1A, 198}, mask).ok());  // a flag mask
  std::array<std::uint8_t, 1> back{};
  ASSERT_TRUE(sw().read_cmis(CmisAddress{ElsId(7), BankId(0), 0x1A, 198}, back).ok());
  EXPECT_EQ(back[0], 0x01);
}

TEST(SwitchBreakout, SubportAcrossAnOpticalEngineBankIsRefused) {
  // Port 1's lanes 4..7 lie in two banks: under 1x800G one sub-port would span both.
  const auto path = write_profile_with_split_bank();
  auto sw = Switch::open("sim://" + path);
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  const auto w = *(*sw)->simulator()->device_writes();
  const std::string before = snapshot_json(**sw);
  EXPECT_STATUS((*sw)->breakout("1", "1x800G").status(), Code::safety_refused,
                "sub-port 1/0 would span oe 0 bank 0 and oe 0 bank 1");
  EXPECT_EQ(*(*sw)->simulator()->device_writes(), w);
  EXPECT_EQ(snapshot_json(**sw), before);
  EXPECT_TRUE((*sw)->breakout("0", "1x800G").ok());  // port 0 sits in bank 0
}

// ------------------------------------------------------------------------------ lasers

TEST_F(SwitchTest, LaserLimitsComeFromTheModuleAndTheProfile) {
  auto l = sw().laser_limits(LaserRef{ElsId(7), 3});
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  EXPECT_NEAR(l->max_power.value(), 150.0, 1e-9);
  EXPECT_NEAR(l->min_power.value(), 20.0, 1e-9);
  EXPECT_NEAR(l->max_bias.value(), 600.0, 1e-9);
  ASSERT_TRUE(l->class_limit.has_value());
  EXPECT_NEAR(l->class_limit->value(), 125.0, 1e-9);
  EXPECT_NEAR(l->max_allowed.value(), 125.0, 1e-9);
  EXPECT_GT(l->fiber_check_power.value(), 0.0);
}

TEST_F(SwitchTest, UnsafeLaserRequestsAreRefusedWithoutAnyWrite) {
  const LaserRef laser{ElsId(7), 3};
  const std::string before = snapshot_json(sw());
  const auto w = writes();
  EXPECT_STATUS(sw().set_laser_power(laser, Milliwatts(130.0)), Code::safety_refused,
                "above the platform's laser class limit 125.00 mW");
  EXPECT_STATUS(sw().set_laser_power(laser, Dbm(30.0)), Code::safety_refused,
                "outside the module's advertised range 20.00 mW");
  EXPECT_STATUS(sw().set_laser_power(laser, Milliwatts(5.0)), Code::safety_refused, "els 7 laser 3");
  EXPECT_STATUS(sw().set_laser_power(laser, Milliwatts(std::nan(""))), Code::safety_refused, "not a number");
  EXPECT_STATUS(sw().set_laser_bias(laser, Milliamps(6553.5)), Code::safety_refused,
                "bias 6553.5 mA is outside the module's advertised range 50.0 .. 600.0 mA");
  RampOptions fast;
  fast.ramp_rate = Decibels(100.0);
  EXPECT_STATUS(sw().set_laser_power(laser, Milliwatts(110.0), fast), Code::safety_refused,
                "ramp rate 100 dB/s is not allowed (allowed: more than 0, at most 10 dB/s)");
  EnableOptions too_high;
  too_high.power = Milliwatts(140.0);
  EXPECT_STATUS(sw().enable_laser(laser, too_high).status(), Code::safety_refused, "class limit");
  EXPECT_STATUS(sw().set_laser_power(LaserRef{ElsId(7), 8}, Milliwatts(50.0)), Code::out_of_range, "els 7 laser 8");
  // Raw CMIS writes to the laser controls go through the laser calls only.
  const std::array<std::uint8_t, 1> all_off{0x00};
  EXPECT_STATUS(sw().write_cmis(CmisAddress{ElsId(7), BankId(0), 0x1A, 220}, all_off), Code::safety_refused,
                "only the laser calls");
  EXPECT_EQ(writes(), w);
  EXPECT_EQ(snapshot_json(sw()), before);
}

TEST(SwitchLaser, ModuleMaximumBindsWhenTheClassLimitIsHigher) {
  OpenOptions o;
  o.laser.class_limit = Milliwatts(500.0);
  auto sw = Switch::open("sim://cpo144", o);
  ASSERT_TRUE(sw.ok());
  const auto writes = *(*sw)->simulator()->device_writes();
  const std::string before = snapshot_json(**sw);
  EXPECT_STATUS((*sw)->set_laser_power(LaserRef{ElsId(0), 0}, Milliwatts(160.0)), Code::safety_refused,
                "outside the module's advertised range 20.00 mW (13.01 dBm) .. 150.00 mW");
  EnableOptions on;
  on.power = Milliwatts(151.0);
  EXPECT_STATUS((*sw)->enable_laser(LaserRef{ElsId(0), 1}, on).status(), Code::safety_refused, "150.00 mW");
  EXPECT_EQ(*(*sw)->simulator()->device_writes(), writes);
  EXPECT_EQ(snapshot_json(**sw), before);
}

TEST_F(SwitchTest, PowerChangeOnALitLaserRampsInBoundedSteps) {
  const LaserRef laser{ElsId(2), 5};
  std::vector<LaserProgress> steps;
  RampOptions ramp;
  ramp.progress = [&](const LaserProgress& p) { steps.push_back(p); };
  const auto t0 = sw().now();
  ASSERT_TRUE(sw().set_laser_power(laser, Dbm(20.8), ramp).ok());  // 100 mW -> 120.2 mW: 0.8 dB
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_TRUE(sw().set_laser_power(laser, Milliwatts(25.0), ramp).ok());  // -6.8 dB: 7 steps of <= 1 dB
  ASSERT_EQ(steps.size(), 8u);
  EXPECT_EQ(steps.back().steps, 7u);
  double previous = to_dbm(Milliwatts(120.226)).value();
  for (std::size_t i = 1; i < steps.size(); ++i) {
    const double now = to_dbm(steps[i].setpoint).value();
    EXPECT_LE(previous - now, 1.0 + 1e-6);
    previous = now;
  }
  // 7.6 dB at 10 dB/s: at least 0.76 s of device time.
  EXPECT_GE(sw().now() - t0, 760ms);
  sw().sleep_for(300ms);
  auto status = sw().laser_status(laser);
  ASSERT_TRUE(status.ok());
  EXPECT_NEAR(status->power_setpoint.value(), 25.0, 0.01);
  EXPECT_NEAR(status->power.value(), 25.0, 0.5);
}

TEST_F(SwitchTest, EnableRunsTheFiberCheckThenRamps) {
  const LaserRef laser{ElsId(7), 3};
  ASSERT_TRUE(sw().disable_laser(laser).ok());
  auto off = sw().laser_status(laser);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled);
  EXPECT_FALSE(off->fiber_checked);
  std::vector<LaserPhase> phases;
  EnableOptions on;
  on.power = Milliwatts(100.0);
  on.ramp.progress = [&](const LaserProgress& p) { phases.push_back(p.phase); };
  auto check = sw().enable_laser(laser, on);
  ASSERT_TRUE(check.ok()) << check.status().to_string();
  EXPECT_EQ(check->verdict, FiberVerdict::ok);
  EXPECT_NEAR(check->loss.value(), 1.5, 0.3);  // the nominal ELS jumper
  EXPECT_EQ(phases.front(), LaserPhase::fiber_check);
  EXPECT_EQ(phases.back(), LaserPhase::done);
  sw().sleep_for(300ms);
  auto lit = sw().laser_status(laser);
  ASSERT_TRUE(lit.ok());
  EXPECT_TRUE(lit->enabled);
  EXPECT_TRUE(lit->fiber_checked);
  EXPECT_EQ(lit->state, LaserState::on);
  EXPECT_NEAR(lit->power.value(), 100.0, 1.0);
}

TEST_F(SwitchTest, DirtyConnectorFailsTheFiberCheckNamingTheLossAndTheLaserStaysOff) {
  const LaserRef laser{ElsId(7), 3};
  ASSERT_TRUE(sw().disable_laser(laser).ok());
  ASSERT_TRUE(sw().simulator()->set_laser_fiber_loss(laser, Decibels(5.5)).ok());
  const std::string before = state_json(sw());
  auto r = sw().enable_laser(laser);
  EXPECT_STATUS(r.status(), Code::safety_refused, "excess loss 5.50 dB");
  EXPECT_THAT(r.status().message(), HasSubstr("allowed at most 3.00 dB"));
  EXPECT_THAT(r.status().message(), HasSubstr("dirty or damaged connector"));
  auto s = sw().laser_status(laser);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->enabled);
  EXPECT_FALSE(s->fiber_checked);
  sw().sleep_for(300ms);
  EXPECT_NE(sw().laser_status(laser)->state, LaserState::on);
  EXPECT_EQ(state_json(sw()), before) << "the refused enable left the switch as it was";
}

TEST_F(SwitchTest, DisconnectedFiberIsNoLight) {
  const LaserRef laser{ElsId(1), 0};
  ASSERT_TRUE(sw().disable_laser(laser).ok());
  ASSERT_TRUE(sw().simulator()->set_laser_fiber_loss(laser, Decibels(INFINITY)).ok());
  EXPECT_STATUS(sw().enable_laser(laser).status(), Code::safety_refused, "no light");
  EXPECT_FALSE(sw().laser_status(laser)->enabled);
}

// The ELS of `els` as the device reports it, from a fresh snapshot.
ElsTelemetry els_of(Switch& sw, ElsId els) {
  auto snap = sw.snapshot();
  EXPECT_TRUE(snap.ok());
  if (snap.ok())
    for (const auto& u : snap->units.units)
      for (const auto& e : u.els)
        if (e.els == els) return e;
  ADD_FAILURE() << "no " << to_string(els);
  return {};
}

// The three faults between an ELS and its optical engine, on one laser, through the reference
// driver over sim://cpo144: the SDK tells them apart from the ELS status and the OE's laser
// input monitors only.
TEST_F(SwitchTest, FiberCheckTellsADirtyConnectorADisconnectedFiberAndAnOpenInterlockApart) {
  const LaserRef laser{ElsId(7), 3};
  const LaneId lane = (*sw().platform().laser(laser))->lanes.front();
  SimulatorControl& sim = *sw().simulator();

  // Dirty connector, 4 dB above the nominal 1.5 dB: the loss is measured.
  ASSERT_TRUE(sw().disable_laser(laser).ok());
  ASSERT_TRUE(sim.set_laser_fiber_loss(laser, Decibels(1.5 + 4.0)).ok());
  EXPECT_STATUS(sw().enable_laser(laser).status(), Code::safety_refused, "fiber check failed: excess loss 5.50 dB");

  // Disconnected fiber: the ELS's own monitor says the laser is on at its set-point while the
  // OE's input is dark, and the fiber check says no light.
  ASSERT_TRUE(sim.set_laser_fiber_loss(laser, Decibels(1.5)).ok());
  ASSERT_TRUE(sw().enable_laser(laser).ok());
  ASSERT_TRUE(sim.set_laser_fiber_loss(laser, Decibels(INFINITY)).ok());
  sw().sleep_for(300ms);
  auto on = sw().laser_status(laser);
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->state, LaserState::on);
  EXPECT_NEAR(on->power.value(), 100.0, 1.0);
  EXPECT_EQ(sw().lane(lane)->laser_input_power.value(), 0.0);
  EXPECT_TRUE(els_of(sw(), laser.els).faults.none());
  ASSERT_TRUE(sw().disable_laser(laser).ok());
  EXPECT_STATUS(sw().enable_laser(laser).status(), Code::safety_refused, "no light");
  ASSERT_TRUE(sim.set_laser_fiber_loss(laser, Decibels(1.5)).ok());

  // Open interlock: the ELS says so; every laser of it off with the interlock as the cause.
  ASSERT_TRUE(sw().enable_laser(laser).ok());
  const PortId port = sw().platform().impacted_ports(laser)->front().port;
  ASSERT_TRUE(sw().set_admin(port, AdminState::up).ok());
  sw().sleep_for(3s);
  ASSERT_EQ(sw().port(port)->oper_mask, 1u);
  auto sub = sw().subscribe(EventFilter{{EventType::laser_fault}, {ObjectRef(laser.els)}, false});
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(sim.open_interlock(laser.els).ok());
  sw().sleep_for(200ms);
  EXPECT_TRUE(els_of(sw(), laser.els).faults.has(ElsFault::interlock_open));
  for (std::uint32_t k = 0; k < 8; ++k) {
    auto s = sw().laser_status(LaserRef{laser.els, k});
    EXPECT_EQ(s->state, LaserState::off) << k;
    EXPECT_EQ(s->fault, LaserFaultCode::interlock_open) << k;
    for (LaneId l : s->lanes) EXPECT_EQ(sw().lane(l)->laser_input_power.value(), 0.0) << to_string(l);
  }
  EXPECT_EQ(sw().port(port)->oper_mask, 0u);
  EXPECT_EQ(sw().port(port)->down_cause, LinkCause::laser_fault);
  std::vector<Event> events;
  for (int i = 0; i < 200 && events.size() < 8; ++i) {
    sub->read(events);
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(events.size(), 8u);
  for (std::uint32_t k = 0; k < 8; ++k) {
    const LaserFault* f = events[k].get<LaserFault>();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->laser, (LaserRef{laser.els, k}));
    EXPECT_EQ(f->code, LaserFaultCode::interlock_open);
  }

  // Enabling while open is refused before anything is written or lit.
  const auto writes_before = writes();
  const std::string before = state_json(sw());
  EXPECT_STATUS(sw().enable_laser(laser).status(), Code::safety_refused, "els 7 interlock open");
  EXPECT_STATUS(sw().enable_laser(LaserRef{laser.els, 5}).status(), Code::safety_refused, "els 7 laser 5");
  EXPECT_EQ(writes(), writes_before);
  EXPECT_EQ(state_json(sw()), before);

  // Closing lights nothing; the host enables again, through a new fiber check.
  ASSERT_TRUE(sim.close_interlock(laser.els).ok());
  sw().sleep_for(1s);
  EXPECT_TRUE(els_of(sw(), laser.els).faults.none());
  EXPECT_EQ(sw().laser_status(laser)->state, LaserState::off);
  EXPECT_EQ(sw().laser_status(laser)->fault, LaserFaultCode::interlock_open);
  std::vector<LaserPhase> phases;
  EnableOptions again;
  again.ramp.progress = [&](const LaserProgress& p) { phases.push_back(p.phase); };
  auto check = sw().enable_laser(laser, again);
  ASSERT_TRUE(check.ok()) << check.status().to_string();
  EXPECT_EQ(check->verdict, FiberVerdict::ok);
  EXPECT_NEAR(check->loss.value(), 1.5, 0.3);
  ASSERT_FALSE(phases.empty());
  EXPECT_EQ(phases.front(), LaserPhase::fiber_check);
  sw().sleep_for(300ms);
  EXPECT_EQ(sw().laser_status(laser)->state, LaserState::on);
  EXPECT_EQ(sw().laser_status(laser)->fault, LaserFaultCode::none);
  EXPECT_EQ(sw().laser_status(LaserRef{laser.els, 4})->state, LaserState::off) << "only the one enabled";
}

TEST_F(SwitchTest, HotSwapIntoASlotWithAnOpenInterlockReportsItForEveryLaser) {
  const ElsId els(3);
  // The technician pulls the module, then the new one goes in with the interlock open.
  const HotSwapOptions o = technician_swaps(els, [&] { ASSERT_TRUE(sw().simulator()->open_interlock(els).ok()); });
  auto report = sw().hot_swap(els, o);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_FALSE(report->lasers_lit);
  EXPECT_THAT(report->failure, HasSubstr("els 3 interlock open"));
  ASSERT_EQ(report->fiber_checks.size(), 8u);
  for (const FiberCheck& c : report->fiber_checks) EXPECT_EQ(c.verdict, FiberVerdict::interlock_open);
  EXPECT_EQ(to_string(FiberVerdict::interlock_open), "interlock_open");
  for (std::uint32_t k = 0; k < 8; ++k) EXPECT_NE(sw().laser_status(LaserRef{els, k})->state, LaserState::on) << k;
}

TEST_F(SwitchTest, DisablingALaserFeedingAdminUpPortsIsRefusedUnlessForced) {
  const LaserRef laser{ElsId(7), 3};
  auto impacted = sw().platform().impacted_ports(laser);
  ASSERT_TRUE(impacted.ok());
  const PortId port = impacted->front().port;
  ASSERT_TRUE(sw().set_admin(port, AdminState::up).ok());
  const auto w = writes();
  const std::string before = snapshot_json(sw());
  EXPECT_STATUS(sw().disable_laser(laser), Code::safety_refused, fmt::format("admin-up port {}/0", port.value()));
  EXPECT_EQ(writes(), w);
  EXPECT_EQ(snapshot_json(sw()), before);
  EXPECT_TRUE(sw().disable_laser(laser, /*force=*/true).ok());
  EXPECT_FALSE(sw().laser_status(laser)->enabled);
}

TEST_F(SwitchTest, BusyLaserRefusesASecondOperation) {
  const LaserRef laser{ElsId(4), 4};
  std::atomic<bool> tried{false};
  RampOptions ramp;
  ramp.progress = [&](const LaserProgress&) {
    if (tried.exchange(true)) return;
    // From inside the first ramp's callback (no SDK lock held): the laser is busy.
    EXPECT_STATUS(sw().set_laser_power(laser, Milliwatts(60.0)), Code::failed_precondition, "busy");
    EXPECT_TRUE(sw().snapshot().ok());
  };
  ASSERT_TRUE(sw().set_laser_power(laser, Milliwatts(40.0), ramp).ok());
  EXPECT_TRUE(tried.load());
}

TEST_F(SwitchTest, CancelledRampStopsAtTheStepReached) {
  const LaserRef laser{ElsId(4), 2};
  std::stop_source stop;
  RampOptions ramp;
  ramp.stop = stop.get_token();
  int steps = 0;
  ramp.progress = [&](const LaserProgress&) {
    if (++steps == 2) stop.request_stop();
  };
  EXPECT_STATUS(sw().set_laser_power(laser, Milliwatts(25.0), ramp), Code::failed_precondition, "cancelled");
  EXPECT_EQ(steps, 2);
  const double sp = sw().laser_status(laser)->power_setpoint.value();
  EXPECT_LT(sp, 100.0);
  EXPECT_GT(sp, 25.0);
}

TEST_F(SwitchTest, CancelledEnableLeavesTheLaserOff) {
  const LaserRef laser{ElsId(6), 6};
  ASSERT_TRUE(sw().disable_laser(laser).ok());
  std::stop_source stop;
  EnableOptions on;
  on.ramp.stop = stop.get_token();
  on.ramp.progress = [&](const LaserProgress& p) {
    if (p.phase == LaserPhase::fiber_check) stop.request_stop();
  };
  EXPECT_STATUS(sw().enable_laser(laser, on).status(), Code::failed_precondition, "fiber check cancelled");
  auto s = sw().laser_status(laser);
  EXPECT_FALSE(s->enabled);
  EXPECT_FALSE(s->fiber_checked);
}

TEST_F(SwitchTest, AccModeIsSelectedWithTheBankDarkAndTheBiasRamps) {
  const LaserRef laser{ElsId(5), 1};
  EXPECT_STATUS(sw().set_laser_control_mode(laser, cmis::ElsControlMode::acc), Code::failed_precondition,
                "all its lasers off");
  for (std::uint32_t k = 0; k < 8; ++k) ASSERT_TRUE(sw().disable_laser(LaserRef{ElsId(5), k}).ok());
  ASSERT_TRUE(sw().set_laser_control_mode(laser, cmis::ElsControlMode::acc).ok());
  EXPECT_EQ(sw().laser_status(laser)->control_mode, cmis::ElsControlMode::acc);
  EXPECT_EQ(sw().laser_limits(LaserRef{ElsId(5), 7})->control_mode, cmis::ElsControlMode::acc);  // the bank's mode
  ASSERT_TRUE(sw().enable_laser(laser).ok());
  std::vector<LaserProgress> steps;
  RampOptions ramp;
  ramp.progress = [&](const LaserProgress& p) { steps.push_back(p); };
  const double from = sw().laser_status(laser)->bias_setpoint.value();
  ASSERT_TRUE(sw().set_laser_bias(laser, Milliamps(from * 0.6), ramp).ok());  // -2.2 dB: 3 steps
  EXPECT_EQ(steps.size(), 3u);
  EXPECT_NEAR(steps.back().bias_setpoint.value(), from * 0.6, 0.1);
  sw().sleep_for(300ms);
  EXPECT_NEAR(sw().laser_status(laser)->bias.value(), from * 0.6, 2.0);
}

// ------------------------------------------------------------------------------ hot-swap

TEST_F(SwitchTest, HotSwapRunsItsStepsInOrderAndEndsLitWithPortsRestored) {
  const ElsId els(7);
  auto ports = sw().platform().impacted_ports(els);
  ASSERT_TRUE(ports.ok());
  for (const auto& lp : *ports) ASSERT_TRUE(sw().set_admin(lp.port, AdminState::up).ok());
  auto sub = sw().subscribe(EventFilter{{EventType::els_swap}, {}, true});
  ASSERT_TRUE(sub.ok());

  std::vector<std::string> seen;
  HotSwapOptions o;
  o.progress = [&](const SwapProgress& p) {
    seen.push_back(std::string(to_string(p.step)) + (p.done ? " done" : ""));
    // The technician: pulls the module when asked, plugs the new one in.
    if (!p.done && p.step == SwapStep::wait_removal) {
      ASSERT_TRUE(sw().simulator()->remove_els(els).ok());
    }
    if (!p.done && p.step == SwapStep::wait_insertion) {
      ASSERT_TRUE(sw().simulator()->insert_els(els).ok());
    }
  };
  auto report = sw().hot_swap(els, o);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_TRUE(report->lasers_lit) << report->failure;
  EXPECT_EQ(report->fiber_checks.size(), 8u);
  EXPECT_EQ(report->restored.size(), ports->size());
  EXPECT_THAT(seen, ElementsAre("deinit_data_paths", "deinit_data_paths done", "lasers_off", "lasers_off done",
                                "wait_removal", "wait_removal done", "wait_insertion", "wait_insertion done",
                                "fiber_check", "fiber_check done", "ramp", "ramp done", "reinit_data_paths",
                                "reinit_data_paths done", "restore_admin", "restore_admin done"));
  sw().sleep_for(3s);  // links train
  for (const auto& lp : *ports) {
    auto p = sw().port(lp.port);
    EXPECT_EQ(p->admin_mask, 1u);
    EXPECT_EQ(p->oper_mask, 1u) << to_string(lp);
  }
  for (std::uint32_t k = 0; k < 8; ++k) EXPECT_EQ(sw().laser_status(LaserRef{els, k})->state, LaserState::on);
  // Subscribers saw the same steps as events.
  std::vector<Event> events;
  for (int i = 0; i < 200 && events.size() < 16; ++i) {
    sub->read(events);
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(events.size(), 16u);
  EXPECT_EQ(events.front().get<ElsSwap>()->step, SwapStep::deinit_data_paths);
  EXPECT_EQ(events.back().get<ElsSwap>()->step, SwapStep::restore_admin);
  EXPECT_TRUE(events.back().get<ElsSwap>()->done);
}

TEST_F(SwitchTest, HotSwapToAModuleWithADirtyConnectorEndsWithTheLasersOffAndTheReason) {
  const ElsId els(3);
  const HotSwapOptions o = technician_swaps(els, [&] {
    ASSERT_TRUE(sw().simulator()->set_laser_fiber_loss(LaserRef{els, 2}, Decibels(6.0)).ok());
  });
  auto report = sw().hot_swap(els, o);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_FALSE(report->lasers_lit);
  EXPECT_THAT(report->failure, HasSubstr("els 3 laser 2: fiber check failed: excess loss 6.00 dB"));
  sw().sleep_for(500ms);
  for (std::uint32_t k = 0; k < 8; ++k) {
    auto s = sw().laser_status(LaserRef{els, k});
    EXPECT_FALSE(s->enabled) << k;
    EXPECT_NE(s->state, LaserState::on) << k;
  }
}

TEST_F(SwitchTest, HotSwapWaitsWithADeadline) {
  HotSwapOptions o;
  o.removal_timeout = 2s;
  auto r = sw().hot_swap(ElsId(5), o);
  EXPECT_STATUS(r.status(), Code::timeout, "step wait_removal: removal of els 5 did not happen within 2000 ms");
}

// ------------------------------------------------------------------------------ events

TEST_F(SwitchTest, EventsArriveThroughAnFdInAnEpollLoop) {
  const LaserRef laser{ElsId(9), 1};
  auto impacted = sw().platform().impacted_ports(laser);
  ASSERT_TRUE(impacted.ok());
  const PortId port = impacted->front().port;
  ASSERT_TRUE(sw().set_admin(port, AdminState::up).ok());
  sw().sleep_for(3s);
  ASSERT_EQ(sw().port(port)->oper_mask, 1u);

  EventFilter filter;
  filter.objects = {ObjectRef{port}, ObjectRef{laser.els}};
  auto sub = sw().subscribe(filter);
  ASSERT_TRUE(sub.ok());
  ASSERT_GE(sub->fd(), 0);
  ASSERT_TRUE(sw().simulator()->fail_laser(laser).ok());
  sw().sleep_for(500ms);

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, sub->fd(), &ev), 0);
  std::vector<Event> got;
  bool fault = false, down = false;
  for (int i = 0; i < 50 && !(fault && down); ++i) {
    epoll_event out{};
    if (epoll_wait(ep, &out, 1, 100) == 1) sub->read(got);
    for (const Event& e : got) {
      if (const auto* f = e.get<LaserFault>())
        fault = fault || (f->laser == laser && f->code == LaserFaultCode::apc_loop);
      if (const auto* l = e.get<LinkChange>())
        down = down || (l->port.port == port && l->state == OperState::down && l->cause == LinkCause::laser_fault);
    }
  }
  ::close(ep);
  EXPECT_TRUE(fault);
  EXPECT_TRUE(down);
  for (const Event& e : got) {
    const auto object = e.object();
    const bool mine = e.type() == EventType::resync || std::holds_alternative<ElsId>(object) ||
                      (std::holds_alternative<LaserRef>(object) && std::get<LaserRef>(object).els == laser.els) ||
                      (std::holds_alternative<LogicalPort>(object) && std::get<LogicalPort>(object).port == port);
    EXPECT_TRUE(mine) << "filtered out: " << to_string(e);
  }
}

TEST(SwitchEvents, SlowConsumerGetsAResyncInsteadOfSilentLoss) {
  OpenOptions o;
  o.events.queue_capacity = 4;
  auto sw = Switch::open("sim://cpo144", o);
  ASSERT_TRUE(sw.ok());
  auto sub = (*sw)->subscribe(EventFilter{{EventType::link_change}, {}, true});
  ASSERT_TRUE(sub.ok());
  for (std::uint32_t p = 0; p < 12; ++p) ASSERT_TRUE((*sw)->set_admin(PortId(p), AdminState::up).ok());
  (*sw)->sleep_for(3s);  // 12 links come up: 12 events for a queue of 4
  for (int i = 0; i < 100 && sub->dropped() < 8; ++i) std::this_thread::sleep_for(10ms);
  std::vector<Event> got;
  sub->read(got);
  ASSERT_FALSE(got.empty());
  ASSERT_EQ(got.front().type(), EventType::resync);
  EXPECT_EQ(got.front().get<Resync>()->lost, sub->dropped());
  EXPECT_EQ(got.size(), 5u);  // the resync notice and the 4 queued
}

TEST_F(SwitchTest, NoSubscriberNoEventAcknowledgements) {
  {
    auto sub = sw().subscribe(EventFilter{});
    ASSERT_TRUE(sub.ok());
    std::this_thread::sleep_for(30ms);
  }  // the last subscription ends: the poller stops
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(sw().set_admin(PortId(30), AdminState::up).ok());
  sw().sleep_for(3s);  // the link comes up: the device queues events
  const auto w = writes();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(writes(), w) << "events were acknowledged with nobody subscribed";
  // A new subscriber gets the poller back, and the queued events.
  auto again = sw().subscribe(EventFilter{{EventType::link_change}, {}, true});
  ASSERT_TRUE(again.ok());
  std::vector<Event> got;
  for (int i = 0; i < 100 && got.empty(); ++i) {
    again->read(got);
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().get<LinkChange>()->port, (LogicalPort{PortId(30), 0}));
}

TEST_F(SwitchTest, CallbackDeliveryRunsOnAnSdkThreadAndDerivesBerCrossings) {
  std::mutex mu;
  std::vector<Event> got;
  auto sub = sw().subscribe(EventFilter{{EventType::threshold_crossing}, {}, true}, [&](const Event& e) {
    std::lock_guard lock(mu);
    got.push_back(e);
  });
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(sw().set_admin(PortId(20), AdminState::up).ok());
  sw().sleep_for(3s);
  const LaneId lane = sw().platform().ports()[20].lanes[1];
  ASSERT_TRUE(sw().simulator()->degrade_lane(lane, Decibels(4.5)).ok());
  sw().sleep_for(500ms);
  bool crossed = false;
  for (int i = 0; i < 100 && !crossed; ++i) {
    std::this_thread::sleep_for(10ms);
    std::lock_guard lock(mu);
    for (const Event& e : got) {
      const auto* c = e.get<ThresholdCrossing>();
      crossed = crossed || (c->quantity == Measure::pre_fec_ber && c->asserted && std::get<LaneId>(c->object) == lane &&
                            c->value > c->threshold);
    }
  }
  EXPECT_TRUE(crossed) << "pre-FEC BER of " << to_string(lane) << ": " << sw().lane(lane)->pre_fec_ber;
}

}  // namespace
}  // namespace cpo::sdk
