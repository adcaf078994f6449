// The simulated CMIS pages as a host stack reads them: every page of every OE and ELS read
// through the mailbox (as a driver would) and decoded twice, with the hal CMIS codec and
// with the rules of SONiC's sonic_xcvr where they differ from the codec's reading (state
// duration codes as upper bounds, the banks-supported code, the Tx bias scale).
//
// Sources: OIF CMIS 5.2 section 8 (page 01h Table 8-31 durations, bytes 142/144/160/167/168);
// SFF-8024 Tables 4-1, 4-5, 4-7; sonic-net/sonic-platform-common sonic_xcvr
// mem_maps/public/cmis/pages/page01.py, page11.py and codes/public/cmis.py (DP_PATH_TIMINGS,
// MAX_BANKS_SUPPORTED).
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "cpo/hal/cmis/codes.h"
#include "cpo/hal/cmis/module.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/sim/simulator.h"
#include "mailbox.h"
#include "make_switch.h"

namespace cpo::testing {
namespace {

using C = rd::Completion;
using sim::Switch;
namespace hc = cpo::cmis;
using Page = std::array<std::uint8_t, 128>;

Page read(Mailbox& mb, rd::CmisTarget t, std::uint32_t index, std::uint32_t bank, std::uint32_t page, bool upper) {
  Page p{};
  const auto c = mb.cmis_read(t, index, bank, page, upper, p);
  EXPECT_EQ(c.code, C::kOk) << "page " << page << " bank " << bank;
  return p;
}

// The whole memory map of one OE (lower, 00h, 01h, 02h, 10h/11h of every bank it serves).
hc::MemoryMap oe_map(Mailbox& mb, std::uint32_t oe, std::uint32_t banks) {
  hc::MemoryMap map;
  map.set_lower(read(mb, rd::CmisTarget::kOe, oe, 0, 0, false));
  for (const std::uint8_t page : std::initializer_list<std::uint8_t>{0x00, 0x01, 0x02})
    EXPECT_TRUE(map.set_upper(page, 0, read(mb, rd::CmisTarget::kOe, oe, 0, page, true)).ok());
  for (std::uint32_t b = 0; b < banks; ++b)
    for (const std::uint8_t page : std::initializer_list<std::uint8_t>{0x10, 0x11})
      EXPECT_TRUE(
          map.set_upper(page, static_cast<std::uint8_t>(b), read(mb, rd::CmisTarget::kOe, oe, b, page, true)).ok());
  return map;
}

std::uint32_t oe_banks(const Switch& sw, std::uint32_t oe) {
  return static_cast<std::uint32_t>(sw.platform().optical_engines()[oe].banks.size());
}

// ---- SONiC's reading of the same bytes (sonic_xcvr), written out independently ----------
// codes/public/cmis.py DP_PATH_TIMINGS: a duration code read as its upper bound in ms.
double sonic_duration_ms(std::uint8_t code) {
  static constexpr double kMs[] = {1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 60000, 300000, 600000, 3000000, 6000000};
  return code < 14 ? kMs[code] : 0.0;
}
// MAX_BANKS_SUPPORTED (page 01h byte 142 bits 1-0): 0 -> 1 bank, 1 -> 2 banks, 2 -> 4 banks;
// sonic_xcvr's Bailly vendor codes (BaillyCodes) add 3 -> 8 banks, which CMIS 5.2 reserves
// (the codec reads it as 1): the simulator never writes code 3.
unsigned sonic_banks(std::uint8_t byte142) {
  const unsigned code = byte142 & 3u;
  return code == 0 ? 1 : code == 1 ? 2 : code == 2 ? 4 : 8;
}
// page11.py LaserBiasTx<n>Field: u16 at 170 + 2(n-1), scale 500 (mA); cmis.py get_tx_bias
// multiplies by 2**TX_BIAS_SCALE (page 01h byte 160 bits 4-3, 3 read as 1).
double sonic_tx_bias_ma(const Page& p11, const Page& p01, unsigned lane) {
  const unsigned scale_raw = (p01[160 - 128] >> 3) & 3u;
  const double scale = scale_raw < 3 ? std::pow(2.0, scale_raw) : 1.0;
  const unsigned raw = (static_cast<unsigned>(p11[170 - 128 + 2 * lane]) << 8) | p11[171 - 128 + 2 * lane];
  return raw / 500.0 * scale;
}

// ------------------------------------------------------------------ identification
TEST(SimCmisPages, ModulesIdentifyAsTheirKindWithDistinctStableSerials) {
  auto sw = make("cpo144", 7);
  Mailbox mb(sw->bar(0));
  std::set<std::string> serials;
  const std::uint32_t oes = sw->bar(0).read32(rd::reg::kOeCount);
  ASSERT_GT(oes, 0u);
  std::string first_oe_serial;
  for (std::uint32_t oe = 0; oe < oes; ++oe) {  // unit 0's OEs
    const auto lower = hc::decode_lower(read(mb, rd::CmisTarget::kOe, oe, 0, 0, false));
    const auto p00 = hc::decode_page00(read(mb, rd::CmisTarget::kOe, oe, 0, 0, true));
    EXPECT_EQ(lower.identifier, 0x19);  // documented choice: OSFP 8X, CMIS-managed
    EXPECT_EQ(p00.identifier, 0x19);
    EXPECT_TRUE(p00.checksum_ok);
    EXPECT_EQ(p00.vendor_oui, (std::array<std::uint8_t, 3>{0x02, 0x43, 0x50}));
    EXPECT_EQ(p00.part_number, "CPO-OE-4.8T");  // 24 lanes of 200G
    EXPECT_EQ(p00.serial_number.size(), 12u);
    EXPECT_TRUE(serials.insert(p00.serial_number).second) << p00.serial_number;
    if (oe == 0) first_oe_serial = p00.serial_number;
  }
  const std::uint32_t els_count = sw->bar(0).read32(rd::reg::kElsCount);
  ASSERT_GT(els_count, 0u);
  for (std::uint32_t els = 0; els < els_count; ++els) {
    const auto lower = hc::decode_lower(read(mb, rd::CmisTarget::kEls, els, 0, 0, false));
    const auto p00 = hc::decode_page00(read(mb, rd::CmisTarget::kEls, els, 0, 0, true));
    EXPECT_EQ(lower.identifier, 0x22);  // SFF-8024 "OIF-ELSFP with CMIS"
    EXPECT_EQ(hc::identifier_abbreviation(p00.identifier), "ELSFP");
    EXPECT_EQ(p00.part_number, "CPO-ELSFP-8");
    EXPECT_TRUE(serials.insert(p00.serial_number).second) << p00.serial_number;
  }
  // Same seed, same serials; another seed, other serials.
  auto same = make("cpo144", 7);
  auto other = make("cpo144", 8);
  Mailbox mb_same(same->bar(0)), mb_other(other->bar(0));
  EXPECT_EQ(hc::decode_page00(read(mb_same, rd::CmisTarget::kOe, 0, 0, 0, true)).serial_number, first_oe_serial);
  EXPECT_NE(hc::decode_page00(read(mb_other, rd::CmisTarget::kOe, 0, 0, 0, true)).serial_number, first_oe_serial);
}

// ------------------------------------------------------------------ page 01h
TEST(SimCmisPages, Page01AdvertisesEveryMonitorTheSimulatorModels) {
  for (const char* profile : {"cpo144", "bailly51t", "davisson102t"}) {
    SCOPED_TRACE(profile);
    auto sw = make(profile);
    Mailbox mb(sw->bar(0));
    const Page raw01 = read(mb, rd::CmisTarget::kOe, 0, 0, 0x01, true);
    const auto a = hc::decode_page01(raw01);
    EXPECT_TRUE(a.temperature_monitor);
    EXPECT_TRUE(a.vcc_monitor);
    EXPECT_TRUE(a.tx_bias_monitor);
    EXPECT_TRUE(a.tx_power_monitor);
    EXPECT_TRUE(a.rx_power_monitor);
    EXPECT_TRUE(a.rx_power_is_average);
    EXPECT_TRUE(a.tx_fault_flag_supported);
    EXPECT_TRUE(a.tx_los_flag_supported);
    EXPECT_TRUE(a.rx_los_flag_supported);
    EXPECT_TRUE(a.tx_disable_supported);
    EXPECT_FALSE(a.aux1_monitor || a.aux2_monitor || a.aux3_monitor || a.custom_monitor);
    EXPECT_EQ(a.cdb_instances, 0);
    EXPECT_EQ(a.tx_bias_multiplier, 2);
    // The banks-supported code covers every bank the OE serves, in both readings.
    const std::uint32_t banks = oe_banks(*sw, 0);
    EXPECT_GE(a.banks_supported, banks);
    EXPECT_EQ(sonic_banks(raw01[142 - 128]), a.banks_supported);
    // Page 02h thresholds decode with the advertised multiplier and bracket the bias.
    const auto t = hc::decode_page02(read(mb, rd::CmisTarget::kOe, 0, 0, 0x02, true), a.tx_bias_multiplier);
    const auto st = hc::decode_page11(read(mb, rd::CmisTarget::kOe, 0, 0, 0x11, true), a.tx_bias_multiplier);
    EXPECT_GT(t.tx_bias.high_alarm.value(), t.tx_bias.high_warning.value());
    EXPECT_GT(t.tx_bias.low_warning.value(), t.tx_bias.low_alarm.value());
    for (unsigned lane = 0; lane < 8; ++lane) {
      EXPECT_GT(st.tx_bias[lane].value(), t.tx_bias.low_warning.value()) << lane;
      EXPECT_LT(st.tx_bias[lane].value(), t.tx_bias.high_warning.value()) << lane;
    }
    // ELS: module monitors only, its banks.
    const auto e = hc::decode_page01(read(mb, rd::CmisTarget::kEls, 0, 0, 0x01, true));
    EXPECT_TRUE(e.temperature_monitor);
    EXPECT_TRUE(e.vcc_monitor);
    const std::uint32_t els_banks = (sw->bar(0).read32(rd::reg::kLasersPerEls) + 7) / 8;
    EXPECT_GE(e.banks_supported, els_banks);
  }
}

// Virtual time until `done` holds, polled every millisecond through the status region
// (reading it costs no device time), from the completion of the command that started it.
template <typename Pred>
double seconds_until(Switch& sw, Pred done) {
  const auto t0 = sw.now();
  while (!done() && sw.now() - t0 < 30s) sw.advance(1ms);
  return std::chrono::duration<double>(sw.now() - t0).count();
}

TEST(SimCmisPages, AdvertisedDurationsAreTheMeasuredOnes) {
  auto sw = make("cpo144", 1, sim::StartState::cold);
  Mailbox mb(sw->bar(0));
  const Page raw01 = read(mb, rd::CmisTarget::kOe, 0, 0, 0x01, true);
  const auto a = hc::decode_page01(raw01);
  const auto state = [&] {
    return static_cast<rd::ModuleState>(mb.status(rd::at(rd::record::kOe, 0, rd::field::kOeModuleState)));
  };
  const auto dp = [&] { return static_cast<rd::DataPathState>(mb.lane(0, rd::field::kLaneDataPathState)); };
  // A measured duration against its code: inside the CMIS interval (1 ms of polling slack)
  // and within SONiC's reading of the code as an upper bound.
  const auto check = [](const char* what, std::uint8_t code, double s) {
    const auto range = hc::duration_range(code);
    ASSERT_TRUE(range.has_value()) << what;
    EXPECT_GE(s + 0.001, range->min_s) << what << " code " << int(code) << " measured " << s;
    EXPECT_LT(s - 0.001, range->max_s) << what << " code " << int(code) << " measured " << s;
    EXPECT_LE(s * 1000.0, sonic_duration_ms(code)) << what;
    EXPECT_GT(code, 0) << what << ": a zero code says < 1 ms";
  };
  using M = rd::ModuleState;
  using D = rd::DataPathState;
  ASSERT_EQ(state(), M::kLowPwr);
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kOe, 0, 0, 0, false, 26, {0x00}).code, C::kOk);
  check("ModulePwrUp", a.module_pwr_up_duration, seconds_until(*sw, [&] { return state() == M::kReady; }));
  check("DPInit", a.dp_init_duration, seconds_until(*sw, [&] { return dp() != D::kInit; }));
  check("DPTxTurnOn", a.dp_tx_turn_on_duration, seconds_until(*sw, [&] { return dp() == D::kActivated; }));
  // The active configuration took: ConfigSuccess, ApSel of the default breakout.
  const auto st = hc::decode_page11(read(mb, rd::CmisTarget::kOe, 0, 0, 0x11, true), a.tx_bias_multiplier);
  EXPECT_EQ(st.config_status[0], hc::ConfigStatus::success);
  EXPECT_EQ(st.active_config[0].app_sel, 1);
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kOe, 0, 0, 0x10, true, 0, {0x01}).code, C::kOk);  // DPDeinit lane 1
  check("DPTxTurnOff", a.dp_tx_turn_off_duration, seconds_until(*sw, [&] { return dp() != D::kTxTurnOff; }));
  check("DPDeinit", a.dp_deinit_duration, seconds_until(*sw, [&] { return dp() == D::kDeactivated; }));
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kOe, 0, 0, 0, false, 26, {0x10}).code, C::kOk);  // LowPwr
  check("ModulePwrDn", a.module_pwr_dn_duration, seconds_until(*sw, [&] { return state() == M::kLowPwr; }));
}

