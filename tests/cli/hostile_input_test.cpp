// Hostile input, as a table: every class of bad input found in issue 10 and its neighbours
// (negative, zero, maximum, maximum + 1, empty, huge, binary, non-regular files), through the
// library and through cpoctl as a process. Each case asserts the documented exit code and a
// message naming what was wrong and what is allowed, within 2 s and 64 MiB of address space.
#include <fcntl.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/run_process.h"
#include "../support/status_matchers.h"
#include "../support/tiny_profile.h"
#include "cpo/sdk/breakout.h"
#include "cpo/sdk/config.h"
#include "cpo/sdk/input_file.h"
#include "cpo/sdk/pci.h"
#include "cpo/sdk/switch.h"

namespace cpo {
namespace {

namespace fs = std::filesystem;
using cpo::testing::StatusIs;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr std::size_t kMemoryLimit = 64u << 20;

cpo::testing::ProcessLimits as_user(int uid) {
  cpo::testing::ProcessLimits limits;
  limits.uid = uid;
  return limits;
}

cpo::testing::ProcessLimits from_stdin(const std::string& path) {
  cpo::testing::ProcessLimits limits;
  limits.stdin_path = path;
  return limits;
}

sdk::PciListOptions dump_file(const std::string& path) {
  sdk::PciListOptions options;
  options.dump_file = path;
  return options;
}
constexpr double kTimeLimit = 2.0;

std::string tiny_profile() { return std::string(cpo::testing::kTinyProfileJson); }

std::string with_mode(const std::string& mode) {
  json doc = json::parse(tiny_profile());
  doc["breakout_modes"].push_back(mode);
  return doc.dump();
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// A scratch directory with every kind of file a user might point cpoctl at by mistake.
class HostileFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/cposdk-hostile-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    chmod(dir_.c_str(), 0755);  // the unreadable-file case runs cpoctl as another user
    fifo_ = dir_ + "/fifo.json";
    ASSERT_EQ(mkfifo(fifo_.c_str(), 0644), 0);
    subdir_ = dir_ + "/dir.json";
    fs::create_directory(subdir_);
    empty_ = write("empty.json", "");
    unreadable_ = write("unreadable.json", tiny_profile());
    chmod(unreadable_.c_str(), 0);
    binary_ = dir_ + "/binary.json";
    {
      std::mt19937 rng(7);
      std::string bytes(3001, '\0');  // no CMIS image has this size
      for (auto& b : bytes) b = static_cast<char>(rng());
      write("binary.json", bytes);
    }
    huge_ = dir_ + "/huge.json";
    {
      // Sparse: the size is what matters, nothing is written to disk.
      const int fd = open(huge_.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(ftruncate(fd, static_cast<off_t>(kMaxInputFileBytes) + 1), 0);
      close(fd);
    }
    if (const passwd* nobody = getpwnam("nobody")) nobody_ = static_cast<int>(nobody->pw_uid);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // cpoctl as a process within the time and memory bounds; returns its result after checking
  // the bounds.
  static cpo::testing::LimitedResult cpoctl(const std::vector<std::string>& args,
                                            cpo::testing::ProcessLimits limits = {}) {
    limits.max_memory_bytes = kMemoryLimit;
    limits.max_seconds = kTimeLimit;
    auto r = cpo::testing::run_limited(CPOCTL_PATH, args, limits);
    EXPECT_FALSE(r.timed_out) << ::testing::PrintToString(args) << " ran past " << kTimeLimit << " s";
    EXPECT_LT(r.seconds, kTimeLimit) << ::testing::PrintToString(args);
    return r;
  }

  // Runs `body` in a child limited to 64 MiB more address space than this process has now
  // and 2 s, so a library call that allocates without bound or blocks is caught (the child
  // is killed) instead of taking the test binary down.
  static void expect_bounded(const std::string& what, const std::function<void()>& body, int uid = -1) {
    rlimit current{};
    getrlimit(RLIMIT_AS, &current);
    std::size_t used = 0;
    {
      std::ifstream status("/proc/self/status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("VmSize:", 0) == 0) used = std::stoull(line.substr(7)) * 1024;
      }
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const rlimit limit{used + kMemoryLimit, used + kMemoryLimit};
      setrlimit(RLIMIT_AS, &limit);
      alarm(static_cast<unsigned>(kTimeLimit));
      if (uid >= 0 && (setgid(static_cast<gid_t>(uid)) != 0 || setuid(static_cast<uid_t>(uid)) != 0)) _exit(125);
      body();
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << what << ": the child " << (WIFSIGNALED(status) ? "was killed by signal " : "exited with ")
        << (WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status))
        << " (SIGALRM: over 2 s; SIGKILL/SIGABRT: over 64 MiB or an escaped exception)";
    EXPECT_LT(seconds, kTimeLimit) << what;
  }

  static inline std::string dir_, fifo_, subdir_, empty_, unreadable_, binary_, huge_;
  static inline int nobody_ = -1;
};

// ---------------------------------------------------------------------------- input files

struct FileCase {
  const char* name;
  std::string path;
  const char* wrong;  // what was wrong, as the message says it
  int uid = -1;
};

std::vector<FileCase> file_cases(const std::string& fifo, const std::string& dir, const std::string& unreadable,
                                 const std::string& huge, int nobody) {
  std::vector<FileCase> cases = {
      {"fifo", fifo, "is a FIFO"},          {"dev_zero", "/dev/zero", "is a character device"},
      {"directory", dir, "is a directory"}, {"missing", "/nonexistent/cposdk/x.json", "no such file"},
      {"huge", huge, "is 16777217 bytes"},
  };
  // As root every file is readable: the unreadable case runs as nobody.
  if (getuid() != 0 || nobody >= 0)
    cases.push_back({"unreadable", unreadable, "Permission denied", getuid() == 0 ? nobody : -1});
  return cases;
}

TEST_F(HostileFiles, TheLibraryRefusesEveryNonRegularOrOversizedFileWithOneCode) {
  for (const auto& c : file_cases(fifo_, subdir_, unreadable_, huge_, nobody_)) {
    SCOPED_TRACE(c.name);
    const auto expect_refused = [c](const Status& s) {
      EXPECT_THAT(
          s, StatusIs(Code::invalid_argument, AllOf(HasSubstr(c.path), HasSubstr(c.wrong),
                                                    HasSubstr("readable regular file"), HasSubstr("at most 16 MiB"))));
    };
    expect_bounded(
        std::string("read_input_file ") + c.name,
        [&] {
          auto text = read_input_file(c.path, "profile file");
          if (text.ok() || text.status().code() != Code::invalid_argument) _exit(3);
          auto platform = Platform::load_file(c.path);
          if (platform.ok() || platform.status().code() != Code::invalid_argument) _exit(4);
        },
        c.uid);
    if (c.uid >= 0) continue;  // the in-process checks below run as root, which reads anything
    expect_refused(read_input_file(c.path, "profile file").status());
    expect_refused(Platform::load_file(c.path).status());
    expect_refused(sdk::list_pci_devices(dump_file(c.path)).status());
    auto config = sdk::load_config(c.path);
    ASSERT_EQ(config.issues.size(), 1u);
    EXPECT_EQ(config.issues[0].code, Code::invalid_argument);
    EXPECT_THAT(config.issues[0].message, AllOf(HasSubstr(c.wrong), HasSubstr("readable regular file")));
  }
}

TEST_F(HostileFiles, EveryCpoctlCommandRefusesEveryBadFileWithExitThree) {
  for (const auto& c : file_cases(fifo_, subdir_, unreadable_, huge_, nobody_)) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"platform", "show", "--profile", c.path},
                                               {"platform", "impact", "--profile", c.path, "--els", "0"},
                                               {"cmis", "decode", c.path},
                                               {"pci", "list", "--dump", c.path},
                                               {"config", "validate", c.path},
                                               {"-f", c.path}}) {
      SCOPED_TRACE(::testing::PrintToString(args));
      auto r = cpoctl(args, as_user(c.uid));
      EXPECT_EQ(r.exit_code, 3) << r.err;
      EXPECT_THAT(r.err, AllOf(HasSubstr(c.path), HasSubstr(c.wrong), HasSubstr("readable regular file")));
      EXPECT_LT(r.max_rss_kib, static_cast<long>(cpo::testing::resident_ceiling(kMemoryLimit) / 1024));
    }
  }
}

