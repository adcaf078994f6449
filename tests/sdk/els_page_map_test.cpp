// ELS pages through a vendor page map (profile key els_cmis_page_map): davisson102t's ELS
// modules serve the ELSFP pages 1Ah/1Bh at B0h/B1h. Host code addresses them by their
// OIF-ELSFP numbers on every layout; the validating layer above the reference driver
// translates, so everything here runs the simulator through the same driver as hardware.
#include <array>
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cpo/hal/cmis/module.h"
#include "sdk_test_util.h"

namespace cpo::sdk {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::unique_ptr<Switch> open(const std::string& uri) {
  auto sw = Switch::open(uri);
  EXPECT_TRUE(sw.ok()) << sw.status().to_string();
  return sw.ok() ? std::move(sw).value() : nullptr;
}

// The whole memory map of one ELS as a host reads it: lower, 00h-02h, 1Ah/1Bh of every bank.
cmis::MemoryMap els_map(Switch& sw, ElsId els, CmisPageView view = CmisPageView::logical) {
  cmis::MemoryMap map;
  cmis::PageBytes bytes{};
  EXPECT_TRUE(sw.read_cmis(CmisAddress{els, BankId(0), 0, 0, view}, bytes).ok());
  map.set_lower(bytes);
  for (const std::uint8_t page : std::initializer_list<std::uint8_t>{0x00, 0x01, 0x02}) {
    EXPECT_TRUE(sw.read_cmis(CmisAddress{els, BankId(0), page, 128, view}, bytes).ok());
    EXPECT_TRUE(map.set_upper(page, 0, bytes).ok());
  }
  const std::uint32_t banks = sw.platform().els(els).value()->cmis_banks();
  for (std::uint32_t b = 0; b < banks; ++b) {
    for (const std::uint8_t logical : cmis::kElsfpPages) {
      const std::uint8_t page =
          view == CmisPageView::logical ? logical : sw.platform().els_page(logical).value_or(logical);
      const Status s = sw.read_cmis(CmisAddress{els, BankId(b), page, 128, view}, bytes);
      EXPECT_TRUE(s.ok()) << s.to_string();
      EXPECT_TRUE(map.set_upper(page, static_cast<std::uint8_t>(b), bytes).ok());
    }
  }
  return map;
}

TEST(ElsPageMap, EveryElsPageDecodesAlikeOnTheStandardAndTheRelocatedLayout) {
  auto standard = open("sim://cpo144?seed=3");
  auto relocated = open("sim://davisson102t?seed=3");
  ASSERT_TRUE(standard && relocated);
  ASSERT_FALSE(relocated->platform().els_page_map().empty());
  const auto reference = cmis::decode(els_map(*standard, ElsId(0)));
  ASSERT_TRUE(reference.ok());
  ASSERT_EQ(reference->banks.size(), 1u);
  const cmis::BankPages& want = reference->banks.front();
  ASSERT_TRUE(want.els && want.els_monitors);
  for (const auto& els : relocated->platform().els_modules()) {
    SCOPED_TRACE(to_string(els.id));
    const auto m = cmis::decode(els_map(*relocated, els.id));
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    EXPECT_EQ(m->lower->identifier, reference->lower->identifier);
    ASSERT_EQ(m->banks.size(), els.cmis_banks());
    for (const auto& bank : m->banks) {
      ASSERT_TRUE(bank.els && bank.els_monitors) << "bank " << int{bank.bank};
      EXPECT_EQ(bank.els->max_optical_power, want.els->max_optical_power);
      EXPECT_EQ(bank.els->min_optical_power, want.els->min_optical_power);
      EXPECT_EQ(bank.els->max_bias, want.els->max_bias);
      EXPECT_EQ(bank.els->power_thresholds, want.els->power_thresholds);
      EXPECT_EQ(bank.els->lane_count, want.els->lane_count);
      EXPECT_EQ(bank.els->lane_enable, want.els->lane_enable);
      EXPECT_EQ(bank.els->lane_state, want.els->lane_state);
      EXPECT_EQ(bank.els_monitors->power_setpoint, want.els_monitors->power_setpoint);
      for (unsigned lane = 0; lane < bank.els->lane_count; ++lane) {
        EXPECT_GT(bank.els_monitors->power[lane].value(), 0.0) << lane;
        EXPECT_GT(bank.els_monitors->bias[lane].value(), 0.0) << lane;
      }
    }
  }
}

TEST(ElsPageMap, TheModulePageViewShowsTheRelocation) {
  auto sw = open("sim://davisson102t");
  ASSERT_TRUE(sw);
  const ElsId els(5);
  // The advertised limits (page 1Ah bytes 128..140) read the same under both numbers.
  std::array<std::uint8_t, 13> logical{}, physical{};
  ASSERT_TRUE(sw->read_cmis(CmisAddress{els, BankId(0), 0x1A, 128}, logical).ok());
  ASSERT_TRUE(sw->read_cmis(CmisAddress{els, BankId(0), 0xB0, 128, CmisPageView::physical}, physical).ok());
  EXPECT_EQ(logical, physical);
  EXPECT_NE(logical, (std::array<std::uint8_t, 13>{}));
  // The module does not serve page 1Ah under its standard number.
  EXPECT_STATUS(sw->read_cmis(CmisAddress{els, BankId(0), 0x1A, 128, CmisPageView::physical}, physical),
                Code::unsupported, "");
  // B0h has no logical name of its own on this layout.
  EXPECT_STATUS(sw->read_cmis(CmisAddress{els, BankId(0), 0xB0, 128}, logical), Code::invalid_argument,
                "profile davisson102t serves ELSFP page 1Ah at page B0h");
  // The module page view is read-only, so laser controls are written only where the laser
  // safety checks see them.
  const std::array<std::uint8_t, 1> mask{0x01};
  const auto writes = *sw->simulator()->device_writes();
  EXPECT_STATUS(sw->write_cmis(CmisAddress{els, BankId(0), 0xB0, 198, CmisPageView::physical}, mask),
                Code::invalid_argument, "els 5 module page B0h byte 198: the module page view is read-only");
  EXPECT_EQ(*sw->simulator()->device_writes(), writes);
  EXPECT_TRUE(sw->write_cmis(CmisAddress{els, BankId(0), 0x1A, 198}, mask).ok());
  std::array<std::uint8_t, 1> back{};
  ASSERT_TRUE(sw->read_cmis(CmisAddress{els, BankId(0), 0xB0, 198, CmisPageView::physical}, back).ok());
  EXPECT_EQ(back[0], 0x01);
  // A standard-layout module: both views are the same page.
  auto standard = open("sim://cpo144");
  ASSERT_TRUE(standard);
  ASSERT_TRUE(standard->read_cmis(CmisAddress{els, BankId(0), 0x1A, 128, CmisPageView::physical}, physical).ok());
  EXPECT_EQ(physical, logical);
  EXPECT_STATUS(standard->read_cmis(CmisAddress{els, BankId(0), 0xB0, 128}, logical), Code::unsupported, "");
}

TEST(ElsPageMap, LaserPolicyWorksUnchangedOnTheRelocatedLayout) {
  auto sw = open("sim://davisson102t");
  ASSERT_TRUE(sw);
  const LaserRef laser{ElsId(3), 2};
  ASSERT_TRUE(sw->disable_laser(laser, /*force=*/true).ok());
  EXPECT_FALSE(sw->laser_status(laser)->enabled);
  auto check = sw->enable_laser(laser);
  ASSERT_TRUE(check.ok()) << check.status().to_string();
  auto on = sw->laser_status(laser);
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->enabled);
  EXPECT_TRUE(on->fiber_checked);
  ASSERT_TRUE(sw->set_laser_power(laser, Milliwatts(110.0)).ok());
  EXPECT_NEAR(sw->laser_status(laser)->power_setpoint.value(), 110.0, 0.01);
  // The module holds the set-point on its own page B1h (laser 2: bytes 148..149, 10 uW).
  std::array<std::uint8_t, 2> setpoint{};
  ASSERT_TRUE(sw->read_cmis(CmisAddress{ElsId(3), BankId(0), 0xB1, 148, CmisPageView::physical}, setpoint).ok());
  EXPECT_EQ((setpoint[0] << 8) | setpoint[1], 11000);
  // The limits are the module's, read through the map, and the class limit still binds.
  auto limits = sw->laser_limits(laser);
  ASSERT_TRUE(limits.ok());
  EXPECT_NEAR(limits->max_power.value(), 150.0, 1e-9);
  EXPECT_STATUS(sw->set_laser_power(laser, Milliwatts(130.0)), Code::safety_refused, "class limit 125.00 mW");
  const std::array<std::uint8_t, 1> all_off{0x00};
  EXPECT_STATUS(sw->write_cmis(CmisAddress{ElsId(3), BankId(0), 0x1A, 220}, all_off), Code::safety_refused,
                "only the laser calls");
}

