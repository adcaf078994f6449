// ELSFP pages 1Ah/1Bh: the public page 1Ah vectors (tests/data/cmis/elsfp-page1a-vectors.tsv,
// parsed here row by row), hand-built pages for the remaining fields, and the writable fields.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cmis_test_util.h"
#include "cpo/hal/cmis/elsfp.h"

namespace cpo::cmis {
namespace {

using ::testing::HasSubstr;
using testing::put_be;

struct Vector {
  std::string field;
  std::size_t byte = 0;
  std::size_t width = 0;
  std::uint32_t raw = 0;
  std::string expected;
  std::size_t line = 0;
};

std::vector<Vector> load_vectors() {
  std::istringstream in(testing::read_text(testing::data_path("elsfp-page1a-vectors.tsv")));
  std::vector<Vector> rows;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream cols(line);
    Vector v;
    std::string byte, width, raw;
    std::getline(cols, v.field, '\t');
    std::getline(cols, byte, '\t');
    std::getline(cols, width, '\t');
    std::getline(cols, raw, '\t');
    std::getline(cols, v.expected, '\t');
    v.byte = std::stoul(byte);
    v.width = std::stoul(width);
    v.raw = static_cast<std::uint32_t>(std::stoul(raw, nullptr, 0));
    v.line = n;
    rows.push_back(v);
  }
  return rows;
}

// "lanes 1,3" -> mask 0x05.
std::uint32_t lanes_mask(const std::string& text) {
  std::uint32_t mask = 0;
  std::istringstream in(text.substr(text.find(' ') + 1));
  std::string lane;
  while (std::getline(in, lane, ',')) mask |= 1U << (std::stoul(lane) - 1);
  return mask;
}

double number(const std::string& s) { return std::stod(s); }

TEST(ElsfpPage1a, EveryPublicVectorDecodes) {
  const auto rows = load_vectors();
  ASSERT_GE(rows.size(), 27u);
  for (const auto& v : rows) {
    SCOPED_TRACE("elsfp-page1a-vectors.tsv line " + std::to_string(v.line) + ": " + v.field);
    PageBytes page{};
    put_be(page, v.byte, v.width, v.raw);
    const ElsAdvertisement a = decode_page1a(page);
    const std::string& f = v.field;
    // Power vectors are in mW, bias vectors in A (our decode is in mA).
    if (f == "max_optical_power_mW")
      EXPECT_DOUBLE_EQ(a.max_optical_power.value(), number(v.expected));
    else if (f == "min_optical_power_mW")
      EXPECT_DOUBLE_EQ(a.min_optical_power.value(), number(v.expected));
    else if (f == "max_laser_bias_A")
      EXPECT_DOUBLE_EQ(a.max_bias.value(), number(v.expected) * 1000);
    else if (f == "min_laser_bias_A")
      EXPECT_DOUBLE_EQ(a.min_bias.value(), number(v.expected) * 1000);
    else if (f == "laser_bias_high_alarm_A")
      EXPECT_DOUBLE_EQ(a.bias_thresholds.high_alarm.value(), number(v.expected) * 1000);
    else if (f == "laser_bias_low_alarm_A")
      EXPECT_DOUBLE_EQ(a.bias_thresholds.low_alarm.value(), number(v.expected) * 1000);
    else if (f == "laser_bias_high_warning_A")
      EXPECT_DOUBLE_EQ(a.bias_thresholds.high_warning.value(), number(v.expected) * 1000);
    else if (f == "laser_bias_low_warning_A")
      EXPECT_DOUBLE_EQ(a.bias_thresholds.low_warning.value(), number(v.expected) * 1000);
    else if (f == "optical_power_high_alarm_mW")
      EXPECT_DOUBLE_EQ(a.power_thresholds.high_alarm.value(), number(v.expected));
    else if (f == "optical_power_low_alarm_mW")
      EXPECT_DOUBLE_EQ(a.power_thresholds.low_alarm.value(), number(v.expected));
    else if (f == "optical_power_high_warning_mW")
      EXPECT_DOUBLE_EQ(a.power_thresholds.high_warning.value(), number(v.expected));
    else if (f == "optical_power_low_warning_mW")
      EXPECT_DOUBLE_EQ(a.power_thresholds.low_warning.value(), number(v.expected));
    else if (f == "control_mode")
      EXPECT_EQ(to_string(a.control_mode), v.expected);
    else if (f == "lane_count")
      EXPECT_EQ(a.lane_count, std::stoul(v.expected));
    else if (f == "lane_summary_fault")
      EXPECT_EQ(a.lane_summary_fault, v.expected == "true");
    else if (f == "lane_summary_warning")
      EXPECT_EQ(a.lane_summary_warning, v.expected == "true");
    else if (f == "per_lane_fault_flags")
      EXPECT_EQ(a.lane_fault_flags, lanes_mask(v.expected));
    else if (f == "per_lane_warning_flags")
      EXPECT_EQ(a.lane_warning_flags, lanes_mask(v.expected));
    else if (f == "per_lane_high_bias_alarm")
      EXPECT_EQ(a.bias_flags.high_alarm, lanes_mask(v.expected));
    else if (f == "per_lane_low_bias_alarm")
      EXPECT_EQ(a.bias_flags.low_alarm, lanes_mask(v.expected));
    else if (f == "per_lane_high_power_alarm")
      EXPECT_EQ(a.power_flags.high_alarm, lanes_mask(v.expected));
    else if (f == "save_restore_confirmation")
      EXPECT_EQ(els_save_restore_status_name(a.save_restore_status), v.expected);
    else
      ADD_FAILURE() << "vector field without a decoder mapping: " << f;
  }
}

TEST(ElsfpPage1a, DecodesFaultCodesLaneStateAndFrequency) {
  PageBytes p{};
  p[212 - 128] = 0x21;  // lane 1: fault 1 (APC loop), warning 2
  p[213 - 128] = 0x02;  // lane 2: fault 2 (ACC loop)
  p[219 - 128] = 0x0C;  // lane 8: vendor specific
  p[220 - 128] = 0x83;  // lanes 1, 2, 8 enabled
  p[221 - 128] = 0x24;  // lane 1 off, lane 2 ramping, lane 3 on, lane 4 off
  p[222 - 128] = 0xC0;  // lane 8 reserved
  p[223 - 128] = 0x03;
  p[224 - 128] = 5;
  put_be(p, 232, 2, 38640);  // 193.2 THz
  put_be(p, 246, 2, 38650);
  p[248 - 128] = 3;
  p[184 - 128] = 0x18;  // save set 1 lane controls
  p[176 - 128] = 0x01;  // warning flag lane 17
  p[210 - 128] = 0x0F;
  p[211 - 128] = 0xF0;
  p[198 - 128] = 0x01;
  p[205 - 128] = 0x80;
  const ElsAdvertisement a = decode_page1a(p);
  EXPECT_EQ(a.fault_code[0], kElsFaultApcLoop);
  EXPECT_EQ(els_fault_code_name(a.fault_code[0]), "APC loop failure");
  EXPECT_EQ(a.warning_code[0], 2);
  EXPECT_EQ(els_warning_code_name(a.warning_code[0]), "ACC loop warning");
  EXPECT_EQ(a.fault_code[1], kElsFaultAccLoop);
  EXPECT_EQ(els_fault_code_name(a.fault_code[1]), "ACC loop failure");
  EXPECT_EQ(els_fault_code_name(a.fault_code[7]), "vendor specific");
  EXPECT_EQ(els_fault_code_name(5), "reserved");
  EXPECT_EQ(a.lane_enable, 0x83);
  EXPECT_EQ(a.lane_state[0], ElsLaneState::off);
  EXPECT_EQ(a.lane_state[1], ElsLaneState::ramping);
  EXPECT_EQ(a.lane_state[2], ElsLaneState::on);
  EXPECT_EQ(to_string(a.lane_state[2]), "on");
  EXPECT_EQ(a.lane_state[7], ElsLaneState::reserved);
  EXPECT_TRUE(lane_bit(a.output_fiber_checked, 2));
  EXPECT_FALSE(lane_bit(a.output_fiber_checked, 3));
  EXPECT_EQ(a.lane_to_fiber[0], 5);
  EXPECT_DOUBLE_EQ(a.lane_frequency_ghz[0], 193200.0);
  EXPECT_DOUBLE_EQ(a.lane_frequency_ghz[7], 193250.0);
  EXPECT_DOUBLE_EQ(a.fiber_check_power.value(), 3.0);
  EXPECT_EQ(a.save_restore_command, 0x18);
  EXPECT_EQ(a.lane_warning_flags, 1U << 16);
  EXPECT_EQ(a.global_alarm_mask, 0x0F);
  EXPECT_EQ(a.global_warning_mask, 0xF0);
  EXPECT_EQ(a.bias_masks.high_alarm, 0x01);
  EXPECT_EQ(a.power_masks.low_warning, 0x80);
}

TEST(ElsfpPage1a, EncodeRoundTrips) {
  ElsAdvertisement a;
  a.max_optical_power = Milliwatts(150.0);
  a.min_optical_power = Milliwatts(20.0);
  a.max_bias = Milliamps(500.0);
  a.min_bias = Milliamps(50.0);
  a.control_mode = ElsControlMode::apc;
  a.lane_count = 8;
  a.bias_thresholds = {Milliamps(480), Milliamps(60), Milliamps(450), Milliamps(70)};
  a.power_thresholds = {Milliwatts(140), Milliwatts(25), Milliwatts(130), Milliwatts(30)};
  a.lane_fault_flags = 0x80000001;
  a.fault_code[3] = kElsFaultAccLoop;
  a.warning_code[4] = 1;
  a.lane_enable = 0xFF;
  a.lane_state = {ElsLaneState::on, ElsLaneState::on,  ElsLaneState::ramping, ElsLaneState::off,
                  ElsLaneState::on, ElsLaneState::off, ElsLaneState::on,      ElsLaneState::on};
  a.output_fiber_checked = 0xFF;
  a.lane_frequency_ghz[0] = 193100;
  a.fiber_check_power = Milliwatts(2);
  a.save_restore_status = 1;
  PageBytes p{};
  ASSERT_TRUE(encode_page1a(a, p).ok());
  EXPECT_EQ(p[140 - 128], 0x11);
  EXPECT_EQ(decode_page1a(p), a);
  a.max_optical_power = Milliwatts(700.0);
  auto s = encode_page1a(a, p);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("ELS max optical power"));
  EXPECT_THAT(s.message(), HasSubstr("655.35"));
}

