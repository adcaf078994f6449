// The facade on the simulator (virtual clock): bring-up through the policies, bulk breakout
// against the per-port path and against units one after another, snapshot and renderings.
//
// CPU time is the whole process's (MeasureProcessCPUTime: the breakout runs one thread per
// unit). Device time is the simulator's clock, reported as the counter device_ms.
#include <benchmark/benchmark.h>

#include <string>

#include "cpo/sdk/config.h"
#include "cpo/sdk/switch.h"

namespace {

using cpo::Switch;

std::unique_ptr<Switch> open_cpo144() {
  auto sw = Switch::open("sim://cpo144");
  if (!sw) std::abort();
  return std::move(sw).value();
}

double ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

// Open, every port admin up, every laser turned off and lit again through the fiber check and
// its ramp to 100 mW.
void BM_BringUpCpo144(benchmark::State& state) {
  double device = 0;
  for (auto _ : state) {
    auto sw = open_cpo144();
    const auto t0 = sw->now();
    for (const auto& p : sw->platform().ports()) (void)sw->set_admin(p.id, cpo::AdminState::down);
    for (const auto& els : sw->platform().els_modules())
      for (const auto& l : els.lasers) (void)sw->disable_laser(l.ref);
    cpo::sdk::EnableOptions on;
    on.power = cpo::Milliwatts(100.0);
    for (const auto& els : sw->platform().els_modules())
      for (const auto& l : els.lasers)
        if (!sw->enable_laser(l.ref, on).ok()) state.SkipWithError("enable failed");
    for (const auto& p : sw->platform().ports()) (void)sw->set_admin(p.id, cpo::AdminState::up);
    device += ms(sw->now() - t0);
  }
  state.counters["device_ms"] = benchmark::Counter(device, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_BringUpCpo144)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);

// 144 ports 1x800G -> 4x200G and back, one bulk call each way (units in parallel).
void BM_BulkBreakout144(benchmark::State& state) {
  auto sw = open_cpo144();
  double device = 0;
  for (auto _ : state) {
    const auto t0 = sw->now();
    if (!sw->breakout("0-143", "4x200G").ok() || !sw->breakout("0-143", "1x800G").ok())
      state.SkipWithError("breakout failed");
    device += ms(sw->now() - t0);
  }
  state.counters["device_ms"] = benchmark::Counter(device, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_BulkBreakout144)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

// The same work with the units one after another (one call per unit): the baseline for the
// parallel device time.
void BM_BulkBreakout144UnitsInSequence(benchmark::State& state) {
  auto sw = open_cpo144();
  double device = 0;
  const char* units[] = {"0-35", "36-71", "72-107", "108-143"};
  for (auto _ : state) {
    const auto t0 = sw->now();
    for (const char* u : units)
      if (!sw->breakout(u, "4x200G").ok()) state.SkipWithError("breakout failed");
    for (const char* u : units)
      if (!sw->breakout(u, "1x800G").ok()) state.SkipWithError("breakout failed");
    device += ms(sw->now() - t0);
  }
  state.counters["device_ms"] = benchmark::Counter(device, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_BulkBreakout144UnitsInSequence)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

// Device time with a real clock: the simulator serves the four units' mailboxes at once, as
// four ASICs would, so the wall time of a call is its device time. The same 144-port split
// and restore, units in parallel (one call) and one after another (a call per unit).
void BM_BulkBreakout144RealClock(benchmark::State& state) {
  auto sw = Switch::open("sim://cpo144?clock=real");
  if (!sw) std::abort();
  for (auto _ : state) {
    if (!(*sw)->breakout("0-143", "4x200G").ok() || !(*sw)->breakout("0-143", "1x800G").ok())
      state.SkipWithError("breakout failed");
  }
}
BENCHMARK(BM_BulkBreakout144RealClock)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_BulkBreakout144UnitsInSequenceRealClock(benchmark::State& state) {
  auto sw = Switch::open("sim://cpo144?clock=real");
  if (!sw) std::abort();
  const char* units[] = {"0-35", "36-71", "72-107", "108-143"};
  for (auto _ : state) {
    for (const char* u : units)
      if (!(*sw)->breakout(u, "4x200G").ok()) state.SkipWithError("breakout failed");
    for (const char* u : units)
      if (!(*sw)->breakout(u, "1x800G").ok()) state.SkipWithError("breakout failed");
  }
}
BENCHMARK(BM_BulkBreakout144UnitsInSequenceRealClock)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// The per-port path: 144 calls each way.
void BM_PerPortBreakout144(benchmark::State& state) {
  auto sw = open_cpo144();
  double device = 0;
  for (auto _ : state) {
    const auto t0 = sw->now();
    for (std::uint32_t p = 0; p < 144; ++p) (void)sw->breakout(std::to_string(p), "4x200G");
    for (std::uint32_t p = 0; p < 144; ++p) (void)sw->breakout(std::to_string(p), "1x800G");
    device += ms(sw->now() - t0);
  }
  state.counters["device_ms"] = benchmark::Counter(device, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_PerPortBreakout144)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_Snapshot(benchmark::State& state) {
  auto sw = open_cpo144();
  cpo::sdk::Snapshot snap;
  for (auto _ : state) {
    if (!sw->snapshot(snap).ok()) state.SkipWithError("snapshot failed");
    benchmark::DoNotOptimize(snap);
  }
}
BENCHMARK(BM_Snapshot)->Unit(benchmark::kMicrosecond);

void BM_SnapshotAndJson(benchmark::State& state) {
  auto sw = open_cpo144();
  cpo::sdk::Snapshot snap;
  for (auto _ : state) {
    if (!sw->snapshot(snap).ok()) state.SkipWithError("snapshot failed");
    auto json = sw->render_json(snap);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_SnapshotAndJson)->Unit(benchmark::kMicrosecond);

void BM_SnapshotAndPrometheus(benchmark::State& state) {
  auto sw = open_cpo144();
  cpo::sdk::Snapshot snap;
  for (auto _ : state) {
    if (!sw->snapshot(snap).ok()) state.SkipWithError("snapshot failed");
    auto text = sw->render_prometheus(snap, "sw1");
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_SnapshotAndPrometheus)->Unit(benchmark::kMicrosecond);

// --- desired-state configuration (cpo/sdk/config.h, docs/config.md) --------------------------

// The whole switch: 144 ports split 4x200G (576 logical ports), every one admin up with FEC
// RS(544,514), and all 144 lasers at 90 mW. From power-on that is 144 breakouts (one bulk
// call), 144 laser ramps and 144 admin-up operations; FEC is already rs544. `tx_fir` adds the
// transmitter taps of every lane (576 more operations, one device command each).
cpo::sdk::Config full_switch_config(bool tx_fir) {
  std::string text =
      "schema_version: 1\nports:\n  - port: 0-143\n    breakout: 4x200G\n    admin: up\n    fec: rs544\n";
  if (tx_fir) text += "    tx_fir: {pre: -3, main: 52, post: -6}\n";
  text += "lasers:\n";
  for (int e = 0; e < 18; ++e) text += "  - {laser: els" + std::to_string(e) + "/0-7, enabled: true, power_mw: 90}\n";
  auto parsed = cpo::sdk::parse_config(text);
  if (!parsed.issues.empty()) std::abort();
  return parsed.config;
}

// Apply the full-switch document to a switch in its power-on state (the way back to power-on,
// also a config apply, runs with the timer paused). Process CPU: the SDK and the simulated
// device in the same process. Target (without tx_fir): at most 50 ms of CPU.
void BM_ConfigApplyFullSwitch576(benchmark::State& state) {
  auto sw = open_cpo144();
  const cpo::sdk::Config full = full_switch_config(state.range(0) != 0);
  auto initial = cpo::sdk::read_config_state(*sw);
  if (!initial) std::abort();
  const cpo::sdk::Config power_on = cpo::sdk::to_config(*initial);
  double device = 0, ops = 0, writes = 0;
  for (auto _ : state) {
    auto report = cpo::sdk::apply_config(*sw, full);
    if (!report.status.ok()) state.SkipWithError(report.status.to_string().c_str());
    device += ms(report.device_time);
    ops += static_cast<double>(report.applied);
    writes += static_cast<double>(report.device_writes.value_or(0));
    state.PauseTiming();
    if (!cpo::sdk::apply_config(*sw, power_on).status.ok()) state.SkipWithError("restoring power-on failed");
    state.ResumeTiming();
  }
  state.counters["device_ms"] = benchmark::Counter(device, benchmark::Counter::kAvgIterations);
  state.counters["operations"] = benchmark::Counter(ops, benchmark::Counter::kAvgIterations);
  state.counters["device_writes"] = benchmark::Counter(writes, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_ConfigApplyFullSwitch576)
    ->ArgName("tx_fir")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

// The same document once more: read the running state, validate, plan nothing, write nothing.
// Target: at most 5 ms of CPU.
void BM_ConfigReapplyNoop576(benchmark::State& state) {
  auto sw = open_cpo144();
  const cpo::sdk::Config full = full_switch_config(true);
  if (!cpo::sdk::apply_config(*sw, full).status.ok()) std::abort();
  double writes = 0;
  for (auto _ : state) {
    auto report = cpo::sdk::apply_config(*sw, full);
    if (!report.status.ok() || !report.plan.ops.empty()) state.SkipWithError("the re-apply was not a no-op");
    writes += static_cast<double>(report.device_writes.value_or(0));
  }
  state.counters["device_writes"] = benchmark::Counter(writes, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_ConfigReapplyNoop576)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

// Reading the complete running document of the split switch (show-running output, YAML).
void BM_ConfigParseRunningYaml(benchmark::State& state) {
  auto sw = open_cpo144();
  if (!cpo::sdk::apply_config(*sw, full_switch_config(true)).status.ok()) std::abort();
  const std::string text = cpo::sdk::render_config(cpo::sdk::to_config(*cpo::sdk::read_config_state(*sw)));
  for (auto _ : state) {
    auto parsed = cpo::sdk::parse_config(text);
    benchmark::DoNotOptimize(parsed);
  }
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_ConfigParseRunningYaml)->Unit(benchmark::kMicrosecond);

}  // namespace
