// The reference driver's read paths against the raw register reads they cost.
//
// The four units of cpo144 sit in memfd shared memory (cposdk::shm), each window filled with
// an identity block and a status region the way a reference device publishes them, so the
// driver opens exactly as it would on cpo-simd or a mapped PCIe BAR. Targets (issue 6):
// - BM_DriverOperStateProbe <= 1.3 x BM_RawBarReadOperMask, and < 50 ns (the polling
//   path: a probe resolved once, then one Bar read per call); BM_DriverOperState, the
//   plain virtual call with its id lookup, is recorded beside it;
// - BM_SnapshotCpo144 (144 ports, 576 lanes, 24 OEs, 18 ELS, 144 lasers) < 1 ms.
// Issue 11: a full cpo144 telemetry sweep through the driver costs at most 1,500 register
// reads (1-5 us each uncached over PCIe): BM_SweepReads counts them with a counting Bar
// (counter reads_per_sweep), for a steady switch and one where every port changes between
// sweeps, with DEFAULT driver options (refdev 1.3's status snapshot channel) and, for
// comparison, by registers (Options::status_snapshot = false).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/drivers/shm/shm_bar.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/backend/validated_driver.h"
#include "cpo/hal/platform.h"
#include "cpo/sim/simulator.h"

namespace {

namespace rd = cpo::refdev;

// One unit's window, as a reference device's firmware leaves it after power-on.
void publish_unit(const cpo::Platform& p, std::uint32_t unit, cpo::Bar& bar) {
  const auto ports = *p.ports_of(cpo::UnitId(unit));
  const auto& first = p.ports()[ports.front().value()];
  std::uint32_t oes = 0, first_oe = ~0u, els_lo = ~0u, els_hi = 0;
  for (const auto& oe : p.optical_engines()) {
    if (oe.unit.value() != unit) continue;
    ++oes;
    first_oe = std::min(first_oe, oe.id.value());
  }
  for (const auto& els : p.els_modules()) {
    for (const auto& laser : els.lasers) {
      if (p.lanes()[laser.lanes.front().value()].unit.value() != unit) continue;
      els_lo = std::min(els_lo, els.id.value());
      els_hi = std::max(els_hi, els.id.value());
    }
  }
  const auto n = [](std::size_t v) { return static_cast<std::uint32_t>(v); };
  using namespace rd::reg;
  bar.write32(kMagic, rd::kMagic);
  bar.write32(kVersion, rd::kVersion);
  bar.write32(kUnitIndex, unit);
  bar.write32(kUnitCount, n(p.units().size()));
  bar.write32(kPortCount, n(ports.size()));
  bar.write32(kFirstPort, ports.front().value());
  bar.write32(kLanesPerPort, n(first.lanes.size()));
  bar.write32(kLaneCount, n(ports.size() * first.lanes.size()));
  bar.write32(kFirstLane, first.lanes.front().value());
  bar.write32(kOeCount, oes);
  bar.write32(kFirstOe, first_oe);
  bar.write32(kBanksPerOe, n(p.optical_engines().front().banks.size()));
  bar.write32(kLanesPerBank, p.lanes_per_bank());
  bar.write32(kElsCount, els_hi - els_lo + 1);
  bar.write32(kFirstEls, els_lo);
  bar.write32(kLasersPerEls, n(p.els_modules().front().lasers.size()));
  bar.write32(kCapabilities, 0x1f);
  bar.write32(kBreakoutCaps, 0x16);
  bar.write32(kFecCaps, 0x9);
  bar.write32(kPrbsCaps, 0x1e);
  bar.write32(kLoopbackCaps, 0x7);
  bar.write32(kEventRingSize, rd::kEventRingEntries);
  bar.write32(kGeneration, 2);
  bar.write32(kUnitFlags, 1);
  for (std::uint32_t i = 0; i < ports.size(); ++i) {
    bar.write32(rd::at(rd::record::kPort, i, rd::field::kPortBreakout), 1);
    bar.write32(rd::at(rd::record::kPort, i, rd::field::kPortOperMask), i % 2);
  }
}

struct Cpo144OverShm {
  Cpo144OverShm() : platform(*cpo::Platform::builtin("cpo144")) {
    for (std::uint32_t u = 0; u < platform.units().size(); ++u) {
      auto mem = cpo::shm::SharedMemory::create("bench-unit" + std::to_string(u), rd::kWindowBytes);
      bars.push_back(std::make_unique<cpo::shm::ShmBar>(std::make_shared<cpo::shm::SharedMemory>(std::move(*mem))));
      publish_unit(platform, u, *bars.back());
      raw.push_back(bars.back().get());
    }
    auto d = cpo::reference::ReferenceDriver::open(platform, raw);
    if (!d.ok()) {
      std::fprintf(stderr, "bench_driver: %s\n", d.status().to_string().c_str());
      std::abort();
    }
    driver = std::move(*d);
  }
  cpo::Platform platform;
  std::vector<std::unique_ptr<cpo::shm::ShmBar>> bars;
  std::vector<cpo::Bar*> raw;
  std::unique_ptr<cpo::reference::ReferenceDriver> driver;
};

Cpo144OverShm& rig() {
  static Cpo144OverShm r;
  return r;
}

// Port 37 = unit 1, local port 1.
void BM_RawBarReadOperMask(benchmark::State& state) {
  cpo::Bar& bar = *rig().raw[1];
  const std::size_t off = rd::at(rd::record::kPort, 1, rd::field::kPortOperMask);
  for (auto _ : state) benchmark::DoNotOptimize(bar.read32(off));
}
BENCHMARK(BM_RawBarReadOperMask);

void BM_DriverOperState(benchmark::State& state) {
  cpo::Driver& driver = *rig().driver;
  for (auto _ : state) {
    auto r = driver.oper_state(cpo::PortId(37));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DriverOperState);

void BM_DriverOperStateProbe(benchmark::State& state) {
  auto probe = rig().driver->oper_state_probe(cpo::PortId(37));
  if (!probe.ok()) return state.SkipWithError(probe.status().to_string().c_str());
  for (auto _ : state) {
    auto r = probe->read();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DriverOperStateProbe);

void BM_ValidatedDriverOperState(benchmark::State& state) {
  cpo::ValidatedDriver driver(*rig().driver, rig().platform);
  for (auto _ : state) {
    auto r = driver.oper_state(cpo::PortId(37));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ValidatedDriverOperState);

// A 64-bit lane counter: two raw reads vs. a consistent copy of the whole lane record.
void BM_RawBarReadLaneFecCorrected(benchmark::State& state) {
  cpo::Bar& bar = *rig().raw[1];
  const std::size_t lo = rd::at(rd::record::kLane, 5, rd::field::kLaneFecCorrectedLo);
  const std::size_t hi = rd::at(rd::record::kLane, 5, rd::field::kLaneFecCorrectedHi);
  for (auto _ : state) benchmark::DoNotOptimize((std::uint64_t{bar.read32(hi)} << 32) | bar.read32(lo));
}
BENCHMARK(BM_RawBarReadLaneFecCorrected);

void BM_DriverLaneTelemetry(benchmark::State& state) {
  cpo::Driver& driver = *rig().driver;
  for (auto _ : state) {
    auto r = driver.lane_telemetry(cpo::LaneId(149));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_DriverLaneTelemetry);

void BM_SnapshotUnit(benchmark::State& state) {
  cpo::Driver& driver = *rig().driver;
  cpo::UnitTelemetry t;
  for (auto _ : state) {
    cpo::Status s = driver.read_telemetry(cpo::UnitId(1), t);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SnapshotUnit)->Unit(benchmark::kMicrosecond);

void BM_SnapshotCpo144(benchmark::State& state) {
  cpo::Driver& driver = *rig().driver;
  cpo::Telemetry t;
  for (auto _ : state) {
    cpo::Status s = cpo::read_all_telemetry(driver, 4, t);
    benchmark::DoNotOptimize(s);
  }
  state.counters["ports"] = 144;
  state.counters["lanes"] = 576;
}
BENCHMARK(BM_SnapshotCpo144)->Unit(benchmark::kMicrosecond);

// The same reads on the in-process simulator's window (virtual time).
struct Cpo144OnSim {
  Cpo144OnSim() {
    auto sw = cpo::sim::Switch::create();
    if (!sw.ok()) {
      std::fprintf(stderr, "bench_driver: %s\n", sw.status().to_string().c_str());
      std::abort();
    }
    sim = std::move(*sw);
    for (std::size_t u = 0; u < sim->unit_count(); ++u) bars.push_back(&sim->bar(u));
    auto d = cpo::reference::ReferenceDriver::open(sim->platform(), bars);
    if (!d.ok()) {
      std::fprintf(stderr, "bench_driver: %s\n", d.status().to_string().c_str());
      std::abort();
    }
    driver = std::move(*d);
  }
  std::unique_ptr<cpo::sim::Switch> sim;
  std::vector<cpo::Bar*> bars;
  std::unique_ptr<cpo::reference::ReferenceDriver> driver;
};

Cpo144OnSim& sim_rig() {
  static Cpo144OnSim r;
  return r;
}

void BM_SimRawBarReadOperMask(benchmark::State& state) {
  cpo::Bar& bar = *sim_rig().bars[1];
  const std::size_t off = rd::at(rd::record::kPort, 1, rd::field::kPortOperMask);
  for (auto _ : state) benchmark::DoNotOptimize(bar.read32(off));
}
BENCHMARK(BM_SimRawBarReadOperMask);

void BM_SimDriverOperState(benchmark::State& state) {
  cpo::Driver& driver = *sim_rig().driver;
  for (auto _ : state) {
    auto r = driver.oper_state(cpo::PortId(37));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SimDriverOperState);

void BM_SimDriverOperStateProbe(benchmark::State& state) {
  auto probe = sim_rig().driver->oper_state_probe(cpo::PortId(37));
  if (!probe.ok()) return state.SkipWithError(probe.status().to_string().c_str());
  for (auto _ : state) {
    auto r = probe->read();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_SimDriverOperStateProbe);

void BM_SimSnapshotCpo144(benchmark::State& state) {
  cpo::Driver& driver = *sim_rig().driver;
  cpo::Telemetry t;
  for (auto _ : state) {
    cpo::Status s = cpo::read_all_telemetry(driver, 4, t);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SimSnapshotCpo144)->Unit(benchmark::kMicrosecond);

// Counts the 32-bit register reads a driver makes; everything else, the DMA region
// included, passes through to the simulator's Bar.
class CountingBar final : public cpo::Bar {
 public:
  explicit CountingBar(cpo::Bar& inner) : inner_(inner) {}
  [[nodiscard]] std::size_t size() const noexcept override { return inner_.size(); }
  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override {
    reads.fetch_add(1, std::memory_order_relaxed);
    return inner_.read32(offset);
  }
  void write32(std::size_t offset, std::uint32_t value) noexcept override { inner_.write32(offset, value); }
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override { return inner_.now(); }
  void wait(std::chrono::nanoseconds d) noexcept override { inner_.wait(d); }
  [[nodiscard]] DmaRegion dma_region() const noexcept override { return inner_.dma_region(); }
  mutable std::atomic<std::uint64_t> reads{0};

 private:
  cpo::Bar& inner_;
};

// state.range(0): 1 = default Options (the snapshot channel, refdev 1.3), 0 = register reads
// (status_snapshot off); state.range(1): 1 = every port's received power changes before each
// sweep, 0 = a steady switch.
void BM_SweepReads(benchmark::State& state) {
  auto sw = cpo::sim::Switch::create();
  if (!sw.ok()) return state.SkipWithError(sw.status().to_string().c_str());
  std::vector<std::unique_ptr<CountingBar>> counting;
  std::vector<cpo::Bar*> bars;
  for (std::size_t u = 0; u < (*sw)->unit_count(); ++u) {
    counting.push_back(std::make_unique<CountingBar>((*sw)->bar(u)));
    bars.push_back(counting.back().get());
  }
  cpo::reference::Options options;  // the defaults
  if (state.range(0) == 0) options.status_snapshot = false;
  auto d = cpo::reference::ReferenceDriver::open((*sw)->platform(), bars, options);
  if (!d.ok()) return state.SkipWithError(d.status().to_string().c_str());
  const bool changing = state.range(1) != 0;
  const auto total = [&] {
    std::uint64_t n = 0;
    for (const auto& c : counting) n += c->reads.load();
    return n;
  };
  cpo::Telemetry t;
  std::uint64_t reads = 0, sweeps = 0;
  for (auto _ : state) {
    if (changing) {
      state.PauseTiming();
      const double loss = 1.0 + 0.1 * static_cast<double>(sweeps % 5);
      for (std::uint32_t p = 0; p < 144; ++p) {
        if (!(*sw)->backdoor().set_fiber_loss(cpo::PortId(p), -1, cpo::Decibels(loss)).ok()) {
          return state.SkipWithError("set_fiber_loss failed");
        }
      }
      (*sw)->advance(std::chrono::milliseconds(100));
      state.ResumeTiming();
    }
    const std::uint64_t before = total();
    cpo::Status s = cpo::read_all_telemetry(**d, 4, t);
    if (!s.ok()) return state.SkipWithError(s.to_string().c_str());
    reads += total() - before;
    ++sweeps;
  }
  state.counters["reads_per_sweep"] = static_cast<double>(reads) / static_cast<double>(sweeps);
}
BENCHMARK(BM_SweepReads)
    ->ArgNames({"default_options", "all_ports_change"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Unit(benchmark::kMicrosecond);

void BM_DriverReadEventsEmpty(benchmark::State& state) {
  cpo::Driver& driver = *rig().driver;
  std::vector<cpo::Event> out;
  for (auto _ : state) {
    out.clear();
    cpo::Status s = driver.read_events(out);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_DriverReadEventsEmpty);

}  // namespace
