// cpoctl as a user runs it: real process, real exit codes, stdout and stderr.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/run_process.h"
#include "cpo/sdk/switch.h"

namespace {

using cpo::testing::ProcessResult;
using nlohmann::json;
using ::testing::HasSubstr;

ProcessResult cpoctl(const std::vector<std::string>& args) { return cpo::testing::run_process(CPOCTL_PATH, args); }

TEST(CpoctlVersion, PrintsTheSdkVersion) {
  auto r = cpoctl({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::MatchesRegex("cpoctl [0-9]+\\.[0-9]+\\.[0-9]+ \\(cposdk\\)\n"));
}

// CPO_LOG_LEVEL and --log-level take LEVEL or LOGGER=LEVEL items (cpo/hal/log.h).
TEST(CpoctlLogging, LevelsPerLoggerFromTheEnvironmentAndTheCommandLine) {
  const std::string loaded = "[cpo.hal] [debug] loaded profile builtin:cpo144";
  ::setenv("CPO_LOG_LEVEL", "cpo.hal=debug,error", 1);
  auto debug = cpoctl({"platform", "show"});
  ::setenv("CPO_LOG_LEVEL", "cpo.ref=debug", 1);
  auto other_logger = cpoctl({"platform", "show"});
  ::setenv("CPO_LOG_LEVEL", "cpo.hal=chatty", 1);
  auto bad = cpoctl({"platform", "show"});
  ::unsetenv("CPO_LOG_LEVEL");
  ASSERT_EQ(debug.exit_code, 0) << debug.err;
  EXPECT_THAT(debug.err, HasSubstr(loaded));
  ASSERT_EQ(other_logger.exit_code, 0) << other_logger.err;
  EXPECT_THAT(other_logger.err, ::testing::Not(HasSubstr(loaded)));
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("cposdk: ignoring CPO_LOG_LEVEL: log level 'chatty'"));
  auto flag = cpoctl({"--log-level", "cpo.hal=debug", "platform", "show"});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_THAT(flag.err, HasSubstr(loaded));
  auto unknown = cpoctl({"--log-level", "cpo.nope=debug", "platform", "show"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("loggers are cpo.hal, cpo.sdk, cpo.pci, cpo.ref, cpo.simd"));
}

TEST(CpoctlPlatform, ShowPrintsTheCpo144Summary) {
  auto r = cpoctl({"platform", "show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("cpo144: 4 units, 144 ports, 576 lanes, 24 OEs, 72 banks, 18 ELS, 144 lasers"));
  EXPECT_THAT(r.out, HasSubstr("1x800G[400G], 2x400G, 4x200G"));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CpoctlPlatform, ShowJsonForEveryProfile) {
  struct Expect {
    const char* name;
    int units, ports, lanes, oes, els, lasers;
  };
  for (const auto& e : {Expect{"cpo144", 4, 144, 576, 24, 18, 144}, Expect{"bailly51t", 1, 64, 512, 8, 8, 128},
                        Expect{"davisson102t", 1, 128, 512, 16, 16, 128}}) {
    auto r = cpoctl({"platform", "show", "--profile", e.name, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json doc = json::parse(r.out);
    EXPECT_EQ(doc["profile"], e.name);
    EXPECT_EQ(doc["units"], e.units);
    EXPECT_EQ(doc["ports"], e.ports);
    EXPECT_EQ(doc["lanes"], e.lanes);
    EXPECT_EQ(doc["optical_engines"], e.oes);
    EXPECT_EQ(doc["els"], e.els);
    EXPECT_EQ(doc["lasers"], e.lasers);
    EXPECT_EQ(doc["unit_list"].size(), static_cast<std::size_t>(e.units));
    // Only davisson102t's ELS modules serve the ELSFP pages elsewhere.
    if (std::string_view(e.name) == "davisson102t") {
      EXPECT_EQ(doc["els_cmis_page_map"], json({{"1Ah", "B0h"}, {"1Bh", "B1h"}}));
    } else {
      EXPECT_FALSE(doc.contains("els_cmis_page_map"));
    }
  }
  auto text = cpoctl({"platform", "show", "--profile", "davisson102t"});
  EXPECT_THAT(text.out,
              HasSubstr("\n  ELS page map     1Ah at B0h, 1Bh at B1h (ELSFP pages the modules serve elsewhere)\n"));
}

TEST(CpoctlPlatform, ImpactJsonHasPortsArray) {
  auto r = cpoctl({"--json", "platform", "impact", "--els", "7", "--laser", "3", "--breakout", "4x200G"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["ports"].size(), 4u);
  EXPECT_EQ(doc["ports"][0]["port"], 59);
  EXPECT_EQ(doc["ports"][3]["subport"], 3);
  EXPECT_EQ(doc["ports"][3]["name"], "port 59/3");
  EXPECT_EQ(doc["failure"], "els 7 laser 3");
  EXPECT_EQ(doc["lanes"], json::array({236, 237, 238, 239}));
}

TEST(CpoctlPlatform, ImpactTextAndPerPortBreakout) {
  auto r = cpoctl({"platform", "impact", "--oe", "0", "--port-breakout", "2=2x400G", "--port-breakout", "5=4x200G"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("oe 0 fails: 10 logical port(s) lose light (24 lanes)"));
  EXPECT_THAT(r.out, HasSubstr("port 2/1"));
  EXPECT_THAT(r.out, HasSubstr("port 5/3"));
}

TEST(CpoctlExitCodes, UsageErrorsExitTwo) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{},
                                             {"platform"},
                                             {"platform", "frobnicate"},
                                             {"platform", "show", "--bogus"},
                                             {"platform", "impact"},
                                             {"platform", "impact", "--els", "1", "--oe", "2"},
                                             {"platform", "impact", "--laser", "1"},
                                             {"platform", "impact", "--els", "1", "--port-breakout", "nonsense"}}) {
    auto r = cpoctl(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.out << r.err;
    EXPECT_FALSE(r.err.empty());
  }
}

TEST(CpoctlExitCodes, InvalidInputExitsThreeWithAClearMessage) {
  auto unknown_els = cpoctl({"platform", "impact", "--els", "18"});
  EXPECT_EQ(unknown_els.exit_code, 3);
  EXPECT_THAT(unknown_els.err, HasSubstr("els 18 does not exist (allowed 0..17)"));
  auto bad_laser = cpoctl({"platform", "impact", "--els", "1", "--laser", "9"});
  EXPECT_EQ(bad_laser.exit_code, 3);
  EXPECT_THAT(bad_laser.err, HasSubstr("els 1 has lasers 0..7"));
  auto bad_mode = cpoctl({"platform", "impact", "--els", "1", "--breakout", "8x100G"});
  EXPECT_EQ(bad_mode.exit_code, 3);
  EXPECT_THAT(bad_mode.err, HasSubstr("allowed: 1x800G[400G], 2x400G, 4x200G"));
  auto bad_profile = cpoctl({"platform", "show", "--profile", "nope"});
  EXPECT_EQ(bad_profile.exit_code, 3);
  EXPECT_THAT(bad_profile.err, HasSubstr("built-in profiles: cpo144, bailly51t, davisson102t"));
  // A malformed number is invalid input naming the allowed range, not a usage error.
  auto not_a_number = cpoctl({"platform", "impact", "--els", "x"});
  EXPECT_EQ(not_a_number.exit_code, 3);
  EXPECT_THAT(not_a_number.err, HasSubstr("--els 'x' is not a decimal number"));
  auto missing = cpoctl({"platform", "show", "--profile", "/nonexistent.json"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, HasSubstr("no such file"));
}

TEST(CpoctlExitCodes, MalformedProfileFileExitsThreeWithPosition) {
  auto path = std::filesystem::temp_directory_path() / "cpoctl_malformed.json";
  std::ofstream(path) << "{\n  \"schema_version\": 1,\n  oops\n}\n";
  auto r = cpoctl({"platform", "show", "--profile", path.string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("malformed JSON at line 3, column 3"));
  std::filesystem::remove(path);
}

TEST(CpoctlHelp, DocumentsExitCodes) {
  auto r = cpoctl({"--help"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("3  invalid input"));
  EXPECT_THAT(r.out, HasSubstr("4  device error"));
}

// The device forms come from the SDK's scheme table: --help lists every one Switch::open
// accepts (the reference driver's parameters included) and says what those parameters mean.
TEST(CpoctlHelp, ListsEveryUriFormAndTheReferenceDriverParameters) {
  auto r = cpoctl({"--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto forms = cpo::sdk::uri_forms();
  ASSERT_EQ(forms.size(), cpo::sdk::uri_schemes().size());
  for (const auto& form : forms) EXPECT_THAT(r.out, HasSubstr("\n  " + form + "\n"));
  EXPECT_THAT(r.out, HasSubstr("sim://PROFILE[?seed=N&clock=virtual|real&snapshot=on|off&command_timeout_ms=N]"));
  EXPECT_THAT(r.out, HasSubstr("pci://BDF[,BDF...][?profile=NAME|FILE.json&snapshot=on|off&command_timeout_ms=N]"));
  EXPECT_THAT(r.out, HasSubstr("simd:///path/to/switch.sock[?snapshot=on|off&command_timeout_ms=N]"));
  EXPECT_THAT(r.out, HasSubstr("snapshot=on|off        telemetry through the device's status snapshot channel"));
  EXPECT_THAT(r.out, HasSubstr("command_timeout_ms=N   the shortest command deadline, 1..60000 ms (default 20)"));
  EXPECT_THAT(r.out, HasSubstr("PROFILE: cpo144, bailly51t, davisson102t (built in)"));
}

}  // namespace
