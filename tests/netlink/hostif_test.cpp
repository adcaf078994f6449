// Host interfaces over the simulator (sim://cpo144) in a scratch namespace, checked with
// `ip -j link` as a NOS would see them.
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../support/status_matchers.h"
#include "cpo/hal/mutex.h"
#include "cpo/sdk/hostif.h"
#include "cpo/sdk/mock_switch.h"
#include "cpo/sdk/switch.h"
#include "netns_rig.h"

namespace cpo::sdk {
namespace {

using cpo::testing::NetnsRig;
using namespace std::chrono_literals;

nlohmann::json links(const NetnsRig& rig) {
  auto j = nlohmann::json::parse(rig.ip("-j link show").out, nullptr, false);
  return j.is_array() ? j : nlohmann::json::array();
}

std::set<std::string> names(const NetnsRig& rig) {
  std::set<std::string> out;
  for (const auto& l : links(rig))
    if (l["ifname"] != "lo") out.insert(l["ifname"].get<std::string>());
  return out;
}

nlohmann::json link(const NetnsRig& rig, const std::string& name) {
  for (const auto& l : links(rig))
    if (l["ifname"] == name) return l;
  return {};
}

bool has_flag(const nlohmann::json& l, const std::string& flag) {
  if (!l.contains("flags")) return false;
  for (const auto& f : l["flags"])
    if (f == flag) return true;
  return false;
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 3000ms) {
  for (auto t = 0ms; t < limit; t += 10ms) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

TEST(HostInterfaces, ATapPerLogicalPortFollowingTheSimulatedSwitch) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root (network namespace, /dev/net/tun)";
  NetnsRig rig(0);
  ASSERT_TRUE(rig.ok());
  auto sw = Switch::open("sim://cpo144?seed=11");
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  HostInterfaceOptions options;
  options.netns = rig.name();
  options.period = 50ms;
  auto hostif = HostInterfaces::start(**sw, options);
  ASSERT_TRUE(hostif.ok()) << hostif.status().to_string();

  // 144 interfaces with SONiC's names: Ethernet<first lane>.
  std::set<std::string> expected;
  for (int p = 0; p < 144; ++p) expected.insert(fmt::format("Ethernet{}", 4 * p));
  EXPECT_EQ(names(rig), expected);
  EXPECT_EQ((*hostif)->interfaces().size(), 144u);
  EXPECT_EQ(link(rig, "Ethernet4")["link_type"], "ether");

  // Breakout of port 1 to 4x200G: Ethernet4..Ethernet7.
  auto split = (*sw)->breakout("1", "4x200G");
  ASSERT_TRUE(split.ok()) << split.status().to_string();
  ASSERT_TRUE((*hostif)->sync().ok());
  for (int s = 5; s < 8; ++s) expected.insert(fmt::format("Ethernet{}", s));
  EXPECT_EQ(names(rig), expected);

  // Port 0 admin up through the facade: its interface comes up with carrier.
  ASSERT_TRUE((*sw)->set_admin(PortId(0), AdminState::up).ok());
  (*sw)->sleep_for(3s);
  ASSERT_EQ((*sw)->port(PortId(0))->oper(), OperState::up);
  EXPECT_TRUE(eventually([&] {
    const auto l = link(rig, "Ethernet0");
    return has_flag(l, "UP") && !has_flag(l, "NO-CARRIER") && l["operstate"] == "UP";
  })) << link(rig, "Ethernet0").dump();

  // A fiber cut drops the carrier `ip -j link` shows.
  ASSERT_TRUE((*sw)->simulator()->cut_port_fiber(PortId(0)).ok());
  (*sw)->sleep_for(1s);
  EXPECT_TRUE(eventually([&] { return has_flag(link(rig, "Ethernet0"), "NO-CARRIER"); }))
      << link(rig, "Ethernet0").dump();

  // `ip link set ... up/down` in the namespace reaches the simulated port.
  ASSERT_EQ(rig.ip("link set Ethernet8 up").exit_code, 0);
  EXPECT_TRUE(eventually([&] { return (*sw)->port(PortId(2))->admin() == AdminState::up; }));
  ASSERT_EQ(rig.ip("link set Ethernet8 down").exit_code, 0);
  EXPECT_TRUE(eventually([&] { return (*sw)->port(PortId(2))->admin() == AdminState::down; }));

  // Closing removes them all.
  hostif->reset();
  EXPECT_TRUE(names(rig).empty());
}

TEST(HostInterfaces, RefusesANameThatExistsAndLeavesNothing) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig rig(0);
  ASSERT_TRUE(rig.ok());
  ASSERT_EQ(rig.ip("link add Ethernet8 type veth peer name other8").exit_code, 0);
  auto sw = Switch::open("sim://cpo144?seed=11");
  ASSERT_TRUE(sw.ok());
  HostInterfaceOptions options;
  options.netns = rig.name();
  EXPECT_STATUS(HostInterfaces::start(**sw, options).status(), Code::already_exists, "Ethernet8");
  EXPECT_EQ(names(rig), (std::set<std::string>{"Ethernet8", "other8"}));
  options.netns = "cposdk-no-such-namespace";
  EXPECT_STATUS(HostInterfaces::start(**sw, options).status(), Code::not_found, "ip netns add");
  options.netns = rig.name();
  options.pattern = "Ethernet";
  EXPECT_STATUS(HostInterfaces::start(**sw, options).status(), Code::invalid_argument, "{N}");
  options.pattern = "VeryLongPrefixX{N}";
  EXPECT_STATUS(HostInterfaces::start(**sw, options).status(), Code::invalid_argument, "1..15 characters");
}

// MTU both ways between a switch and its interfaces. Runs over any backend with the MTU
// capability: the switch's MTU reaches the interface at the next pass, and `ip link set ...
// mtu` on the interface reaches the port through the facade.
void check_mtu_both_ways(Switch& sw, const NetnsRig& host, const std::function<std::uint32_t(PortId)>& port_mtu) {
  HostInterfaceOptions options;
  options.netns = host.name();
  options.period = 50ms;
  auto hostif = HostInterfaces::start(sw, options);
  ASSERT_TRUE(hostif.ok()) << hostif.status().to_string();
  // At start the interfaces take the ports' MTU.
  const std::uint32_t initial = *sw.mtu(LogicalPort{PortId(0), 0});
  EXPECT_EQ(link(host, "Ethernet0")["mtu"].get<std::uint32_t>(), initial);
  EXPECT_EQ((*hostif)->interfaces().front().mtu, initial);

  // Switch -> host.
  ASSERT_TRUE(sw.set_mtu(LogicalPort{PortId(0), 0}, 9000).ok());
  ASSERT_TRUE((*hostif)->sync().ok());
  EXPECT_EQ(link(host, "Ethernet0")["mtu"].get<std::uint32_t>(), 9000u);

  // Host -> switch.
  ASSERT_EQ(host.ip("link set Ethernet4 mtu 4000").exit_code, 0);
  EXPECT_TRUE(eventually([&] { return port_mtu(PortId(1)) == 4000u; })) << port_mtu(PortId(1));
  EXPECT_TRUE(eventually([&] {
    const auto list = (*hostif)->interfaces();
    return list.size() > 1 && list[1].mtu == 4000u;
  }));
  // A value the switch refuses is undone on the interface (when the tap, whose kernel maximum
  // is 65521, can take a value above the switch's maximum at all).
  const std::uint32_t max = sw.capabilities().mtu_max;
  if (max < 65521) {
    ASSERT_EQ(host.ip(fmt::format("link set Ethernet4 mtu {}", max + 1)).exit_code, 0);
    EXPECT_TRUE(eventually([&] { return link(host, "Ethernet4")["mtu"].get<std::uint32_t>() == 4000u; }));
    EXPECT_EQ(port_mtu(PortId(1)), 4000u);
  }
}

TEST(HostInterfaces, MtuFollowsBothWaysOverNetlinkPorts) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig kernel_switch(2);  // the "switch": veths swp1, swp2 driven through netlink://
  NetnsRig host(0);           // the NOS namespace holding the host interfaces
  ASSERT_TRUE(kernel_switch.ok() && host.ok());
  auto sw = Switch::open("netlink://?netns=" + kernel_switch.name());
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  ASSERT_TRUE((*sw)->capabilities().mtu);
  check_mtu_both_ways(**sw, host, [&](PortId port) {
    const auto l = link(kernel_switch, fmt::format("swp{}", port.value() + 1));
    return l.contains("mtu") ? l["mtu"].get<std::uint32_t>() : 0u;
  });
}

