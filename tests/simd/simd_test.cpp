// cpo-simd as users run it: a real daemon process on a UNIX socket in a scratch directory,
// real clients (the SDK through simd://, the samples and cpoctl as processes, a probe that is
// SIGKILLed mid-command), real signals. Every test stops what it started.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../support/daemon_process.h"
#include "../support/run_process.h"
#include "../support/status_matchers.h"
#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/backend/refdev/snapshot_channel.h"
#include "cpo/sdk/switch.h"
#include "cpo/sim/simd_client.h"
#include "cpo/sim/simd_protocol.h"

namespace cpo::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A cpo-simd process serving one switch (or a fabric) in a scratch directory.
class Simd {
 public:
  explicit Simd(const std::vector<std::string>& extra = {}, const std::string& socket_name = "sw0.sock") {
    socket_ = (dir_.path() / socket_name).string();
    std::vector<std::string> args{"--foreground", "--socket", socket_};
    args.insert(args.end(), extra.begin(), extra.end());
    real_time_ = std::find(extra.begin(), extra.end(), "real") != extra.end();
    daemon_ = DaemonProcess::start(CPO_SIMD_PATH, args, {}, &error_);
  }
  [[nodiscard]] bool ok() const { return daemon_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::string& socket() const { return socket_; }
  [[nodiscard]] std::string uri() const { return "simd://" + socket_; }
  [[nodiscard]] DaemonProcess& process() { return *daemon_; }
  [[nodiscard]] const fs::path& dir() const { return dir_.path(); }
  std::unique_ptr<Switch> open() {
    // A real-time daemon on a loaded host may miss the driver's 30 ms command deadline while
    // the SDK opens (dozens of CMIS reads); the tests that open one test behaviour, not deadlines.
    auto sw = Switch::open(real_time_ ? uri() + "?command_timeout_ms=2000" : uri());
    EXPECT_TRUE(sw.ok()) << sw.status().to_string();
    return sw.ok() ? std::move(sw).value() : nullptr;
  }
  // Waits until the daemon's log contains `text`.
  bool log_has(const std::string& text, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (daemon_->err().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  ScratchDir dir_;
  std::string socket_;
  std::string error_;
  bool real_time_ = false;
  std::unique_ptr<DaemonProcess> daemon_;
};

#define ASSERT_DAEMON(d) ASSERT_TRUE((d).ok()) << (d).error()

std::set<std::string> socket_inodes(pid_t pid) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code ec;
    const auto target = fs::read_symlink(e.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) out.insert(target.substr(8, target.size() - 9));
  }
  return out;
}

// Inodes of sockets in a /proc/net table (tcp, tcp6: LISTEN is state 0A; unix: any state).
std::set<std::string> table_inodes(const std::string& table, bool listening_only) {
  std::set<std::string> out;
  std::ifstream in("/proc/net/" + table);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::vector<std::string> col;
    for (std::string c; f >> c;) col.push_back(c);
    if (table == "unix") {
      if (col.size() >= 7) out.insert(col[6]);
    } else if (col.size() >= 10 && (!listening_only || col[3] == "0A")) {
      out.insert(col[9]);
    }
  }
  return out;
}

TEST(Simd, ServesTheSwitchToTheReferenceDriverAndRefusesBadUris) {
  Simd simd({"--clock", "virtual", "--seed", "7"});
  ASSERT_DAEMON(simd);
  auto sw = simd.open();
  ASSERT_NE(sw, nullptr);
  EXPECT_EQ(sw->platform().name(), "cpo144");
  EXPECT_EQ(sw->capabilities().backend, "reference");
  ASSERT_NE(sw->simulator(), nullptr);
  ASSERT_TRUE(sw->set_admin(PortId(12), AdminState::up).ok());
  const auto before = sw->now();
  sw->sleep_for(3s);  // the virtual clock moves exactly as far as asked
  EXPECT_EQ(sw->now() - before, 3s);
  EXPECT_EQ(sw->port(PortId(12))->oper(), OperState::up);

  EXPECT_STATUS(Switch::open(simd.uri() + "?clock=real").status(), Code::invalid_argument, "unknown parameter 'clock'");
  EXPECT_STATUS(Switch::open("simd://").status(), Code::invalid_argument, "no socket");
  EXPECT_STATUS(Switch::open("simd://nosuch").status(), Code::not_found, "/run/cposim/nosuch.sock");
  EXPECT_STATUS(Switch::open("simd://" + (simd.dir() / "none.sock").string()).status(), Code::not_found,
                "no cpo-simd socket at");
}

