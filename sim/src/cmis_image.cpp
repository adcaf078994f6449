#include "cmis_image.h"

#include <cmath>

namespace cpo::sim::cmis {

std::uint32_t u16_sat(double v) noexcept {
  if (!(v > 0)) return 0;
  if (v >= 65535.0) return 65535;
  return static_cast<std::uint32_t>(std::lround(v));
}
std::int32_t temp_s16(double celsius) noexcept {
  double raw = std::round(celsius * 256.0);
  if (raw > 32767.0) raw = 32767.0;
  if (raw < -32768.0) raw = -32768.0;
  return static_cast<std::int32_t>(raw);
}
std::uint32_t power_0p1uw(double milliwatts) noexcept { return u16_sat(milliwatts * 1e4); }
std::uint32_t power_10uw(double milliwatts) noexcept { return u16_sat(milliwatts * 100.0); }
std::uint32_t bias_100ua(double milliamps) noexcept { return u16_sat(milliamps * 10.0); }

void write_identity_lower(Page& lower, std::uint8_t module_state, bool int_asserted) {
  // 0x19: SFF-8024 "OSFP 8X" identifier. SFF-8024 has no code for a co-packaged OE or an
  // ELSFP yet; management is CMIS either way (documented in docs/simulator.md).
  put_u8(lower, kIdentifier, 0x19);
  put_u8(lower, kRevision, 0x52);  // CMIS 5.2
  put_u8(lower, 2, 0x00);          // paged memory, no stepped config, MCI speed code 0
  put_u8(lower, kModuleState, static_cast<std::uint32_t>((module_state & 0x7) << 1) | (int_asserted ? 0u : 1u));
  put_u8(lower, 39, 1);  // active firmware 1.0
  put_u8(lower, 40, 0);
  put_u8(lower, kMediaType, 0x02);  // optical interfaces: SMF (SFF-8024 media type)
  put_u8(lower, kAppTable, 0xFF);   // application table: none advertised (not modelled)
}

void write_page00(Page& page, std::string_view part_number, std::string_view serial) {
  put_u8(page, 128, 0x19);
  put_ascii(page, kP00VendorName, 16, "CPOSDK SIM");
  put_u8(page, 145, 0x00);  // vendor OUI 00:00:00 (none)
  put_u8(page, 146, 0x00);
  put_u8(page, 147, 0x00);
  put_ascii(page, kP00VendorPn, 16, part_number);
  put_ascii(page, 164, 2, "01");
  put_ascii(page, kP00VendorSn, 16, serial);
  put_ascii(page, kP00DateCode, 8, "250101  ");
}

void write_page02(Page& page, double warn_c, double alarm_c, double low_warn_c, double low_alarm_c) {
  put_s16(page, kP02TempThresholds + 0, temp_s16(alarm_c));
  put_s16(page, kP02TempThresholds + 2, temp_s16(low_alarm_c));
  put_s16(page, kP02TempThresholds + 4, temp_s16(warn_c));
  put_s16(page, kP02TempThresholds + 6, temp_s16(low_warn_c));
  // Vcc 3.3 V +-10 % alarms, +-5 % warnings (u16 100 uV).
  put_u16(page, kP02VccThresholds + 0, 36300);
  put_u16(page, kP02VccThresholds + 2, 29700);
  put_u16(page, kP02VccThresholds + 4, 34650);
  put_u16(page, kP02VccThresholds + 6, 31350);
}

}  // namespace cpo::sim::cmis
