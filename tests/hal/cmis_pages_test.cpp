// CMIS lower page, pages 00h, 01h, 02h, 10h, 11h: decoding hand-built pages field by field,
// encoding writable fields, and refusing values that do not fit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "cmis_test_util.h"
#include "cpo/hal/cmis/codes.h"
#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/cmis/module.h"
#include "cpo/hal/cmis/pages.h"

namespace cpo::cmis {
namespace {

using ::testing::HasSubstr;
using testing::put_ascii;
using testing::put_be;

// ---- memory map ---------------------------------------------------------------------------

TEST(CmisMemoryMap, AbsentPagesAreAbsentNotZero) {
  MemoryMap map;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.lower(), nullptr);
  EXPECT_EQ(map.upper(kPage00), nullptr);
  auto r = map.read(3);
  EXPECT_EQ(r.status().code(), Code::not_found);
  EXPECT_THAT(r.status().message(), HasSubstr("lower page absent"));
  map.lower_or_insert();
  auto up = map.read(200);
  EXPECT_EQ(up.status().code(), Code::not_found);
  EXPECT_THAT(up.status().message(), HasSubstr("selected page 00h is absent"));
}

TEST(CmisMemoryMap, BankAndPageSelectChooseTheUpperPage) {
  MemoryMap map;
  map.lower_or_insert();
  map.upper_or_insert(kPage11, 0)[0] = 0x11;
  map.upper_or_insert(kPage11, 2)[0] = 0x22;
  map.upper_or_insert(kPage01, 0)[0] = 0x01;
  ASSERT_TRUE(map.select(kPage11, 2).ok());
  EXPECT_EQ(*map.read(128), 0x22);
  EXPECT_EQ(*map.read(kPageSelectByte), 0x11);
  EXPECT_EQ(*map.read(kBankSelectByte), 2);
  // Writing 7Fh through the host view switches pages, as on a module.
  ASSERT_TRUE(map.write(kBankSelectByte, 0).ok());
  EXPECT_EQ(*map.read(128), 0x11);
  // Pages 00h..0Fh ignore BankSelect.
  ASSERT_TRUE(map.select(kPage01, 3).ok());
  EXPECT_EQ(map.selected()->bank, 0);
  EXPECT_EQ(*map.read(128), 0x01);
  ASSERT_TRUE(map.write(129, 0xAB).ok());
  EXPECT_EQ((*map.upper(kPage01))[1], 0xAB);
  // Bank 1 of page 11h was never read: absent.
  ASSERT_TRUE(map.select(kPage11, 1).ok());
  EXPECT_EQ(map.read(128).status().code(), Code::not_found);
  EXPECT_THAT(map.read(128).status().message(), HasSubstr("page 11h bank 1"));
  EXPECT_EQ(map.banks_of(kPage11), (std::vector<std::uint8_t>{0, 2}));
}

TEST(CmisMemoryMap, UnbankedPageRefusesABank) {
  MemoryMap map;
  auto s = map.set_upper(kPage02, 1, PageBytes{});
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("page 02h bank 1"));
  EXPECT_THAT(s.message(), HasSubstr("not banked"));
  EXPECT_TRUE(map.set_upper(kPage10, 1, PageBytes{}).ok());
  EXPECT_TRUE(map.erase_upper(kPage10, 1));
  EXPECT_FALSE(map.erase_upper(kPage10, 1));
}

// ---- lower page ---------------------------------------------------------------------------