TEST(ElsfpPage1b, DecodesSetpointsAndMonitors) {
  PageBytes p{};
  put_be(p, 128, 2, 3000);   // lane 1 bias set-point 300 mA
  put_be(p, 158, 2, 10000);  // lane 8 power set-point 100 mW
  put_be(p, 186, 2, 2995);   // lane 2 bias monitor 299.5 mA
  put_be(p, 200, 2, 9990);   // lane 1 power monitor 99.9 mW
  p[232 - 128] = 120;        // lane 1 voltage 1.8 V
  put_be(p, 240, 2, 5000);   // ICC 1000 mA
  const ElsMonitors m = decode_page1b(p);
  EXPECT_DOUBLE_EQ(m.bias_setpoint[0].value(), 300.0);
  EXPECT_DOUBLE_EQ(m.power_setpoint[7].value(), 100.0);
  EXPECT_DOUBLE_EQ(m.bias[1].value(), 299.5);
  EXPECT_DOUBLE_EQ(m.power[0].value(), 99.9);
  EXPECT_DOUBLE_EQ(m.voltage[0].value(), 1.8);
  EXPECT_DOUBLE_EQ(m.icc.value(), 1000.0);
  PageBytes q{};
  ASSERT_TRUE(encode_page1b(m, q).ok());
  EXPECT_EQ(decode_page1b(q), m);
}