TEST_F(HostileFiles, StandardInputIsReadWithTheSameCap) {
  // "-" reads standard input: a real document works, /dev/zero is cut off at the cap.
  const std::string profile = write("stdin.json", tiny_profile());
  auto ok = cpoctl({"cmis", "decode", "-"}, from_stdin(CPOSDK_TEST_DATA "/cmis/qsfpdd-mcp1660-page0.sfputil.txt"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto batch = cpoctl({"-f", "-"}, from_stdin(write("batch.txt", "platform show --profile " + profile + "\n")));
  auto profile_stdin = cpoctl({"platform", "show", "--profile", "-"}, from_stdin(profile));
  EXPECT_EQ(profile_stdin.exit_code, 0) << profile_stdin.err;
  EXPECT_THAT(profile_stdin.out, HasSubstr("tiny: 2 units, 4 ports"));
  EXPECT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_THAT(batch.out, HasSubstr("tiny: 2 units, 4 ports"));
  for (const auto& args : std::vector<std::vector<std::string>>{{"cmis", "decode", "-"},
                                                                {"-f", "-"},
                                                                {"pci", "list", "--dump", "-"},
                                                                {"platform", "show", "--profile", "-"},
                                                                {"config", "validate", "-"}}) {
    SCOPED_TRACE(::testing::PrintToString(args));
    auto zero = cpoctl(args, from_stdin("/dev/zero"));
    EXPECT_EQ(zero.exit_code, 3) << zero.err;
    EXPECT_THAT(zero.err, AllOf(HasSubstr("<stdin>"), HasSubstr("holds more than 16777216 bytes")));
  }
}

TEST_F(HostileFiles, EmptyAndBinaryFilesAreMalformedInputNotCrashes) {
  for (const auto& path : {empty_, binary_}) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"platform", "show", "--profile", path}, {"cmis", "decode", path}, {"pci", "list", "--dump", path}}) {
      SCOPED_TRACE(::testing::PrintToString(args));
      auto r = cpoctl(args);
      EXPECT_EQ(r.exit_code, 3) << r.err;
      EXPECT_THAT(r.err, HasSubstr(path));
    }
  }
  auto profile = cpoctl({"platform", "show", "--profile", empty_});
  EXPECT_THAT(profile.err, HasSubstr("malformed JSON at line 1, column 1"));
  auto binary = cpoctl({"platform", "show", "--profile", binary_});
  EXPECT_THAT(binary.err, HasSubstr("malformed JSON"));
}

