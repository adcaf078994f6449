// One conformance suite over every URI scheme the registry has (uri_schemes()): what any
// backend must do through the facade, skipping with a reason where a capability is absent.
// A scheme without a conformance URI below fails the suite, so a new transport cannot land
// untested.
#include <csignal>
#include <cstdlib>
#include <optional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "../drivers/pcie_fixtures.h"
#include "../netlink/netns_rig.h"
#include "../support/daemon_process.h"
#include "../support/status_matchers.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/sdk/switch.h"
#include "cpo/sim/simulator.h"

namespace cpo::sdk {
namespace {

using namespace std::chrono_literals;

struct Target {
  std::optional<std::string> uri;
  std::string skip_reason;
};

// pci:// without hardware: a fake sysfs tree of four reference devices (one per cpo144 unit)
// whose resource0 files are the register windows of a real-time simulator, mapped by the
// simulator and by the SDK's PCIe transport alike. The SDK goes through libpci-free sysfs
// mapping, MappedBar and the reference driver exactly as on a server.
class PciRig {
 public:
  PciRig() {
    const std::vector<std::uint8_t> config = reference_config();
    sim::SimOptions options;
    options.clock = sim::ClockMode::real_time;
    options.seed = 11;
    for (int u = 0; u < 4; ++u) {
      const std::string bdf = fmt::format("0000:0{}:00.0", 4 + u);
      testing::FakeDevice dev;
      dev.bdf = bdf;
      dev.config = config;
      dev.bar_sizes = {refdev::kWindowBytes, 0, 0, 0, 0, 0};
      testing::write_fake_device(root(), dev);
      const auto file = root() / "devices" / bdf / "resource0";
      const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
      void* mem =
          fd < 0 ? MAP_FAILED : ::mmap(nullptr, refdev::kWindowBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (fd >= 0) ::close(fd);
      if (mem == MAP_FAILED) return;
      maps_.push_back(mem);
      options.unit_memory.push_back(mem);
      bdfs_ += (bdfs_.empty() ? "" : ",") + bdf;
    }
    auto sw = sim::Switch::create(options);
    if (sw) sim_ = std::move(sw).value();
  }
  ~PciRig() {
    sim_.reset();
    for (void* m : maps_) ::munmap(m, refdev::kWindowBytes);
  }
  [[nodiscard]] std::optional<std::string> uri() const {
    if (!sim_) return std::nullopt;
    // The simulator behind the fake sysfs runs on the host's clock, and a loaded host may starve
    // its clock thread for longer than the driver's 30 ms command deadline; these cases test
    // behaviour, not deadlines.
    return fmt::format("pci://{}?profile=cpo144&sysfs={}&command_timeout_ms=2000", bdfs_, root().string());
  }

 private:
  // The reference device's config space from the lspci dump of a switch box (tests/data/pci).
  static std::vector<std::uint8_t> reference_config() {
    for (auto& f : testing::read_dump(std::filesystem::path(CPOSDK_TEST_DATA) / "pci" / "switch_box.dump"))
      if (f.bdf == "0000:04:00.0") return f.config;
    return {};
  }
  [[nodiscard]] std::filesystem::path root() const { return tmp_.path() / "bus" / "pci"; }

  testing::TempDir tmp_;
  std::vector<void*> maps_;
  std::string bdfs_;
  std::unique_ptr<sim::Switch> sim_;
};

// simd://: a real cpo-simd process (virtual clock, seed 11) serving a socket in a scratch
// directory, stopped with SIGTERM when the test binary exits.
class SimdRig {
 public:
  SimdRig() {
    socket_ = (dir_.path() / "sw0.sock").string();
    daemon_ = testing::DaemonProcess::start(
        CPO_SIMD_PATH, {"--foreground", "--clock", "virtual", "--seed", "11", "--socket", socket_}, {}, &error_);
  }
  ~SimdRig() {
    if (daemon_) daemon_->stop(SIGTERM);
  }
  [[nodiscard]] std::optional<std::string> uri() const {
    if (!daemon_) return std::nullopt;
    return "simd://" + socket_;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  testing::ScratchDir dir_;
  std::string socket_;
  std::string error_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
};

// Where each scheme is exercised. CPOSDK_CONFORMANCE_PCI runs pci:// on real hardware
// instead of the rig.
Target target_for(const std::string& scheme) {
  if (scheme == "sim") return {"sim://cpo144?seed=11", ""};
  if (scheme == "simd") {
    static SimdRig rig;
    if (auto uri = rig.uri()) return {*uri, ""};
    return {std::nullopt, "could not start cpo-simd: " + rig.error()};
  }
  if (scheme == "pci") {
    if (const char* uri = std::getenv("CPOSDK_CONFORMANCE_PCI")) return {uri, ""};
    static PciRig rig;
    if (auto uri = rig.uri()) return {*uri, ""};
    return {std::nullopt, "could not build the fake sysfs tree with a simulated reference device"};
  }
  if (scheme == "netlink") {
    // Two veth pairs in a scratch namespace, the peers up so the ports can come up.
    if (!testing::NetnsRig::root()) return {std::nullopt, "netlink:// needs root (network namespace, veth pairs)"};
    static testing::NetnsRig rig(2);
    if (!rig.ok()) return {std::nullopt, "could not create a network namespace with veth pairs"};
    rig.ip("link set peer1 up");
    rig.ip("link set peer2 up");
    return {"netlink://?netns=" + rig.name(), ""};
  }
  return {std::nullopt, ""};
}

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const Target t = target_for(GetParam());
    if (!t.uri && t.skip_reason.empty()) FAIL() << "scheme " << GetParam() << " has no conformance URI";
    if (!t.uri) GTEST_SKIP() << t.skip_reason;
    auto sw = Switch::open(*t.uri);
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    sw_ = std::move(sw).value();
  }
  Switch& sw() { return *sw_; }
  const Capabilities& caps() { return sw_->capabilities(); }