TEST(ElsfpWritable, LaneEnableAndSetpointsRoundTrip) {
  PageBytes p1a{};
  PageBytes p1b{};
  ASSERT_TRUE(set_lane_enable(p1a, 3, true).ok());
  ASSERT_TRUE(set_lane_enable(p1a, 8, true).ok());
  EXPECT_EQ(decode_page1a(p1a).lane_enable, 0x84);
  ASSERT_TRUE(set_lane_enable(p1a, 3, false).ok());
  EXPECT_EQ(decode_page1a(p1a).lane_enable, 0x80);
  ASSERT_TRUE(set_bias_setpoint(p1b, 2, Milliamps(250.3)).ok());
  ASSERT_TRUE(set_power_setpoint(p1b, 7, Milliwatts(80.25)).ok());
  const ElsMonitors m = decode_page1b(p1b);
  EXPECT_NEAR(m.bias_setpoint[1].value(), 250.3, 1e-9);
  EXPECT_NEAR(m.power_setpoint[6].value(), 80.25, 1e-9);
}

TEST(ElsfpWritable, OutputFiberCheckedTouchesOnlyItsLanesBit) {
  PageBytes p1a{};
  p1a.fill(0x5A);
  PageBytes expected = p1a;
  ASSERT_TRUE(set_output_fiber_checked(p1a, 1, true).ok());
  ASSERT_TRUE(set_output_fiber_checked(p1a, 6, true).ok());
  ASSERT_TRUE(set_output_fiber_checked(p1a, 2, false).ok());
  expected[223 - 128] = static_cast<std::uint8_t>((0x5A | 0x01 | 0x20) & ~0x02);
  EXPECT_EQ(p1a, expected);
  EXPECT_EQ(decode_page1a(p1a).output_fiber_checked, expected[223 - 128]);
  for (unsigned lane : {0U, 9U}) {
    const Status s = set_output_fiber_checked(p1a, lane, true);
    EXPECT_EQ(s.code(), Code::out_of_range);
    EXPECT_THAT(s.message(),
                HasSubstr("ELS output fiber checked lane " + std::to_string(lane) + ": lanes within a bank are 1..8"));
  }
  EXPECT_EQ(p1a, expected);
}