// ------------------------------------------------------------------ applications
TEST(SimCmisPages, ApplicationsAreTheProfileBreakoutModesOn1310nmSingleMode) {
  auto sw = make("cpo144");
  Mailbox mb(sw->bar(0));
  const auto decoded = hc::decode(oe_map(mb, 0, oe_banks(*sw, 0)));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  const hc::Module& m = decoded.value();
  ASSERT_TRUE(m.lower.has_value());
  EXPECT_EQ(m.lower->media_type, static_cast<std::uint8_t>(hc::MediaType::optical_smf));
  ASSERT_EQ(m.application_count, 3);
  struct Want {
    std::uint8_t host, media, lanes, starts;
    std::string_view host_name, media_name;
  };
  const Want want[] = {
      {0x82, 0x77, 4, 0x11, "800GAUI-4 C2M (Annex 176E)", "800GBASE-DR4 (Clause 180)"},  // 1x800G
      {0x81, 0x75, 2, 0x55, "400GAUI-2 C2M (Annex 176E)", "400GBASE-DR2 (Clause 180)"},  // 2x400G
      {0x80, 0x73, 1, 0xFF, "200GAUI-1 C2M (Annex 176E)", "200GBASE-DR1 (Clause 180)"},  // 4x200G
  };
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& app = m.applications[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(app.app_sel, i + 1);
    EXPECT_EQ(app.host_interface, want[i].host);
    EXPECT_EQ(app.media_interface, want[i].media);
    EXPECT_EQ(app.host_lane_count, want[i].lanes);
    EXPECT_EQ(app.media_lane_count, want[i].lanes);
    EXPECT_EQ(app.host_lane_assignment, want[i].starts);
    EXPECT_EQ(app.media_lane_assignment, want[i].starts);
    EXPECT_EQ(hc::host_interface_name(app.host_interface), want[i].host_name);
    EXPECT_EQ(hc::media_interface_name(m.lower->media_type, app.media_interface), want[i].media_name);
  }
  // Active ApSel and data path per lane follow the breakout (SONiC reads the same nibbles:
  // page11.py ACTIVE_APSEL_HOSTLANE bits 7-4 of 206+, CONFIG_LANE_STATUS nibbles at 202+).
  for (const auto& bank : m.banks) {
    ASSERT_TRUE(bank.status.has_value());
    for (unsigned lane = 0; lane < 8; ++lane) {
      EXPECT_EQ(bank.status->active_config[lane].app_sel, 1);
      EXPECT_EQ(bank.status->active_config[lane].data_path_id, lane < 4 ? 0 : 4);
      EXPECT_EQ(bank.status->config_status[lane], hc::ConfigStatus::success);
    }
  }
  // Port 1 (lanes 4..7 of OE 0 bank 0) to 4x200G: one-lane data paths on ApSel 3.
  ASSERT_EQ(mb.run(rd::Opcode::kBreakout, {1, 1, 4}).code, C::kOk);
  const auto p11 = hc::decode_page11(read(mb, rd::CmisTarget::kOe, 0, 0, 0x11, true), 2);
  for (unsigned lane = 4; lane < 8; ++lane) {
    EXPECT_EQ(p11.active_config[lane].app_sel, 3) << lane;
    EXPECT_EQ(p11.active_config[lane].data_path_id, lane) << lane;
  }
  EXPECT_EQ(p11.active_config[0].app_sel, 1);
}