  // A port of the last unit that nobody else uses in these tests, and the laser lighting it.
  PortId spare_port() { return sw().platform().ports().back().id; }
  LaserRef laser_of(PortId port) {
    return sw().platform().lanes()[sw().platform().ports()[port.value()].lanes[0].value()].laser;
  }

  std::unique_ptr<Switch> sw_;
};

TEST_P(Conformance, SnapshotListsEveryObjectExactlyOnce) {
  if (!caps().telemetry) GTEST_SKIP() << caps().backend << " has no telemetry";
  auto snap = sw().snapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().to_string();
  std::size_t ports = 0, lanes = 0, oes = 0, lasers = 0;
  for (const auto& u : snap->units.units) {
    ports += u.ports.size();
    lanes += u.lanes.size();
    oes += u.oes.size();
    lasers += u.lasers.size();
  }
  const Platform& p = sw().platform();
  EXPECT_EQ(ports, p.ports().size());
  EXPECT_EQ(lanes, p.lanes().size());
  EXPECT_EQ(oes, p.optical_engines().size());
  EXPECT_EQ(lasers, p.laser_count());
  EXPECT_EQ(snap->energy.size(), p.ports().size());
  EXPECT_GE(snap->logical_ports.size(), p.ports().size());
}

TEST_P(Conformance, AdminStateIsSetAndReadBack) {
  if (!caps().port_admin || !caps().telemetry) GTEST_SKIP() << caps().backend << " cannot set admin state";
  const PortId port = spare_port();
  ASSERT_TRUE(sw().set_admin(port, AdminState::up).ok());
  EXPECT_EQ(sw().port(port)->admin(), AdminState::up);
  ASSERT_TRUE(sw().set_admin(port, AdminState::down).ok());
  EXPECT_EQ(sw().port(port)->admin(), AdminState::down);
}

TEST_P(Conformance, BreakoutRoundTripsAndRefusesBadRequestsWithoutChange) {
  if (!caps().breakout) GTEST_SKIP() << caps().backend << " has no breakout";
  const PortId port = spare_port();
  const auto& modes = sw().platform().breakout_modes();
  if (modes.size() < 2) GTEST_SKIP() << "the profile has one breakout mode";
  const std::string name = std::to_string(port.value());
  auto split = sw().breakout(name, modes[1].to_string());
  ASSERT_TRUE(split.ok()) << split.status().to_string();
  EXPECT_EQ(sw().port(port)->subports, modes[1].subport_count());
  auto back = sw().breakout(name, modes[0].to_string());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(sw().port(port)->subports, modes[0].subport_count());

  const auto before = sw().breakout_map();
  EXPECT_STATUS(sw().breakout(std::to_string(sw().platform().ports().size()), modes[0].to_string()).status(),
                Code::out_of_range, "does not exist");
  EXPECT_STATUS(sw().breakout(name, "3x100G").status(), Code::unsupported, "");
  EXPECT_EQ(sw().breakout_map()->size(), before->size());
}

TEST_P(Conformance, LaserPolicyRefusesUnsafeSetPointsAndLightsThroughTheFiberCheck) {
  if (!caps().cmis_els || !caps().cmis_write) GTEST_SKIP() << caps().backend << " cannot control lasers";
  const LaserRef laser = laser_of(spare_port());
  auto limits = sw().laser_limits(laser);
  ASSERT_TRUE(limits.ok()) << limits.status().to_string();
  EXPECT_STATUS(sw().set_laser_power(laser, limits->max_allowed * 1.05), Code::safety_refused, to_string(laser));
  ASSERT_TRUE(sw().disable_laser(laser).ok());
  EXPECT_FALSE(sw().laser_status(laser)->enabled);
  auto check = sw().enable_laser(laser);
  ASSERT_TRUE(check.ok()) << check.status().to_string();
  EXPECT_EQ(check->verdict, FiberVerdict::ok);
  auto status = sw().laser_status(laser);
  EXPECT_TRUE(status->enabled);
  EXPECT_TRUE(status->fiber_checked);
}

TEST_P(Conformance, LinkEventsArriveWithTheirCause) {
  if (!caps().events || !caps().port_admin) GTEST_SKIP() << caps().backend << " has no events";
  const PortId port = spare_port();
  EventFilter filter;
  filter.types = {EventType::link_change};
  filter.objects = {ObjectRef{port}};
  auto sub = sw().subscribe(filter);
  ASSERT_TRUE(sub.ok()) << sub.status().to_string();
  ASSERT_TRUE(sw().set_admin(port, AdminState::up).ok());
  sw().sleep_for(3s);
  ASSERT_TRUE(sw().set_admin(port, AdminState::down).ok());
  sw().sleep_for(100ms);
  std::vector<Event> got;
  bool down = false;
  for (int i = 0; i < 200 && !down; ++i) {
    sub->read(got);
    for (const Event& e : got)
      if (const auto* l = e.get<LinkChange>())
        down = down || (l->state == OperState::down && l->cause == LinkCause::admin_down);
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(down) << "no link_change down with cause admin_down for port " << port.value();
}

INSTANTIATE_TEST_SUITE_P(Schemes, Conformance, ::testing::ValuesIn(uri_schemes()),
                         [](const ::testing::TestParamInfo<std::string>& scheme) { return scheme.param; });

}  // namespace
}  // namespace cpo::sdk