TEST(ElsfpWritable, ControlModeIsBit0OfByte140AndKeepsTheLaneCount) {
  PageBytes p1a{};
  p1a[140 - 128] = 8 << 1;  // 8 lanes, ACC
  PageBytes expected = p1a;
  ASSERT_TRUE(set_control_mode(p1a, ElsControlMode::apc).ok());
  expected[140 - 128] = (8 << 1) | 1;
  EXPECT_EQ(p1a, expected);
  EXPECT_EQ(decode_page1a(p1a).control_mode, ElsControlMode::apc);
  EXPECT_EQ(decode_page1a(p1a).lane_count, 8);
  ASSERT_TRUE(set_control_mode(p1a, ElsControlMode::acc).ok());
  expected[140 - 128] = 8 << 1;
  EXPECT_EQ(p1a, expected);
  EXPECT_EQ(decode_page1a(p1a).control_mode, ElsControlMode::acc);
  const Status s = set_control_mode(p1a, static_cast<ElsControlMode>(2));
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("ELS control mode 2: allowed 0 (ACC) or 1 (APC)"));
  EXPECT_EQ(p1a, expected);
}

TEST(ElsfpWritable, SetpointsOutsideTheAdvertisedRangeAreRefusedNotClamped) {
  const ElsAdvertisement limits = testing::setpoint_limits(20, 100, 50, 400);
  PageBytes p{};
  auto s = set_power_setpoint(p, 3, Milliwatts(120), &limits);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(),
              HasSubstr("ELS lane 3 power set-point: 120.00 mW outside the module's advertised 20.00..100.00 mW"));
  s = set_bias_setpoint(p, 1, Milliamps(10), &limits);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(),
              HasSubstr("ELS lane 1 bias set-point: 10.0 mA outside the module's advertised 50.0..400.0 mA"));
  EXPECT_EQ(p, PageBytes{});
  s = set_power_setpoint(p, 9, Milliwatts(50), &limits);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("lane 9"));
  s = set_power_setpoint(p, 1, Milliwatts(-1));
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("0..655.35 mW"));
  s = set_bias_setpoint(p, 1, Milliamps(std::nan("")));
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("NaN"));
  s = set_lane_enable(p, 0, true);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("ELS lane enable lane 0: lanes within a bank are 1..8"));
}

}  // namespace
}  // namespace cpo::cmis