// ------------------------------------------------------------------ Tx bias
TEST(SimCmisPages, TxBiasIsTheLaneShareOfItsLaserInBothReadings) {
  auto sw = make("cpo144");
  Mailbox mb(sw->bar(0));
  const Page raw01 = read(mb, rd::CmisTarget::kOe, 0, 0, 0x01, true);
  const Page raw11 = read(mb, rd::CmisTarget::kOe, 0, 0, 0x11, true);
  const auto a = hc::decode_page01(raw01);
  const auto st = hc::decode_page11(raw11, a.tx_bias_multiplier);
  const Platform& pf = sw->platform();
  const std::uint32_t per_els = sw->bar(0).read32(rd::reg::kLasersPerEls);
  const auto& bank0 = pf.optical_engines()[0].banks[0];
  for (unsigned lane = 0; lane < 8; ++lane) {
    const LaneInfo& info = pf.lanes()[bank0.lanes[lane].value()];
    const auto lit = pf.laser(info.laser);
    ASSERT_TRUE(lit.ok());
    const double share = static_cast<double>(lit.value()->lanes.size());
    const std::uint32_t laser = info.laser.els.value() * per_els + info.laser.index;
    const double laser_ma = mb.status(rd::at(rd::record::kLaser, laser, rd::field::kLaserBiasMon)) / 1000.0;
    ASSERT_GT(laser_ma, 100.0);
    EXPECT_NEAR(st.tx_bias[lane].value(), laser_ma / share, 0.004) << lane;
    EXPECT_NEAR(sonic_tx_bias_ma(raw11, raw01, lane), st.tx_bias[lane].value(), 1e-9) << lane;
  }
  // A failed laser: its lanes report no bias.
  const LaneInfo& first = pf.lanes()[bank0.lanes[0].value()];
  ASSERT_TRUE(sw->backdoor().fail_laser(first.laser).ok());
  sw->advance(200ms);  // the bias monitors follow on the next physics tick
  const auto dark = hc::decode_page11(read(mb, rd::CmisTarget::kOe, 0, 0, 0x11, true), a.tx_bias_multiplier);
  EXPECT_EQ(dark.tx_bias[0].value(), 0.0);
}

