// cpo-simd and cpo-exporter: what a command costs through the daemon against the in-process
// simulator, and what one scrape of a 144-port switch costs the exporter.
//
// A real cpo-simd process (virtual clock unless the name says real) serves a socket in a
// scratch directory. Command latency is wall time per PortAdmin through the facade (the
// reference driver's mailbox round trip: a ring and a wait, each a message to the daemon);
// the ratio benchmark runs both back to back and reports simd/sim; BM_TwoSwitchClients runs
// clients of two switches of one daemon beside each other (parallel_speedup). The scrape
// benchmarks run the exporter's scrape in this process (CPU time) and a real cpo-exporter
// process (its own CPU from /proc, over many HTTP scrapes).
#include <benchmark/benchmark.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include <httplib.h>

#include "../tests/support/daemon_process.h"
#include "cpo/sdk/switch.h"
#include "exporter.h"

namespace {

using cpo::testing::DaemonProcess;
using cpo::testing::ScratchDir;

// One daemon per clock mode, started on first use, stopped at exit.
struct Daemon {
  explicit Daemon(const std::string& clock) {
    socket = (dir.path() / "sw0.sock").string();
    std::string error;
    process = DaemonProcess::start(
        CPO_SIMD_PATH, {"--foreground", "--clock", clock, "--log-level", "warn", "--socket", socket}, {}, &error);
    if (!process) (void)std::fprintf(stderr, "bench_simd: %s\n", error.c_str());
  }
  ~Daemon() {
    if (process) process->stop(SIGTERM);
  }
  [[nodiscard]] std::string uri() const { return "simd://" + socket; }
  ScratchDir dir;
  std::string socket;
  std::unique_ptr<DaemonProcess> process;
};

Daemon& daemon_for(const std::string& clock) {
  static Daemon virtual_daemon("virtual");
  static Daemon real_daemon("real");
  return clock == "real" ? real_daemon : virtual_daemon;
}

std::unique_ptr<cpo::Switch> open(const std::string& uri) {
  auto sw = cpo::Switch::open(uri);
  if (!sw) {
    (void)std::fprintf(stderr, "bench_simd: %s\n", sw.status().to_string().c_str());
    std::abort();
  }
  return std::move(sw).value();
}

// PortAdmin up then down: two commands per iteration.
void toggle(cpo::Switch& sw, benchmark::State& state) {
  if (!sw.set_admin(cpo::PortId(140), cpo::AdminState::up).ok() ||
      !sw.set_admin(cpo::PortId(140), cpo::AdminState::down).ok()) {
    state.SkipWithError("set_admin failed");
  }
}

void BM_PortAdmin_sim(benchmark::State& state) {
  auto sw = open("sim://cpo144");
  for (auto _ : state) toggle(*sw, state);
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_PortAdmin_sim)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_PortAdmin_simd(benchmark::State& state) {
  auto sw = open(daemon_for("virtual").uri());
  for (auto _ : state) toggle(*sw, state);
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_PortAdmin_simd)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The daemon on the real-time clock: the firmware serves doorbells every 200 us and the
// command takes its documented 100 us, so this is dominated by device time, as on hardware.
void BM_PortAdmin_simd_realclock(benchmark::State& state) {
  auto sw = open(daemon_for("real").uri());
  for (auto _ : state) toggle(*sw, state);
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_PortAdmin_simd_realclock)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Both transports back to back in one run: the counter ratio is simd time / sim time.
void BM_PortAdmin_ratio(benchmark::State& state) {
  auto sim = open("sim://cpo144");
  auto simd = open(daemon_for("virtual").uri());
  constexpr int kRounds = 200;
  double sim_s = 0, simd_s = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) toggle(*sim, state);
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) toggle(*simd, state);
    auto t2 = std::chrono::steady_clock::now();
    sim_s += std::chrono::duration<double>(t1 - t0).count();
    simd_s += std::chrono::duration<double>(t2 - t1).count();
  }
  const double commands = 2.0 * kRounds * static_cast<double>(state.iterations());
  state.counters["sim_us"] = sim_s / commands * 1e6;
  state.counters["simd_us"] = simd_s / commands * 1e6;
  state.counters["ratio"] = simd_s / sim_s;
}
BENCHMARK(BM_PortAdmin_ratio)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// utime + stime of a process, from /proc/PID/stat (clock-tick granularity).
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A daemon serving two switches no fiber joins (two simulator worlds), virtual clock.
struct TwoSwitchDaemon {
  TwoSwitchDaemon() {
    const auto topology = dir.path() / "two.json";
    std::ofstream(topology) << R"({"cposdk_topology": 1, "switches": [{"name": "a"}, {"name": "b", "seed": 2}]})";
    std::string error;
    process = DaemonProcess::start(CPO_SIMD_PATH,
                                   {"--foreground", "--clock", "virtual", "--log-level", "warn", "--topology",
                                    topology.string(), "--socket-dir", dir.path().string()},
                                   {}, &error);
    if (!process) (void)std::fprintf(stderr, "bench_simd: %s\n", error.c_str());
  }
  ~TwoSwitchDaemon() {
    if (process) process->stop(SIGTERM);
  }
  [[nodiscard]] std::string uri(const std::string& name) const {
    return "simd://" + (dir.path() / (name + ".sock")).string();
  }
  ScratchDir dir;
  std::unique_ptr<DaemonProcess> process;
};