TEST(Simd, TwoClientProcessesSeeEachOthersChanges) {
  Simd simd({"--clock", "virtual"});
  ASSERT_DAEMON(simd);
  auto sw = simd.open();
  ASSERT_NE(sw, nullptr);
  // This client brings ports 100-103 up ...
  for (std::uint32_t p = 100; p < 104; ++p) ASSERT_TRUE(sw->set_admin(PortId(p), AdminState::up).ok());
  // ... and the telemetry sample, another process, sees them: it brings 0-31 up itself (port 2
  // stays down: the sample degrades lane 9 below the training threshold), so 31 + 4 are up.
  const auto run = run_process(SAMPLE_TELEMETRY, {simd.uri()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("cpo144: 144 ports, 35 up"));
  // What the sample did is visible here: its ports, its lane fault.
  EXPECT_EQ(sw->port(PortId(0))->admin(), AdminState::up);
  EXPECT_EQ(sw->port(PortId(0))->oper(), OperState::up);
  EXPECT_LT(sw->lane(LaneId(9))->snr.value(), sw->lane(LaneId(10))->snr.value() - 2.0);
  // A breakout made by the breakout sample is seen while it runs: afterwards ports 0-15 are back.
  const auto split = run_process(SAMPLE_BREAKOUT, {simd.uri()});
  ASSERT_EQ(split.exit_code, 0) << split.err;
  EXPECT_THAT(split.out, HasSubstr("restored 16 ports to 1x800G"));
  EXPECT_EQ(sw->port(PortId(3))->subports, 1u);
  EXPECT_TRUE(simd.log_has("(telemetry, pid"));
  EXPECT_TRUE(simd.log_has("(breakout, pid"));
}

TEST(Simd, CpoctlAndThisClientShareTheSwitch) {
  const auto help = run_process(CPOCTL_PATH, {"--help"});
  if (help.out.find("--device") == std::string::npos) GTEST_SKIP() << "this cpoctl has no --device option yet";
  Simd simd({"--clock", "virtual"});
  ASSERT_DAEMON(simd);
  auto sw = simd.open();
  ASSERT_NE(sw, nullptr);
  const auto set = run_process(CPOCTL_PATH, {"--device", simd.uri(), "port", "set", "120", "admin", "up"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(sw->port(PortId(120))->admin(), AdminState::up);
  ASSERT_TRUE(sw->set_admin(PortId(121), AdminState::up).ok());
  const auto show = run_process(CPOCTL_PATH, {"--device", simd.uri(), "--json", "port", "show", "121"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("\"up\""));
}

// A probe process rings a Breakout of port 0 and is SIGKILLed while the command runs in the
// unit's mailbox. The daemon lets the firmware finish it (port 0 ends split) and the mailbox
// serves the next client.
TEST(Simd, AClientKilledWhileItsCommandRunsLeavesTheDaemonAndOtherClientsWorking) {
  Simd simd({"--clock", "virtual"});
  ASSERT_DAEMON(simd);
  auto sw = simd.open();
  ASSERT_NE(sw, nullptr);
  DaemonProcess::Options rung;
  rung.ready = DaemonProcess::Ready::stdout_line;
  rung.stdout_marker = "rung";
  std::string error;
  // Breakout (0x02): unit 0, first port 0, one port, 4 sub-ports. The probe never lets time
  // pass, so the command stays in the mailbox until it is killed.
  auto probe = DaemonProcess::start(SIMD_PROBE_PATH, {simd.socket(), "0", "2", "0", "1", "4"}, rung, &error);
  ASSERT_NE(probe, nullptr) << error;
  EXPECT_EQ(probe->stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(simd.log_has("left during Breakout on sw0 unit 0")) << simd.process().err();

  // The next client's command waits for the orphaned breakout, which the firmware finishes.
  ASSERT_TRUE(sw->set_admin(PortId(2), AdminState::up).ok());
  EXPECT_TRUE(simd.log_has("Breakout of client 2 (simd_probe, pid " + std::to_string(probe->pid()) +
                           ") completed after the client left"))
      << simd.process().err();
  EXPECT_EQ(sw->port(PortId(0))->subports, 4u);
  EXPECT_EQ(sw->port(PortId(2))->admin(), AdminState::up);
  // And a new client process works as well.
  const auto run = run_process(SAMPLE_BREAKOUT, {simd.uri()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(simd.process().running());
}

// One probe rings a UnitReset of unit 0 (200 ms on the real-time clock); a second probe's
// PortAdmin waits behind it in the daemon and is SIGKILLed while it waits: its command is dropped
// and never reaches the device (port 1 stays admin down), the reset completes, and the mailbox
// serves the next client.
TEST(Simd, AClientKilledWhileItsCommandIsQueuedHasItDropped) {
  Simd simd({"--clock", "real"});
  ASSERT_DAEMON(simd);
  auto sw = simd.open();
  ASSERT_NE(sw, nullptr);
  auto occurrences = [&](const std::string& text) {
    const std::string log = simd.process().err();
    std::size_t n = 0;
    for (auto p = log.find(text); p != std::string::npos; p = log.find(text, p + 1)) ++n;
    return n;
  };
  bool dropped = false;
  // The kill has to land within the reset's 200 ms; a loaded machine may miss it, so try again.
  for (int attempt = 0; attempt < 3 && !dropped; ++attempt) {
    const std::size_t waits = occurrences("PortAdmin on sw0 unit 0 waits behind UnitReset");
    DaemonProcess::Options rung;
    rung.ready = DaemonProcess::Ready::stdout_line;
    rung.stdout_marker = "rung";
    std::string error;
    auto reset = DaemonProcess::start(SIMD_PROBE_PATH, {simd.socket(), "0", "9"}, rung, &error);  // UnitReset
    ASSERT_NE(reset, nullptr) << error;
    DaemonProcess::Options none;
    none.ready = DaemonProcess::Ready::none;
    // PortAdmin (0x01): port 1, every sub-port, up.
    auto admin = DaemonProcess::start(SIMD_PROBE_PATH, {simd.socket(), "0", "1", "1", "4294967295", "1"}, none, &error);
    ASSERT_NE(admin, nullptr) << error;
    for (int i = 0; i < 500 && occurrences("PortAdmin on sw0 unit 0 waits behind UnitReset") == waits; ++i) {
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(admin->stop(SIGKILL), 128 + SIGKILL);
    EXPECT_EQ(reset->stop(SIGKILL), 128 + SIGKILL);
    dropped = simd.log_has("PortAdmin on sw0 unit 0 was queued: dropped", 1s);
  }
  ASSERT_TRUE(dropped) << simd.process().err();
  ASSERT_TRUE(sw->set_admin(PortId(2), AdminState::up).ok());
  EXPECT_EQ(sw->port(PortId(1))->admin(), AdminState::down);  // the dropped command never ran
  EXPECT_EQ(sw->port(PortId(2))->admin(), AdminState::up);
  EXPECT_TRUE(simd.process().running());
}

TEST(Simd, ACommandBehindAHungUnitTimesOutAndTheMailboxRecovers) {
  Simd simd({"--clock", "virtual"});
  ASSERT_DAEMON(simd);
  auto a = simd.open();
  auto b = simd.open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->simulator()->hang_firmware(UnitId(1), true).ok());
  EXPECT_STATUS(b->set_admin(PortId(40), AdminState::up), Code::timeout, "unit 1: command PortAdmin");
  EXPECT_TRUE(b->set_admin(PortId(0), AdminState::up).ok());  // other units serve
  ASSERT_TRUE(a->simulator()->hang_firmware(UnitId(1), false).ok());
  EXPECT_TRUE(b->set_admin(PortId(41), AdminState::up).ok());
  EXPECT_EQ(a->port(PortId(41))->admin(), AdminState::up);
}

TEST(Simd, FaultsClockAndWriteCountGoOverTheControlChannel) {
  Simd simd({"--clock", "virtual"});
  ASSERT_DAEMON(simd);
  auto sw = simd.open();
  auto other = simd.open();
  ASSERT_TRUE(sw && other);
  sdk::SimulatorControl& sim = *sw->simulator();
  const LaserRef laser{ElsId(7), 3};
  ASSERT_TRUE(sim.fail_laser(laser).ok());
  EXPECT_EQ(other->laser_status(laser)->state, LaserState::fault);  // the other client sees it
  EXPECT_STATUS(sim.fail_laser({ElsId(99), 0}), Code::out_of_range, "els 99");
  EXPECT_STATUS(sim.set_port_fiber_loss(PortId(1), 0, Decibels(-1.0)), Code::invalid_argument, "fiber loss");
  ASSERT_TRUE(sim.open_interlock(ElsId(2)).ok());
  EXPECT_EQ(other->laser_status({ElsId(2), 0})->fault, LaserFaultCode::interlock_open);
  EXPECT_STATUS(sim.open_interlock(ElsId(2)), Code::failed_precondition, "els 2: interlock is already open");
  ASSERT_TRUE(sim.close_interlock(ElsId(2)).ok());
  ASSERT_TRUE(sim.set_coolant_temperature(Celsius(35.0)).ok());
  const auto writes = sim.device_writes();
  ASSERT_TRUE(writes.ok()) << writes.status().to_string();
  ASSERT_TRUE(other->set_admin(PortId(5), AdminState::up).ok());
  EXPECT_GT(*sim.device_writes(), *writes);  // every client's writes count
  const auto refused = *sim.device_writes();
  EXPECT_STATUS(sw->set_laser_power({ElsId(1), 1}, Milliwatts(500.0)), Code::safety_refused, "els 1 laser 1");
  EXPECT_EQ(*sim.device_writes(), refused);  // a refusal writes nothing

  // wait_refresh: the next firmware status refresh, at most one status period away.
  auto client = simd::Client::connect(simd.socket());
  ASSERT_TRUE(client.ok()) << client.status().to_string();
  const auto t0 = (*client)->now();
  ASSERT_TRUE((*client)->wait_refresh().ok());
  EXPECT_GT((*client)->now(), t0);
  EXPECT_LE((*client)->now() - t0, 101ms);
  EXPECT_EQ((*client)->switch_name(), "sw0");
}

// Counts the register reads the reference driver makes through a simd client Bar; the DMA
// region (the client's buffer in its completion page) passes through.
class CountingBar final : public Bar {
 public:
  explicit CountingBar(Bar& inner) : inner_(inner) {}
  [[nodiscard]] std::size_t size() const noexcept override { return inner_.size(); }
  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override {
    ++reads;
    return inner_.read32(offset);
  }
  void write32(std::size_t offset, std::uint32_t value) noexcept override { inner_.write32(offset, value); }
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override { return inner_.now(); }
  void wait(std::chrono::nanoseconds d) noexcept override { inner_.wait(d); }
  [[nodiscard]] DmaRegion dma_region() const noexcept override { return inner_.dma_region(); }
  mutable std::uint64_t reads = 0;

 private:
  Bar& inner_;
};

// Issue 11 over simd://: the client Bar offers a DMA buffer, so a default-options sweep goes
// through the snapshot channel (a handful of reads per unit, no device write) and decodes to
// what the register path reads; the daemon refuses a bad request with the generated check.
TEST(Simd, TelemetrySweepsUseTheSnapshotChannelWithoutDeviceWrites) {
  Simd simd({"--clock", "virtual"});
  ASSERT_DAEMON(simd);
  auto connected = simd::Client::connect(simd.socket());
  ASSERT_TRUE(connected.ok()) << connected.status().to_string();
  simd::Client& client = **connected;
  std::vector<std::unique_ptr<CountingBar>> counting;
  std::vector<Bar*> bars, plain;
  for (std::size_t u = 0; u < client.unit_count(); ++u) {
    counting.push_back(std::make_unique<CountingBar>(client.bar(u)));
    bars.push_back(counting.back().get());
    plain.push_back(&client.bar(u));
  }
  auto channel = reference::ReferenceDriver::open(client.platform(), bars);  // default options
  ASSERT_TRUE(channel.ok()) << channel.status().to_string();
  reference::Options off;
  off.status_snapshot = false;
  auto registers = reference::ReferenceDriver::open(client.platform(), plain, off);
  ASSERT_TRUE(registers.ok()) << registers.status().to_string();

  const std::uint64_t writes = *client.write_count();
  std::uint64_t before = 0, after = 0;
  for (const auto& c : counting) before += c->reads;
  Telemetry a, b;
  ASSERT_TRUE(read_all_telemetry(**channel, client.unit_count(), a).ok());
  for (const auto& c : counting) after += c->reads;
  ASSERT_TRUE(read_all_telemetry(**registers, client.unit_count(), b).ok());
  EXPECT_LE(after - before, 1500u);
  EXPECT_LE(after - before, 40u);
  EXPECT_EQ(*client.write_count(), writes);
  ASSERT_EQ(a.units.size(), 4u);
  ASSERT_EQ(b.units.size(), 4u);
  for (std::uint32_t u = 0; u < 4; ++u) {
    const auto paths = (*channel)->telemetry_paths(UnitId(u));
    ASSERT_TRUE(paths.ok());
    EXPECT_TRUE(paths->channel);
    EXPECT_EQ(paths->channel_copies, 2u);  // open + sweep
    EXPECT_EQ(paths->register_copies, 0u);
    EXPECT_EQ(a.units[u].generation, b.units[u].generation);
    ASSERT_EQ(a.units[u].lanes.size(), b.units[u].lanes.size());
    for (std::size_t i = 0; i < a.units[u].lanes.size(); ++i) {
      EXPECT_EQ(a.units[u].lanes[i].rx_power.value(), b.units[u].lanes[i].rx_power.value());
      EXPECT_EQ(a.units[u].lanes[i].snr.value(), b.units[u].lanes[i].snr.value());
    }
    for (std::size_t i = 0; i < a.units[u].ports.size(); ++i)
      EXPECT_EQ(a.units[u].ports[i].oper_mask, b.units[u].ports[i].oper_mask);
  }
  EXPECT_GT(a.units[0].lasers[0].power.value(), 1.0);  // not an empty buffer

  // A request for a buffer this client was never given: refused, naming SnapAddrHi.
  Bar& bar = client.bar(1);
  const Bar::DmaRegion dma = bar.dma_region();
  bar.write32(refdev::reg::kSnapAddrLo, static_cast<std::uint32_t>(dma.bus_address));
  bar.write32(refdev::reg::kSnapAddrHi, static_cast<std::uint32_t>(dma.bus_address >> 32) + 1);
  bar.write32(refdev::reg::kSnapBytes, 64);
  const std::uint32_t seq = refdev::next_snapshot_sequence(bar.read32(refdev::reg::kSnapRequest));
  bar.write32(refdev::reg::kSnapRequest, seq);
  EXPECT_EQ(bar.read32(refdev::reg::kSnapDone), seq);
  EXPECT_EQ(bar.read32(refdev::reg::kSnapStatus), static_cast<std::uint32_t>(refdev::Completion::kBadValue));
  EXPECT_EQ(bar.read32(refdev::reg::kSnapRejected), refdev::reg::kSnapAddrHi);

  // The SDK over simd:// takes the option like every scheme.
  EXPECT_STATUS(Switch::open(simd.uri() + "?snapshot=maybe").status(), Code::invalid_argument,
                "snapshot 'maybe' is not one of on, off");
  auto sw = Switch::open(simd.uri() + "?snapshot=off");
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  EXPECT_TRUE((*sw)->snapshot().ok());
}

TEST(Simd, RealTimeClockFollowsTheHost) {
  Simd simd({"--clock", "real"});
  ASSERT_DAEMON(simd);
  auto sw = simd.open();
  ASSERT_NE(sw, nullptr);
  const auto t0 = sw->now();
  const auto h0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(sw->set_admin(PortId(7), AdminState::up).ok());
  std::this_thread::sleep_for(50ms);
  const auto device = sw->now() - t0;
  const auto host = std::chrono::steady_clock::now() - h0;
  EXPECT_GE(device, 50ms);
  EXPECT_LE(std::chrono::abs(device - host), 5ms);
  EXPECT_EQ(sw->port(PortId(7))->admin(), AdminState::up);
}

TEST(Simd, ADaemonKilledOverItsSocketIsReplacedOnRestartAndSigtermRemovesIt) {
  ScratchDir dir;
  const std::string sock = (dir.path() / "sw0.sock").string();
  std::string error;
  auto first = DaemonProcess::start(CPO_SIMD_PATH, {"--foreground", "--socket", sock}, {}, &error);
  ASSERT_NE(first, nullptr) << error;
  EXPECT_EQ(first->stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(fs::exists(sock));  // the stale socket stays behind
  auto second = DaemonProcess::start(CPO_SIMD_PATH, {"--foreground", "--socket", sock}, {}, &error);
  ASSERT_NE(second, nullptr) << error;
  EXPECT_THAT(second->err(), HasSubstr("replaced a stale socket"));
  auto sw = Switch::open("simd://" + sock);
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  EXPECT_EQ((*sw)->port(PortId(0))->admin(), AdminState::down);

  // SIGTERM: clean exit, socket and lock file gone; the connected client sees the device gone.
  EXPECT_EQ(second->stop(SIGTERM), 0) << second->err();
  EXPECT_THAT(second->err(), HasSubstr("stopped"));
  EXPECT_FALSE(fs::exists(sock));
  EXPECT_FALSE(fs::exists(sock + ".lock"));
  EXPECT_STATUS((*sw)->set_admin(PortId(0), AdminState::up), Code::device_gone, "");
}

TEST(Simd, ASecondDaemonOnALiveSocketIsRefusedNamingThePid) {
  Simd simd;
  ASSERT_DAEMON(simd);
  const auto second = run_process(CPO_SIMD_PATH, {"--foreground", "--socket", simd.socket()});
  EXPECT_EQ(second.exit_code, 4);
  EXPECT_THAT(second.err, HasSubstr("already served by pid " + std::to_string(simd.process().pid())));
  EXPECT_TRUE(simd.process().running());
  auto sw = simd.open();  // the first one still serves
  EXPECT_NE(sw, nullptr);
}

TEST(Simd, AClientOfAnotherProtocolVersionIsRefusedWithAClearMessage) {
  Simd simd;
  ASSERT_DAEMON(simd);
  simd::ConnectOptions future;
  future.protocol_version = simd::kProtocolVersion + 1;
  auto refused = simd::Client::connect(simd.socket(), future);
  EXPECT_STATUS(Status(refused.status()), Code::unsupported,
                "speaks wire protocol version " + std::to_string(simd::kProtocolVersion) +
                    "; the client speaks version " + std::to_string(simd::kProtocolVersion + 1));

  // Something that is not a cpo-simd client at all.
  const int s = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, simd.socket().c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  const char junk[] = "GET / HTTP/1.0\r\n\r\n";
  ASSERT_GT(::send(s, junk, sizeof(junk), MSG_NOSIGNAL), 0);
  char buf[512] = {};
  const ssize_t n = ::recv(s, buf, sizeof(buf) - 1, 0);
  ::close(s);
  ASSERT_GT(n, static_cast<ssize_t>(sizeof(simd::Refused)));
  EXPECT_THAT(std::string(buf + sizeof(simd::Refused)), HasSubstr("not a cpo-simd client"));
  EXPECT_TRUE(simd.log_has("refused"));
  EXPECT_NE(simd.open(), nullptr);  // and it keeps serving
}

TEST(Simd, SocketIsMode0660AndThereIsNoTcpListener) {
  Simd simd;
  ASSERT_DAEMON(simd);
  struct stat st {};
  ASSERT_EQ(::lstat(simd.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);

  auto sw = simd.open();  // a connected client too
  ASSERT_NE(sw, nullptr);
  const auto mine = socket_inodes(simd.process().pid());
  ASSERT_FALSE(mine.empty());
  std::set<std::string> unix_sockets = table_inodes("unix", false);
  std::size_t unix_count = 0;
  for (const auto& i : mine) unix_count += unix_sockets.count(i);
  EXPECT_GE(unix_count, 2u);  // the listener and the client's connection: the method sees them
  for (const char* table : {"tcp", "tcp6"}) {
    for (const auto& i : table_inodes(table, false)) EXPECT_EQ(mine.count(i), 0u) << table << " socket inode " << i;
  }
}

TEST(Simd, FabricServesEverySwitchOnItsOwnSocketWithLinksBetweenThem) {
  ScratchDir dir;
  const auto topo = dir.path() / "fabric.json";
  std::ofstream(topo) << R"({"cposdk_topology": 1,
                             "switches": [{"name": "leaf0", "seed": 3}, {"name": "leaf1"},
                                          {"name": "small", "profile": "bailly51t", "start": "cold"}],
                             "links": [["leaf0", 5, "leaf1", 9, 2.0]]})";
  std::string error;
  auto d = DaemonProcess::start(
      CPO_SIMD_PATH,
      {"--foreground", "--clock", "virtual", "--topology", topo.string(), "--socket-dir", dir.path().string()}, {},
      &error);
  ASSERT_NE(d, nullptr) << error;
  auto leaf0 = Switch::open("simd://" + (dir.path() / "leaf0.sock").string());
  auto leaf1 = Switch::open("simd://" + (dir.path() / "leaf1.sock").string());
  auto small = Switch::open("simd://" + (dir.path() / "small.sock").string());
  ASSERT_TRUE(leaf0.ok() && leaf1.ok() && small.ok()) << leaf0.status().to_string() << small.status().to_string();
  EXPECT_EQ((*small)->platform().name(), "bailly51t");
  EXPECT_FALSE((*small)->laser_status({ElsId(0), 0})->enabled);  // "start": "cold"
  ASSERT_TRUE((*leaf0)->set_admin(PortId(5), AdminState::up).ok());
  ASSERT_TRUE((*leaf1)->set_admin(PortId(9), AdminState::up).ok());
  const auto small0 = (*small)->now();
  (*leaf0)->sleep_for(3s);  // one clock: leaf1 trains too
  EXPECT_EQ((*leaf1)->port(PortId(9))->oper(), OperState::up);
  // The fiber puts leaf0 and leaf1 in one simulator world: one clock, whichever client waits.
  // `small` has no fiber to them: its clock moves only when its own clients wait.
  EXPECT_EQ((*leaf1)->now(), (*leaf0)->now());
  EXPECT_GE((*leaf0)->now(), 3s);
  EXPECT_EQ((*small)->now(), small0);
  (*leaf1)->sleep_for(250ms);
  EXPECT_EQ((*leaf0)->now(), (*leaf1)->now());
  (*small)->sleep_for(1s);
  EXPECT_EQ((*small)->now(), small0 + 1s);
  EXPECT_EQ((*leaf1)->now(), (*leaf0)->now());
  // Clients of both fibered switches commanding and waiting at once: one world runs both, and
  // each wait delivers the completions of either switch's clients.
  std::atomic<int> failures{0};
  auto churn = [&](Switch& sw, std::uint32_t port) {
    for (int i = 0; i < 40; ++i) {
      if (!sw.set_admin(PortId(port), i % 2 == 0 ? AdminState::up : AdminState::down).ok()) ++failures;
      if (i % 10 == 0) sw.sleep_for(20ms);
    }
  };
  std::thread other([&] { churn(**leaf1, 30); });
  churn(**leaf0, 30);
  other.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*leaf1)->now(), (*leaf0)->now());
  EXPECT_EQ((*leaf0)->port(PortId(30))->admin(), AdminState::down);
  EXPECT_EQ((*leaf1)->port(PortId(30))->admin(), AdminState::down);
  // A laser failure on leaf0 takes the link down on leaf1 as well.
  const LaserRef laser = (*leaf0)->platform().lanes()[(*leaf0)->platform().ports()[5].lanes[0].value()].laser;
  ASSERT_TRUE((*leaf0)->simulator()->fail_laser(laser).ok());
  (*leaf0)->sleep_for(100ms);
  EXPECT_EQ((*leaf0)->port(PortId(5))->oper(), OperState::down);
  EXPECT_EQ((*leaf1)->port(PortId(9))->oper(), OperState::down);
  EXPECT_EQ(d->stop(SIGTERM), 0);
  EXPECT_FALSE(fs::exists(dir.path() / "leaf0.sock"));
}

// A cpo-simd process serving a topology document's switches, one socket each.
class SimdFabric {
 public:
  explicit SimdFabric(const std::string& topology) {
    const auto file = dir_.path() / "fabric.json";
    std::ofstream(file) << topology;
    daemon_ = DaemonProcess::start(CPO_SIMD_PATH,
                                   {"--foreground", "--clock", "virtual", "--log-level", "warn", "--topology",
                                    file.string(), "--socket-dir", dir_.path().string()},
                                   {}, &error_);
  }
  [[nodiscard]] bool ok() const { return daemon_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }
  std::unique_ptr<Switch> open(const std::string& name) {
    auto sw = Switch::open("simd://" + (dir_.path() / (name + ".sock")).string());
    EXPECT_TRUE(sw.ok()) << sw.status().to_string();
    return sw.ok() ? std::move(sw).value() : nullptr;
  }
  [[nodiscard]] DaemonProcess& process() { return *daemon_; }

 private:
  ScratchDir dir_;
  std::string error_;
  std::unique_ptr<DaemonProcess> daemon_;
};

// Where two long texts part: the offset and a little of each from there.
std::string first_difference(const std::string& a, const std::string& b) {
  const auto at = static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
  return "differ at " + std::to_string(at) + ": '" + a.substr(at, 120) + "' vs '" + b.substr(at, 120) + "'";
}

// Two switches no fiber joins are two simulator worlds: a client advancing one for 10 s of
// device time (in 10 ms waits, as a driver's polls) does not move the other's clock, while a
// client of the other runs commands beside it. (Before the per-switch worlds, every wait moved
// the whole fabric: the commanding client's clock jumped with the sleeper's.)
TEST(Simd, ClientsOfUnconnectedSwitchesKeepTheirOwnClocksAndRunBesideEachOther) {
  SimdFabric fabric(R"({"cposdk_topology": 1, "switches": [{"name": "a", "seed": 2}, {"name": "b", "seed": 5}]})");
  ASSERT_TRUE(fabric.ok()) << fabric.error();
  auto a = fabric.open("a");
  auto b = fabric.open("b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->set_admin(PortId(7), AdminState::up).ok());
  const auto a0 = a->now();
  const auto b0 = b->now();
  std::atomic<bool> sleeping{false}, slept{false};
  std::thread sleeper([&] {
    sleeping = true;
    for (int i = 0; i < 1000; ++i) a->sleep_for(10ms);
    slept = true;
  });
  while (!sleeping) std::this_thread::yield();
  std::uint32_t commands = 0, beside = 0;
  bool all_ok = true;
  for (; commands < 40 || !slept; ++commands) {
    const auto state = commands % 2 == 0 ? AdminState::up : AdminState::down;
    all_ok = all_ok && b->set_admin(PortId(20 + commands % 8), state).ok();
    if (!slept) ++beside;
  }
  sleeper.join();
  EXPECT_TRUE(all_ok);
  EXPECT_GT(beside, 0u);  // some of b's commands ran while a's client was waiting
  EXPECT_EQ(a->now() - a0, 10s);
  // b's clock moved only by its own commands' waits (a few hundred microseconds each).
  const auto b_moved = b->now() - b0;
  EXPECT_GT(b_moved, 0ns);
  EXPECT_LT(b_moved, std::chrono::microseconds(1500) * commands) << commands << " commands";
  EXPECT_LT(b_moved, 10s);
  // Both switches did what they were told.
  EXPECT_EQ(a->port(PortId(7))->oper(), OperState::up);
  for (std::uint32_t p = 0; p < 8; ++p) {
    // The last command on port 20 + p was the highest i < commands with i % 8 == p.
    std::uint32_t last = commands - 1;
    while (last % 8 != p) --last;
    EXPECT_EQ(b->port(PortId(20 + p))->admin(), last % 2 == 0 ? AdminState::up : AdminState::down) << p;
  }
}

// Commands, laser ramps and waits of one client per switch: what the switch shows afterwards
// (its whole snapshot, rendered as JSON) depends only on that client's calls, so 3 clients
// commanding 3 unconnected switches at once leave exactly what the same calls leave one
// switch after the other.
TEST(Simd, ParallelClientsOfDifferentSwitchesLeaveWhatASequentialRunLeaves) {
  const std::string topology = R"({"cposdk_topology": 1, "switches": [
      {"name": "s0", "seed": 11}, {"name": "s1", "seed": 12}, {"name": "s2", "seed": 13}]})";
  constexpr std::size_t kSwitches = 3;
  constexpr std::size_t kRounds = 3;
  auto work = [&](Switch& sw, std::size_t index, std::vector<std::string>& out) {
    for (std::size_t round = 0; round < kRounds; ++round) {
      const auto first = static_cast<std::uint32_t>(index * 16 + round * 4);
      for (std::uint32_t p = first; p < first + 6; ++p) {
        if (!sw.set_admin(PortId(p), AdminState::up).ok()) out.push_back("set_admin failed");
      }
      if (!sw.set_fec(PortId(first + 1), round % 2 == 0 ? FecMode::none : FecMode::rs544).ok())
        out.push_back("set_fec failed");
      const LaserRef laser{ElsId(static_cast<std::uint32_t>(index + round)), 1};
      auto limits = sw.laser_limits(laser);
      if (!limits.ok()) {
        out.push_back(limits.status().to_string());
      } else if (!sw.set_laser_power(laser, Milliwatts(limits->max_allowed.value() * 0.8)).ok()) {
        out.push_back("set_laser_power failed");
      }
      sw.sleep_for(1500ms + 250ms * index);
      if (!sw.set_admin(PortId(first + 2), AdminState::down).ok()) out.push_back("set_admin failed");
      sw.sleep_for(300ms);
      auto snap = sw.snapshot();
      out.push_back(snap.ok() ? sw.render_json(*snap) : snap.status().to_string());
    }
  };
  std::vector<std::string> parallel[kSwitches], sequential[kSwitches];
  {
    SimdFabric fabric(topology);
    ASSERT_TRUE(fabric.ok()) << fabric.error();
    std::vector<std::unique_ptr<Switch>> sw;
    for (std::size_t i = 0; i < kSwitches; ++i) sw.push_back(fabric.open("s" + std::to_string(i)));
    for (const auto& s : sw) ASSERT_NE(s, nullptr);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < kSwitches; ++i) threads.emplace_back([&, i] { work(*sw[i], i, parallel[i]); });
    for (auto& t : threads) t.join();
  }
  {
    SimdFabric fabric(topology);
    ASSERT_TRUE(fabric.ok()) << fabric.error();
    for (std::size_t i = 0; i < kSwitches; ++i) {
      auto sw = fabric.open("s" + std::to_string(i));
      ASSERT_NE(sw, nullptr);
      work(*sw, i, sequential[i]);
    }
  }
  for (std::size_t i = 0; i < kSwitches; ++i) {
    ASSERT_EQ(parallel[i].size(), kRounds) << "switch " << i << ": " << parallel[i].front();
    for (std::size_t r = 0; r < kRounds; ++r) {
      EXPECT_THAT(parallel[i][r].substr(0, 200), HasSubstr("\"units\""));
      EXPECT_TRUE(parallel[i][r] == sequential[i][r])
          << "switch " << i << " round " << r << ": " << first_difference(parallel[i][r], sequential[i][r]);
    }
  }
  // Different switches did different things: the comparison would see a mix-up.
  EXPECT_NE(parallel[0].back(), parallel[1].back());
}

TEST(Simd, BadCommandLinesAndTopologiesAreRefusedNamingWhatIsAllowed) {
  ScratchDir dir;
  auto r = run_process(CPO_SIMD_PATH, {"--foreground", "--clock", "fast"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--clock"));
  r = run_process(CPO_SIMD_PATH, {"--foreground", "--topology", "x.json", "--profile", "cpo144"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_process(CPO_SIMD_PATH, {"--foreground", "--profile", "cpo999", "--socket", (dir.path() / "a.sock").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("cpo144"));  // the built-in names
  const auto topo = dir.path() / "bad.json";
  std::ofstream(topo) << R"({"cposdk_topology": 1, "switches": [{"name": "a"}], "links": [["a", 1, "b", 2]]})";
  r = run_process(CPO_SIMD_PATH, {"--foreground", "--topology", topo.string(), "--socket-dir", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("links[0]: unknown switch \"b\""));
  std::ofstream(topo) << R"({"cposdk_topology": 1, "switches": [{"name": "a", "colour": "red"}]})";
  r = run_process(CPO_SIMD_PATH, {"--foreground", "--topology", topo.string(), "--socket-dir", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("switches[0]: unknown key 'colour' (allowed: name, profile, seed, start)"));
  std::ofstream(topo) << R"({"cposdk_topology": 1, "switches": [{"name": "../etc/x"}]})";
  r = run_process(CPO_SIMD_PATH, {"--foreground", "--topology", topo.string(), "--socket-dir", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("switches[0].name: must be 1..64 characters of A-Z a-z 0-9 _ . -"));
  std::ofstream(topo) << R"({"cposdk_topology": 1, "switches": [{"name": "a"}, {"name": "b", "profile": "bailly51t"}],
                             "links": [["a", 0, "b", 200]]})";
  r = run_process(CPO_SIMD_PATH, {"--foreground", "--topology", topo.string(), "--socket-dir", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("link a:0 - b:200"));
  const auto file = dir.path() / "plain";
  std::ofstream(file) << "not a socket";
  r = run_process(CPO_SIMD_PATH, {"--foreground", "--socket", file.string()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.err, HasSubstr("exists and is not a socket"));
}

TEST(Simd, WithoutForegroundItDetachesOnceItServes) {
  ScratchDir dir;
  const std::string sock = (dir.path() / "bg.sock").string();
  // Not under systemd (a NOTIFY_SOCKET inherited from a CI service manager would keep it in
  // the foreground). Virtual clock: a real-time daemon on a loaded CI host can miss the
  // driver's 20 ms command deadlines during the open, which is not what this test is about.
  const auto r = run_process("/usr/bin/env", {"-u", "NOTIFY_SOCKET", CPO_SIMD_PATH, "--socket", sock, "--clock",
                                              "virtual", "--log-level", "warn"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("cpo-simd: serving bg (cpo144"));
  std::ifstream lock(sock + ".lock");
  long pid = 0;
  lock >> pid;
  ASSERT_GT(pid, 0);
  auto sw = Switch::open("simd://" + sock);
  EXPECT_TRUE(sw.ok()) << sw.status().to_string();
  sw = Status(Code::internal, "closed");
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGTERM), 0);
  for (int i = 0; i < 500 && fs::exists(sock); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(fs::exists(sock));
  if (fs::exists(sock)) ::kill(static_cast<pid_t>(pid), SIGKILL);  // never leave it behind
}

TEST(Simd, TheSystemdUnitIsATypeNotifyServiceThatVerifies) {
  std::ifstream in(CPO_SIMD_SERVICE_IN);
  std::stringstream text;
  text << in.rdbuf();
  std::string unit = text.str();
  EXPECT_THAT(unit, HasSubstr("Type=notify"));
  EXPECT_THAT(unit, HasSubstr("RestrictAddressFamilies=AF_UNIX"));
  const auto at = unit.find("@CPO_SIMD_BIN@");
  ASSERT_NE(at, std::string::npos);
  unit.replace(at, 14, CPO_SIMD_PATH);
  std::string analyze;
  for (const char* p : {"/usr/bin/systemd-analyze", "/bin/systemd-analyze"})
    if (fs::exists(p)) analyze = p;
  if (analyze.empty()) GTEST_SKIP() << "systemd-analyze is not installed (package systemd)";
  ScratchDir dir;
  const auto file = dir.path() / "cpo-simd.service";
  std::ofstream(file) << unit;
  const auto r = run_process(analyze, {"verify", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "");
}

}  // namespace
}  // namespace cpo::testing
