// bench_sim: cost of the simulator. Targets (docs/performance.md, issue 11): one cpo144 switch
// advancing 1 s of virtual time under 1 ms of CPU, steady and with a value changing on every
// port every 100 ms tick; one command's CPU the same within 20 % at 1, 16, 256 and 3,600
// switches; the 3,600-switch fabric of scripts/gen-topology at a real-time factor >= 1.0 in
// at most 6 GiB (1.5 MiB per cpo144 switch); commands on different switches running in
// parallel (parallel_speedup).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <thread>
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

// One mailbox command on `bar`, waited for on the virtual clock; its completion code.
std::uint32_t command(cpo::Bar& bar, rd::Opcode op, std::initializer_list<std::uint32_t> args,
                      std::initializer_list<std::uint32_t> data = {}) {
  const std::uint32_t tag = bar.read32(rd::reg::kMbxDoorbell) + 1;
  bar.write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(op));
  std::size_t i = 0;
  for (const std::uint32_t a : args) bar.write32(rd::mbx_arg(i++), a);
  i = 0;
  for (const std::uint32_t d : data) bar.write32(rd::mbx_data_word(i++), d);
  bar.write32(rd::reg::kMbxDoorbell, tag);
  // The command's documented latency first, then polls (a driver does the same).
  bar.wait(rd::typical_latency(op));
  while (bar.read32(rd::reg::kMbxCompTag) != tag) bar.wait(100us);
  return bar.read32(rd::reg::kMbxCompCode);
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