TEST_F(HostileFiles, AnEmptyDumpPathIsAUsageErrorNotABusScan) {
  auto r = cpoctl({"pci", "list", "--dump", ""});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--dump needs a file (or - for standard input)"));
  auto sysfs = cpoctl({"pci", "list", "--sysfs", ""});
  EXPECT_EQ(sysfs.exit_code, 2) << sysfs.err;
}

// ---------------------------------------------------------------------------- profiles

struct ProfileCase {
  const char* name;
  std::string text;
  Code code;
  std::vector<std::string> fragments;  // what was wrong and what is allowed
};

std::vector<ProfileCase> profile_cases() {
  json unit_without_ports = json::parse(tiny_profile());
  unit_without_ports["units"].push_back({{"id", 2}});
  json lane_id_huge = json::parse(tiny_profile());
  lane_id_huge["ports"][3]["lanes"][3] = 4000000;
  return {
      {"unit_without_ports",
       unit_without_ports.dump(),
       Code::invalid_argument,
       {"units[2]: unit 2 has no port", "every unit needs at least one port"}},
      {"number_overflow",
       "[1e309]",
       Code::invalid_argument,
       {"malformed JSON at line 1", "number overflow parsing '1e309'"}},
      {"number_overflow_in_field",
       replace(tiny_profile(), R"("lanes_per_bank": 8)", R"("lanes_per_bank": 1e400)"),
       Code::invalid_argument,
       {"number overflow"}},
      {"count_without_bound",
       with_mode("4294967295x1G(4294967295)"),
       Code::invalid_argument,
       {"sub-port count such as the 2 of 2x400G is too large", "allowed 1..1024"}},
      {"count_at_bound",
       with_mode("1024x1G(1024)"),
       Code::invalid_argument,
       {"breakout_modes[3]", "needs more than the port's 4 lanes"}},
      {"lane_overflow",
       with_mode("1x800G(4294967295)+1x800G(5)"),
       Code::invalid_argument,
       {"lane count is too large", "allowed 1..1024"}},
      {"lane_overflow_within_bound",
       with_mode("1x800G(1020)+1x800G(5)"),
       Code::invalid_argument,
       {"needs more than the port's 4 lanes"}},
      {"zero_count", with_mode("0x800G"), Code::invalid_argument, {"must be at least 1"}},
      {"signed_count", with_mode("+1x800G"), Code::invalid_argument, {"expected a sub-port count"}},
      {"duplicate_key",
       replace(tiny_profile(), R"("name": "tiny",)", R"("name": "tiny", "name": "evil",)"),
       Code::invalid_argument,
       {"duplicate key 'name' in the top-level object", "a key may appear once"}},
      {"nested_duplicate_key",
       replace(tiny_profile(), R"({"id": 1})", R"({"id": 1, "id": 1})"),
       Code::invalid_argument,
       {"duplicate key 'id' in units[1]"}},
      {"escape_in_name",
       replace(tiny_profile(), R"("name": "tiny")", R"("name": "ti\u001b[2Jny")"),
       Code::invalid_argument,
       {"name: control character 0x1b at position 3", "without control characters"}},
      {"nul_in_description",
       replace(tiny_profile(), R"("description": "test")", R"("description": "te\u0000st")"),
       Code::invalid_argument,
       {"description: control character 0x00 at position 3"}},
      {"escape_in_unit_name",
       replace(tiny_profile(), R"("name": "a")", R"("name": "\u001b")"),
       Code::invalid_argument,
       {"units[0].name: control character 0x1b"}},
      {"deep_nesting",
       std::string(100000, '[') + std::string(100000, ']'),
       Code::invalid_argument,
       {"nested deeper than 32 levels"}},
      {"lane_id_beyond_declared",
       lane_id_huge.dump(),
       Code::out_of_range,
       {"lane 4000000 does not exist", "lane ids are 0..15"}},
      {"negative_id",
       replace(tiny_profile(), R"({"id": 1})", R"({"id": -1})"),
       Code::invalid_argument,
       {"units[1].id: expected an unsigned integer, got negative integer"}},
      {"empty", "", Code::invalid_argument, {"malformed JSON at line 1, column 1"}},
  };
}

TEST_F(HostileFiles, TheProfileLoaderRefusesEveryClassWithoutThrowingOrAllocatingWithoutBound) {
  for (const auto& c : profile_cases()) {
    SCOPED_TRACE(c.name);
    auto p = Platform::from_json(c.text, "hostile.json");
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_EQ(p.status().code(), c.code) << p.status().to_string();
    for (const auto& f : c.fragments) EXPECT_THAT(p.status().message(), HasSubstr(f));
    expect_bounded(c.name, [&] {
      if (Platform::from_json(c.text, "hostile.json").ok()) _exit(3);
    });
  }
}

TEST_F(HostileFiles, CpoctlRefusesEveryBadProfileWithExitThree) {
  for (const auto& c : profile_cases()) {
    SCOPED_TRACE(c.name);
    const std::string path = write(std::string(c.name) + ".json", c.text);
    auto r = cpoctl({"platform", "show", "--profile", path});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    for (const auto& f : c.fragments) EXPECT_THAT(r.err, HasSubstr(f));
    // Nothing of a refused profile reaches the terminal: no raw control characters.
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  // The neighbour that must still work: the same profile without the defect.
  auto ok = cpoctl({"platform", "show", "--profile", write("good.json", tiny_profile())});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("tiny: 2 units, 4 ports, 16 lanes"));
}

// ---------------------------------------------------------------------------- numbers

struct NumberCase {
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> fragments;
};

TEST_F(HostileFiles, EveryNumberOptionIsStrictDecimalWithItsRangeNamed) {
  const std::vector<NumberCase> cases = {
      // --port-breakout PORT: cpo144 has ports 0..143.
      {{"platform", "impact", "--oe", "0", "--port-breakout", "4294967296=4x200G"},
       3,
       {"out of range", "allowed 0..143"}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", "144=4x200G"},
       3,
       {"144 is out of range", "allowed 0..143"}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", "+5=4x200G"},
       3,
       {"not a decimal number", "allowed 0..143"}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", " 5=4x200G"}, 3, {"not a decimal number"}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", "-1=4x200G"},
       3,
       {"'-1' is not a decimal number", "no sign"}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", "05=4x200G"}, 3, {"leading zero", "not octal"}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", "=4x200G"}, 3, {"empty (allowed 0..143)"}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", "143=4x200G"}, 0, {}},
      {{"platform", "impact", "--oe", "0", "--port-breakout", "0=4x200G"}, 0, {}},
      // --els / --oe / --laser: the option's own range, then the platform's.
      {{"platform", "impact", "--els", "010"}, 3, {"--els '010' has a leading zero", "allowed 0..4294967295"}},
      {{"platform", "impact", "--els", "0x1"}, 3, {"--els '0x1' is not a decimal number"}},
      {{"platform", "impact", "--els", "4294967296"}, 3, {"--els 4294967296 is out of range", "allowed 0..4294967295"}},
      {{"platform", "impact", "--els", "18"}, 3, {"els 18"}},
      {{"platform", "impact", "--els", "17"}, 0, {}},
      {{"platform", "impact", "--els", "0"}, 0, {}},
      {{"platform", "impact", "--oe", "-1"}, 3, {"--oe '-1' is not a decimal number", "allowed 0..4294967295"}},
      {{"platform", "impact", "--oe", "x"}, 3, {"--oe 'x' is not a decimal number"}},
      {{"platform", "impact", "--oe", ""}, 3, {"--oe: empty"}},
      {{"platform", "impact", "--els", "1", "--laser", "99999999999999999999"}, 3, {"out of range"}},
      // Breakout modes on the command line.
      {{"platform", "impact", "--oe", "0", "--breakout", "4294967295x1G(4294967295)"}, 3, {"allowed 1..1024"}},
      {{"platform", "impact", "--oe", "0", "--breakout", "1x800G(4294967295)+1x800G(5)"}, 3, {"allowed 1..1024"}},
      {{"platform", "impact", "--oe", "0", "--breakout", "1x800G(8)+1x800G(5)"},
       3,
       {"is not supported by profile cpo144 (allowed: 1x800G[400G], 2x400G, 4x200G)"}},
      // CMIS raw access: byte ranges are named.
      {{"cmis", "read", "--oe", "0", "--offset", "256"}, 3, {"--offset 256 is out of range", "allowed 0..255"}},
      {{"cmis", "read", "--oe", "0", "--length", "0"}, 3, {"--length 0 is out of range", "allowed 1..128"}},
      {{"cmis", "read", "--oe", "0", "--length", "129"}, 3, {"allowed 1..128"}},
      {{"cmis", "read", "--oe", "0", "--length", "4294967295"}, 3, {"allowed 1..128"}},
      // Signed and fractional values.
      {{"lane", "fir", "lane0", "--pre", "2147483648"},
       3,
       {"--pre 2147483648 is out of range", "allowed -2147483648..2147483647"}},
      {{"lane", "fir", "lane0", "--pre", "-0"}, 3, {"write 0"}},
      {{"telemetry", "--count", "-1"}, 3, {"--count '-1' is not a decimal number"}},
      {{"laser", "set", "els0/0", "--power-dbm", "nan"}, 3, {"--power-dbm 'nan' is not a finite decimal number"}},
      {{"laser", "set", "els0/0", "--power-dbm", "inf"}, 3, {"not a finite decimal number"}},
      {{"laser", "set", "els0/0", "--power-mw", "0x10"}, 3, {"not a finite decimal number"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    auto r = cpoctl(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    for (const auto& f : c.fragments) EXPECT_THAT(r.err, HasSubstr(f));
  }
}

// Whatever a user types is quoted back in messages: control characters come back escaped, so
// an argument cannot clear the screen or hide text (issue 10: raw ESC and NUL on terminals).
TEST_F(HostileFiles, ControlCharactersInArgumentsAreQuotedEscaped) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"port", "show", "\x1b[2Jport"},
                                                                {"platform", "impact", "--els", "1\x1b[2J"},
                                                                {"platform", "show", "--profile", "\x1b]0;x\x07"},
                                                                {"port", "show", "\x7f"}}) {
    SCOPED_TRACE(::testing::PrintToString(args));
    auto r = cpoctl(args);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(r.err.find_first_of("\x1b\x07\x7f"), std::string::npos) << r.err;
    EXPECT_THAT(r.err, ::testing::ContainsRegex("\\\\x(1b|7f)"));
  }
  auto batch = cpoctl({"-f", "-"}, from_stdin(write("escape.txt", "port show \x1b[2J\n")));
  EXPECT_EQ(batch.exit_code, 3);
  EXPECT_EQ(batch.err.find('\x1b'), std::string::npos) << batch.err;
  EXPECT_THAT(batch.err, HasSubstr("`port show \\x1b[2J` failed with exit code 3"));
}

