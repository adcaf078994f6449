// bench_sim: cost of the simulator. Targets (docs/performance.md): advancing one cpo144 switch
// by 1 s of virtual time under 1 ms of CPU; a 16-switch fabric under 16 MiB resident memory
// per switch.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <vector>

#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/sim/simulator.h"

namespace {

namespace rd = cpo::refdev;
using namespace std::chrono_literals;

// Resident set size of this process, bytes (/proc/self/statm field 2, in pages).
double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

// Every port admin up through the mailbox, links trained: the busy steady state.
void bring_up(cpo::Bar& bar) {
  std::uint32_t tag = bar.read32(rd::reg::kMbxDoorbell);
  const std::uint32_t ports = bar.read32(rd::reg::kPortCount);
  for (std::uint32_t p = 0; p < ports; ++p) {
    bar.write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(rd::Opcode::kPortAdmin));
    bar.write32(rd::mbx_arg(0), p);
    bar.write32(rd::mbx_arg(1), rd::kAllSubports);
    bar.write32(rd::mbx_arg(2), 1);
    bar.write32(rd::reg::kMbxDoorbell, ++tag);
    while (bar.read32(rd::reg::kMbxCompTag) != tag) bar.wait(100us);
  }
}

void BM_AdvanceCpo144OneSecond(benchmark::State& state) {
  auto sw = cpo::sim::Switch::create({});
  if (!sw.ok()) {
    state.SkipWithError(sw.status().to_string().c_str());
    return;
  }
  for (std::size_t u = 0; u < (*sw)->unit_count(); ++u) bring_up((*sw)->bar(u));
  (*sw)->advance(2s);
  for (auto _ : state) (*sw)->advance(1s);
  state.counters["virtual_s"] = benchmark::Counter(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_AdvanceCpo144OneSecond)->Unit(benchmark::kMicrosecond);

void BM_Fabric16Switches(benchmark::State& state) {
  const double before = rss_bytes();
  cpo::sim::Fabric fabric;
  std::vector<cpo::sim::Switch*> sws;
  for (std::uint64_t i = 0; i < 16; ++i) {
    cpo::sim::SimOptions o;
    o.seed = i + 1;
    auto s = fabric.add(o);
    if (!s.ok()) {
      state.SkipWithError(s.status().to_string().c_str());
      return;
    }
    sws.push_back(*s);
  }
  // Pairs of switches cabled port to port; the rest keep loopback plugs.
  for (std::size_t i = 0; i + 1 < sws.size(); i += 2)
    for (std::uint32_t p = 0; p < 144; ++p) (void)fabric.connect(*sws[i], cpo::PortId(p), *sws[i + 1], cpo::PortId(p));
  for (auto* s : sws)
    for (std::size_t u = 0; u < s->unit_count(); ++u) bring_up(s->bar(u));
  fabric.advance(2s);
  for (auto _ : state) fabric.advance(1s);
  const double after = rss_bytes();
  // Whole-process RSS over 16 is an upper bound that stays right under repetitions (freed
  // memory is reused, so growth alone reads near zero after the first run).
  state.counters["rss_mib_per_switch"] = after / 16.0 / (1024.0 * 1024.0);
  state.counters["rss_growth_mib_per_switch"] = (after - before) / 16.0 / (1024.0 * 1024.0);
  state.counters["rss_mib_total"] = after / (1024.0 * 1024.0);
}
BENCHMARK(BM_Fabric16Switches)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
