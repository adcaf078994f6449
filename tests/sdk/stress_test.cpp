// Four threads on one switch at once: snapshots, breakouts, laser ramps and event
// subscriptions. Run under the tsan preset it proves the facade's locking; here it also
// checks that every call keeps its promise while the others run.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "sdk_test_util.h"

namespace cpo::sdk {
namespace {

TEST(SwitchStress, SnapshotsBreakoutsLasersAndSubscriptionsFromFourThreads) {
  auto opened = Switch::open("sim://cpo144");
  ASSERT_TRUE(opened.ok());
  Switch& sw = **opened;
  constexpr int kRounds = 20;
  std::atomic<int> failures{0};
  std::atomic<int> events{0};
  auto fail = [&](const Status& s) {
    if (!s.ok()) {
      ADD_FAILURE() << s.to_string();
      ++failures;
    }
  };
  std::jthread snapshots([&] {
    Snapshot snap;
    for (int i = 0; i < kRounds * 5; ++i) fail(sw.snapshot(snap));
  });
  std::jthread breakouts([&] {
    for (int i = 0; i < kRounds; ++i) fail(sw.breakout("0-7", i % 2 == 0 ? "4x200G" : "1x800G").status());
  });
  std::jthread lasers([&] {
    const LaserRef laser{ElsId(17), 2};
    for (int i = 0; i < kRounds; ++i) {
      const Status s = sw.set_laser_power(laser, Milliwatts(i % 2 == 0 ? 60.0 : 100.0));
      // The breakout thread never touches this laser: only a real failure may show here.
      fail(s);
    }
  });
  std::jthread subscriptions([&] {
    for (int i = 0; i < kRounds; ++i) {
      auto sub = sw.subscribe(EventFilter{}, [&](const Event&) { ++events; });
      if (!sub) fail(sub.status());
      auto fd_sub = sw.subscribe(EventFilter{{EventType::link_change}, {}, true});
      if (!fd_sub) fail(fd_sub.status());
      std::vector<Event> drained;
      if (fd_sub) fd_sub->read(drained);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  snapshots.join();
  breakouts.join();
  lasers.join();
  subscriptions.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sw.port(PortId(0))->subports, 1u);  // the last breakout restored 1x800G
  EXPECT_NEAR(sw.laser_status(LaserRef{ElsId(17), 2})->power_setpoint.value(), 100.0, 0.01);
}

}  // namespace
}  // namespace cpo::sdk