TEST(CmisLowerPage, DecodesEveryField) {
  PageBytes p{};
  p[0] = 0x19;
  p[1] = 0x52;
  p[2] = 0x4D;  // paged, stepped config only, MciMaxSpeed 3, AutoCommissioning 1
  p[3] = 0x06;  // ModuleReady, interrupt asserted (bit 0 = 0)
  p[8] = 0xC7;
  p[9] = 0xA5;
  p[10] = 0x12;
  p[11] = 0x34;
  put_be(p, 14, 2, static_cast<std::uint16_t>(static_cast<std::int16_t>(-1280)));  // -5 degC
  put_be(p, 16, 2, 33000);                                                         // 3.3 V
  put_be(p, 18, 2, 0xFFFF);
  put_be(p, 20, 2, 0x0102);
  put_be(p, 22, 2, 0x8000);
  put_be(p, 24, 2, 0x1234);
  p[26] = 0xD8;  // broadcast, LowPwrAllowRequestHW, LowPwrRequestSW, SoftwareReset
  p[39] = 4;
  p[40] = 17;
  p[41] = 0x02;
  p[85] = 0x02;                  // SMF
  put_be(p, 86, 4, 0x821C4401);  // 800GAUI-4 C2M / 400GBASE-DR4, 4 host, 4 media lanes, lane 1
  put_be(p, 90, 4, 0x4F1C4411);
  p[94] = kApplicationListEnd;
  p[126] = 2;
  p[127] = 0x11;
  const LowerPage v = decode_lower(p);
  EXPECT_EQ(v.identifier, 0x19);
  EXPECT_EQ(v.revision, (Revision{5, 2}));
  EXPECT_EQ(to_string(v.revision), "5.2");
  EXPECT_FALSE(v.flat_memory);
  EXPECT_TRUE(v.stepped_config_only);
  EXPECT_EQ(v.mci_max_speed, 3);
  EXPECT_EQ(v.auto_commissioning, 1);
  EXPECT_EQ(v.module_state, ModuleState::ready);
  EXPECT_EQ(to_string(v.module_state), "ModuleReady");
  EXPECT_TRUE(v.interrupt_asserted);
  EXPECT_TRUE(v.flags.state_changed);
  EXPECT_TRUE(v.flags.module_firmware_fault);
  EXPECT_TRUE(v.flags.datapath_firmware_fault);
  EXPECT_TRUE(v.flags.cdb1_complete);
  EXPECT_TRUE(v.flags.cdb2_complete);
  EXPECT_TRUE(v.flags.temp_high_alarm);
  EXPECT_FALSE(v.flags.temp_low_alarm);
  EXPECT_TRUE(v.flags.temp_high_warning);
  EXPECT_FALSE(v.flags.temp_low_warning);
  EXPECT_FALSE(v.flags.vcc_high_alarm);
  EXPECT_TRUE(v.flags.vcc_low_alarm);
  EXPECT_FALSE(v.flags.vcc_high_warning);
  EXPECT_TRUE(v.flags.vcc_low_warning);
  EXPECT_EQ(v.flags.aux1_aux2, 0x12);
  EXPECT_EQ(v.flags.aux3_custom, 0x34);
  EXPECT_DOUBLE_EQ(v.temperature.value(), -5.0);
  EXPECT_DOUBLE_EQ(v.vcc.value(), 3.3);
  EXPECT_EQ(v.aux1, -1);
  EXPECT_EQ(v.aux2, 0x0102);
  EXPECT_EQ(v.aux3, -32768);
  EXPECT_EQ(v.custom_monitor, 0x1234);
  EXPECT_TRUE(v.control.bank_broadcast_enable);
  EXPECT_TRUE(v.control.low_power_allow_request_hw);
  EXPECT_FALSE(v.control.squelch_method_select);
  EXPECT_TRUE(v.control.low_power_request_sw);
  EXPECT_TRUE(v.control.software_reset);
  EXPECT_EQ(v.active_firmware, (Revision{4, 17}));
  EXPECT_EQ(v.fault_cause, 2);
  EXPECT_EQ(fault_cause_name(v.fault_cause), "Data memory corrupted");
  EXPECT_EQ(v.media_type, 2);
  ASSERT_EQ(v.application_count, 2);
  EXPECT_EQ(v.applications[0].app_sel, 1);
  EXPECT_EQ(host_interface_name(v.applications[0].host_interface), "800GAUI-4 C2M (Annex 176E)");
  EXPECT_EQ(media_interface_name(v.media_type, v.applications[0].media_interface), "400GBASE-DR4 (Cl 124)");
  EXPECT_EQ(v.applications[1].app_sel, 2);
  EXPECT_EQ(v.applications[1].host_lane_assignment, 0x11);
  EXPECT_FALSE(v.applications[1].media_lane_assignment.has_value());
  EXPECT_EQ(v.bank_select, 2);
  EXPECT_EQ(v.page_select, 0x11);
}

TEST(CmisLowerPage, TemperatureIsSigned256thsOfADegree) {
  PageBytes p{};
  put_be(p, 14, 2, 0x7FFF);
  EXPECT_DOUBLE_EQ(decode_lower(p).temperature.value(), 32767.0 / 256.0);
  put_be(p, 14, 2, 0x8000);
  EXPECT_DOUBLE_EQ(decode_lower(p).temperature.value(), -128.0);
  put_be(p, 14, 2, 0x1A80);
  EXPECT_DOUBLE_EQ(decode_lower(p).temperature.value(), 26.5);
}

TEST(CmisLowerPage, EncodeRoundTripsAndKeepsUnmodelledBits) {
  PageBytes p{};
  p[12] = 0x5A;  // not modelled: left alone
  LowerPage v;
  v.identifier = 0x18;
  v.revision = {5, 0};
  v.module_state = ModuleState::low_power;
  v.temperature = Celsius(42.5);
  v.vcc = Volts(3.2999);
  v.control.low_power_request_sw = true;
  v.media_type = 1;
  v.applications[0] = ApplicationDescriptor{1, 0x11, 0x10, 8, 8, 0x01, std::nullopt};
  v.application_count = 1;
  ASSERT_TRUE(encode_lower(v, p).ok());
  EXPECT_EQ(p[12], 0x5A);
  EXPECT_EQ(p[90], kApplicationListEnd);
  EXPECT_EQ(decode_lower(p), v);
}

TEST(CmisLowerPage, EncodeRefusesOutOfRangeValues) {
  PageBytes p{};
  LowerPage v;
  v.temperature = Celsius(130.0);
  auto s = encode_lower(v, p);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("module temperature"));
  EXPECT_THAT(s.message(), HasSubstr("-128"));
  EXPECT_EQ(p, PageBytes{});  // nothing written on failure
  v = LowerPage{};
  v.vcc = Volts(-1.0);
  s = encode_lower(v, p);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("module Vcc"));
  v = LowerPage{};
  v.temperature = Celsius(std::nan(""));
  EXPECT_EQ(encode_lower(v, p).code(), Code::invalid_argument);
  v = LowerPage{};
  v.application_count = 1;
  v.applications[0].app_sel = 3;
  s = encode_lower(v, p);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("ApSel 3 must equal its table position 1"));
}