TEST(HostInterfaces, MtuFollowsBothWaysOverTheSimulator) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  auto sw = Switch::open("sim://cpo144?seed=11");
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  if (!(*sw)->capabilities().mtu)
    GTEST_SKIP() << "sim://cpo144 has no port MTU capability (Capabilities::mtu, reference device 1.3) yet";
  NetnsRig host(0);
  ASSERT_TRUE(host.ok());
  Switch& s = **sw;
  check_mtu_both_ways(s, host, [&](PortId port) {
    auto m = s.mtu(LogicalPort{port, 0});
    return m.ok() ? *m : 0u;
  });
}

// A value the switch refuses is set back on the interface. No kernel netdev here has a
// narrower MTU range than a tap, so the switch is a MockSwitch of two ports with 68..9216.
TEST(HostInterfaces, AnMtuTheSwitchRefusesIsUndoneOnTheInterface) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig host(0);
  ASSERT_TRUE(host.ok());
  using ::testing::_;
  ::testing::NiceMock<MockSwitch> sw;
  sw.caps().mtu = true;
  sw.caps().mtu_min = 68;
  sw.caps().mtu_max = 9216;
  Mutex mu;
  std::map<LogicalPort, std::uint32_t> mtus{{LogicalPort{PortId(0), 0}, 1500}, {LogicalPort{PortId(1), 0}, 1500}};
  ON_CALL(sw, snapshot(_)).WillByDefault([](Snapshot& out) {
    out.logical_ports.clear();
    for (std::uint32_t p = 0; p < 2; ++p) {
      LogicalPortTelemetry lp;
      lp.port = LogicalPort{PortId(p), 0};
      for (std::uint32_t l = 0; l < 4; ++l) lp.lanes.push_back(LaneId(4 * p + l));
      out.logical_ports.push_back(lp);
    }
    return ok_status();
  });
  ON_CALL(sw, subscribe(_)).WillByDefault([](const EventFilter&) { return Result<Subscription>(Subscription()); });
  ON_CALL(sw, mtu(_)).WillByDefault([&](const LogicalPort& p) CPO_NO_THREAD_SAFETY_ANALYSIS {
    Lock lock(mu);
    return Result<std::uint32_t>(mtus.at(p));
  });
  ON_CALL(sw, set_mtu(_, _))
      .WillByDefault([&](const LogicalPort& p, std::uint32_t bytes) CPO_NO_THREAD_SAFETY_ANALYSIS {
        if (bytes > 9216) return error(Code::out_of_range, "MTU above 9216");
        Lock lock(mu);
        mtus[p] = bytes;
        return ok_status();
      });
  auto mtu_of = [&](const LogicalPort& p) CPO_NO_THREAD_SAFETY_ANALYSIS {
    Lock lock(mu);
    return mtus.at(p);
  };
  HostInterfaceOptions options;
  options.netns = host.name();
  options.period = 50ms;
  auto hostif = HostInterfaces::start(sw, options);
  ASSERT_TRUE(hostif.ok()) << hostif.status().to_string();
  ASSERT_EQ(host.ip("link set Ethernet4 mtu 9000").exit_code, 0);
  EXPECT_TRUE(eventually([&] { return mtu_of(LogicalPort{PortId(1), 0}) == 9000u; }));
  ASSERT_EQ(host.ip("link set Ethernet4 mtu 9300").exit_code, 0);
  EXPECT_TRUE(eventually([&] { return link(host, "Ethernet4")["mtu"].get<std::uint32_t>() == 9000u; }))
      << link(host, "Ethernet4").dump();
  EXPECT_EQ(mtu_of(LogicalPort{PortId(1), 0}), 9000u);
  EXPECT_EQ(link(host, "Ethernet0")["mtu"].get<std::uint32_t>(), 1500u);
}

