// The CMIS field table (cpo/hal/cmis/fields.h) against the page encoders: every row a test
// reads here is written by the encoder and read back through the table, so the table and
// the encoders cannot drift apart; the writable map against CMIS 5.2 / OIF-ELSFP-CMIS-01.0;
// the field setter and the set-point range check on fixed byte vectors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "cmis_test_util.h"
#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/fields.h"
#include "cpo/hal/cmis/pages.h"

namespace cpo::cmis {
namespace {

using ::testing::HasSubstr;
namespace f = field;

TEST(CmisFields, LowerPageRowsReadWhatTheEncoderWrote) {
  LowerPage v;
  v.module_state = ModuleState::ready;
  v.flags.state_changed = true;
  v.flags.temp_low_warning = true;
  v.flags.vcc_high_alarm = true;
  v.temperature = Celsius(-3.5);
  v.vcc = Volts(3.3);
  v.control.low_power_request_sw = true;
  v.media_type = 0x02;
  PageBytes p{};
  ASSERT_TRUE(encode_lower(v, p).ok());
  EXPECT_EQ(get(p, f::kModuleState), 3U);
  EXPECT_EQ(get(p, f::kModuleStateChangedFlag), 1U);
  EXPECT_EQ(get(p, f::kTemperatureFlags), 0x8U);  // low warning: bit 3
  EXPECT_EQ(get(p, f::kVccFlags), 0x1U);          // high alarm: bit 4
  EXPECT_EQ(get(p, f::kTemperature), 0xFC80U);    // -896 / 256 degC, two's complement
  EXPECT_EQ(get(p, f::kVcc), 33000U);
  EXPECT_EQ(get(p, f::kModuleControl), encode_module_control(v.control));
  EXPECT_EQ(get(p, f::kLowPwrRequestSW), 1U);
  EXPECT_EQ(get(p, f::kSoftwareReset), 0U);
  EXPECT_EQ(get(p, f::kMediaType), 0x02U);
}

TEST(CmisFields, LanePagesRowsReadWhatTheEncoderWrote) {
  LaneControls c;
  c.data_path_deinit = 0x81;
  c.tx_disable = 0xA5;
  c.rx_disable = 0x3C;
  c.apply_dp_init = 0x0F;
  c.apply_immediate = 0xF0;
  c.staged[2] = DataPathConfig{5, 2, true};
  PageBytes p10{};
  ASSERT_TRUE(encode_page10(c, p10).ok());
  EXPECT_EQ(get(p10, f::kDataPathDeinit), 0x81U);
  EXPECT_EQ(get(p10, f::kOutputDisableTx), 0xA5U);
  EXPECT_EQ(get(p10, f::kOutputDisableRx), 0x3CU);
  EXPECT_EQ(get(p10, f::kApplyDpInit), 0x0FU);
  EXPECT_EQ(get(p10, f::kApplyImmediate), 0xF0U);
  EXPECT_EQ(decode_page10(p10).staged[2], c.staged[2]);
  EXPECT_EQ(get(p10, f::kStagedConfig, 2), (5U << 4) | (2U << 1) | 1U);

  LaneStatus s;
  s.data_path_state[1] = DataPathState::activated;
  s.data_path_state_changed = 0x02;
  s.tx_fault = 0x04;
  s.tx_los = 0x08;
  s.tx_power_flags.low_alarm = 0x10;
  s.tx_bias_flags.low_warning = 0x20;
  s.rx_los = 0x40;
  s.rx_cdr_lol = 0x80;
  s.rx_power_flags.high_warning = 0x03;
  s.tx_power[3] = Milliwatts(1.2345);
  s.tx_bias[4] = Milliamps(10.0);
  s.rx_power[5] = Milliwatts(0.5);
  s.dp_init_pending = 0x11;
  PageBytes p11{};
  ASSERT_TRUE(encode_page11(s, p11, 2).ok());
  EXPECT_EQ(get(p11, f::kDataPathState, 0) >> 4, 4U);  // lane 2: bits 7-4 of the first byte
  EXPECT_EQ(get(p11, f::kDataPathStateChanged), 0x02U);
  EXPECT_EQ(get(p11, f::kTxFault), 0x04U);
  EXPECT_EQ(get(p11, f::kTxLos), 0x08U);
  EXPECT_EQ(get(p11, f::kTxPowerFlags, static_cast<unsigned>(FlagKind::low_alarm)), 0x10U);
  EXPECT_EQ(get(p11, f::kTxBiasFlags, static_cast<unsigned>(FlagKind::low_warning)), 0x20U);
  EXPECT_EQ(get(p11, f::kRxLos), 0x40U);
  EXPECT_EQ(get(p11, f::kRxCdrLol), 0x80U);
  EXPECT_EQ(get(p11, f::kRxPowerFlags, static_cast<unsigned>(FlagKind::high_warning)), 0x03U);
  EXPECT_EQ(get(p11, f::kTxPower, 3), 12345U);
  EXPECT_EQ(get(p11, f::kTxBias, 4), 2500U);  // 2 uA x multiplier 2
  EXPECT_EQ(get(p11, f::kRxPower, 5), 5000U);
  EXPECT_EQ(get(p11, f::kDataPathInitPending), 0x11U);
}

TEST(CmisFields, ElsfpRowsReadWhatTheEncoderWrote) {
  ElsAdvertisement a = testing::setpoint_limits(10.0, 150.0, 20.0, 600.0);
  a.control_mode = ElsControlMode::apc;
  a.lane_count = 8;
  a.lane_fault_flags = 0x0402;
  a.save_restore_command = 0x07;
  a.bias_flags.high_warning = 0x24;
  a.power_flags.low_alarm = 0x42;
  a.power_masks.low_alarm = 0x99;
  a.global_warning_mask = 0x5A;
  a.fault_code[6] = 9;
  a.lane_enable = 0xC3;
  a.lane_state[5] = ElsLaneState::ramping;
  a.output_fiber_checked = 0x3C;
  PageBytes p1a{};
  ASSERT_TRUE(encode_page1a(a, p1a).ok());
  EXPECT_EQ(get(p1a, f::kElsMaxPower), 15000U);
  EXPECT_EQ(get(p1a, f::kElsMinPower), 1000U);
  EXPECT_EQ(get(p1a, f::kElsMaxBias), 6000U);
  EXPECT_EQ(get(p1a, f::kElsMinBias), 200U);
  EXPECT_EQ(get(p1a, f::kElsControlMode), static_cast<unsigned>(ElsControlMode::apc));
  EXPECT_EQ(get(p1a, f::kElsLaneCount), 8U);
  EXPECT_EQ(get(p1a, f::kElsLaneFaultFlags, 0), 0x02U);
  EXPECT_EQ(get(p1a, f::kElsLaneFaultFlags, 1), 0x04U);
  EXPECT_EQ(get(p1a, f::kElsSaveRestore), 0x07U);
  EXPECT_EQ(get(p1a, f::kElsBiasFlags, static_cast<unsigned>(FlagKind::high_warning)), 0x24U);
  EXPECT_EQ(get(p1a, f::kElsPowerFlags, static_cast<unsigned>(FlagKind::low_alarm)), 0x42U);
  EXPECT_EQ(get(p1a, f::kElsMasks, 4 + static_cast<unsigned>(FlagKind::low_alarm)), 0x99U);  // power masks
  EXPECT_EQ(get(p1a, f::kElsMasks, f::kElsMasks.count - 1U), 0x5AU);  // global warning mask, last
  EXPECT_EQ(get(p1a, f::kElsFaultCode, 6), 9U);
  EXPECT_EQ(get(p1a, f::kElsLaneEnable), 0xC3U);
  EXPECT_EQ(get(p1a, f::kElsLaneState, 1) >> 2 & 3U, static_cast<unsigned>(ElsLaneState::ramping));  // lane 6
  EXPECT_EQ(get(p1a, f::kElsFiberChecked), 0x3CU);

  ElsMonitors m;
  m.bias_setpoint[4] = Milliamps(123.4);
  m.power_setpoint[7] = Milliwatts(98.76);
  m.bias[1] = Milliamps(99.9);
  m.power[2] = Milliwatts(12.34);
  m.voltage[3] = Volts(1.65);
  m.icc = Milliamps(1000.0);
  PageBytes p1b{};
  ASSERT_TRUE(encode_page1b(m, p1b).ok());
  EXPECT_EQ(get(p1b, f::kElsBiasSetpoint, 4), 1234U);
  EXPECT_EQ(get(p1b, f::kElsPowerSetpoint, 7), 9876U);
  EXPECT_EQ(get(p1b, f::kElsBias, 1), 999U);
  EXPECT_EQ(get(p1b, f::kElsPower, 2), 1234U);
  EXPECT_EQ(get(p1b, f::kElsVoltage, 3), 110U);
  EXPECT_EQ(get(p1b, f::kElsIcc), 5000U);
}

// CMIS 5.2 Table 8-4 (lower byte 26, 31-36), section 8.9 (all of page 10h), section 8.10
// (page 11h read-only); OIF-ELSFP-CMIS-01.0 page 1Ah 140, 184, 198-211, 220, 223 and page 1Bh
// 128-159.
TEST(CmisFields, HostWritableBytesAreTheSpecsRwFields) {
  std::set<unsigned> lower, p10, p11, p1a, p1b;
  for (unsigned b = 0; b < 256; ++b) {
    if (b < 128 && host_writable(0x00, b)) lower.insert(b);
    if (b >= 128 && host_writable(kPage10, b)) p10.insert(b);
    if (b >= 128 && host_writable(kPage11, b)) p11.insert(b);
    if (b >= 128 && host_writable(kPage1A, b)) p1a.insert(b);
    if (b >= 128 && host_writable(kPage1B, b)) p1b.insert(b);
  }
  EXPECT_EQ(lower, (std::set<unsigned>{26, 31, 32, 33, 34, 35, 36}));
  EXPECT_EQ(p10.size(), 128U);
  EXPECT_TRUE(p11.empty());
  std::set<unsigned> els_1a{140, 184, 220, 223};
  for (unsigned b = 198; b <= 211; ++b) els_1a.insert(b);
  EXPECT_EQ(p1a, els_1a);
  EXPECT_EQ(p1b.size(), 32U);
  EXPECT_EQ(*p1b.begin(), 128U);
  EXPECT_EQ(*p1b.rbegin(), 159U);
  EXPECT_FALSE(host_writable(kPage1B, 300));
  // Every row lies inside its half page and names itself.
  for (const Field& x : fields()) {
    EXPECT_FALSE(x.name.empty());
    EXPECT_LE(x.last_byte(), x.byte < 128 ? 127U : 255U) << x.name;
  }
}

TEST(CmisFields, SetTouchesOnlyItsBitsAndRefusesWhatDoesNotFit) {
  PageBytes p1a{};
  p1a[140 - 128] = 0xFF;
  ASSERT_TRUE(set(p1a, f::kElsControlMode, 0).ok());
  EXPECT_EQ(p1a[140 - 128], 0xFE);  // the lane count (bits 7-1) kept
  Status s = set(p1a, f::kElsControlMode, 2);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("ControlMode: 2 outside 0..1"));
  EXPECT_EQ(p1a[140 - 128], 0xFE);
  PageBytes p1b{};
  s = set(p1b, f::kElsBiasSetpoint, 1, 8);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("BiasSetpoint: element 8 outside 0..7"));
  EXPECT_EQ(set(p1b, f::kElsBiasSetpoint, 0x10000, 0).code(), Code::out_of_range);
  EXPECT_EQ(p1b, PageBytes{});
  ASSERT_TRUE(set(p1b, f::kElsPowerSetpoint, 0xBEEF, 7).ok());
  EXPECT_EQ(p1b[158 - 128], 0xBE);
  EXPECT_EQ(p1b[159 - 128], 0xEF);
  PageBytes copy_to{};
  copy(p1b, copy_to, f::kElsPowerSetpoint);
  EXPECT_EQ(copy_to, p1b);
}