TEST(HostileBreakout, ModesAreBoundedByThePortBeforeAnythingIsLaidOut) {
  // Parsing bounds every count; assign() bounds the sum by the port, in 64 bits.
  EXPECT_THAT(BreakoutMode::parse("4294967295x1G(4294967295)"),
              StatusIs(Code::invalid_argument, HasSubstr("allowed 1..1024")));
  EXPECT_THAT(BreakoutMode::parse("1x1G(4294967296)"), StatusIs(Code::invalid_argument, HasSubstr("too large")));
  auto big = BreakoutMode::parse("1024x1G(1024)");
  ASSERT_TRUE(big.ok()) << big.status().to_string();
  EXPECT_THAT(big->assign(8, Gbps(200)),
              StatusIs(Code::invalid_argument, HasSubstr("needs more than the port's 8 lanes")));
  auto wrap = BreakoutMode::parse("1x800G(1023)+1x800G(5)");
  ASSERT_TRUE(wrap.ok());
  EXPECT_THAT(wrap->assign(8, Gbps(200)), StatusIs(Code::invalid_argument, HasSubstr("needs more than")));
  auto fits = BreakoutMode::parse("1x400G(4)+2x200G(4)");
  ASSERT_TRUE(fits.ok());
  auto lanes = fits->assign(8, Gbps(200));
  ASSERT_TRUE(lanes.ok()) << lanes.status().to_string();
  EXPECT_EQ(lanes->size(), 3u);
  EXPECT_EQ((*lanes)[2].first, 6u);
}

}  // namespace
}  // namespace cpo