// The same switch with a value changing on every port at every 100 ms tick: every laser in
// ACC (page 1Ah byte 140 bit 0 clear) so its output follows its temperature, and the coolant
// stepping between 30 and 35 degC every virtual second, so every laser's temperature, hence
// every lane's transmit and receive power, SNR, BER and FEC rates, moves at every tick.
void BM_AdvanceCpo144ChangingEveryTick(benchmark::State& state) {
  auto sw = cpo::sim::Switch::create({});
  if (!sw.ok()) {
    state.SkipWithError(sw.status().to_string().c_str());
    return;
  }
  for (std::size_t u = 0; u < (*sw)->unit_count(); ++u) {
    cpo::Bar& bar = (*sw)->bar(u);
    bring_up(bar);
    const std::uint32_t els = bar.read32(rd::reg::kElsCount);
    const std::uint32_t banks = (bar.read32(rd::reg::kLasersPerEls) + 7) / 8;
    // Page 1Ah byte 140 (offset 12 of the upper half page) = 0: ACC.
    for (std::uint32_t e = 0; e < els; ++e)
      for (std::uint32_t b = 0; b < banks; ++b)
        if (command(bar, rd::Opcode::kCmisWrite,
                    {static_cast<std::uint32_t>(rd::CmisTarget::kEls), e, b, 0x1A, 1, 12, 1}, {0}) != 0) {
          state.SkipWithError("CmisWrite of page 1Ah byte 140 failed");
          return;
        }
  }
  (*sw)->advance(2s);
  bool warm = false;
  for (auto _ : state) {
    warm = !warm;
    (void)(*sw)->backdoor().set_coolant_temperature(cpo::Celsius(warm ? 35.0 : 30.0));
    (*sw)->advance(1s);
  }
  state.counters["virtual_s"] = benchmark::Counter(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_AdvanceCpo144ChangingEveryTick)->Unit(benchmark::kMicrosecond);

// `n` cpo144 switches (seeds 1..n) cabled in pairs port to port from `first_cabled` to 143
// (lower ports keep their loopback plugs), every port brought up, 2 s settled. False (and the
// benchmark skipped) when a switch cannot be created.
bool paired_fabric(benchmark::State& state, cpo::sim::Fabric& fabric, std::size_t n, std::uint32_t first_cabled,
                   std::vector<cpo::sim::Switch*>& sws) {
  for (std::size_t i = 0; i < n; ++i) {
    cpo::sim::SimOptions o;
    o.seed = i + 1;
    auto s = fabric.add(o);
    if (!s.ok()) {
      state.SkipWithError(s.status().to_string().c_str());
      return false;
    }
    sws.push_back(*s);
  }
  for (std::size_t i = 0; i + 1 < sws.size(); i += 2)
    for (std::uint32_t p = first_cabled; p < 144; ++p)
      (void)fabric.connect(*sws[i], cpo::PortId(p), *sws[i + 1], cpo::PortId(p));
  for (auto* s : sws)
    for (std::size_t u = 0; u < s->unit_count(); ++u) bring_up(s->bar(u));
  fabric.advance(2s);
  return true;
}

void BM_Fabric16Switches(benchmark::State& state) {
  const double before = rss_bytes();
  cpo::sim::Fabric fabric;
  std::vector<cpo::sim::Switch*> sws;
  if (!paired_fabric(state, fabric, 16, 0, sws)) return;
  for (auto _ : state) fabric.advance(1s);
  const double after = rss_bytes();
  // Whole-process RSS over 16 is an upper bound that stays right under repetitions (freed
  // memory is reused, so growth alone reads near zero after the first run).
  state.counters["rss_mib_per_switch"] = after / 16.0 / (1024.0 * 1024.0);
  state.counters["rss_growth_mib_per_switch"] = (after - before) / 16.0 / (1024.0 * 1024.0);
  state.counters["rss_mib_total"] = after / (1024.0 * 1024.0);
}
BENCHMARK(BM_Fabric16Switches)->Unit(benchmark::kMillisecond)->Iterations(5);

// One mailbox command on one switch of a fabric of N cpo144 switches (cabled in pairs on ports
// 1..143, every port up): its CPU cost must not grow with N (the simulator settles only what a
// command touches). Port 0 keeps its loopback plug at every size, so the command's own work
// is the same whether the switch is alone or one of 3,600. Counters: command_cpu_us (one
// PortAdmin toggle of port 0 on switch 0 and its completion), command_cabled_cpu_us (the
// same on cabled port 1: the neighbour's link goes down too), bring_up_cpu_ms_per_switch
// (create, cable, every port up, settle), rss_mib_per_switch.
void BM_CommandCpu(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const double cpu0 = cpu_seconds();
  cpo::sim::Fabric fabric;
  std::vector<cpo::sim::Switch*> sws;
  if (!paired_fabric(state, fabric, n, 1, sws)) return;
  const double bring_up_s = cpu_seconds() - cpu0;
  cpo::Bar& bar = sws[0]->bar(0);
  std::uint32_t tag = bar.read32(rd::reg::kMbxDoorbell);
  std::uint32_t admin = 0;
  double cpu = 0;
  std::int64_t commands = 0;
  double own_cpu = 0;
  std::int64_t own_commands = 0;
  for (auto _ : state) {
    const std::uint32_t heartbeat = bar.read32(rd::reg::kHeartbeat);
    const double t0 = cpu_seconds();
    bar.write32(rd::reg::kMbxOpcode, static_cast<std::uint32_t>(rd::Opcode::kPortAdmin));
    bar.write32(rd::mbx_arg(0), 0);
    bar.write32(rd::mbx_arg(1), rd::kAllSubports);
    bar.write32(rd::mbx_arg(2), admin);
    bar.write32(rd::reg::kMbxDoorbell, ++tag);
    while (bar.read32(rd::reg::kMbxCompTag) != tag) bar.wait(100us);
    const double spent = cpu_seconds() - t0;
    cpu += spent;
    ++commands;
    // No firmware tick ran during this command (the heartbeat moves once per tick, for every
    // switch at the same virtual instant): its CPU is the command's alone.
    if (bar.read32(rd::reg::kHeartbeat) == heartbeat) {
      own_cpu += spent;
      ++own_commands;
    }
    admin ^= 1u;
  }
  double cabled = 0;
  for (int i = 0; i < 200; ++i) {
    const double t0 = cpu_seconds();
    (void)command(bar, rd::Opcode::kPortAdmin, {1, rd::kAllSubports, static_cast<std::uint32_t>(i % 2)});
    cabled += cpu_seconds() - t0;
  }
  state.counters["switches"] = static_cast<double>(n);
  state.counters["command_cpu_us"] = cpu / static_cast<double>(commands) * 1e6;
  state.counters["command_cabled_cpu_us"] = cabled / 200.0 * 1e6;
  state.counters["command_own_cpu_us"] = own_commands > 0 ? own_cpu / static_cast<double>(own_commands) * 1e6 : 0.0;
  // The firmware's 100 ms refresh of every switch, per switch (counters move on every port):
  // the cost of simulated time, spread over the commands that cross a tick.
  const double t0 = cpu_seconds();
  fabric.advance(1s);
  state.counters["tick_cpu_us_per_switch"] = (cpu_seconds() - t0) / 10.0 / static_cast<double>(n) * 1e6;
  state.counters["bring_up_cpu_ms_per_switch"] = bring_up_s / static_cast<double>(n) * 1e3;
  state.counters["rss_mib_per_switch"] = rss_bytes() / static_cast<double>(n) / (1024.0 * 1024.0);
}
BENCHMARK(BM_CommandCpu)->Arg(1)->Arg(16)->Arg(256)->Arg(3600)->Unit(benchmark::kMicrosecond)->Iterations(200);

// Commands on different switches in parallel: N = 1 and then 2 threads each drive their own
// switch of one 16-switch fabric (switches 0 and 8, of different cabled pairs) with PortAdmin
// toggles of cabled port 1 (the neighbour's links follow), in wall time. Counters:
// commands_per_s_1 / commands_per_s_2 (all threads together) and parallel_speedup, their
// ratio in the same run. Args: the fabric's workers (-1: the default, min(hardware threads,
// 8) - 1; 0: none, every instant on the advancing thread), and the cabling: 0, pairs only
// (eight worlds); 1, the pairs chained by port 0 (1-2, 3-4, ... 13-14: one world, the two
// switches eight fibers apart); 2, pairs only, and the threads drive units 0 and 1 of switch 0
// (their cabled local port 1: ports 1 and 37), so commands on different units of one switch
// (two units that share ELS 4, which PortAdmin does not write); 3, a pod of a Clos
// fabric instead of pairs (switches 0..7 leaves, 8..15 spines, leaf l's port 72 + s to spine
// s's port l, as scripts/gen-topology cables them) and the threads drive GPU-facing port 1
// (uncabled) of leaves 0 and 1, two fibers apart through every spine; 4, pairs only, and the
// threads read OE 0's page 11h (CmisRead, clearing its latched flags) through unit 0 of
// switches 0 and 1, the two ends of the same fibers, as a host stack polling both
// switches of a link does; 5, the Clos pod of 3, and the threads toggle uplinks of leaves 0
// and 1 to different spines (leaf 0's port 72 to spine 0, leaf 1's port 73 to spine 1): their
// uplink units share every spine's unit 0 through their other fibers, but a port's command
// writes only its own fibers' far ends.
void BM_ParallelCommands(benchmark::State& state) {
  const std::size_t workers =
      state.range(0) < 0 ? cpo::sim::Fabric::kAutoWorkers : static_cast<std::size_t>(state.range(0));
  cpo::sim::Fabric fabric(cpo::sim::ClockMode::virtual_time, workers);
  std::vector<cpo::sim::Switch*> sws;
  const bool clos = state.range(1) == 3 || state.range(1) == 5;
  if (!paired_fabric(state, fabric, 16, clos ? 144 : 1, sws)) return;
  if (clos)
    for (std::uint32_t l = 0; l < 8; ++l)
      for (std::uint32_t sp = 0; sp < 8; ++sp)
        (void)fabric.connect(*sws[l], cpo::PortId(72 + sp), *sws[8 + sp], cpo::PortId(l));
  if (state.range(1) == 1)
    for (std::size_t i = 1; i + 1 < sws.size(); i += 2)
      (void)fabric.connect(*sws[i], cpo::PortId(0), *sws[i + 1], cpo::PortId(0));
  fabric.advance(2s);
  constexpr int kCommands = 1000;
  double virt_per_command = 0;
  auto rate = [&](std::size_t threads) {
    std::vector<std::thread> ts;
    const auto v0 = fabric.now();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t k = 0; k < threads; ++k)
      ts.emplace_back([&, k] {
        const bool reads = state.range(1) == 4, uplinks = state.range(1) == 5;
        // Leaf k's port 72 + k: its unit 2's local port k.
        const std::size_t unit = state.range(1) == 2 ? k : uplinks ? 2 : 0;
        const auto port = static_cast<std::uint32_t>(uplinks ? k : 1);
        cpo::Bar& bar = sws[state.range(1) == 2 ? 0 : clos || reads ? k : 8 * k]->bar(unit);
        for (int i = 0; i < kCommands; ++i)
          if (reads)
            (void)command(bar, rd::Opcode::kCmisRead, {static_cast<std::uint32_t>(rd::CmisTarget::kOe), 0, 0, 0x11, 1});
          else
            (void)command(bar, rd::Opcode::kPortAdmin, {port, rd::kAllSubports, static_cast<std::uint32_t>(i % 2)});
      });
    for (auto& t : ts) t.join();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    virt_per_command =
        std::chrono::duration<double, std::micro>(fabric.now() - v0).count() / static_cast<double>(threads * kCommands);
    return static_cast<double>(threads * kCommands) / wall;
  };
  double one = 0, two = 0;
  for (auto _ : state) {
    one += rate(1);
    two += rate(2);
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["commands_per_s_1"] = one / n;
  state.counters["commands_per_s_2"] = two / n;
  state.counters["parallel_speedup"] = two / one;
  // Virtual time per command with 2 threads (the latest clock of the fabric over all
  // commands): 50 us when the two threads' commands overlap in virtual time (PortAdmin's
  // latency is 100 us), 100 us when they run one after the other.
  state.counters["virtual_us_per_command_2"] = virt_per_command;
}
BENCHMARK(BM_ParallelCommands)
    ->Args({-1, 0})
    ->Args({0, 0})
    ->Args({-1, 1})
    ->Args({0, 1})
    ->Args({-1, 2})
    ->Args({0, 2})
    ->Args({-1, 3})
    ->Args({0, 3})
    ->Args({-1, 4})
    ->Args({0, 4})
    ->Args({-1, 5})
    ->Args({0, 5})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

// A fabric from a topology file (CPOSDK_TOPOLOGY, e.g. the 100k-GPU three-tier fabric from
// scripts/gen-topology), skipped when unset. Optics up, ports admin down (traffic-free
// physics), one laser failure per virtual second on a different switch. The document is
// loaded twice, into a fabric with the default workers and one with none, and the two
// advance by turns. Counters: realtime_factor (virtual seconds per wall second, default
// workers), realtime_factor_inline (no workers), pool_ratio (the first over the second),
// load_s (building one), rss_mib_total and rss_mib_per_switch (one fabric), switches.
void BM_FabricFromTopology(benchmark::State& state) {
  const char* path = std::getenv("CPOSDK_TOPOLOGY");
  if (path == nullptr || *path == 0) {
    state.SkipWithError("CPOSDK_TOPOLOGY not set (scripts/gen-topology -o FILE)");
    return;
  }
  const auto w0 = std::chrono::steady_clock::now();
  cpo::sim::Fabric pooled;
  const cpo::Status st = pooled.load_topology(path);
  if (!st.ok()) {
    state.SkipWithError(st.to_string().c_str());
    return;
  }
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  pooled.advance(1s);
  const double rss_one = rss_bytes();
  cpo::sim::Fabric inline_fabric(cpo::sim::ClockMode::virtual_time, 0);
  if (const cpo::Status st2 = inline_fabric.load_topology(path); !st2.ok()) {
    state.SkipWithError(st2.to_string().c_str());
    return;
  }
  inline_fabric.advance(1s);
  std::size_t victim = 0;
  auto second = [&victim](cpo::sim::Fabric& fabric) {
    cpo::sim::Switch& sw = fabric.at(victim % fabric.size());
    const auto& lasers = sw.platform().lanes();
    (void)sw.backdoor().fail_laser(lasers[(victim * 37) % lasers.size()].laser);
    const auto t0 = std::chrono::steady_clock::now();
    fabric.advance(1s);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  double wall = 0, wall_inline = 0, virt = 0;
  for (auto _ : state) {
    wall += second(pooled);
    wall_inline += second(inline_fabric);
    victim += 7919;
    virt += 1.0;
  }
  state.counters["switches"] = static_cast<double>(pooled.size());
  state.counters["realtime_factor"] = virt / wall;
  state.counters["realtime_factor_inline"] = virt / wall_inline;
  state.counters["pool_ratio"] = wall_inline / wall;
  state.counters["load_s"] = load_s;
  state.counters["rss_mib_total"] = rss_one / (1024.0 * 1024.0);
  state.counters["rss_mib_per_switch"] = rss_one / static_cast<double>(pooled.size()) / (1024.0 * 1024.0);
}
BENCHMARK(BM_FabricFromTopology)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