TEST(ElsPageMap, ElsFlagEventsNameTheLogicalPage) {
  auto sw = open("sim://davisson102t");
  ASSERT_TRUE(sw);
  auto sub = sw->subscribe(EventFilter{{EventType::cmis_flag}, {ObjectRef{ElsId(6)}}, true});
  ASSERT_TRUE(sub.ok()) << sub.status().to_string();
  ASSERT_TRUE(sw->simulator()->fail_laser(LaserRef{ElsId(6), 1}).ok());
  sw->sleep_for(200ms);
  std::vector<Event> got;
  for (int i = 0; i < 200 && got.empty(); ++i) {
    sub->read(got);
    if (got.empty()) std::this_thread::sleep_for(5ms);
  }
  ASSERT_FALSE(got.empty());
  bool page1a = false;
  for (const auto& e : got) {
    const auto* flag = e.get<CmisFlag>();
    ASSERT_NE(flag, nullptr);
    if (flag->page == 0) continue;  // module flags in the lower page
    EXPECT_EQ(flag->page, 0x1A) << to_string(e);
    page1a = page1a || flag->page == 0x1A;
  }
  EXPECT_TRUE(page1a) << "no flag of page 1Ah (lane fault) among " << got.size() << " events";
}

}  // namespace
}  // namespace cpo::sdk
