// cpoctl driving a switch, as a user runs it: every device command as a process on
// sim://cpo144 (one in-process simulator per process; batch files keep one across lines),
// table and JSON output, every error path with its exit code, and the batch mode.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include "../drivers/pcie_fixtures.h"
#include "../support/run_process.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/sim/simulator.h"

namespace {

using cpo::testing::ProcessResult;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

// cpoctl with its stderr on a terminal (a pseudo-terminal) and stdout piped, as a bring-up
// engineer runs it with `| tee log`.
ProcessResult run_on_terminal(const std::vector<std::string>& args) {
  ProcessResult r;
  int master = -1;
  int slave = -1;
  int out[2] = {-1, -1};
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0 || ::pipe(out) != 0) {
    r.exit_code = -1;
    r.err = "openpty/pipe failed";
    return r;
  }
  std::vector<std::string> argv_text = {CPOCTL_PATH};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(slave, STDERR_FILENO);
    ::close(master);
    ::close(slave);
    ::close(out[0]);
    ::close(out[1]);
    ::execv(CPOCTL_PATH, argv.data());
    ::_exit(127);
  }
  ::close(slave);
  ::close(out[1]);
  // Both until the child closes them (a pseudo-terminal master reads EIO then).
  std::array<pollfd, 2> fds = {pollfd{out[0], POLLIN, 0}, pollfd{master, POLLIN, 0}};
  std::array<std::string*, 2> sinks = {&r.out, &r.err};
  int open = 2;
  while (open > 0 && ::poll(fds.data(), fds.size(), 30000) > 0) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// A scratch folder per test, and the running configuration kept in it (never the user's).
class Cpoctl : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::setenv("CPO_RUNNING_CONFIG", (dir_ / "running.yaml").c_str(), 1);
    ::unsetenv("CPO_DEVICE");
  }
  void TearDown() override {
    ::unsetenv("CPO_RUNNING_CONFIG");
    fs::remove_all(dir_);
  }
  static std::string fmt_name(const std::string& test) {
    return "cpoctl_device_" + test + "_" + std::to_string(::getpid());
  }

  static ProcessResult run(const std::vector<std::string>& args) {
    return cpo::testing::run_process(CPOCTL_PATH, args);
  }
  static std::string fmt_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  // A batch file: the lines run on one open device.
  ProcessResult batch(const std::string& lines, std::vector<std::string> extra = {}) {
    const fs::path file = dir_ / "batch.txt";
    std::ofstream(file) << lines;
    std::vector<std::string> args = {"-f", file.string()};
    args.insert(args.begin(), extra.begin(), extra.end());
    return run(args);
  }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  static std::vector<json> json_lines(const std::string& out) {
    std::vector<json> docs;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && line.front() == '{') docs.push_back(json::parse(line));
    return docs;
  }

  fs::path dir_;
};

// ------------------------------------------------------------------------------ global options

