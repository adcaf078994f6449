// The samples run as users run them, against the simulator, with their output checked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/run_process.h"

namespace cpo::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Samples, BreakoutSplitsAndRestoresSixteenPorts) {
  auto r = run_process(SAMPLE_BREAKOUT, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("split 16 ports: 16 logical ports removed, 64 created"));
  EXPECT_THAT(r.out, HasSubstr("  3/1        Ethernet13\n"));
  EXPECT_THAT(r.out, HasSubstr("  15/3       Ethernet63\n"));
  EXPECT_THAT(r.out, HasSubstr("restored 16 ports to 1x800G"));
}

TEST(Samples, BreakoutReportsABadUri) {
  auto r = run_process(SAMPLE_BREAKOUT, {"sim://nosuch"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("not_found"));
}

TEST(Samples, LaserPowerRampsRefusesAndCatchesADirtyConnector) {
  auto r = run_process(SAMPLE_LASER_POWER, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("els7/3: power 20.0 .. 150.0 mW (class limit 125.0 mW)"));
  EXPECT_THAT(r.out, HasSubstr("step 1/1: 19.00 dBm"));
  EXPECT_THAT(r.out, HasSubstr("monitors: 79."));
  EXPECT_THAT(r.out, HasSubstr("refused: safety_refused: els 7 laser 3: power 158.49 mW (22.00 dBm)"));
  EXPECT_THAT(r.out, HasSubstr("fiber check failed: excess loss 5.00 dB"));
  EXPECT_THAT(r.out, HasSubstr("laser enabled after the failed check: no"));
  // A 3 dB ramp at 5 dB/s in steps of at most 1 dB.
  auto three = run_process(SAMPLE_LASER_POWER, {"sim://cpo144", "els0/0", "17.0"});
  ASSERT_EQ(three.exit_code, 0) << three.err;
  EXPECT_THAT(three.out, HasSubstr("step 3/3: 17.00 dBm"));
  auto wrong = run_process(SAMPLE_LASER_POWER, {"sim://cpo144", "oe5"});
  EXPECT_EQ(wrong.exit_code, 3);
}

TEST(Samples, TelemetryShowsWorstLanesAndEnergy) {
  auto r = run_process(SAMPLE_TELEMETRY, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("cpo144: 144 ports, 31 up; 144 logical ports; 144 lasers lit"));
  // The degraded lane leads the list.
  EXPECT_THAT(r.out, HasSubstr("worst lanes by pre-FEC BER:\n  lane9 "));
  EXPECT_THAT(r.out, HasSubstr("  port 0 "));
  EXPECT_THAT(r.out, HasSubstr("pJ/bit"));
  EXPECT_THAT(r.out, Not(HasSubstr("nan")));
}

TEST(Samples, EventsPrintsTheInjectedFailureAndTheLinkItTookDown) {
  auto r = run_process(SAMPLE_EVENTS, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("injecting a failure of els9/1"));
  EXPECT_THAT(r.out, HasSubstr("laser_fault els 9 laser 1 code=apc_loop"));
  EXPECT_THAT(r.out, HasSubstr("link_change port 73/0 down cause=laser_fault"));
}

}  // namespace
}  // namespace cpo::testing