TEST(CmisFields, SetpointCheckRefusesAWrittenPageOutsideTheAdvertisedRange) {
  const ElsAdvertisement limits = testing::setpoint_limits(10.0, 150.0, 20.0, 600.0);
  // Fixed bytes: bias 6000 x 100 uA and power 15000 x 10 uW on every lane, the limits exactly.
  PageBytes p1b{};
  for (unsigned i = 0; i < 8; ++i) {
    p1b[2 * i] = 0x17;
    p1b[2 * i + 1] = 0x70;  // 6000
    p1b[16 + 2 * i] = 0x3A;
    p1b[16 + 2 * i + 1] = 0x98;  // 15000
  }
  EXPECT_TRUE(check_setpoints(p1b, 8, limits).ok());
  // Lane 3 bias 0xFFFF (6553.5 mA): refused, naming the lane and the advertised range.
  PageBytes bad = p1b;
  bad[4] = 0xFF;
  bad[5] = 0xFF;
  Status s = check_setpoints(bad, 8, limits);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("ELS lane 3 bias set-point: 6553.5 mA outside the module's advertised"));
  EXPECT_THAT(s.message(), HasSubstr("600.0 mA"));
  // Lanes past the module's lasers are not checked.
  EXPECT_TRUE(check_setpoints(bad, 2, limits).ok());
  // Lane 8 power one step below the minimum (999 x 10 uW).
  bad = p1b;
  bad[30] = 0x03;
  bad[31] = 0xE7;
  s = check_setpoints(bad, 8, limits);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("ELS lane 8 power set-point: 9.99 mW"));
  EXPECT_EQ(check_setpoints(p1b, 9, limits).code(), Code::out_of_range);
}

}  // namespace
}  // namespace cpo::cmis
