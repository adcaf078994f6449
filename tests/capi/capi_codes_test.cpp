// The C API seen from C++: one test covering every code of the one code table (the same mapping
// as cpoctl's exit codes), the events a hot-swap publishes converted to C and printed like the
// C++ events, and handles that outlive their switch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cpo/cpo.h"
#include "cpo/sdk/exit_codes.h"
#include "cpo/sdk/switch.h"

namespace {

using ::testing::HasSubstr;

TEST(CApiCodes, EveryCodeHasTheNumberNameAndExitCodeOfTheOneTable) {
  for (cpo::Code code : cpo::kAllCodes) {
    const int number = static_cast<int>(code);
    SCOPED_TRACE(std::string(cpo::to_string(code)));
    EXPECT_STREQ(cpo_status_name(number), std::string(cpo::to_string(code)).c_str());
    EXPECT_EQ(cpo_exit_code(number), static_cast<int>(cpo::sdk::exit_code_for(code)));
  }
  // The documented values, spelled out once.
  EXPECT_EQ(cpo_exit_code(CPO_OK), 0);
  EXPECT_EQ(cpo_exit_code(CPO_ERR_OUT_OF_RANGE), 3);
  EXPECT_EQ(cpo_exit_code(CPO_ERR_IO_ERROR), 4);
  EXPECT_EQ(cpo_exit_code(CPO_ERR_SAFETY_REFUSED), 5);
  EXPECT_STREQ(cpo_status_name(CPO_ERR_INTERNAL + 1), "unknown");
  EXPECT_EQ(cpo_exit_code(CPO_ERR_INTERNAL + 1), 4);
  EXPECT_EQ(cpo_exit_code(-3), 4);
}

TEST(CApiCodes, AFailedCallNamesTheArgumentAndChangesNothing) {
  cpo_switch* sw = nullptr;
  ASSERT_EQ(cpo_open("sim://cpo144", &sw), CPO_OK) << cpo_last_error();
  cpo_port_values before{};
  ASSERT_EQ(cpo_port_show(sw, 12, &before), CPO_OK);
  uint64_t writes_before = 0;
  ASSERT_EQ(cpo_sim_device_writes(sw, &writes_before), CPO_OK);
  EXPECT_EQ(cpo_port_set_fec(sw, 12, static_cast<cpo_fec_mode>(4)), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(cpo_last_error(),
               "invalid_argument: cpo_port_set_fec: fec 4 is not a cpo_fec_mode (allowed: 0 none, 1 fc, 2 rs528, "
               "3 rs544)");
  EXPECT_EQ(cpo_last_error_code(), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(cpo_breakout_ports(sw, "12", nullptr, 0, nullptr), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(cpo_last_error(), HasSubstr("cpo_breakout_ports: mode is NULL"));
  uint64_t writes = 0;
  ASSERT_EQ(cpo_sim_device_writes(sw, &writes), CPO_OK);
  EXPECT_EQ(writes, writes_before);
  cpo_port_values after{};
  ASSERT_EQ(cpo_port_show(sw, 12, &after), CPO_OK);
  EXPECT_EQ(after.fec, before.fec);
  EXPECT_EQ(after.admin_mask, before.admin_mask);
  EXPECT_EQ(after.subports, before.subports);
  EXPECT_EQ(after.breakout, before.breakout);
  cpo_close(sw);
}

struct Technician {
  cpo_switch* sw;
};

int play_technician(const cpo_swap_progress* p, void* user) {
  auto* t = static_cast<Technician*>(user);
  if (p->done == 0 && p->step == CPO_SWAP_WAIT_REMOVAL) (void)cpo_sim_remove_els(t->sw, p->els);
  if (p->done == 0 && p->step == CPO_SWAP_WAIT_INSERTION) (void)cpo_sim_insert_els(t->sw, p->els);
  return 0;
}

// Every event of a hot-swap, read as C events, prints exactly as the C++ subscriber's copy.
TEST(CApiEvents, HotSwapEventsConvertToCAndPrintLikeTheFacade) {
  cpo_switch* sw = nullptr;
  ASSERT_EQ(cpo_open("sim://cpo144", &sw), CPO_OK) << cpo_last_error();
  cpo_subscription* sub = nullptr;
  cpo_event_filter filter{};
  filter.objects = "els3";
  ASSERT_EQ(cpo_subscribe(sw, &filter, &sub), CPO_OK) << cpo_last_error();

  Technician t{sw};
  cpo_hot_swap_options options{};
  options.progress = play_technician;
  options.user = &t;
  cpo_hot_swap_report report{};
  ASSERT_EQ(cpo_els_hot_swap(sw, 3, &options, &report), CPO_OK) << cpo_last_error();
  EXPECT_EQ(report.lasers_lit, 1);

  std::vector<cpo_event> events;
  for (int i = 0; i < 100; ++i) {
    cpo_event batch[16];
    size_t n = 0;
    ASSERT_EQ(cpo_subscription_read(sub, batch, 16, &n), CPO_OK);
    events.insert(events.end(), batch, batch + n);
    // The swap's own events are queued at once; the device's presence events come through the
    // event poller (every 10 ms of host time), which a fast simulator may not have run yet.
    int done = 0, presence = 0;
    for (const auto& e : events) {
      done += e.type == CPO_EVENT_ELS_SWAP && e.els_swap.done != 0 ? 1 : 0;
      presence += e.type == CPO_EVENT_ELS_PRESENCE ? 1 : 0;
    }
    if (done == 8 && presence >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int swap_done = 0;
  bool removed = false;
  bool inserted = false;
  for (const auto& e : events) {
    char text[256];
    ASSERT_EQ(cpo_event_format(&e, text, sizeof text), CPO_OK) << cpo_last_error();
    EXPECT_THAT(text, HasSubstr(cpo_event_type_name(e.type)));
    if (e.type == CPO_EVENT_ELS_SWAP) {
      EXPECT_EQ(e.els_swap.els, 3u);
      EXPECT_EQ(e.object.kind, CPO_OBJECT_ELS);
      swap_done += e.els_swap.done;
      EXPECT_EQ(e.els_swap.failed, 0);
    }
    if (e.type == CPO_EVENT_ELS_PRESENCE) (e.els_presence.present != 0 ? inserted : removed) = true;
  }
  EXPECT_EQ(swap_done, 8);
  EXPECT_TRUE(removed);
  EXPECT_TRUE(inserted);

  // A C event prints as the C++ event it stands for.
  cpo_event c{};
  c.type = CPO_EVENT_THRESHOLD_CROSSING;
  c.unit = 1;
  c.timestamp_ns = 12'000'000'000;
  c.threshold_crossing = {
      {CPO_OBJECT_LASER, 7, 3}, CPO_MEASURE_LASER_BIAS, CPO_THRESHOLD_WARNING, CPO_THRESHOLD_HIGH, 1, 151.5, 150.0};
  cpo::Event cpp;
  cpp.unit = cpo::UnitId(1);
  cpp.timestamp = std::chrono::seconds(12);
  cpp.payload = cpo::ThresholdCrossing{cpo::LaserRef{cpo::ElsId(7), 3},
                                       cpo::Measure::laser_bias,
                                       cpo::ThresholdLevel::warning,
                                       cpo::ThresholdBound::high,
                                       true,
                                       151.5,
                                       150.0};
  char text[256];
  ASSERT_EQ(cpo_event_format(&c, text, sizeof text), CPO_OK) << cpo_last_error();
  EXPECT_EQ(std::string(text), cpo::to_string(cpp));
  c.threshold_crossing.quantity = static_cast<cpo_measure>(8);
  EXPECT_EQ(cpo_event_format(&c, text, sizeof text), CPO_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(cpo_last_error(), HasSubstr("threshold_crossing.quantity 8 is not a cpo_measure"));

  // Closing the switch first is allowed: the subscription keeps it alive until freed.
  cpo_close(sw);
  size_t n = 99;
  cpo_event one[1];
  EXPECT_EQ(cpo_subscription_read(sub, one, 1, &n), CPO_OK);
  cpo_subscription_free(sub);
}

}  // namespace