TEST(CmisLowerPage, LowPowerAndResetWritersTouchOnlyTheirBit) {
  PageBytes p{};
  p[26] = 0x40;
  ASSERT_TRUE(set_low_power_request(p, true).ok());
  EXPECT_EQ(p[26], 0x50);
  EXPECT_TRUE(decode_lower(p).control.low_power_request_sw);
  ASSERT_TRUE(set_software_reset(p, true).ok());
  EXPECT_EQ(p[26], 0x58);
  ASSERT_TRUE(set_low_power_request(p, false).ok());
  ASSERT_TRUE(set_software_reset(p, false).ok());
  EXPECT_EQ(p[26], 0x40);
}

TEST(CmisLowerPage, ModuleControlByteDecodesAndEncodesEachBitAtItsTablePosition) {
  // CMIS 5.2 Table 8-10: BankBroadcastEnable 7, LowPwrAllowRequestHW 6, SquelchMethodSelect 5,
  // LowPwrRequestSW 4, SoftwareReset 3; bits 2-0 reserved.
  const ModuleControl c = decode_module_control(0x97);
  EXPECT_TRUE(c.bank_broadcast_enable);
  EXPECT_FALSE(c.low_power_allow_request_hw);
  EXPECT_FALSE(c.squelch_method_select);
  EXPECT_TRUE(c.low_power_request_sw);
  EXPECT_FALSE(c.software_reset);
  EXPECT_EQ(encode_module_control(c), 0x90);  // reserved bits are not the codec's
  ModuleControl reset;
  reset.software_reset = true;
  EXPECT_EQ(encode_module_control(reset), 0x08);
  PageBytes p{};
  p[26] = 0x07;  // reserved bits a module set survive an encode
  LowerPage v;
  v.control = c;
  ASSERT_TRUE(encode_lower(v, p).ok());
  EXPECT_EQ(p[26], 0x97);
  EXPECT_EQ(decode_lower(p).control, c);
}

// ---- page 00h -------------------------------------------------------------------------------

TEST(CmisPage00, DecodesVendorFieldsDateAndChecksum) {
  PageBytes p{};
  p[0] = 0x18;
  put_ascii(p, 129, 16, "ACME OPTICS");
  put_be(p, 145, 3, 0x00A0C9);
  put_ascii(p, 148, 16, "OE-3200-X");
  put_ascii(p, 164, 2, "B1");
  put_ascii(p, 166, 16, "SN0001");
  put_ascii(p, 182, 8, "24123101");
  put_ascii(p, 190, 10, "CLEI012345");
  p[200 - 128] = 0xE0;  // class 8
  p[201 - 128] = 60;    // 15 W
  p[202 - 128] = 0x8A;  // 10 x 10 m
  p[203 - 128] = 0x0C;
  p[210 - 128] = 0xF0;
  p[212 - 128] = 0x06;
  unsigned sum = 0;
  for (std::size_t i = 0; i < 94; ++i) sum += p[i];
  p[94] = static_cast<std::uint8_t>(sum & 0xFF);
  const Page00 v = decode_page00(p);
  EXPECT_EQ(v.identifier, 0x18);
  EXPECT_EQ(v.vendor_name, "ACME OPTICS");
  EXPECT_EQ(v.vendor_oui, (std::array<std::uint8_t, 3>{0x00, 0xA0, 0xC9}));
  EXPECT_EQ(v.part_number, "OE-3200-X");
  EXPECT_EQ(v.revision, "B1");
  EXPECT_EQ(v.serial_number, "SN0001");
  ASSERT_TRUE(v.date_code.has_value());
  EXPECT_EQ(to_string(*v.date_code), "2024-12-31-01");
  EXPECT_EQ(v.clei, "CLEI012345");
  EXPECT_EQ(v.power_class, 8);
  EXPECT_DOUBLE_EQ(v.max_power_w, 15.0);
  EXPECT_DOUBLE_EQ(v.cable_length_m, 100.0);
  EXPECT_EQ(connector_name(v.connector), "MPO 1x12");
  EXPECT_EQ(v.media_lane_unsupported, 0xF0);
  EXPECT_EQ(media_technology_name(v.media_technology), "1310 nm EML");
  EXPECT_TRUE(v.checksum_ok);
  p[150 - 128] ^= 1;
  EXPECT_FALSE(decode_page00(p).checksum_ok);
}

TEST(CmisPage00, InvalidDateKeepsTheRawCharacters) {
  PageBytes p{};
  put_ascii(p, 182, 8, "20AB07");
  const Page00 v = decode_page00(p);
  EXPECT_FALSE(v.date_code.has_value());
  EXPECT_EQ(v.date_code_raw, "20AB07");
  put_ascii(p, 182, 8, "201399");  // month 13
  EXPECT_FALSE(decode_page00(p).date_code.has_value());
}