TEST(SimCmisPages, TxBiasFlagsFollowThePage02ThresholdsAndClearOnRead) {
  auto sw = make("cpo144");
  Mailbox mb(sw->bar(0));
  const auto a = hc::decode_page01(read(mb, rd::CmisTarget::kOe, 0, 0, 0x01, true));
  const auto th = hc::decode_page02(read(mb, rd::CmisTarget::kOe, 0, 0, 0x02, true), a.tx_bias_multiplier);
  const Platform& pf = sw->platform();
  const auto& bank0 = pf.optical_engines()[0].banks[0];
  const LaserRef laser = pf.lanes()[bank0.lanes[0].value()].laser;
  std::uint8_t lit = 0;  // the bank-0 lanes of that laser
  for (unsigned lane = 0; lane < 8; ++lane)
    if (pf.lanes()[bank0.lanes[lane].value()].laser == laser) lit = static_cast<std::uint8_t>(lit | (1u << lane));
  ASSERT_NE(lit, 0);
  auto flags = [&] { return hc::decode_page11(read(mb, rd::CmisTarget::kOe, 0, 0, 0x11, true), a.tx_bias_multiplier); };
  sw->advance(200ms);
  auto st = flags();
  EXPECT_EQ(st.tx_bias_flags, hc::LaneFlagSet{});  // a fresh laser: inside every threshold
  // An old laser: its APC loop needs more bias, past the high warning and under the alarm.
  ASSERT_TRUE(sw->backdoor().set_laser_age(laser, std::chrono::hours(25000)).ok());
  sw->advance(200ms);
  st = flags();
  EXPECT_EQ(st.tx_bias_flags.high_warning, lit);
  EXPECT_EQ(st.tx_bias_flags.high_alarm, 0);
  for (unsigned lane = 0; lane < 8; ++lane) {
    if (!(lit & (1u << lane))) continue;
    EXPECT_GT(st.tx_bias[lane].value(), th.tx_bias.high_warning.value()) << lane;
    EXPECT_LT(st.tx_bias[lane].value(), th.tx_bias.high_alarm.value()) << lane;
  }
  // A dead laser: no bias on lanes whose data paths are up, a low alarm and a low warning.
  ASSERT_TRUE(sw->backdoor().fail_laser(laser).ok());
  sw->advance(200ms);
  st = flags();
  EXPECT_EQ(st.tx_bias_flags.low_alarm, lit);
  EXPECT_EQ(st.tx_bias_flags.low_warning, lit);
  // Still latched: the warning held when the last read cleared the latch.
  EXPECT_EQ(st.tx_bias_flags.high_warning, lit);
  // Cleared by the read, latched again while the condition lasts.
  st = flags();
  EXPECT_EQ(st.tx_bias_flags.high_warning, 0);
  EXPECT_EQ(st.tx_bias_flags.low_alarm, lit);
}

