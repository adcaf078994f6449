// Platform profile loading and impact queries: what a NOS pays at start-up and per fault.
#include <benchmark/benchmark.h>

#include "cpo/hal/platform.h"

namespace {

void BM_LoadBuiltinCpo144(benchmark::State& state) {
  for (auto _ : state) {
    auto p = cpo::Platform::builtin("cpo144");
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_LoadBuiltinCpo144)->Unit(benchmark::kMicrosecond);

void BM_ImpactLaserCpo144(benchmark::State& state) {
  auto p = cpo::Platform::builtin("cpo144");
  cpo::BreakoutMap map;
  auto mode = cpo::BreakoutMode::parse("4x200G");
  for (const auto& port : p->ports()) map[port.id] = *mode;
  for (auto _ : state) {
    auto r = p->impacted_ports(cpo::LaserRef{cpo::ElsId(7), 3}, map);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ImpactLaserCpo144);

void BM_ImpactOeDefaultBreakoutCpo144(benchmark::State& state) {
  auto p = cpo::Platform::builtin("cpo144");
  for (auto _ : state) {
    auto r = p->impacted_ports(cpo::OeId(5));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ImpactOeDefaultBreakoutCpo144);

}  // namespace