// cpoctl hostif as a user runs it: `up` in the foreground as its own process, `show` and
// `down` from others, in a namespace this test creates.
class HostifCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NetnsRig::root()) GTEST_SKIP() << "needs root (network namespace, /dev/net/tun)";
    host_ = std::make_unique<NetnsRig>(0);
    ASSERT_TRUE(host_->ok());
    out_ = fmt::format("/tmp/cposdk-hostif-up-{}.json", ::getpid());
  }
  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    std::remove(out_.c_str());
  }
  // Starts `cpoctl --device sim://cpo144 --json hostif up --netns NAME`, stdout to out_.
  void start_up() {
    const std::string cmd =
        fmt::format("exec {} --device sim://cpo144?seed=3 --json hostif up --netns {} --period 50ms > {}", CPOCTL_PATH,
                    host_->name(), out_);
    child_ = ::fork();
    if (child_ == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_GT(child_, 0);
    ASSERT_TRUE(eventually([&] { return names(*host_).size() == 144; }, 20000ms)) << names(*host_).size();
  }
  // Waits for the `up` process; its exit code (-1 when killed by a signal).
  int reap() {
    int status = 0;
    ::waitpid(child_, &status, 0);
    child_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  cpo::testing::Shell cpoctl(const std::string& args) {
    return cpo::testing::shell(fmt::format("{} {}", CPOCTL_PATH, args), true);
  }
  std::unique_ptr<NetnsRig> host_;
  std::string out_;
  pid_t child_ = -1;
};

TEST_F(HostifCli, UpMirrorsUntilSigtermAndRemovesALeftoverOfAStoppedProcessFirst) {
  // A leftover: a persistent tap marked by a process that is gone.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  ASSERT_EQ(host_->ip("tuntap add Ethernet0 mode tap").exit_code, 0);
  ASSERT_EQ(host_->ip(fmt::format("link set Ethernet0 alias 'cposdk-hostif pid={} port=0/0'", gone)).exit_code, 0);
  const auto before = nlohmann::json::parse(cpoctl("--json hostif show --netns " + host_->name()).out, nullptr, false);
  ASSERT_TRUE(before.contains("interfaces")) << before.dump();
  ASSERT_EQ(before["interfaces"].size(), 1u);
  EXPECT_EQ(before["interfaces"][0]["owner_running"], false);

  start_up();
  // The taps exist before `up` prints its report: wait for the whole document.
  nlohmann::json started;
  ASSERT_TRUE(eventually([&] {
    started = nlohmann::json::parse(cpo::testing::shell("cat " + out_).out, nullptr, false);
    return started.is_object();
  }));
  EXPECT_EQ(started["schema_version"], 1);
  EXPECT_EQ(started["interfaces"].size(), 144u);
  EXPECT_EQ(started["leftovers_removed"], nlohmann::json::array({"Ethernet0"}));

  // show: every interface with its state next to the port's, owned by the running `up`.
  const auto shown = nlohmann::json::parse(cpoctl("--json hostif show --netns " + host_->name()).out, nullptr, false);
  ASSERT_TRUE(shown.contains("interfaces")) << shown.dump();
  ASSERT_EQ(shown["interfaces"].size(), 144u);
  EXPECT_EQ(shown["interfaces"][1]["name"], "Ethernet4");
  EXPECT_EQ(shown["interfaces"][1]["port"], "1/0");
  EXPECT_EQ(shown["interfaces"][1]["admin"], "down");
  EXPECT_EQ(shown["interfaces"][1]["port_admin"], "down");
  EXPECT_EQ(shown["interfaces"][1]["owner_pid"], started["pid"]);
  EXPECT_EQ(shown["interfaces"][1]["owner_running"], true);
  // --pattern selects by name: {N} is one or more digits, the rest is literal.
  const auto count = [&](const std::string& pattern) {
    const auto doc = nlohmann::json::parse(
        cpoctl(fmt::format("--json hostif show --netns {} --pattern '{}'", host_->name(), pattern)).out, nullptr,
        false);
    return doc.contains("interfaces") ? doc["interfaces"].size() : 999u;
  };
  EXPECT_EQ(count("Ethernet{N}"), 144u);
  EXPECT_EQ(count("Ethernet1{N}"), 27u);  // Ethernet12, 16 and 100..196 (names step by 4 lanes)
  EXPECT_EQ(count("Ethernet4"), 1u);
  EXPECT_EQ(count("Ethernet{N}0"), 28u);  // 20, 40, ..., 560: a digit must come before the 0
  EXPECT_EQ(count("eth{N}"), 0u);

  // A second `up` in the same namespace is refused, naming the running one.
  const auto second = cpoctl("--device sim://cpo144 hostif up --netns " + host_->name());
  EXPECT_EQ(second.exit_code, 3);
  EXPECT_THAT(second.out, ::testing::HasSubstr(fmt::format("pid {}", started["pid"].get<int>())));

  ::kill(child_, SIGTERM);
  EXPECT_EQ(reap(), 0);
  EXPECT_TRUE(names(*host_).empty());
}

TEST_F(HostifCli, DownStopsTheRunningUpAndACrashLeavesNothing) {
  start_up();
  const auto down = cpoctl("--json hostif down --netns " + host_->name());
  EXPECT_EQ(down.exit_code, 0) << down.out;
  EXPECT_EQ(reap(), 0);
  EXPECT_TRUE(names(*host_).empty());
  const auto doc = nlohmann::json::parse(down.out, nullptr, false);
  EXPECT_EQ(doc["stopped_pids"].size(), 1u) << down.out;

  // SIGKILL: the taps were not persistent, the kernel removes them with the process.
  start_up();
  ::kill(child_, SIGKILL);
  EXPECT_EQ(reap(), -1);
  EXPECT_TRUE(eventually([&] { return names(*host_).empty(); }));
  const auto after = cpoctl("hostif down --netns " + host_->name());
  EXPECT_EQ(after.exit_code, 0);
  EXPECT_THAT(after.out, ::testing::HasSubstr("no host interfaces"));

  // Errors: a namespace that does not exist, a bad period.
  EXPECT_EQ(cpoctl("hostif show --netns cposdk-no-such-ns").exit_code, 3);
  EXPECT_EQ(cpoctl("hostif up --netns " + host_->name() + " --period 1ms").exit_code, 3);
  EXPECT_EQ(cpoctl("hostif").exit_code, 2);
}

}  // namespace
}  // namespace cpo::sdk