TEST(CmisPage00, EncodeRoundTripsAndWritesTheChecksum) {
  Page00 v;
  v.identifier = 0x19;
  v.vendor_name = "cposdk";
  v.vendor_oui = {1, 2, 3};
  v.part_number = "SIM-OE-6400";
  v.revision = "01";
  v.serial_number = "OE000017";
  v.date_code = DateCode{2025, 1, 9, "AB"};
  v.date_code_raw = "250109AB";
  v.power_class = 5;
  v.max_power_w = 14.25;
  v.cable_length_m = 2.5;
  v.connector = 0x0C;
  v.media_technology = 0x04;
  PageBytes p{};
  ASSERT_TRUE(encode_page00(v, p).ok());
  Page00 back = decode_page00(p);
  EXPECT_TRUE(back.checksum_ok);
  v.checksum = back.checksum;
  v.checksum_ok = true;
  EXPECT_EQ(back, v);
}

TEST(CmisPage00, EncodeRefusesLongOrNonAsciiStrings) {
  Page00 v;
  v.vendor_name = "THIS NAME IS FAR TOO LONG";
  PageBytes p{};
  auto s = encode_page00(v, p);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("vendor name"));
  EXPECT_THAT(s.message(), HasSubstr("at most 16"));
  v.vendor_name = "caf\xc3\xa9";
  s = encode_page00(v, p);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("printable ASCII"));
  v.vendor_name = "ok";
  v.power_class = 9;
  s = encode_page00(v, p);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("power class 9: allowed 1..8"));
  v.power_class = 1;
  v.cable_length_m = 7000;
  s = encode_page00(v, p);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("cable length 7000 m"));
}

// ---- page 01h -------------------------------------------------------------------------------

TEST(CmisPage01, DecodesCapabilitiesAndTheBiasMultiplier) {
  PageBytes p{};
  put_be(p, 128, 4, 0x03010201);
  p[142 - 128] = 0x66;  // VDM, diagnostics, page 03h, banks 0..3
  p[144 - 128] = 0x54;
  p[151 - 128] = 0x10;
  p[155 - 128] = 0x02;
  p[156 - 128] = 0x02;
  p[157 - 128] = 0x07;
  p[158 - 128] = 0x06;
  p[159 - 128] = 0x03;
  p[160 - 128] = 0x0F;  // bias, Tx power, Rx power, multiplier code 01 = x2
  p[176 - 128] = 0x01;
  p[184 - 128] = 0x55;  // ApSel 9
  put_be(p, 223, 4, 0x4F1C4411);
  p[227 - 128] = kApplicationListEnd;
  const Advertisement a = decode_page01(p);
  EXPECT_EQ(a.inactive_firmware, (Revision{3, 1}));
  EXPECT_EQ(a.hardware, (Revision{2, 1}));
  EXPECT_EQ(a.banks_supported, 4);
  EXPECT_TRUE(a.page03_supported);
  EXPECT_TRUE(a.diagnostic_pages_supported);
  EXPECT_TRUE(a.vdm_pages_supported);
  EXPECT_EQ(a.dp_init_duration, 4);
  EXPECT_EQ(a.dp_deinit_duration, 5);
  EXPECT_TRUE(a.rx_power_is_average);
  EXPECT_TRUE(a.tx_disable_supported);
  EXPECT_TRUE(a.rx_disable_supported);
  EXPECT_TRUE(a.tx_fault_flag_supported);
  EXPECT_TRUE(a.tx_los_flag_supported);
  EXPECT_TRUE(a.tx_cdr_lol_flag_supported);
  EXPECT_TRUE(a.rx_los_flag_supported);
  EXPECT_TRUE(a.rx_cdr_lol_flag_supported);
  EXPECT_TRUE(a.temperature_monitor);
  EXPECT_TRUE(a.vcc_monitor);
  EXPECT_FALSE(a.aux1_monitor);
  EXPECT_TRUE(a.tx_bias_monitor);
  EXPECT_TRUE(a.tx_power_monitor);
  EXPECT_TRUE(a.rx_power_monitor);
  EXPECT_EQ(a.tx_bias_multiplier, 2);
  EXPECT_EQ(a.media_lane_assignment[0], 0x01);
  EXPECT_EQ(a.media_lane_assignment[8], 0x55);
  ASSERT_EQ(a.application_count, 1);
  EXPECT_EQ(a.applications[0].app_sel, 9);
  EXPECT_EQ(a.applications[0].host_interface, 0x4F);
  p[160 - 128] = 0x10;
  EXPECT_EQ(decode_page01(p).tx_bias_multiplier, 4);
  p[160 - 128] = 0x18;  // reserved code: x1
  EXPECT_EQ(decode_page01(p).tx_bias_multiplier, 1);
}

TEST(CmisPage01, AssumedAdvertisementWhenAbsent) {
  const Advertisement a = assumed_advertisement();
  EXPECT_EQ(a.tx_bias_multiplier, 1);
  EXPECT_EQ(a.banks_supported, 1);
  EXPECT_FALSE(a.tx_bias_monitor);
  EXPECT_EQ(a.application_count, 0);
}

TEST(CmisPage01, EncodeRoundTripsAndRefusesBadMultiplier) {
  Advertisement a;
  a.banks_supported = 2;
  a.tx_bias_multiplier = 4;
  a.tx_power_monitor = true;
  a.media_lane_assignment[0] = 0x0F;
  a.applications[0] = ApplicationDescriptor{9, 0x82, 0x1C, 4, 4, 0x11, std::nullopt};
  a.application_count = 1;
  PageBytes p{};
  ASSERT_TRUE(encode_page01(a, p).ok());
  EXPECT_EQ(decode_page01(p), a);
  a.tx_bias_multiplier = 3;
  auto s = encode_page01(a, p);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("Tx bias multiplier 3: allowed 1, 2 or 4"));
  a.tx_bias_multiplier = 1;
  a.banks_supported = 3;
  EXPECT_THAT(encode_page01(a, p).message(), HasSubstr("banks supported 3"));
}

