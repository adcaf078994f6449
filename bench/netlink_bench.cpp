// Host interfaces and the netlink driver against the kernel (docs/performance.md, "Netlink and
// host interfaces"). Needs root: a scratch namespace cposdk-bench-<pid> is made and deleted.
//
// BM_HostInterfaces_Create144Up: HostInterfaces::start on sim://cpo144 with every port admin
//   up: 144 taps created (TUNSETIFF), carrier set, brought up (RTM_NEWLINK), including the
//   snapshot it starts from. Tear-down is not timed.
// BM_IpBatch_Create144Up: the same netdev work by `ip -batch` (tuntap add + link set up, 144
//   each), one process, timed from spawn to exit, side by side in the same run.
// BM_NetlinkDriver_SetAdmin: one admin change of a veth through the netlink driver.
#include <cstdlib>
#include <fstream>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cpo/drivers/netlink/netlink_driver.h"
#include "cpo/sdk/hostif.h"
#include "cpo/sdk/switch.h"

namespace {

struct Namespace {
  Namespace() {
    name = fmt::format("cposdk-bench-{}", ::getpid());
    ok = ::geteuid() == 0 && std::system(fmt::format("ip netns add {}", name).c_str()) == 0;
  }
  ~Namespace() {
    if (ok) (void)std::system(fmt::format("ip netns del {}", name).c_str());
  }
  std::string name;
  bool ok = false;
};

Namespace& ns() {
  static Namespace n;
  return n;
}

void BM_HostInterfaces_Create144Up(benchmark::State& state) {
  if (!ns().ok) {
    state.SkipWithError("needs root (network namespace)");
    return;
  }
  auto sw = cpo::sdk::Switch::open("sim://cpo144?seed=11");
  if (!sw) {
    state.SkipWithError(sw.status().to_string().c_str());
    return;
  }
  for (const auto& p : (*sw)->platform().ports()) (void)(*sw)->set_admin(p.id, cpo::AdminState::up);
  cpo::sdk::HostInterfaceOptions options;
  options.netns = ns().name;
  options.period = std::chrono::milliseconds(10000);
  for (auto _ : state) {
    auto h = cpo::sdk::HostInterfaces::start(**sw, options);
    if (!h) {
      state.SkipWithError(h.status().to_string().c_str());
      return;
    }
    state.PauseTiming();
    h->reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_HostInterfaces_Create144Up)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_IpBatch_Create144Up(benchmark::State& state) {
  if (!ns().ok) {
    state.SkipWithError("needs root (network namespace)");
    return;
  }
  const std::string add = fmt::format("/tmp/cposdk-bench-add-{}", ::getpid());
  const std::string del = fmt::format("/tmp/cposdk-bench-del-{}", ::getpid());
  {
    std::ofstream a(add), d(del);
    for (int p = 0; p < 144; ++p) a << fmt::format("tuntap add dev Ethernet{} mode tap\n", 4 * p);
    for (int p = 0; p < 144; ++p) a << fmt::format("link set Ethernet{} up\n", 4 * p);
    for (int p = 0; p < 144; ++p) d << fmt::format("link del Ethernet{}\n", 4 * p);
  }
  const std::string run_add = fmt::format("ip -n {} -batch {}", ns().name, add);
  const std::string run_del = fmt::format("ip -n {} -batch {}", ns().name, del);
  for (auto _ : state) {
    if (std::system(run_add.c_str()) != 0) {
      state.SkipWithError("ip -batch failed");
      break;
    }
    state.PauseTiming();
    (void)std::system(run_del.c_str());
    state.ResumeTiming();
  }
  std::remove(add.c_str());
  std::remove(del.c_str());
}
BENCHMARK(BM_IpBatch_Create144Up)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_NetlinkDriver_SetAdmin(benchmark::State& state) {
  if (!ns().ok ||
      std::system(fmt::format("ip -n {} link add swp1 type veth peer name peer1", ns().name).c_str()) != 0) {
    state.SkipWithError("needs root (network namespace, veth)");
    return;
  }
  cpo::netlink::Options o;
  o.netns = ns().name;
  auto d = cpo::netlink::NetlinkDriver::open(o);
  if (!d) {
    state.SkipWithError(d.status().to_string().c_str());
    return;
  }
  bool up = false;
  for (auto _ : state) {
    up = !up;
    if (!(*d)->set_admin_state(cpo::PortId(0), up ? cpo::AdminState::up : cpo::AdminState::down).ok()) {
      state.SkipWithError("set_admin_state failed");
      break;
    }
  }
  (void)std::system(fmt::format("ip -n {} link del swp1", ns().name).c_str());
}
BENCHMARK(BM_NetlinkDriver_SetAdmin)->Unit(benchmark::kMicrosecond);

}  // namespace