TEST_F(Cpoctl, VersionAndHelpOfEveryCommandWithExamplesNeverOpeningADevice) {
  auto v = run({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.out, HasSubstr("cpoctl 0.1.0"));
  const std::vector<std::vector<std::string>> commands = {{"port", "show"},
                                                          {"port", "set"},
                                                          {"port", "breakout"},
                                                          {"lane", "show"},
                                                          {"lane", "fir"},
                                                          {"lane", "prbs"},
                                                          {"oe", "show"},
                                                          {"els", "show"},
                                                          {"els", "swap"},
                                                          {"laser", "show"},
                                                          {"laser", "set"},
                                                          {"laser", "enable"},
                                                          {"laser", "disable"},
                                                          {"cmis", "dump"},
                                                          {"cmis", "read"},
                                                          {"cmis", "write"},
                                                          {"cmis", "decode"},
                                                          {"telemetry"},
                                                          {"events"},
                                                          {"config", "validate"},
                                                          {"config", "plan"},
                                                          {"config", "apply"},
                                                          {"config", "rollback"},
                                                          {"config", "show-running"},
                                                          {"sim", "advance"},
                                                          {"sim", "fault"},
                                                          {"platform", "show"},
                                                          {"platform", "impact"},
                                                          {"pci", "list"},
                                                          {"pci", "ids"}};
  for (auto args : commands) {
    // A device that cannot be opened: help must not try.
    args.insert(args.begin(), {"--device", "pci://0000:99:00.0"});
    args.push_back("--help");
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Examples:")) << ::testing::PrintToString(args);
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
  auto top = run({"--help"});
  EXPECT_THAT(top.out, HasSubstr("5  refused by a laser-safety or breakout policy"));
  EXPECT_THAT(top.out, HasSubstr("--device"));
}

// The reference driver's URI parameters reach cpoctl unchanged: an accepted deadline opens the
// switch; a refused one is invalid input (exit 3) naming the parameter, value and range.
TEST_F(Cpoctl, DeviceUriCommandTimeoutIsCheckedBeforeAnyCommand) {
  auto wide = run({"--device", "sim://cpo144?command_timeout_ms=500", "--json", "port", "show", "0"});
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_EQ(json::parse(wide.out)["device"], "sim://cpo144?command_timeout_ms=500");
  for (const char* value : {"0", "60001", "-1", "abc", "10ms", ""}) {
    auto bad = run({"--device", fmt::format("sim://cpo144?command_timeout_ms={}", value), "port", "show", "0"});
    EXPECT_EQ(bad.exit_code, 3) << value << ": " << bad.err;
    EXPECT_THAT(bad.err, HasSubstr("command_timeout_ms")) << value;
    EXPECT_THAT(bad.err, HasSubstr("allowed 1..60000")) << value;
    EXPECT_TRUE(bad.out.empty()) << value << ": " << bad.out;
  }
}

TEST_F(Cpoctl, TheDeviceComesFromTheOptionTheEnvironmentOrTheDefault) {
  auto d = run({"--json", "port", "show", "0"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(json::parse(d.out)["device"], "sim://cpo144");
  ::setenv("CPO_DEVICE", "sim://bailly51t", 1);
  auto e = run({"--json", "port", "show", "0"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(json::parse(e.out)["device"], "sim://bailly51t");
  auto o = run({"--device", "sim://davisson102t", "--json", "port", "show", "0"});
  EXPECT_EQ(json::parse(o.out)["device"], "sim://davisson102t");
  ::unsetenv("CPO_DEVICE");
  auto bad = run({"--device", "ftp://x", "port", "show"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_THAT(bad.err, HasSubstr("accepted: sim://PROFILE"));
  auto missing = run({"--device", "sim://nosuch", "port", "show"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, HasSubstr("cpo144"));
}

TEST_F(Cpoctl, JsonIsOneCompactDocumentWithASchemaVersionAndPrettyIndents) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--json", "port", "show", "0-3"},
                                                                {"--json", "lane", "show", "lane0"},
                                                                {"--json", "oe", "show", "oe0"},
                                                                {"--json", "els", "show", "els0"},
                                                                {"--json", "laser", "show", "els0/0"},
                                                                {"--json", "telemetry"},
                                                                {"--json", "platform", "show"}}) {
    auto r = run(args);
    ASSERT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << ::testing::PrintToString(args);
    EXPECT_EQ(json::parse(r.out)["schema_version"], 1) << ::testing::PrintToString(args);
  }
  auto pretty = run({"--json", "--pretty", "port", "show", "0"});
  EXPECT_THAT(pretty.out, HasSubstr("\n  \"schema_version\": 1,\n"));
}

TEST_F(Cpoctl, UsageErrorsExitTwo) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"port"},
                                             {"port", "set", "0", "colour", "red"},
                                             {"port", "set", "0"},
                                             {"lane", "prbs", "dance", "lane0"},
                                             {"lane", "fir", "lane0"},
                                             {"laser", "set", "els7/3"},
                                             {"laser", "set", "els7/3", "--power-dbm", "1", "--power-mw", "1"},
                                             {"telemetry", "--format", "xml"},
                                             {"sim", "fault", "meteor"},
                                             {"sim", "fault", "laser-fail"},
                                             {"config", "apply"},
                                             {"--log-level", "loud", "port", "show"},
                                             {"-f", "x", "port", "show"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << ::testing::PrintToString(args);
  }
}

// ------------------------------------------------------------------------------ ports and lanes

TEST_F(Cpoctl, PortShowPrintsATableAndJson) {
  auto t = run({"port", "show", "0-1,Ethernet236"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_THAT(t.out, HasSubstr("PORT  NAME         SUB-PORTS  BREAKOUT      ADMIN  OPER  SPEED  FEC    RX MIN dBm  "
                               "RX MAX dBm  PRE-FEC BER  MTU\n"));
  EXPECT_THAT(t.out, HasSubstr("\n59    Ethernet236  1          1x800G[400G]  down   down  800G   rs544  "));
  EXPECT_THAT(t.out, HasSubstr("  9100\n")) << "SONiC's default MTU, as the reference device 1.3 reports it";
  EXPECT_EQ(std::count(t.out.begin(), t.out.end(), '\n'), 4);
  auto j = run({"--json", "port", "show", "59"});
  const json p = json::parse(j.out)["ports"][0];
  for (const char* key : {"port", "name", "alias", "subports", "subport_names", "breakout", "admin", "oper",
                          "admin_subports", "oper_subports", "speed_gbps", "fec", "rx_power_min_dbm",
                          "rx_power_max_dbm", "pre_fec_ber", "down_cause", "faults", "mtu"})
    EXPECT_TRUE(p.contains(key)) << key;
  EXPECT_EQ(p["name"], "Ethernet236");
  EXPECT_EQ(p["alias"], "etp60");
  EXPECT_EQ(p["breakout"], "1x800G[400G]");
  auto all = run({"--json", "port", "show"});
  EXPECT_EQ(json::parse(all.out)["ports"].size(), 144u);
}

TEST_F(Cpoctl, PortObjectsOutsideThePlatformOrOfAnotherKindExitThree) {
  struct Case {
    std::vector<std::string> args;
    const char* fragment;
  };
  for (const auto& c :
       {Case{{"port", "show", "144"}, "port 144 does not exist (ports 0..143"},
        Case{{"port", "show", "els7"}, "'els7' is an ELS; expected ports or sub-ports"},
        Case{{"port", "set", "0", "admin", "sideways"}, "admin state 'sideways' (allowed: up, down)"},
        Case{{"port", "set", "0", "fec", "turbo"}, "turbo"},
        Case{{"port", "set", "59/2", "admin", "up"}, "port 59/2 does not exist"},
        Case{{"port", "breakout", "0", "8x100G"}, "allowed: 1x800G[400G], 2x400G, 4x200G"},
        Case{{"lane", "show", "lane576"}, "lane 576"}, Case{{"lane", "fir", "lane0", "--main", "500"}, "main"},
        Case{{"lane", "prbs", "start", "lane0", "--pattern", "prbs99"}, "allowed: prbs7"},
        Case{{"oe", "show", "oe24"}, "oe 24"}, Case{{"els", "show", "els18"}, "els 18"},
        Case{{"laser", "show", "els7/9"}, "els 7 has lasers 0..7"},
        Case{{"laser", "set", "els7", "--power-mw", "90"}, "expected one laser"}}) {
    auto r = run(c.args);
    EXPECT_EQ(r.exit_code, 3) << ::testing::PrintToString(c.args) << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.fragment)) << ::testing::PrintToString(c.args);
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST_F(Cpoctl, PortSetAndBreakoutChangeTheSwitchWithinABatch) {
  auto r = batch(R"(# admin, FEC and breakout on one device
port breakout 0-3 4x200G
port set 0-3 admin up
port set 0/2 admin down
port set 8 fec none
port breakout 16-31 2x400G --dry-run
--json port show 0,8,16
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("port 0: 1x800G[400G] -> 4x200G\n"));
  EXPECT_THAT(r.out, HasSubstr("4 ports changed, 16 logical ports created, 4 removed"));
  EXPECT_THAT(r.out, HasSubstr("dry run: would be 16 ports changed, 32 logical ports created, 16 removed"));
  const auto docs = json_lines(r.out);
  ASSERT_EQ(docs.size(), 1u);
  const json& ports = docs[0]["ports"];
  EXPECT_EQ(ports[0]["breakout"], "4x200G");
  EXPECT_EQ(ports[0]["admin_subports"], json::array({"up", "up", "down", "up"}));
  EXPECT_EQ(ports[0]["subport_names"], json::array({"Ethernet0", "Ethernet1", "Ethernet2", "Ethernet3"}));
  EXPECT_EQ(ports[1]["fec"], "none");
  EXPECT_EQ(ports[2]["breakout"], "1x800G[400G]") << "a dry run changes nothing";
}

TEST_F(Cpoctl, ABreakoutAcrossABankIsRefusedWithExitFive) {
  // A 16-lane profile whose second bank takes lanes 6, 7 and 10..15: port 1 straddles both.
  const fs::path profile = write("split_bank.json", R"({
  "schema_version": 1, "name": "splitbank", "port_speed_gbps": 800, "lane_rate_gbps": 200,
  "lanes_per_bank": 8, "breakout_modes": ["2x400G", "1x800G[400G]", "4x200G"],
  "units": [{"id": 0}],
  "ports": [{"id": 0, "unit": 0, "lanes": [0, 1, 2, 3]}, {"id": 1, "unit": 0, "lanes": [4, 5, 6, 7]},
            {"id": 2, "unit": 0, "lanes": [8, 9, 10, 11]}, {"id": 3, "unit": 0, "lanes": [12, 13, 14, 15]}],
  "optical_engines": [{"id": 0, "unit": 0, "banks": [[0, 1, 2, 3, 4, 5, 8, 9], [6, 7, 10, 11, 12, 13, 14, 15]]}],
  "els": [{"id": 0, "lasers": [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]}]
})");
  auto r = run({"--device", "sim://" + profile.string(), "port", "breakout", "1", "1x800G"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("one CMIS bank of one optical engine"));
}

TEST_F(Cpoctl, LaneShowFirAndPrbs) {
  auto r = batch(R"(lane fir lane16-19 --pre -3 --post -6
lane prbs start lane20 --pattern prbs13q
sim advance 1s
--json lane show 4
--json lane prbs show lane20
lane prbs stop lane20
lane show lane20
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("lane16: tx FIR pre -3 main 52 post -6\n"));
  const auto docs = json_lines(r.out);
  ASSERT_EQ(docs.size(), 2u);
  const json& lanes = docs[0]["lanes"];
  ASSERT_EQ(lanes.size(), 4u);
  EXPECT_EQ(lanes[0]["lane"], 16);
  EXPECT_EQ(lanes[0]["tx_fir"], (json{{"pre", -3}, {"main", 52}, {"post", -6}}));
  EXPECT_EQ(lanes[0]["oe"], 0);
  EXPECT_EQ(docs[1]["lanes"][0]["pattern"], "prbs13q");
  EXPECT_EQ(docs[1]["lanes"][0]["generator"], true);
  EXPECT_THAT(r.out, HasSubstr("LANE    PORT  OE/BANK    LASER   RX dBm"));
  EXPECT_THAT(r.out, HasSubstr("\nlane20  5/0   oe0/bank2  els0/"));
}

// ------------------------------------------------------------------------------ optics

TEST_F(Cpoctl, OeElsAndLaserShow) {
  auto oe = run({"oe", "show", "oe0-1"});
  ASSERT_EQ(oe.exit_code, 0) << oe.err;
  EXPECT_THAT(oe.out, HasSubstr("OE   UNIT  MODULE STATE  TEMP C  VCC V  POWER W  FAULTS  FLAGS  DATA PATHS\n"));
  EXPECT_THAT(oe.out, HasSubstr("bank0: 8 Activated; bank1: 8 Activated; bank2: 8 Activated"));
  auto oj = json::parse(run({"--json", "oe", "show", "oe5"}).out);
  EXPECT_EQ(oj["optical_engines"][0]["module_state"], "ModuleReady");
  EXPECT_EQ(oj["optical_engines"][0]["banks"].size(), 3u);
  auto els = run({"els", "show", "els7"});
  EXPECT_THAT(els.out, HasSubstr("els7  yes      ModuleReady"));
  EXPECT_THAT(els.out, HasSubstr("8/8"));
  auto ej = json::parse(run({"--json", "els", "show"}).out);
  EXPECT_EQ(ej["els"].size(), 18u);
  auto lasers = run({"laser", "show", "els7"});
  EXPECT_THAT(lasers.out, HasSubstr("els7/3  on     yes      100.00        100.00    20.00"));
  EXPECT_THAT(lasers.out, HasSubstr("59/0"));
  auto lj = json::parse(run({"--json", "laser", "show", "els7/3"}).out);
  EXPECT_EQ(lj["lasers"][0]["ports"], json::array({"59/0"}));
  EXPECT_EQ(lj["lasers"][0]["enabled"], true);
}

TEST_F(Cpoctl, LaserSetEnableDisableUnderTheSafetyPolicy) {
  auto set = run({"laser", "set", "els7/3", "--power-dbm", "19", "--ramp-db-per-s", "5"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_THAT(set.out, HasSubstr("els7/3: power set-point 79.43 mW (19.00 dBm)"));
  auto high = run({"laser", "set", "els7/3", "--power-dbm", "22"});
  EXPECT_EQ(high.exit_code, 5);
  EXPECT_THAT(high.err,
              HasSubstr("els 7 laser 3: power 158.49 mW (22.00 dBm) is outside the module's advertised range"));
  auto fast = run({"laser", "set", "els7/3", "--power-mw", "90", "--ramp-db-per-s", "50"});
  EXPECT_EQ(fast.exit_code, 5);
  auto r = batch(R"(port set 59 admin up
laser disable els7/3
)");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("port 59/0"));
  EXPECT_THAT(r.err, HasSubstr("batch.txt:2: `laser disable els7/3` failed with exit code 5"));
  auto forced = batch(R"(port set 59 admin up
laser disable els7/3 --force
--json laser show els7/3
)");
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_THAT(forced.out, HasSubstr("els7/3: disabled (forced)"));
  EXPECT_EQ(json_lines(forced.out).at(0)["lasers"][0]["enabled"], false);
}

TEST_F(Cpoctl, LaserEnableRunsTheFiberCheck) {
  auto r = batch(R"(laser disable els7/3
laser enable els7/3 --power-mw 90
--json laser show els7/3
sim fault dirty-connector els7/4 6
laser disable els7/4
laser enable els7/4
)");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.out, HasSubstr("els7/3: disabled\n"));
  EXPECT_THAT(r.out, HasSubstr("els7/3: fiber check ok (loss 1.50 dB, allowed 3.00 dB); enabled\n"));
  const auto docs = json_lines(r.out);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["lasers"][0]["enabled"], true);
  EXPECT_NEAR(docs[0]["lasers"][0]["power_setpoint_mw"].get<double>(), 90.0, 0.01);
  EXPECT_THAT(r.err, HasSubstr("excess loss 6.00 dB"));
  EXPECT_THAT(r.err, HasSubstr("batch.txt:6: `laser enable els7/4` failed with exit code 5"));
}

TEST_F(Cpoctl, AnOpenInterlockRefusesLaserEnableWithExitFiveAndClosingLightsNothing) {
  auto r = batch(R"(sim fault interlock-open els7
--json els show els7
laser enable els7/3
)");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.out, HasSubstr("els7: interlock open, every laser off\n"));
  EXPECT_EQ(json_lines(r.out).at(0)["els"][0]["faults"], "interlock_open");
  EXPECT_EQ(json_lines(r.out).at(0)["els"][0]["lasers_on"], 0);
  EXPECT_THAT(r.err, HasSubstr("els 7 laser 3: refused: els 7 interlock open"));
  EXPECT_THAT(r.err, HasSubstr("batch.txt:3: `laser enable els7/3` failed with exit code 5"));
  auto closed = batch(R"(sim fault interlock-open els7
sim fault interlock-close els7
sim advance 1s
--json laser show els7/3
laser enable els7/3
)");
  ASSERT_EQ(closed.exit_code, 0) << closed.err;
  EXPECT_THAT(closed.out, HasSubstr("els7: interlock closed (its lasers stay off until enabled)\n"));
  const auto docs = json_lines(closed.out);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["lasers"][0]["state"], "off");
  EXPECT_EQ(docs[0]["lasers"][0]["fault"], "interlock_open");
  EXPECT_THAT(closed.out, HasSubstr("els7/3: fiber check ok (loss 1.50 dB, allowed 3.00 dB); enabled\n"));
  EXPECT_EQ(run({"sim", "fault", "interlock-close", "els7"}).exit_code, 3) << "already closed";
}

TEST_F(Cpoctl, ElsSwapReportsEveryStep) {
  auto r = run({"els", "swap", "els2", "--sim-technician"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* step : {"deinit_data_paths", "lasers_off", "wait_removal", "wait_insertion", "fiber_check", "ramp",
                           "reinit_data_paths", "restore_admin"})
    EXPECT_THAT(r.out, HasSubstr(std::string("  ") + step)) << step;
  EXPECT_THAT(r.out, HasSubstr("els2: new module lit"));
  auto j = run({"--json", "els", "swap", "els2", "--sim-technician"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["lasers_lit"], true);
  EXPECT_EQ(doc["steps"].size(), 8u);
  EXPECT_EQ(doc["fiber_checks"].size(), 8u);
  // Nobody removes the module: the step's deadline passes (device time).
  auto t = run({"els", "swap", "els2", "--removal-timeout", "2s"});
  EXPECT_EQ(t.exit_code, 4);
  EXPECT_THAT(t.out, HasSubstr("remove els2 now"));
  EXPECT_THAT(t.err, HasSubstr("wait_removal"));
}

// ------------------------------------------------------------------------------ CMIS

TEST_F(Cpoctl, CmisDumpReadsBackThroughCmisDecodeWithIdenticalFields) {
  for (const auto& target : std::vector<std::vector<std::string>>{
           {"--oe", "5", "--bank", "1"}, {"--els", "7"}, {"--port", "Ethernet236"}, {"--els", "7", "--page", "1a"}}) {
    std::vector<std::string> args = {"--json", "cmis", "dump"};
    args.insert(args.end(), target.begin(), target.end());
    auto r = run(args);
    ASSERT_EQ(r.exit_code, 0) << ::testing::PrintToString(target) << r.err;
    json doc = json::parse(r.out);
    const fs::path file = write("dump.txt", doc["hexdump"].get<std::string>());
    auto decoded = run({"--json", "cmis", "decode", file.string()});
    ASSERT_EQ(decoded.exit_code, 0) << decoded.err << doc["hexdump"].get<std::string>();
    json fields = json::parse(decoded.out);
    fields.erase("schema_version");  // the decode document's own; `decoded` sits inside the dump's
    EXPECT_EQ(fields, doc["decoded"]) << ::testing::PrintToString(target);
  }
  auto text = run({"cmis", "dump", "--port", "59"});
  EXPECT_THAT(text.out, HasSubstr("EEPROM hexdump for port Ethernet236\nLower page 0h\n00000000 19 "));
  EXPECT_THAT(text.out, HasSubstr("\nUpper page 11h bank 2\n00000080 "));
  auto els = run({"cmis", "dump", "--els", "7"});
  EXPECT_THAT(els.out, HasSubstr("\nUpper page 1ah bank 0\n"));
}

// davisson102t serves the ELSFP pages at B0h/B1h (els_cmis_page_map): `cmis dump` shows them
// under their OIF-ELSFP numbers, --raw-pages where the module serves them, and `cmis decode
// --profile` reads the raw dump through the profile's map.
TEST_F(Cpoctl, CmisDumpOfARelocatedElsLogicalRawAndDecodedThroughTheProfile) {
  auto logical = run({"--device", "sim://davisson102t", "--json", "cmis", "dump", "--els", "3"});
  ASSERT_EQ(logical.exit_code, 0) << logical.err;
  const json logical_doc = json::parse(logical.out);
  EXPECT_THAT(logical_doc["hexdump"].get<std::string>(), HasSubstr("\nUpper page 1ah bank 0\n"));
  EXPECT_THAT(logical_doc["hexdump"].get<std::string>(), ::testing::Not(HasSubstr("page b0h")));
  auto raw = run({"--device", "sim://davisson102t", "--json", "cmis", "dump", "--els", "3", "--raw-pages"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  const json raw_doc = json::parse(raw.out);
  const std::string hexdump = raw_doc["hexdump"].get<std::string>();
  EXPECT_THAT(hexdump, HasSubstr("\nUpper page b0h bank 0\n"));
  EXPECT_THAT(hexdump, HasSubstr("\nUpper page b1h bank 0\n"));
  EXPECT_THAT(hexdump, ::testing::Not(HasSubstr("page 1ah")));
  // The dump's own decoding goes through the map: the same ELSFP fields either way.
  const json& want = logical_doc["decoded"]["banks"][0]["page_1ah"];
  ASSERT_TRUE(want.is_object());
  EXPECT_EQ(raw_doc["decoded"]["banks"][0]["page_1ah"]["max_optical_power_mw"], want["max_optical_power_mw"]);
  const fs::path file = write("els3-raw.txt", hexdump);
  auto plain = run({"--json", "cmis", "decode", file.string()});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(json::parse(plain.out)["banks"], json::array());  // B0h/B1h mean nothing to a standard host
  auto mapped = run({"--json", "cmis", "decode", "--profile", "davisson102t", file.string()});
  ASSERT_EQ(mapped.exit_code, 0) << mapped.err;
  const json decoded = json::parse(mapped.out);
  EXPECT_EQ(decoded["pages"], json::array({"lower", "00h", "01h", "02h", "1ah bank 0", "1bh bank 0"}));
  EXPECT_EQ(decoded["banks"][0]["page_1ah"]["max_optical_power_mw"], want["max_optical_power_mw"]);
  EXPECT_EQ(decoded["banks"][0]["page_1bh"], raw_doc["decoded"]["banks"][0]["page_1bh"]);
  // A raw read names the module page; the standard number is not served there.
  auto b0 = run({"--device", "sim://davisson102t", "cmis", "read", "--els", "3", "--page", "b0", "--raw-pages",
                 "--offset", "128", "--length", "4"});
  ASSERT_EQ(b0.exit_code, 0) << b0.err;
  EXPECT_EQ(b0.out, "els 3 module page B0h byte 128: 3a 98 07 d0\n");  // 150 mW, 20 mW, as at 1Ah
  auto unserved = run({"--device", "sim://davisson102t", "cmis", "read", "--els", "3", "--page", "1a", "--raw-pages"});
  EXPECT_EQ(unserved.exit_code, 3) << unserved.err;
  EXPECT_THAT(unserved.err, HasSubstr("els 3 module page 1Ah byte 128"));
  auto no_profile = run({"cmis", "decode", "--profile", "nosuch", file.string()});
  EXPECT_EQ(no_profile.exit_code, 3) << no_profile.err;
  EXPECT_THAT(no_profile.err, HasSubstr("built-in profiles: cpo144, bailly51t, davisson102t"));
}

TEST_F(Cpoctl, CmisReadWriteAndTheirRefusals) {
  auto r = run({"cmis", "read", "--els", "7", "--page", "1a", "--offset", "128", "--length", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "els 7 page 1Ah byte 128: 3a 98 07 d0\n");  // 150 mW, 20 mW (page 1Ah advertisement)
  auto w = batch(R"(cmis write --els 7 --page 1a --offset 198 01
--json cmis read --els 7 --page 1a --offset 198
)");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(json_lines(w.out).at(0)["bytes"], json::array({1}));
  auto laser = run({"cmis", "write", "--els", "7", "--page", "1a", "--offset", "220", "00"});
  EXPECT_EQ(laser.exit_code, 5);
  EXPECT_THAT(laser.err, HasSubstr("use laser enable/disable/set"));
  auto across = run({"cmis", "read", "--oe", "0", "--offset", "120", "--length", "16"});
  EXPECT_EQ(across.exit_code, 3);
  EXPECT_THAT(across.err, HasSubstr("stays within bytes 0..127 or 128..255"));
  auto bad = run({"cmis", "write", "--oe", "0", "--page", "10", "--offset", "128", "zz"});
  EXPECT_EQ(bad.exit_code, 3);
  auto none = run({"cmis", "dump"});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_THAT(none.err, HasSubstr("give exactly one of --oe N --bank B, --els N, --port P"));
  auto bank = run({"cmis", "dump", "--oe", "0", "--bank", "3"});
  EXPECT_EQ(bank.exit_code, 3);
  EXPECT_THAT(bank.err, HasSubstr("oe 0 has banks 0..2"));
}

// ------------------------------------------------------------------------------ telemetry, events

TEST_F(Cpoctl, TelemetryInThreeRenderings) {
  auto t = run({"telemetry"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_THAT(t.out, HasSubstr("sim://cpo144 (cpo144): 4 units, 144 logical ports, optics "));
  EXPECT_THAT(
      t.out,
      HasSubstr(
          "PORT   NAME         SPEED  ADMIN  OPER  RX MIN dBm  PRE-FEC BER  FEC CORR  FEC UNCORR  W     pJ/bit\n"));
  EXPECT_THAT(t.out, HasSubstr("\n59/0   Ethernet236  800G   down   down  "));
  auto j = run({"telemetry", "--format", "json"});
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["platform"], "cpo144");
  auto p = run({"telemetry", "--format", "prometheus"});
  EXPECT_THAT(p.out, HasSubstr("# TYPE cpo_switch_info gauge\n"));
  auto w = run({"--json", "telemetry", "--watch", "5", "--count", "3"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const auto docs = json_lines(w.out);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_LT(docs[0]["units"][0]["timestamp_ns"].get<double>(), docs[2]["units"][0]["timestamp_ns"].get<double>());
}

TEST_F(Cpoctl, EventsOfABatchAndTheirTimeout) {
  auto r = batch(R"(sim fault laser-fail els1/1
events --count 1 --timeout 2s --type laser_fault
--json events --count 1 --timeout 2s --type link_change
)");
  // No link is up: the second wait ends without its event.
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.out, HasSubstr("laser_fault els 1 laser 1 code=apc_loop"));
  EXPECT_THAT(r.err, HasSubstr("0 of 1 events within 2s"));
  EXPECT_THAT(r.err, HasSubstr("batch.txt:3:"));
  auto f = batch(R"(port set 9 admin up
events --follow --count 1 --timeout 5s --type link_change
)",
                 {"--json"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const auto docs = json_lines(f.out);
  ASSERT_EQ(docs.size(), 2u);  // the port set, then the link coming up (loopback plug, 1 s of training)
  EXPECT_EQ(docs[1]["type"], "link_change");
  EXPECT_EQ(docs[1]["object"], "port 9/0");
  EXPECT_EQ(f.out.substr(f.out.find("\n") + 1, 19), "{\"schema_version\":1");
}

// ------------------------------------------------------------------------------ sim

// A device that is not simulated: pci:// over a fake sysfs tree whose resource0 files are the
// register windows of a real-time simulator in this test process (as the conformance suite
// builds it). cpoctl maps them like a server's BARs and sees hardware: no simulator control.
TEST_F(Cpoctl, SimCommandsAreRefusedOnADeviceThatIsNotSimulated) {
  cpo::testing::TempDir tmp;
  const fs::path root = tmp.path() / "bus" / "pci";
  std::vector<std::uint8_t> config;
  for (auto& f : cpo::testing::read_dump(fs::path(CPOSDK_TEST_DATA) / "pci" / "switch_box.dump"))
    if (f.bdf == "0000:04:00.0") config = f.config;
  ASSERT_FALSE(config.empty());
  cpo::sim::SimOptions options;
  options.clock = cpo::sim::ClockMode::real_time;
  std::vector<void*> maps;
  std::string bdfs;
  for (int u = 0; u < 4; ++u) {
    cpo::testing::FakeDevice dev;
    dev.bdf = fmt::format("0000:0{}:00.0", 4 + u);
    dev.config = config;
    dev.bar_sizes = {cpo::refdev::kWindowBytes, 0, 0, 0, 0, 0};
    cpo::testing::write_fake_device(root, dev);
    const int fd = ::open((root / "devices" / dev.bdf / "resource0").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    void* mem = ::mmap(nullptr, cpo::refdev::kWindowBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    ASSERT_NE(mem, MAP_FAILED);
    maps.push_back(mem);
    options.unit_memory.push_back(mem);
    bdfs += (bdfs.empty() ? "" : ",") + dev.bdf;
  }
  {
    auto sim = cpo::sim::Switch::create(options);
    ASSERT_TRUE(sim.ok()) << sim.status().to_string();
    // A real-time simulator: a loaded host may starve it past the default 30 ms deadline.
    const std::string uri =
        fmt::format("pci://{}?profile=cpo144&sysfs={}&command_timeout_ms=2000", bdfs, root.string());
    auto show = run({"--device", uri, "--json", "port", "show", "0"});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    EXPECT_EQ(json::parse(show.out)["ports"][0]["breakout"], "1x800G[400G]");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"sim", "advance", "1s"}, {"sim", "fault", "laser-fail", "els1/1"}, {"sim", "fault", "clear"}}) {
      std::vector<std::string> full = {"--device", uri};
      full.insert(full.end(), args.begin(), args.end());
      auto r = run(full);
      EXPECT_EQ(r.exit_code, 3) << ::testing::PrintToString(args) << r.err;
      EXPECT_THAT(r.err, HasSubstr("is not a simulated switch"));
    }
  }
  for (void* m : maps) ::munmap(m, cpo::refdev::kWindowBytes);
}

TEST_F(Cpoctl, SimAdvanceAndFaults) {
  auto r = batch(R"(sim advance 1500ms
sim fault fiber-loss 12 9.5
sim fault over-temperature oe5 30
sim fault els-remove els3
--json els show els3
sim fault els-insert els3
sim fault clear
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("advanced 1.500000 s, device time "));
  EXPECT_THAT(r.out, HasSubstr("1 port: front-panel fiber 9.50 dB"));
  EXPECT_EQ(json_lines(r.out).at(0)["els"][0]["present"], false);
  auto bad = run({"sim", "advance", "soon"});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_THAT(bad.err, HasSubstr("examples: 5s, 100ms"));
  auto twice = batch("sim fault els-remove els3\nsim fault els-remove els3\n");
  EXPECT_EQ(twice.exit_code, 3);
}

// ------------------------------------------------------------------------------ batch

TEST_F(Cpoctl, ABatchStopsAtItsFirstFailureNamingTheLineUnlessKeepGoing) {
  const std::string script = R"(# a bring-up sequence
port breakout 0-1 4x200G

port set 0-1 admin up   # both
port set 200 admin up
--json port show 0
)";
  auto r = batch(script);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("batch.txt:5: `port set 200 admin up` failed with exit code 3"));
  EXPECT_THAT(r.out, Not(HasSubstr("schema_version"))) << "the run stops at line 5";
  auto k = batch(script, {"--keep-going"});
  EXPECT_EQ(k.exit_code, 3) << "the first failure's exit code";
  const auto docs = json_lines(k.out);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["ports"][0]["admin"], "up");
  // From stdin, pasted lines may keep their `cpoctl`.
  const fs::path file = write("stdin.txt", "cpoctl port set 3 admin up\ncpoctl --json port show 3\n");
  auto s = cpo::testing::run_process("/bin/sh",
                                     {"-c", std::string("exec \"$0\" -f - < \"$1\""), CPOCTL_PATH, file.string()});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(json_lines(s.out).at(0)["ports"][0]["admin"], "up");
  auto missing = run({"-f", (dir_ / "nope.txt").string()});
  EXPECT_EQ(missing.exit_code, 3);
  auto quote = batch("port show \"0\n");
  EXPECT_EQ(quote.exit_code, 2);
  EXPECT_THAT(quote.err, HasSubstr("unterminated"));
}

// ------------------------------------------------------------------------------ config

constexpr const char* kDoc = R"(schema_version: 1
ports:
  - port: 0-3
    breakout: 4x200G
    admin: up
  - port: 8
    fec: none
lasers:
  - {laser: els0/0, power_mw: 90}
)";

TEST_F(Cpoctl, ConfigValidateReportsEveryIssueWithItsPath) {
  const fs::path good = write("good.yaml", kDoc);
  auto ok = run({"config", "validate", good.string()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("valid for sim://cpo144 (2 port entries, 1 laser entry)"));
  const fs::path bad = write("bad.yaml", R"(schema_version: 1
ports:
  - {port: 0, breakout: 8x100G}
  - {port: 300, admin: up}
lasers:
  - {laser: els7/3, power_mw: 500}
)");
  auto r = run({"config", "validate", bad.string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("3 issues"));
  EXPECT_THAT(r.err, HasSubstr("ports[0].breakout: port 0: breakout mode '8x100G' is not supported"));
  EXPECT_THAT(r.err, HasSubstr("ports[1].port: port 300 does not exist"));
  EXPECT_THAT(r.err, HasSubstr("lasers[0].power_mw: els 7 laser 3: 500 mW"));
  auto j = run({"--json", "config", "validate", bad.string()});
  EXPECT_EQ(j.exit_code, 3);
  const json doc = json::parse(j.out);
  EXPECT_EQ(doc["valid"], false);
  ASSERT_EQ(doc["issues"].size(), 3u);
  EXPECT_EQ(doc["issues"][2]["path"], "lasers[0].power_mw");
  EXPECT_EQ(doc["issues"][2]["code"], "safety_refused");
  const fs::path policy = write("policy.yaml", "schema_version: 1\nlasers:\n  - {laser: els7/3, power_mw: 500}\n");
  EXPECT_EQ(run({"config", "validate", policy.string()}).exit_code, 5);
  const fs::path malformed = write("malformed.json", "{\"schema_version\": 1,,}");
  auto m = run({"config", "validate", malformed.string()});
  EXPECT_EQ(m.exit_code, 3);
  EXPECT_THAT(m.err, HasSubstr("malformed JSON at line 1"));
  auto none = run({"config", "validate", (dir_ / "none.yaml").string()});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_THAT(none.err, HasSubstr("no such file"));
}

TEST_F(Cpoctl, ConfigPlanApplyReapplyRollbackAndShowRunning) {
  const fs::path doc = write("switch.yaml", kDoc);
  auto plan = run({"config", "plan", doc.string()});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("10 operations (10 on the device), in this order:"));
  EXPECT_THAT(plan.out, HasSubstr("1   ~  port 0  breakout  1x800G[400G]  4x200G  ports[0].breakout"));
  EXPECT_THAT(plan.out, HasSubstr("10  +  port 3  admin     down          up      ports[0].admin"));
  auto pj = json::parse(run({"--json", "config", "plan", doc.string()}).out);
  EXPECT_EQ(pj["device_operations"], 10);
  EXPECT_EQ(pj["operations"][5], (json{{"kind", "laser_power"},
                                       {"object", "els0/0"},
                                       {"field", "power_mw"},
                                       {"from", "100"},
                                       {"to", "90"},
                                       {"source", "lasers[0].power_mw"},
                                       {"deferred", false},
                                       {"device", true}}));
  auto r = batch(fmt_lines({"--json config apply " + doc.string(), "--json config apply " + doc.string(),
                            "config show-running", "config rollback", "--json config plan " + doc.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto docs = json_lines(r.out);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0]["ok"], true);
  EXPECT_EQ(docs[0]["applied"], 10);
  EXPECT_GT(docs[0]["device_writes"].get<int>(), 0);
  EXPECT_EQ(docs[0]["persisted"], (dir_ / "running.yaml").string());
  EXPECT_EQ(docs[1]["applied"], 0);
  EXPECT_EQ(docs[1]["device_writes"], 0) << "applying the same document twice writes nothing";
  EXPECT_THAT(r.out, HasSubstr("# running configuration of sim://cpo144\nschema_version: 1\nplatform: cpo144\n"));
  EXPECT_THAT(r.out, HasSubstr("  - port: 0-3\n    breakout: 4x200G\n    admin: up\n"));
  EXPECT_THAT(r.out, HasSubstr("rolled back to "));
  EXPECT_EQ(docs[2]["device_operations"], 10) << "the rollback restored the power-on state";
}

TEST_F(Cpoctl, TheRunningConfigurationSurvivesARestart) {
  const fs::path doc = write("switch.yaml", kDoc);
  auto first = run({"config", "apply", doc.string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("10 operations applied and verified"));
  EXPECT_TRUE(fs::exists(dir_ / "running.yaml"));
  // A new process is a restarted switch (sim:// lives in the process): re-apply the running
  // configuration; only what differs from power-on is written.
  auto again = run({"--json", "config", "apply", "--running"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const json d = json::parse(again.out);
  std::set<std::string> objects;
  for (const auto& op : d["operations"]) objects.insert(op["object"].get<std::string>());
  EXPECT_EQ(objects, (std::set<std::string>{"0", "1", "2", "3", "8", "els0/0"}));
  auto show = batch("config apply --running -q\nconfig show-running --format json\n");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json running = json::parse(show.out);
  EXPECT_EQ(running["ports"][0]["port"], "0-3");
  EXPECT_EQ(running["ports"][0]["breakout"], "4x200G");
  // The running configuration before a changing apply is kept for `config rollback`.
  EXPECT_TRUE(fs::exists(dir_ / "running.yaml.previous"));
}

TEST_F(Cpoctl, AFailedApplyRollsBackAndExitsWithTheDeviceError) {
  // Op 2 of 2 fails on unit 3 (hung firmware is not injectable from cpoctl, a refused
  // laser enable is): the first operation is rolled back.
  const fs::path doc = write("fails.yaml", R"(schema_version: 1
ports:
  - {port: 0, fec: none}
lasers:
  - {laser: els7/4, enabled: true}
)");
  auto r = batch(fmt_lines({"laser disable els7/4", "sim fault dirty-connector els7/4 6",
                            "--json config apply " + doc.string(), "--json port show 0"}));
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr("operation 2 of 2"));
  EXPECT_THAT(r.err, HasSubstr("rolled back: the switch runs its previous configuration"));
  const auto docs = json_lines(r.out);
  ASSERT_GE(docs.size(), 1u);
  EXPECT_EQ(docs[0]["ok"], false);
  EXPECT_EQ(docs[0]["rolled_back"], true);
  EXPECT_FALSE(fs::exists(dir_ / "running.yaml")) << "a failed apply persists nothing";
}

// Long operations draw one updating progress line on a terminal and stay quiet when piped,
// with --json and with -q.
TEST_F(Cpoctl, ProgressShowsOnATerminalAndStaysQuietWhenPipedOrAsked) {
  const fs::path doc = write("doc.yaml", "schema_version: 1\nports:\n  - {port: 0-3, fec: none}\n");
  auto tty = run_on_terminal({"config", "apply", doc.string()});
  ASSERT_EQ(tty.exit_code, 0) << tty.err;
  EXPECT_THAT(tty.err, HasSubstr("\r\033[Kapply 1/4: port 0: fec rs544 -> none"));
  EXPECT_THAT(tty.err, HasSubstr("apply 4/4: port 3"));
  EXPECT_THAT(tty.out, HasSubstr("4 operations applied and verified"));
  for (const std::vector<std::string>& quiet : {std::vector<std::string>{"-q", "config", "apply", doc.string()},
                                                std::vector<std::string>{"--json", "config", "apply", doc.string()}}) {
    auto r = run_on_terminal(quiet);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.err, Not(HasSubstr("apply 1/"))) << ::testing::PrintToString(quiet);
  }
  auto piped = run({"config", "apply", doc.string()});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_THAT(piped.err, Not(HasSubstr("apply 1/")));
}

// Applies by two cpoctl processes to one device run one at a time: one that cannot wait
// long enough for the other's lock fails naming it (exit 3) and changes nothing; it goes
// through once the other is done.
TEST_F(Cpoctl, ApplyWaitsForAnotherProcessApplyingToTheSameDevice) {
  const fs::path doc = write("doc.yaml", "schema_version: 1\nports:\n  - {port: 0-3, fec: none}\n");
  const fs::path lock = dir_ / "running.yaml.lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // another apply in progress
  auto busy = run({"config", "apply", doc.string(), "--wait", "0.2"});
  EXPECT_EQ(busy.exit_code, 3) << busy.err;
  EXPECT_THAT(busy.err, HasSubstr("another cpoctl config apply holds " + lock.string()));
  EXPECT_FALSE(fs::exists(dir_ / "running.yaml"));
  ::close(fd);  // done
  auto free = run({"config", "apply", doc.string(), "--wait", "0.2"});
  EXPECT_EQ(free.exit_code, 0) << free.err;
  EXPECT_TRUE(fs::exists(dir_ / "running.yaml"));
}

}  // namespace