TEST(CmisPage01, DurationCodesCdbAndTheirByteLayout) {
  Advertisement a;
  a.module_pwr_up_duration = 7;  // 1 s <= t < 5 s
  a.module_pwr_dn_duration = 5;  // 100 ms <= t < 500 ms
  a.dp_tx_turn_on_duration = 5;
  a.dp_tx_turn_off_duration = 4;  // 50 ms <= t < 100 ms
  a.cdb_instances = 1;
  PageBytes p{};
  ASSERT_TRUE(encode_page01(a, p).ok());
  // Bytes 167 and 168 as sonic_xcvr page01.py maps them; 163 bits 7-6 CDB instances.
  EXPECT_EQ(p[167 - 128], 0x57);
  EXPECT_EQ(p[168 - 128], 0x45);
  EXPECT_EQ(p[163 - 128], 0x40);
  EXPECT_EQ(decode_page01(p), a);
  a.cdb_instances = 4;
  EXPECT_THAT(encode_page01(a, p).message(), HasSubstr("CDB instances"));
  // Eight banks: code 11b (reserved in CMIS 5.2, Broadcom Bailly's 8 banks).
  a.cdb_instances = 0;
  a.banks_supported = 8;
  ASSERT_TRUE(encode_page01(a, p).ok());
  EXPECT_EQ(p[142 - 128] & 3, 3);
  EXPECT_EQ(decode_page01(p).banks_supported, 8);
  a.module_pwr_up_duration = 16;
  EXPECT_THAT(encode_page01(a, p).message(), HasSubstr("ModulePwrUp duration code"));
}

TEST(CmisPage01, DurationCodeIntervals) {
  // CMIS 5.2 Table 8-31.
  EXPECT_EQ(duration_code(0.0), 0);
  EXPECT_EQ(duration_code(0.0009), 0);
  EXPECT_EQ(duration_code(0.001), 1);
  EXPECT_EQ(duration_code(0.05), 4);
  EXPECT_EQ(duration_code(0.1), 5);
  EXPECT_EQ(duration_code(0.5), 6);
  EXPECT_EQ(duration_code(1.0), 7);
  EXPECT_EQ(duration_code(4.99), 7);
  EXPECT_EQ(duration_code(60.0), 10);
  EXPECT_EQ(duration_code(1e6), 13);
  EXPECT_EQ(duration_code(-1.0), 0);
  EXPECT_EQ(duration_range(7), (DurationRange{1.0, 5.0}));
  EXPECT_EQ(duration_range(0), (DurationRange{0.0, 0.001}));
  EXPECT_TRUE(std::isinf(duration_range(13)->max_s));
  EXPECT_FALSE(duration_range(14).has_value());
  for (std::uint8_t c = 0; c < 14; ++c) EXPECT_EQ(duration_code(duration_range(c)->min_s), c) << int(c);
}

// ---- page 02h -------------------------------------------------------------------------------

TEST(CmisPage02, DecodesThresholdsWithUnits) {
  PageBytes p{};
  put_be(p, 128, 2, 75 * 256);
  put_be(p, 130, 2, static_cast<std::uint16_t>(static_cast<std::int16_t>(-5 * 256)));
  put_be(p, 132, 2, 70 * 256);
  put_be(p, 134, 2, 0);
  put_be(p, 136, 2, 36300);
  put_be(p, 138, 2, 29700);
  put_be(p, 140, 2, 34650);
  put_be(p, 142, 2, 31350);
  put_be(p, 176, 2, 50000);  // 5 mW
  put_be(p, 178, 2, 1000);   // 0.1 mW
  put_be(p, 184, 2, 6000);   // 12 mA at x1
  put_be(p, 186, 2, 500);
  put_be(p, 192, 2, 31623);
  put_be(p, 198, 2, 158);
  const Thresholds t = decode_page02(p);
  EXPECT_DOUBLE_EQ(t.temperature.high_alarm.value(), 75.0);
  EXPECT_DOUBLE_EQ(t.temperature.low_alarm.value(), -5.0);
  EXPECT_DOUBLE_EQ(t.temperature.high_warning.value(), 70.0);
  EXPECT_DOUBLE_EQ(t.vcc.high_alarm.value(), 3.63);
  EXPECT_DOUBLE_EQ(t.vcc.low_alarm.value(), 2.97);
  EXPECT_DOUBLE_EQ(t.vcc.low_warning.value(), 3.135);
  EXPECT_DOUBLE_EQ(t.tx_power.high_alarm.value(), 5.0);
  EXPECT_DOUBLE_EQ(t.tx_power.low_alarm.value(), 0.1);
  EXPECT_DOUBLE_EQ(t.tx_bias.high_alarm.value(), 12.0);
  EXPECT_DOUBLE_EQ(t.tx_bias.low_alarm.value(), 1.0);
  EXPECT_NEAR(t.rx_power.high_alarm.value(), 3.1623, 1e-12);
  EXPECT_NEAR(t.rx_power.low_warning.value(), 0.0158, 1e-12);
  // The page 01h multiplier scales the bias thresholds like the monitors.
  EXPECT_DOUBLE_EQ(decode_page02(p, 4).tx_bias.high_alarm.value(), 48.0);
}