// ------------------------------------------------------------------ ELS page map
// davisson102t's profile relocates the ELSFP pages (els_cmis_page_map 1Ah -> B0h, 1Bh -> B1h):
// its ELS modules serve them there and refuse 1Ah/1Bh as unsupported pages, as a module with
// that layout would; the content is what a standard-layout ELS (cpo144) serves at 1Ah/1Bh.
TEST(SimCmisPages, DavissonElsServesElsfpPagesAtItsProfilesPageMap) {
  auto dav = make("davisson102t");
  auto std_layout = make("cpo144");
  Mailbox mb(dav->bar(0)), ref(std_layout->bar(0));
  const auto b0 = dav->platform().els_page(hc::kPage1A);
  const auto b1 = dav->platform().els_page(hc::kPage1B);
  ASSERT_EQ(b0, 0xB0);
  ASSERT_EQ(b1, 0xB1);
  Page raw{};
  for (const std::uint32_t page : {0x1Au, 0x1Bu}) {
    const auto c = mb.cmis_read(rd::CmisTarget::kEls, 0, 0, page, true, raw);
    EXPECT_EQ(c.code, C::kUnsupported) << page;
    EXPECT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 0, 0, page, true, 198 - 128, {0x01}).code, C::kUnsupported) << page;
  }
  // Every bank of every ELS: page B0h is a page 1Ah, B1h a page 1Bh.
  const std::uint32_t lasers = dav->bar(0).read32(rd::reg::kLasersPerEls);
  const auto want_a = hc::decode_page1a(read(ref, rd::CmisTarget::kEls, 0, 0, 0x1A, true));
  const auto want_b = hc::decode_page1b(read(ref, rd::CmisTarget::kEls, 0, 0, 0x1B, true));
  for (std::uint32_t els = 0; els < dav->platform().els_modules().size(); ++els) {
    for (std::uint32_t bank = 0; bank * 8 < lasers; ++bank) {
      SCOPED_TRACE(::testing::Message() << "els " << els << " bank " << bank);
      const auto a = hc::decode_page1a(read(mb, rd::CmisTarget::kEls, els, bank, *b0, true));
      const auto m = hc::decode_page1b(read(mb, rd::CmisTarget::kEls, els, bank, *b1, true));
      EXPECT_EQ(a.max_optical_power, want_a.max_optical_power);
      EXPECT_EQ(a.min_optical_power, want_a.min_optical_power);
      EXPECT_EQ(a.max_bias, want_a.max_bias);
      EXPECT_EQ(a.bias_thresholds, want_a.bias_thresholds);
      EXPECT_EQ(a.power_thresholds, want_a.power_thresholds);
      EXPECT_EQ(a.lane_count, want_a.lane_count);
      EXPECT_EQ(a.lane_state, want_a.lane_state);
      EXPECT_EQ(a.lane_enable, want_a.lane_enable);
      EXPECT_EQ(m.power_setpoint, want_b.power_setpoint);
      EXPECT_EQ(m.bias_setpoint, want_b.bias_setpoint);
      for (unsigned lane = 0; lane < 8; ++lane) EXPECT_GT(m.power[lane].value(), 0.0) << lane;
      // The lower page selects what the host asked for: the module's page.
      EXPECT_EQ(hc::decode_lower(read(mb, rd::CmisTarget::kEls, els, bank, *b0, false)).page_select, *b0);
    }
  }
  // Writes land through the module page: a flag mask written at B0h reads back there.
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 2, 0, *b0, true, 198 - 128, {0x5A}).code, C::kOk);
  EXPECT_EQ(read(mb, rd::CmisTarget::kEls, 2, 0, *b0, true)[198 - 128], 0x5A);
  // Standard pages stay where CMIS puts them; B0h is not a page of a standard-layout ELS.
  EXPECT_EQ(hc::decode_page01(read(mb, rd::CmisTarget::kEls, 0, 0, 0x01, true)).temperature_monitor, true);
  EXPECT_EQ(ref.cmis_read(rd::CmisTarget::kEls, 0, 0, 0xB0, true, raw).code, C::kUnsupported);
}

// An ELS flag event names the page the module serves it on (B0h); the validating layer
// above the driver turns it back into 1Ah (tests/sdk/els_page_map_test.cpp).
TEST(SimCmisPages, DavissonElsFlagEventsNameTheModulePage) {
  auto dav = make("davisson102t");
  Mailbox mb(dav->bar(0));
  const LaserRef laser{ElsId(1), 2};
  ASSERT_TRUE(dav->backdoor().set_laser_age(laser, std::chrono::hours(25000)).ok());
  dav->advance(200ms);
  bool seen = false;
  for (const auto& e : mb.events()) {
    if (e.type != rd::EventType::kCmisFlag) continue;
    if (rd::bits::kObjectKind.get(e.object) != static_cast<std::uint32_t>(rd::ObjectKind::kEls)) continue;
    const std::uint32_t page = e.detail >> 16;
    if (page == 0) continue;  // module temperature flags sit in the lower page
    EXPECT_EQ(page, 0xB0u);
    seen = seen || page == 0xB0u;
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace cpo::testing