// Clients of different switches of one daemon. Per thread, `rounds` of: PortAdmin up and down
// of port 140 (two commands), then, when `dwell_ms` > 0, ports 0..15 up, a wait of dwell_ms
// (link training and the links' physics run in the daemon), ports 0..15 down. One thread runs
// its rounds on switch a alone, then two threads run the same each on its own switch at once.
// parallel_speedup = 2 x (one thread's wall time) / (two threads' wall time): 2 when the two
// run fully beside each other on 2 cores, 1 when they take turns.
void BM_TwoSwitchClients(benchmark::State& state) {
  static TwoSwitchDaemon daemon;
  if (!daemon.process) {
    state.SkipWithError("cpo-simd did not start");
    return;
  }
  auto a = open(daemon.uri("a"));
  auto b = open(daemon.uri("b"));
  const auto rounds = static_cast<int>(state.range(0));
  const auto dwell = std::chrono::milliseconds(state.range(1));
  std::atomic<bool> failed{false};
  auto admin = [&](cpo::Switch& sw, std::uint32_t first, std::uint32_t count, cpo::AdminState to) {
    for (std::uint32_t p = first; p < first + count; ++p) {
      if (!sw.set_admin(cpo::PortId(p), to).ok()) failed = true;
    }
  };
  auto run = [&](cpo::Switch& sw) {
    for (int i = 0; i < rounds; ++i) {
      admin(sw, 140, 1, cpo::AdminState::up);
      admin(sw, 140, 1, cpo::AdminState::down);
      if (dwell.count() > 0) {
        admin(sw, 0, 16, cpo::AdminState::up);
        sw.sleep_for(dwell);
        admin(sw, 0, 16, cpo::AdminState::down);
      }
    }
  };
  run(*a);  // warm: both switches' first commands out of the timing
  run(*b);
  double one_s = 0, two_s = 0, daemon_two_s = 0;
  for (auto _ : state) {
    // Both phases on fresh threads, so neither inherits the other's placement on the cores.
    const auto t0 = std::chrono::steady_clock::now();
    std::thread([&] { run(*a); }).join();
    const auto t1 = std::chrono::steady_clock::now();
    const double cpu1 = process_cpu_seconds(daemon.process->pid());
    std::thread first([&] { run(*a); });
    std::thread second([&] { run(*b); });
    first.join();
    second.join();
    const auto t2 = std::chrono::steady_clock::now();
    daemon_two_s += process_cpu_seconds(daemon.process->pid()) - cpu1;
    one_s += std::chrono::duration<double>(t1 - t0).count();
    two_s += std::chrono::duration<double>(t2 - t1).count();
  }
  if (failed) state.SkipWithError("set_admin failed");
  const double iterations = static_cast<double>(state.iterations());
  state.counters["one_thread_ms"] = one_s / iterations * 1e3;
  state.counters["two_threads_ms"] = two_s / iterations * 1e3;
  state.counters["parallel_speedup"] = 2.0 * one_s / two_s;
  // The daemon's CPU for the two threads' work: the simulator work a wait costs, which the
  // machine's other load does not change (the cores' sharing does not enter it).
  state.counters["daemon_cpu_two_threads_ms"] = daemon_two_s / iterations * 1e3;
}
BENCHMARK(BM_TwoSwitchClients)
    ->ArgNames({"rounds", "dwell_ms"})
    ->Args({1000, 0})
    ->Args({60, 1500})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

// One scrape (one snapshot, the Prometheus rendering) of a 144-port switch through simd://,
// every port up, in this process: the exporter's CPU per scrape.
void BM_ExporterScrape144(benchmark::State& state) {
  {
    auto sw = open(daemon_for("virtual").uri());
    for (const auto& p : sw->platform().ports()) (void)sw->set_admin(p.id, cpo::AdminState::up);
    sw->sleep_for(std::chrono::seconds(3));
  }
  auto exporter = cpo::exporter::Exporter::open({{"sw0", daemon_for("virtual").uri()}});
  if (!exporter) {
    state.SkipWithError(exporter.status().to_string().c_str());
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) bytes = (*exporter)->scrape().size();
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ExporterScrape144)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// CPU of a real cpo-exporter process per HTTP scrape of a 144-port switch, from its
// /proc/PID/stat (utime + stime) over `kScrapes` scrapes.
void BM_ExporterProcessCpuPerScrape144(benchmark::State& state) {
  DaemonProcess::Options ready;
  ready.ready = DaemonProcess::Ready::stdout_line;
  ready.stdout_marker = "serving http://";
  std::string error;
  auto exporter = DaemonProcess::start(
      CPO_EXPORTER_PATH, {"--device", "sw0=" + daemon_for("virtual").uri(), "--listen", "127.0.0.1:0"}, ready, &error);
  if (!exporter) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::smatch m;
  const std::string out = exporter->out();
  if (!std::regex_search(out, m, std::regex(":([0-9]+)/metrics"))) {
    state.SkipWithError("no port");
    return;
  }
  httplib::Client client("127.0.0.1", std::stoi(m[1]));
  constexpr int kScrapes = 300;
  double cpu = 0;
  for (auto _ : state) {
    const double before = process_cpu_seconds(exporter->pid());
    for (int i = 0; i < kScrapes; ++i) {
      auto r = client.Get("/metrics", {{"Accept-Encoding", "gzip"}});
      if (!r || r->status != 200) state.SkipWithError("scrape failed");
    }
    cpu += process_cpu_seconds(exporter->pid()) - before;
  }
  state.counters["exporter_cpu_ms_per_scrape"] = cpu * 1e3 / (kScrapes * static_cast<double>(state.iterations()));
  exporter->stop(SIGTERM);
}
BENCHMARK(BM_ExporterProcessCpuPerScrape144)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