TEST(CmisPage02, EncodeRoundTripsAndNamesTheOffendingThreshold) {
  Thresholds t;
  t.temperature = {Celsius(80), Celsius(-10), Celsius(75), Celsius(-5)};
  t.vcc = {Volts(3.6), Volts(3.0), Volts(3.5), Volts(3.1)};
  t.tx_power = {Milliwatts(4), Milliwatts(0.05), Milliwatts(3), Milliwatts(0.1)};
  t.tx_bias = {Milliamps(100), Milliamps(2), Milliamps(90), Milliamps(4)};
  t.rx_power = {Milliwatts(4), Milliwatts(0.02), Milliwatts(3), Milliwatts(0.04)};
  PageBytes p{};
  ASSERT_TRUE(encode_page02(t, p, 2).ok());
  const Thresholds back = decode_page02(p, 2);
  EXPECT_NEAR(back.tx_bias.high_alarm.value(), 100.0, 1e-9);
  EXPECT_NEAR(back.vcc.low_warning.value(), 3.1, 1e-9);
  EXPECT_NEAR(back.tx_power.low_alarm.value(), 0.05, 1e-9);
  t.tx_power.high_alarm = Milliwatts(7.0);  // above 6.5535 mW
  auto s = encode_page02(t, p, 2);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("Tx power high alarm"));
  EXPECT_THAT(s.message(), HasSubstr("6.5535"));
}

// ---- page 10h -------------------------------------------------------------------------------

TEST(CmisPage10, DecodesControlsAndStagedSet0) {
  PageBytes p{};
  p[128 - 128] = 0x0F;
  p[130 - 128] = 0x80;
  p[138 - 128] = 0x01;
  p[129 - 128] = 0x02;
  p[131 - 128] = 0x04;
  p[132 - 128] = 0x08;
  p[137 - 128] = 0x10;
  p[139 - 128] = 0x20;
  p[143 - 128] = 0xF0;
  p[144 - 128] = 0x0F;
  p[145 - 128] = 0x11;  // lane 1: ApSel 1, DataPathID 0, explicit
  p[152 - 128] = 0x2E;  // lane 8: ApSel 2, DataPathID 7, not explicit
  const LaneControls c = decode_page10(p);
  EXPECT_EQ(c.data_path_deinit, 0x0F);
  EXPECT_TRUE(lane_bit(c.data_path_deinit, 4));
  EXPECT_FALSE(lane_bit(c.data_path_deinit, 5));
  EXPECT_TRUE(lane_bit(c.tx_disable, 8));
  EXPECT_TRUE(lane_bit(c.rx_disable, 1));
  EXPECT_TRUE(lane_bit(c.tx_polarity_flip, 2));
  EXPECT_TRUE(lane_bit(c.tx_squelch_disable, 3));
  EXPECT_TRUE(lane_bit(c.tx_force_squelch, 4));
  EXPECT_TRUE(lane_bit(c.rx_polarity_flip, 5));
  EXPECT_TRUE(lane_bit(c.rx_squelch_disable, 6));
  EXPECT_EQ(c.apply_dp_init, 0xF0);
  EXPECT_EQ(c.apply_immediate, 0x0F);
  EXPECT_EQ(c.staged[0], (DataPathConfig{1, 0, true}));
  EXPECT_EQ(c.staged[7], (DataPathConfig{2, 7, false}));
}

TEST(CmisPage10, WritableFieldsRoundTripPerLane) {
  PageBytes p{};
  for (unsigned lane = 1; lane <= 8; ++lane) {
    ASSERT_TRUE(set_tx_disable(p, lane, lane % 2 == 0).ok());
    ASSERT_TRUE(set_rx_disable(p, lane, lane > 6).ok());
    ASSERT_TRUE(set_data_path_deinit(p, lane, lane <= 4).ok());
    ASSERT_TRUE(set_staged_config(p, lane,
                                  DataPathConfig{static_cast<std::uint8_t>(lane + 7),
                                                 static_cast<std::uint8_t>((lane - 1) / 4 * 4), true})
                    .ok());
  }
  ASSERT_TRUE(set_apply_dp_init(p, 0xFF).ok());
  const LaneControls c = decode_page10(p);
  EXPECT_EQ(c.tx_disable, 0xAA);
  EXPECT_EQ(c.rx_disable, 0xC0);
  EXPECT_EQ(c.data_path_deinit, 0x0F);
  EXPECT_EQ(c.staged[7], (DataPathConfig{15, 4, true}));
  EXPECT_EQ(c.apply_dp_init, 0xFF);
  PageBytes q{};
  ASSERT_TRUE(encode_page10(c, q).ok());
  EXPECT_EQ(decode_page10(q), c);
}

