// bench_sim: cost of the simulator. Targets (docs/performance.md): advancing one cpo144 switch
// by 1 s of virtual time under 1 ms of CPU; a 16-switch fabric under 16 MiB resident memory
// per switch.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
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

// CPU time of this process, seconds.
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
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

// One mailbox command on one switch of a fabric of N cpo144 switches (cabled in pairs, every
// port up): its CPU cost must not grow with N (the simulator settles only what a command
// touches). Counters: command_cpu_us (one PortAdmin toggle, the command and the link's
// retraining it causes), bring_up_cpu_ms_per_switch (create, cable, every port up, settle).
void BM_CommandCpu(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const double cpu0 = cpu_seconds();
  cpo::sim::Fabric fabric;
  std::vector<cpo::sim::Switch*> sws;
  for (std::size_t i = 0; i < n; ++i) {
    cpo::sim::SimOptions o;
    o.seed = i + 1;
    auto s = fabric.add(o);
    if (!s.ok()) {
      state.SkipWithError(s.status().to_string().c_str());
      return;
    }
    sws.push_back(*s);
  }
  for (std::size_t i = 0; i + 1 < sws.size(); i += 2)
    for (std::uint32_t p = 0; p < 144; ++p) (void)fabric.connect(*sws[i], cpo::PortId(p), *sws[i + 1], cpo::PortId(p));
  for (auto* s : sws)
    for (std::size_t u = 0; u < s->unit_count(); ++u) bring_up(s->bar(u));
  fabric.advance(2s);
  const double bring_up_s = cpu_seconds() - cpu0;
  cpo::Bar& bar = sws[0]->bar(0);
  std::uint32_t tag = bar.read32(rd::reg::kMbxDoorbell);
  std::uint32_t admin = 0;
  double cpu = 0;
  std::int64_t commands = 0;
  for (auto _ : state) {
    const double t0 = cpu_seconds();
    bar.write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(rd::Opcode::kPortAdmin));
    bar.write32(rd::mbx_arg(0), 0);
    bar.write32(rd::mbx_arg(1), rd::kAllSubports);
    bar.write32(rd::mbx_arg(2), admin);
    bar.write32(rd::reg::kMbxDoorbell, ++tag);
    while (bar.read32(rd::reg::kMbxCompTag) != tag) bar.wait(100us);
    cpu += cpu_seconds() - t0;
    ++commands;
    admin ^= 1u;
  }
  state.counters["switches"] = static_cast<double>(n);
  state.counters["command_cpu_us"] = cpu / static_cast<double>(commands) * 1e6;
  state.counters["bring_up_cpu_ms_per_switch"] = bring_up_s / static_cast<double>(n) * 1e3;
  state.counters["rss_mib_per_switch"] = rss_bytes() / static_cast<double>(n) / (1024.0 * 1024.0);
}
BENCHMARK(BM_CommandCpu)->Arg(1)->Arg(16)->Arg(256)->Unit(benchmark::kMicrosecond)->Iterations(200);

// A fabric from a topology file (CPOSDK_TOPOLOGY, e.g. the 100k-GPU three-tier fabric from
// scripts/gen-topology), skipped when unset. Optics up, ports admin down (traffic-free
// physics), one laser failure per virtual second on a different switch. Counters:
// realtime_factor (virtual seconds per wall second), load_s (building it), rss_mib_total,
// rss_mib_per_switch, switches.
void BM_FabricFromTopology(benchmark::State& state) {
  const char* path = std::getenv("CPOSDK_TOPOLOGY");
  if (path == nullptr || *path == 0) {
    state.SkipWithError("CPOSDK_TOPOLOGY not set (scripts/gen-topology -o FILE)");
    return;
  }
  const auto w0 = std::chrono::steady_clock::now();
  cpo::sim::Fabric fabric;
  const cpo::Status st = fabric.load_topology(path);
  if (!st.ok()) {
    state.SkipWithError(st.to_string().c_str());
    return;
  }
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  fabric.advance(1s);
  double wall = 0, virt = 0;
  std::size_t victim = 0;
  for (auto _ : state) {
    cpo::sim::Switch& sw = fabric.at(victim % fabric.size());
    const auto& lasers = sw.platform().lanes();
    (void)sw.backdoor().fail_laser(lasers[(victim * 37) % lasers.size()].laser);
    victim += 7919;
    const auto t0 = std::chrono::steady_clock::now();
    fabric.advance(1s);
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    virt += 1.0;
  }
  state.counters["switches"] = static_cast<double>(fabric.size());
  state.counters["realtime_factor"] = virt / wall;
  state.counters["load_s"] = load_s;
  state.counters["rss_mib_total"] = rss_bytes() / (1024.0 * 1024.0);
  state.counters["rss_mib_per_switch"] = rss_bytes() / static_cast<double>(fabric.size()) / (1024.0 * 1024.0);
}
BENCHMARK(BM_FabricFromTopology)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
