// CMIS codec: what a NOS pays per optical engine per telemetry poll. The target is decoding
// one full OE page set (lower, 00h, 01h, 02h, and 10h/11h of 3 banks) in under 2 us; SONiC's
// Python decoder needs about 44 us per module for the DOM subset alone.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>

#include "cpo/hal/cmis/hexdump.h"
#include "cpo/hal/cmis/module.h"
#include "cpo/hal/cmis/pages.h"

namespace {

using namespace cpo::cmis;

// An OE as the simulator builds it: 24 lanes in 3 banks, all pages populated with the encoders.
MemoryMap oe_page_set() {
  MemoryMap map;
  LowerPage lower;
  lower.identifier = 0x18;
  lower.revision = {5, 2};
  lower.module_state = ModuleState::ready;
  lower.temperature = cpo::Celsius(48.5);
  lower.vcc = cpo::Volts(3.3);
  lower.media_type = 0x02;
  lower.applications[0] = ApplicationDescriptor{1, 0x82, 0x1C, 4, 4, 0x11, std::nullopt};
  lower.applications[1] = ApplicationDescriptor{2, 0x81, 0x17, 2, 2, 0x55, std::nullopt};
  lower.application_count = 2;
  (void)encode_lower(lower, map.lower_or_insert());
  Page00 admin;
  admin.identifier = 0x18;
  admin.vendor_name = "CPOSDK";
  admin.part_number = "OE-3.2T-DR8";
  admin.revision = "01";
  admin.serial_number = "OE00000017";
  admin.date_code = DateCode{2025, 6, 1, ""};
  admin.power_class = 8;
  admin.max_power_w = 28;
  (void)encode_page00(admin, map.upper_or_insert(kPage00));
  Advertisement adv;
  adv.banks_supported = 4;
  adv.tx_bias_multiplier = 2;
  adv.tx_bias_monitor = adv.tx_power_monitor = adv.rx_power_monitor = true;
  (void)encode_page01(adv, map.upper_or_insert(kPage01));
  Thresholds t;
  t.temperature = {cpo::Celsius(75), cpo::Celsius(-5), cpo::Celsius(70), cpo::Celsius(0)};
  t.tx_power = {cpo::Milliwatts(4), cpo::Milliwatts(0.1), cpo::Milliwatts(3), cpo::Milliwatts(0.2)};
  (void)encode_page02(t, map.upper_or_insert(kPage02), 2);
  for (std::uint8_t bank = 0; bank < 3; ++bank) {
    LaneControls c;
    for (auto& s : c.staged) s = DataPathConfig{1, 0, true};
    (void)encode_page10(c, map.upper_or_insert(kPage10, bank));
    LaneStatus s;
    for (std::size_t i = 0; i < kLanesPerBank; ++i) {
      s.data_path_state[i] = DataPathState::activated;
      s.tx_power[i] = cpo::Milliwatts(1.2 + 0.01 * static_cast<double>(i));
      s.tx_bias[i] = cpo::Milliamps(48.0);
      s.rx_power[i] = cpo::Milliwatts(0.9);
      s.config_status[i] = ConfigStatus::success;
    }
    (void)encode_page11(s, map.upper_or_insert(kPage11, bank), 2);
  }
  return map;
}

void BM_DecodeOePageSet(benchmark::State& state) {
  const MemoryMap map = oe_page_set();
  for (auto _ : state) {
    auto m = decode(map);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_DecodeOePageSet)->Unit(benchmark::kNanosecond);

void BM_DecodePage11(benchmark::State& state) {
  const MemoryMap map = oe_page_set();
  const PageBytes& p = *map.upper(kPage11, 0);
  for (auto _ : state) {
    auto s = decode_page11(p, 2);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_DecodePage11)->Unit(benchmark::kNanosecond);

void BM_EncodeOePageSet(benchmark::State& state) {
  for (auto _ : state) {
    auto map = oe_page_set();
    benchmark::DoNotOptimize(map);
  }
}
BENCHMARK(BM_EncodeOePageSet)->Unit(benchmark::kMicrosecond);

void BM_ParseSfputilMcp1660(benchmark::State& state) {
  std::ifstream in(CPOSDK_CMIS_DUMP, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto _ : state) {
    auto map = parse_sfputil(text);
    benchmark::DoNotOptimize(map);
  }
}
BENCHMARK(BM_ParseSfputilMcp1660)->Unit(benchmark::kMicrosecond);

}  // namespace