TEST(CmisPage10, WritersRefuseBadLanesAndCodes) {
  PageBytes p{};
  auto s = set_tx_disable(p, 9, true);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("Tx disable lane 9: lanes within a bank are 1..8"));
  s = set_data_path_deinit(p, 0, true);
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("DPDeinit lane 0"));
  s = set_staged_config(p, 2, DataPathConfig{16, 0, false});
  EXPECT_EQ(s.code(), Code::out_of_range);
  EXPECT_THAT(s.message(), HasSubstr("lane 2 ApSel: 16 outside 0..15"));
  s = set_staged_config(p, 2, DataPathConfig{1, 8, false});
  EXPECT_THAT(s.message(), HasSubstr("lane 2 DataPathID: 8 outside 0..7"));
  EXPECT_EQ(p, PageBytes{});
}

// ---- page 11h -------------------------------------------------------------------------------

TEST(CmisPage11, DecodesStatesFlagsAndMonitors) {
  PageBytes p{};
  p[128 - 128] = 0x41;  // lane 1 Deactivated, lane 2 Activated
  p[129 - 128] = 0x32;  // lane 3 Init, lane 4 Deinit
  p[130 - 128] = 0x65;  // lane 5 TxTurnOn, lane 6 TxTurnOff
  p[131 - 128] = 0x07;  // lane 7 Initialized, lane 8 reserved 0
  p[132 - 128] = 0x03;
  p[133 - 128] = 0x0C;
  p[134 - 128] = 0x10;
  p[135 - 128] = 0x04;  // Tx fault lane 3
  p[136 - 128] = 0x08;  // Tx LOS lane 4
  p[137 - 128] = 0x10;  // Tx CDR LOL lane 5
  p[138 - 128] = 0x20;  // Tx adaptive EQ fail lane 6
  p[148 - 128] = 0x02;  // Rx CDR LOL lane 2
  p[139 - 128] = 0x01;
  p[146 - 128] = 0x80;
  p[147 - 128] = 0x20;  // Rx LOS lane 6
  p[152 - 128] = 0x40;
  put_be(p, 154, 2, 12589);  // lane 1 Tx power 1.2589 mW
  put_be(p, 170, 2, 25000);  // lane 1 Tx bias 50 mA at x1
  put_be(p, 200, 2, 7943);   // lane 8 Rx power 0.7943 mW
  p[202 - 128] = 0x21;       // lane 1 success, lane 2 rejected
  p[205 - 128] = 0xC0;       // lane 8 in progress
  p[206 - 128] = 0x11;
  p[235 - 128] = 0x81;
  const LaneStatus s = decode_page11(p);
  EXPECT_EQ(s.data_path_state[0], DataPathState::deactivated);
  EXPECT_EQ(s.data_path_state[1], DataPathState::activated);
  EXPECT_EQ(s.data_path_state[2], DataPathState::init);
  EXPECT_EQ(s.data_path_state[3], DataPathState::deinit);
  EXPECT_EQ(s.data_path_state[4], DataPathState::tx_turn_on);
  EXPECT_EQ(s.data_path_state[5], DataPathState::tx_turn_off);
  EXPECT_EQ(s.data_path_state[6], DataPathState::initialized);
  EXPECT_EQ(to_string(s.data_path_state[6]), "Initialized");
  EXPECT_EQ(to_string(s.data_path_state[4]), "TxTurnOn");
  EXPECT_EQ(to_string(s.data_path_state[7]), "Reserved");
  EXPECT_EQ(s.rx_output_status, 0x03);
  EXPECT_EQ(s.tx_output_status, 0x0C);
  EXPECT_EQ(s.data_path_state_changed, 0x10);
  EXPECT_TRUE(lane_bit(s.tx_fault, 3));
  EXPECT_EQ(s.tx_fault, 0x04);
  EXPECT_EQ(s.tx_los, 0x08);
  EXPECT_EQ(s.tx_cdr_lol, 0x10);
  EXPECT_EQ(s.tx_adaptive_eq_fail, 0x20);
  EXPECT_EQ(s.rx_cdr_lol, 0x02);
  EXPECT_EQ(s.tx_power_flags.high_alarm, 0x01);
  EXPECT_EQ(s.tx_bias_flags.low_warning, 0x80);
  EXPECT_TRUE(lane_bit(s.rx_los, 6));
  EXPECT_EQ(s.rx_power_flags.low_warning, 0x40);
  EXPECT_DOUBLE_EQ(s.tx_power[0].value(), 1.2589);
  EXPECT_DOUBLE_EQ(s.tx_bias[0].value(), 50.0);
  EXPECT_DOUBLE_EQ(s.rx_power[7].value(), 0.7943);
  EXPECT_EQ(s.config_status[0], ConfigStatus::success);
  EXPECT_EQ(s.config_status[1], ConfigStatus::rejected);
  EXPECT_EQ(s.config_status[7], ConfigStatus::in_progress);
  EXPECT_EQ(to_string(s.config_status[7]), "ConfigInProgress");
  EXPECT_EQ(s.active_config[0], (DataPathConfig{1, 0, true}));
  EXPECT_EQ(s.dp_init_pending, 0x81);
  // Tx bias: 2 uA times the multiplier.
  EXPECT_DOUBLE_EQ(decode_page11(p, 2).tx_bias[0].value(), 100.0);
  EXPECT_DOUBLE_EQ(decode_page11(p, 4).tx_bias[0].value(), 200.0);
}

TEST(CmisPage11, EncodeRoundTripsAndRefusesOverrange) {
  LaneStatus s;
  for (std::size_t i = 0; i < kLanesPerBank; ++i) {
    s.data_path_state[i] = DataPathState::activated;
    s.config_status[i] = ConfigStatus::success;
    s.tx_power[i] = Milliwatts(static_cast<double>(10000 + i) * 1e-4);
    s.tx_bias[i] = Milliamps(static_cast<double>(20000 + i) * 2e-3 * 2);
    s.rx_power[i] = Milliwatts(static_cast<double>(9000 + i) * 1e-4);
    s.active_config[i] = DataPathConfig{1, 0, false};
  }
  s.tx_fault = 0x04;
  s.dp_init_pending = 0x02;
  PageBytes p{};
  ASSERT_TRUE(encode_page11(s, p, 2).ok());
  EXPECT_EQ(decode_page11(p, 2), s);
  s.tx_bias[5] = Milliamps(300.0);  // > 65535 * 4 uA
  auto st = encode_page11(s, p, 2);
  EXPECT_EQ(st.code(), Code::out_of_range);
  EXPECT_THAT(st.message(), HasSubstr("lane 6 Tx bias"));
}

// ---- whole module -------------------------------------------------------------------------

TEST(CmisModule, DecodesAnOeMapWithThreeBanks) {
  MemoryMap map;
  auto& lower = map.lower_or_insert();
  lower[0] = 0x18;
  lower[85] = 0x02;
  put_be(lower, 86, 4, 0x821C4401);
  lower[90] = kApplicationListEnd;
  auto& p01 = map.upper_or_insert(kPage01);
  p01[160 - 128] = 0x08;  // multiplier x2
  p01[176 - 128] = 0x11;
  for (std::uint8_t bank = 0; bank < 3; ++bank) {
    auto& p11 = map.upper_or_insert(kPage11, bank);
    put_be(p11, 170, 2, 1000);
    map.upper_or_insert(kPage10, bank);
  }
  auto m = decode(map);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_FALSE(m->advertisement_assumed);
  EXPECT_TRUE(m->lower.has_value());
  EXPECT_FALSE(m->page00.has_value());
  EXPECT_FALSE(m->page02.has_value());
  ASSERT_EQ(m->banks.size(), 3u);
  EXPECT_EQ(m->banks[2].bank, 2);
  ASSERT_TRUE(m->banks[1].status.has_value());
  EXPECT_DOUBLE_EQ(m->banks[1].status->tx_bias[0].value(), 4.0);  // 1000 * 2 uA * 2
  ASSERT_EQ(m->application_count, 1);
  EXPECT_EQ(m->applications[0].media_lane_assignment, std::optional<std::uint8_t>(0x11));
}

TEST(CmisModule, WithoutPage01TheDefaultsAreAssumed) {
  MemoryMap map;
  map.lower_or_insert();
  put_be(map.upper_or_insert(kPage11), 170, 2, 1000);
  auto m = decode(map);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->advertisement_assumed);
  EXPECT_EQ(m->advertisement.tx_bias_multiplier, 1);
  EXPECT_DOUBLE_EQ(m->banks[0].status->tx_bias[0].value(), 2.0);
}

TEST(CmisModule, EmptyMapIsRejected) {
  auto m = decode(MemoryMap{});
  EXPECT_EQ(m.status().code(), Code::invalid_argument);
  EXPECT_THAT(m.status().message(), HasSubstr("no page present"));
}

// ---- code tables ----------------------------------------------------------------------------

TEST(CmisCodes, IdentifierNamesFromSff8024) {
  EXPECT_EQ(identifier_abbreviation(0x18), "QSFP-DD");
  EXPECT_EQ(identifier_abbreviation(0x19), "OSFP");
  EXPECT_EQ(identifier_name(0x1E), "QSFP+ or later with CMIS");
  EXPECT_EQ(identifier_name(0x22), "OIF-ELSFP with CMIS");
  EXPECT_EQ(identifier_name(0x11), "QSFP28 or later");
  EXPECT_EQ(identifier_name(0x70), "Reserved");
  EXPECT_EQ(identifier_name(0x80), "Vendor specific");
}

TEST(CmisCodes, MediaTypeSelectsTheMediaTable) {
  EXPECT_EQ(media_interface_name(0x01, 0x10), "400GBASE-SR8 (Clause 138)");
  EXPECT_EQ(media_interface_name(0x02, 0x10), "100G CWDM4 MSA Spec");
  EXPECT_EQ(media_interface_name(0x03, 0x01), "Copper cable");
  EXPECT_EQ(media_interface_name(0x04, 0x02), "Active Cable assembly with BER < 5x10^-5");
  EXPECT_EQ(media_interface_name(0x05, 0x04), "10GBASE-T (Clause 55)");
  EXPECT_EQ(media_type_name(0x03), "Passive Copper Cables");
  EXPECT_EQ(host_interface_name(0x1D), "400G CR8");
  EXPECT_EQ(host_interface_name(0xC5), "Custom");
  // 200G per lane single-mode (SFF-8024 Table 4-7, 73h..80h).
  EXPECT_EQ(media_interface_name(0x02, 0x73), "200GBASE-DR1 (Clause 180)");
  EXPECT_EQ(media_interface_name(0x02, 0x77), "800GBASE-DR4 (Clause 180)");
  EXPECT_EQ(host_interface_name(0x82), "800GAUI-4 C2M (Annex 176E)");
}

}  // namespace
}  // namespace cpo::cmis
