// Desired-state configuration: the document (YAML and JSON, every issue with its path),
// validation against the platform and the policies, the plan as an ordered diff, apply with
// read-back and rollback to the exact previous state, idempotence counted in device writes,
// and atomic persistence that survives SIGKILL at every step.
#include "cpo/sdk/config.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/cmis/fields.h"
#include "cpo/sdk/switch.h"
#include "render/fields.h"
#include "sdk_test_util.h"

namespace cpo::sdk {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> paths_of(const std::vector<ConfigIssue>& issues) {
  std::vector<std::string> out;
  for (const auto& i : issues) out.push_back(i.path);
  return out;
}

std::string all_issues(const std::vector<ConfigIssue>& issues) {
  std::string out;
  for (const auto& i : issues) out += i.to_string() + "\n";
  return out;
}

Config parse_ok(std::string_view text) {
  auto parsed = parse_config(text);
  EXPECT_TRUE(parsed.issues.empty()) << all_issues(parsed.issues);
  return parsed.config;
}

std::string running_yaml(Switch& sw) {
  auto st = read_config_state(sw);
  return st ? render_config(to_config(*st)) : "read failed: " + st.status().to_string();
}

std::filesystem::path scratch_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("cposdk_config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sw = Switch::open("sim://cpo144");
    ASSERT_TRUE(sw.ok()) << sw.status().to_string();
    sw_ = std::move(sw).value();
  }
  Switch& sw() { return *sw_; }
  std::uint64_t writes() { return *sw().simulator()->device_writes(); }
  std::unique_ptr<Switch> sw_;
};

// ------------------------------------------------------------------------------ document

constexpr const char* kYaml = R"(
schema_version: 1
platform: cpo144
ports:
  - port: 0-3
    breakout: 4x200G
    admin: [up, down, up, down]
    fec: rs544
  - port: Ethernet16
    tx_fir: {pre: -4, main: 50, post: -6}
lasers:
  - laser: els7/3
    power_dbm: 19
    ramp_db_per_s: 5
thresholds:
  - {quantity: pre_fec_ber, level: warning, bound: high, threshold: 2.0e-5, hysteresis: 1.0e-5}
)";

constexpr const char* kJson = R"({
  "schema_version": 1, "platform": "cpo144",
  "ports": [
    {"port": "0-3", "breakout": "4x200G", "admin": ["up", "down", "up", "down"], "fec": "rs544"},
    {"port": "Ethernet16", "tx_fir": {"pre": -4, "main": 50, "post": -6}}],
  "lasers": [{"laser": "els7/3", "power_dbm": 19, "ramp_db_per_s": 5}],
  "thresholds": [{"quantity": "pre_fec_ber", "level": "warning", "bound": "high", "threshold": 2e-5,
                  "hysteresis": 1e-5}]
})";

TEST(ConfigDocument, YamlAndJsonReadTheSame) {
  const Config y = parse_ok(kYaml);
  const Config j = parse_ok(kJson);
  EXPECT_EQ(render_config(y, ConfigFormat::json), render_config(j, ConfigFormat::json));
  ASSERT_EQ(y.ports.size(), 2u);
  EXPECT_EQ(y.ports[0].select, "0-3");
  EXPECT_EQ(y.ports[0].breakout->to_string(), "4x200G");
  EXPECT_THAT(y.ports[0].admin, ElementsAre(AdminState::up, AdminState::down, AdminState::up, AdminState::down));
  EXPECT_EQ(y.ports[0].fec, FecMode::rs544);
  EXPECT_EQ(y.ports[1].tx_fir.front(), (TxFir{-4, 50, -6}));
  ASSERT_EQ(y.lasers.size(), 1u);
  EXPECT_NEAR(y.lasers[0].power->value(), 79.43, 0.01);
  EXPECT_EQ(y.lasers[0].ramp->value(), 5.0);
  ASSERT_TRUE(y.thresholds.has_value());
  EXPECT_EQ(y.thresholds->front().threshold, 2e-5);
}

TEST(ConfigDocument, RenderedDocumentsReadBackIdentically) {
  const Config c = parse_ok(kYaml);
  for (auto format : {ConfigFormat::yaml, ConfigFormat::json}) {
    const std::string text = render_config(c, format);
    const Config back = parse_ok(text);
    EXPECT_EQ(render_config(back, ConfigFormat::json), render_config(c, ConfigFormat::json)) << text;
  }
  // Strings that look like other types are quoted, so they stay strings.
  Config tricky;
  tricky.ports.push_back(PortSettings{"12", BreakoutMode::parse("1x800G[400G]").value(), {}, std::nullopt, {}});
  EXPECT_EQ(render_config(parse_ok(render_config(tricky)), ConfigFormat::json),
            render_config(tricky, ConfigFormat::json));
}

TEST(ConfigDocument, EverySchemaIssueIsReportedWithItsPath) {
  auto parsed = parse_config(R"(
schema_version: 1
colour: red
ports:
  - port: 0-3
    breakout: 4by200G
    admin: sideways
  - breakout: 4x200G
  - port: 7
    fec: turbo
    tx_fir: {pre: -4, main: 52}
    speed: 400G
  - 12
lasers:
  - laser: els7/3
    enabled: maybe
    power_mw: 100
    power_dbm: 20
  - laser: els7/4
    power_mw: -3
thresholds:
  - {quantity: humidity, level: warning, bound: high}
  - {quantity: snr, level: alarm}
)");
  EXPECT_THAT(paths_of(parsed.issues),
              ElementsAre("colour", "ports[0].breakout", "ports[0].admin", "ports[1].port", "ports[2].speed",
                          "ports[2].fec", "ports[2].tx_fir.post", "ports[3]", "lasers[0].enabled",
                          "lasers[0].power_dbm", "lasers[1].power_mw", "thresholds[0].quantity", "thresholds[1].bound"))
      << all_issues(parsed.issues);
  EXPECT_THAT(parsed.issues[0].message, HasSubstr("unknown key 'colour' (allowed: schema_version, platform"));
  EXPECT_THAT(parsed.issues[2].message, HasSubstr("'sideways' is not an admin state (allowed: up, down)"));
  EXPECT_THAT(parsed.issues[11].message, HasSubstr("allowed: temperature, vcc, tx_power"));
  // Entries with an issue are left out; the good parts remain.
  EXPECT_TRUE(parsed.config.ports.empty());
  EXPECT_TRUE(parsed.config.lasers.empty());
  const Status s = issues_status(parsed.issues);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("13 issues"));
}

TEST(ConfigDocument, SyntaxErrorsNameLineAndColumn) {
  auto yaml = parse_config("schema_version: 1\nports:\n  - port: [0\n");
  ASSERT_EQ(yaml.issues.size(), 1u);
  EXPECT_THAT(yaml.issues[0].message, HasSubstr("malformed YAML at line"));
  auto json = parse_config("{\n  \"schema_version\": 1,\n  oops\n}\n");
  ASSERT_EQ(json.issues.size(), 1u);
  EXPECT_THAT(json.issues[0].message, HasSubstr("malformed JSON at line 3, column 3"));
  auto version = parse_config("schema_version: 2\n");
  EXPECT_THAT(paths_of(version.issues), ElementsAre("schema_version"));
  EXPECT_THAT(version.issues[0].message, HasSubstr("2 is not supported (this cposdk reads 1)"));
  auto scalar = parse_config("just text");
  EXPECT_THAT(scalar.issues[0].message, HasSubstr("must be a mapping"));
  auto missing = load_config("/nonexistent/switch.yaml");
  ASSERT_EQ(missing.issues.size(), 1u);
  // Every input-file problem has the one code of cpo/hal/input_file.h.
  EXPECT_EQ(missing.issues[0].code, Code::invalid_argument);
  EXPECT_THAT(missing.issues[0].message, HasSubstr("no such file"));
}

TEST(ConfigDocument, HostileDocumentsAreRefusedCheaply) {
  // A billion laughs: aliases that would expand to 10^9 nodes.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    laughs += fmt::format("{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n", c, c,
                          fmt::arg("p", std::string(1, static_cast<char>(c - 1))));
  }
  auto r = parse_config(laughs);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_THAT(r.issues[0].message, HasSubstr("more than"));
  auto deep = parse_config(std::string(500, '[') + std::string(500, ']'));
  ASSERT_FALSE(deep.issues.empty());
  auto deep_json = parse_config("{\"a\":" + std::string(500, '[') + std::string(500, ']') + "}");
  ASSERT_FALSE(deep_json.issues.empty());
  EXPECT_THAT(deep_json.issues[0].message, HasSubstr("deeper than"));
  // A YAML scalar that is not UTF-8 (found by config_fuzz): an issue, not an exception.
  auto bytes = parse_config(
      "schema_version: 1\nthresholds:\n  - {quantity: snr, level: alarm, bound: low, threshold: 0.\xcd"
      "5}\n");
  ASSERT_EQ(bytes.issues.size(), 1u);
  EXPECT_EQ(bytes.issues[0].path, "thresholds[0].threshold");
  EXPECT_EQ(bytes.issues[0].code, Code::invalid_argument);
}

// ------------------------------------------------------------------------------ validation

TEST_F(ConfigTest, ValidationReportsEveryIssueAgainstThePlatformAndPolicies) {
  ASSERT_TRUE(sw().set_admin(PortId(59), AdminState::up).ok());
  const Config c = parse_ok(R"(
schema_version: 1
ports:
  - port: 200
    admin: up
  - port: 4-5
    breakout: 8x100G
  - port: 6
    breakout: 4x200G
    admin: [up, down]
  - port: 7
    tx_fir: {pre: -4, main: 5000, post: -7}
  - port: 8
    fec: rs544
  - port: 8
    fec: none
lasers:
  - laser: els7/9
    enabled: true
  - laser: els7/2
    power_mw: 500
  - laser: els7/3
    enabled: false
  - laser: els7/4
    power_mw: 100
    ramp_db_per_s: 50
)");
  const std::uint64_t before = writes();
  const auto issues = validate_config(sw(), c);
  EXPECT_EQ(writes(), before) << "validation writes nothing";
  EXPECT_THAT(paths_of(issues),
              ElementsAre("ports[0].port", "ports[1].breakout", "ports[2].admin", "ports[3].tx_fir", "ports[5].fec",
                          "lasers[0].laser", "lasers[1].power_mw", "lasers[2].enabled", "lasers[3].ramp_db_per_s"))
      << all_issues(issues);
  auto code_of = [&](const std::string& path) {
    for (const auto& i : issues)
      if (i.path == path) return i.code;
    return Code::ok;
  };
  EXPECT_EQ(code_of("ports[0].port"), Code::out_of_range);
  EXPECT_EQ(code_of("ports[1].breakout"), Code::unsupported);
  EXPECT_EQ(code_of("ports[3].tx_fir"), Code::out_of_range);
  EXPECT_EQ(code_of("lasers[1].power_mw"), Code::safety_refused);
  EXPECT_EQ(code_of("lasers[2].enabled"), Code::safety_refused);
  for (const auto& i : issues) {
    if (i.path == "ports[5].fec") {
      EXPECT_THAT(i.message, HasSubstr("already set by ports[4].fec"));
    }
    if (i.path == "ports[2].admin") {
      EXPECT_THAT(i.message, HasSubstr("2 values for port 6, which has 4 sub-ports"));
    }
    if (i.path == "lasers[2].enabled") {
      EXPECT_THAT(i.message, HasSubstr("admin-up port 59/0"));
    }
    if (i.path == "lasers[1].power_mw") {
      EXPECT_THAT(i.message, HasSubstr("500 mW"));
    }
  }
}

TEST_F(ConfigTest, ASubportAcrossABankAndAnotherPlatformAreRefused) {
  const auto path = write_profile_with_split_bank();
  auto split = Switch::open("sim://" + path);
  ASSERT_TRUE(split.ok()) << split.status().to_string();
  const auto issues =
      validate_config(**split, parse_ok("schema_version: 1\nports:\n  - {port: 1, breakout: 1x800G}\n"));
  ASSERT_EQ(issues.size(), 1u) << all_issues(issues);
  EXPECT_EQ(issues[0].path, "ports[0].breakout");
  EXPECT_EQ(issues[0].code, Code::safety_refused);
  EXPECT_EQ(issues_status(issues).code(), Code::safety_refused);

  const auto other = validate_config(sw(), parse_ok("schema_version: 1\nplatform: bailly51t\n"));
  EXPECT_THAT(paths_of(other), ElementsAre("platform"));
}

TEST_F(ConfigTest, AClassLimitMayOnlyBeLoweredAndMustHoldForLitLasers) {
  auto higher = validate_config(sw(), parse_ok("schema_version: 1\nlaser_class_limit_mw: 1000\n"));
  ASSERT_EQ(higher.size(), 1u) << all_issues(higher);
  EXPECT_EQ(higher[0].code, Code::safety_refused);
  EXPECT_THAT(higher[0].message, HasSubstr("may only lower it"));
  // Lasers run at 100 mW: a 90 mW limit needs their powers lowered in the same document.
  auto lower = validate_config(sw(), parse_ok("schema_version: 1\nlaser_class_limit_mw: 90\n"));
  ASSERT_FALSE(lower.empty());
  EXPECT_THAT(lower[0].message, HasSubstr("above the document's class limit of 90 mW"));
  std::string fix = "schema_version: 1\nlaser_class_limit_mw: 90\nlasers:\n";
  for (const auto& els : sw().platform().els_modules())
    fix += fmt::format("  - {{laser: els{}/0-7, power_mw: 80}}\n", els.id.value());
  EXPECT_TRUE(validate_config(sw(), parse_ok(fix)).empty());
}

// The class limit and the threshold rules of a document take effect in the running session:
// the laser policy refuses what the lower limit forbids at once, the event machinery uses
// the new rules, and a failed apply puts both back.
TEST_F(ConfigTest, AClassLimitAndThresholdRulesApplyToTheOpenSwitchAndRollBack) {
  const LaserRef laser{ElsId(0), 0};
  const std::optional<Milliwatts> opened = sw().laser_class_limit();
  ASSERT_TRUE(opened.has_value());
  std::string doc =
      "schema_version: 1\nlaser_class_limit_mw: 90\nthresholds:\n"
      "  - {quantity: pre_fec_ber, level: warning, bound: high, threshold: 2.0e-5, hysteresis: 1.0e-5}\nlasers:\n";
  for (const auto& els : sw().platform().els_modules())
    doc += fmt::format("  - {{laser: els{}/0-7, power_mw: 80}}\n", els.id.value());
  auto report = apply_config(sw(), parse_ok(doc));
  ASSERT_TRUE(report.status.ok()) << report.status.to_string();
  ASSERT_EQ(sw().laser_class_limit(), Milliwatts(90));
  auto limits = sw().laser_limits(laser);
  ASSERT_TRUE(limits.ok());
  EXPECT_EQ(limits->max_allowed, Milliwatts(90));
  EXPECT_STATUS(sw().set_laser_power(laser, Milliwatts(95)), Code::safety_refused, "laser class limit 90");
  const auto rules = sw().threshold_rules();
  EXPECT_TRUE(std::any_of(rules.begin(), rules.end(), [](const ThresholdRule& r) {
    return r.quantity == Measure::pre_fec_ber && r.level == ThresholdLevel::warning && r.threshold == 2.0e-5;
  }));
  EXPECT_THAT(running_yaml(sw()), HasSubstr("laser_class_limit_mw: 90\n"));

  // The facade checks what it is given on its own.
  EXPECT_STATUS(sw().set_laser_class_limit(Milliwatts(opened->value() + 1)), Code::out_of_range, "the limit");
  EXPECT_STATUS(sw().set_laser_class_limit(Milliwatts(50)), Code::safety_refused, "lit lasers are above it");
  EXPECT_EQ(sw().laser_class_limit(), Milliwatts(90));
  EXPECT_STATUS(sw().set_threshold_rules(
                    {ThresholdRule{Measure::snr, ThresholdLevel::alarm, ThresholdBound::low, std::nullopt, -1.0}}),
                Code::invalid_argument, "hysteresis");

  // Raising it back (up to the opened limit) and new rules, then a failure at the last
  // operation: both are what they were.
  const std::string before = running_yaml(sw());
  std::string back = fmt::format(
      "schema_version: 1\nlaser_class_limit_mw: {}\nthresholds:\n"
      "  - {{quantity: pre_fec_ber, level: warning, bound: high, threshold: 3.0e-5, hysteresis: 1.0e-5}}\n"
      "lasers:\n  - {{laser: els0/0, power_mw: 100}}\nports:\n  - {{port: 100, admin: up}}\n",
      opened->value());
  const UnitId far = sw().platform().ports()[100].unit;
  ASSERT_NE(far, sw().platform().ports()[0].unit);  // els 0 is reached through another unit
  ApplyOptions opts;
  opts.progress = [&](const ApplyProgress& p) {
    // The admin-up times out: its unit's firmware hangs just before.
    if (p.phase == ApplyPhase::apply && p.op->kind == ConfigOpKind::admin_up) {
      ASSERT_TRUE(sw().simulator()->hang_firmware(far, true).ok());
    }
  };
  auto failed = apply_config(sw(), parse_ok(back), opts);
  for (const auto& i : failed.issues) ADD_FAILURE() << i.to_string();
  ASSERT_TRUE(sw().simulator()->hang_firmware(far, false).ok());
  ASSERT_EQ(failed.plan.ops.size(), 4u);
  EXPECT_EQ(failed.plan.ops[0].kind, ConfigOpKind::class_limit);
  EXPECT_EQ(failed.plan.ops[1].kind, ConfigOpKind::laser_power);  // allowed by the raised limit
  EXPECT_EQ(failed.plan.ops[2].kind, ConfigOpKind::admin_up);
  EXPECT_EQ(failed.plan.ops[3].kind, ConfigOpKind::thresholds);
  EXPECT_EQ(failed.status.code(), Code::timeout) << failed.status.to_string();
  EXPECT_TRUE(failed.rolled_back);
  EXPECT_TRUE(failed.rollback_status.ok()) << failed.rollback_status.to_string();
  EXPECT_EQ(sw().laser_class_limit(), Milliwatts(90));
  EXPECT_EQ(running_yaml(sw()), before);
}

// ------------------------------------------------------------------------------ plan

TEST_F(ConfigTest, ThePlanIsAnOrderedDiffAgainstTheRunningState) {
  ASSERT_TRUE(sw().set_admin(PortId(2), AdminState::up).ok());
  auto plan = plan_config(sw(), parse_ok(R"(
schema_version: 1
ports:
  - port: 2
    breakout: 2x400G
    admin: [up, down]
  - port: 3
    fec: none
  - port: 4
    admin: up
    tx_fir: {pre: -3, main: 52, post: -7}
lasers:
  - {laser: els0/0, power_mw: 90}
thresholds:
  - {quantity: pre_fec_ber, level: warning, bound: high, threshold: 2.0e-5, hysteresis: 1.0e-5}
)"));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::vector<std::string> ops;
  for (const auto& op : plan->ops) ops.push_back(op.to_string());
  EXPECT_THAT(
      ops,
      ElementsAre("port 2: admin up -> down (ports[0].admin)",
                  "port 2: breakout 1x800G[400G] -> 2x400G (ports[0].breakout)",
                  "port 3: fec rs544 -> none (ports[1].fec)",
                  "lane 16: tx_fir {pre: -4, main: 52, post: -7} -> {pre: -3, main: 52, post: -7} (ports[2].tx_fir)",
                  "lane 17: tx_fir {pre: -4, main: 52, post: -7} -> {pre: -3, main: 52, post: -7} (ports[2].tx_fir)",
                  "lane 18: tx_fir {pre: -4, main: 52, post: -7} -> {pre: -3, main: 52, post: -7} (ports[2].tx_fir)",
                  "lane 19: tx_fir {pre: -4, main: 52, post: -7} -> {pre: -3, main: 52, post: -7} (ports[2].tx_fir)",
                  "els 0 laser 0: power_mw 100 -> 90 (lasers[0].power_mw)",
                  "port 2/0: admin down -> up (ports[0].admin)", "port 4: admin down -> up (ports[2].admin)",
                  "switch: thresholds pre_fec_ber warning high 1e-05 (hysteresis 5e-06) -> pre_fec_ber "
                  "warning high 2e-05 (hysteresis 1e-05) (thresholds)"));
  EXPECT_EQ(plan->device_ops(), ops.size() - 1);
}

TEST_F(ConfigTest, TheRunningDocumentPlansNothingAndReadsBack) {
  ASSERT_TRUE(sw().breakout("10-11", "4x200G").ok());
  ASSERT_TRUE(sw().set_admin(LogicalPort{PortId(10), 2}, AdminState::up).ok());
  const std::string yaml = running_yaml(sw());
  EXPECT_THAT(yaml, HasSubstr("  - port: 10\n    breakout: 4x200G\n    admin: [down, down, up, down]\n"));
  EXPECT_THAT(yaml, HasSubstr("  - port: 11\n    breakout: 4x200G\n    admin: down\n"));
  EXPECT_THAT(yaml, HasSubstr("  - port: 12-143\n"));
  EXPECT_THAT(yaml, HasSubstr("laser: els0/0-7"));
  auto plan = plan_config(sw(), parse_ok(yaml));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_TRUE(plan->ops.empty()) << plan->ops.front().to_string();
}

// ------------------------------------------------------------------------------ apply

constexpr const char* kBringUp = R"(
schema_version: 1
ports:
  - port: 0-3
    breakout: 4x200G
    admin: up
  - port: 4-7
    breakout: 2x400G
    admin: [up, down]
    fec: rs544
  - port: 8
    tx_fir: {pre: -5, main: 50, post: -6}
lasers:
  - laser: els0/0-1
    power_mw: 90
  - laser: els17/7
    power_dbm: 19
)";

TEST_F(ConfigTest, ApplyRunsThePlanVerifiesAndASecondApplyWritesNothing) {
  const Config c = parse_ok(kBringUp);
  std::vector<std::string> progress;
  ApplyOptions opts;
  opts.progress = [&](const ApplyProgress& p) { progress.push_back(fmt::format("{}/{}", p.index + 1, p.total)); };
  auto first = apply_config(sw(), c, opts);
  ASSERT_TRUE(first.status.ok()) << first.status.to_string();
  EXPECT_FALSE(first.rolled_back);
  EXPECT_EQ(first.applied, first.plan.ops.size());
  EXPECT_EQ(progress.size(), first.plan.ops.size());
  ASSERT_TRUE(first.device_writes.has_value());
  EXPECT_GT(*first.device_writes, 0u);
  EXPECT_EQ(sw().port(PortId(2))->subports, 4u);
  EXPECT_EQ(sw().port(PortId(2))->admin_mask, 0xfu);
  EXPECT_EQ(sw().port(PortId(5))->admin_mask, 0x1u);
  EXPECT_EQ(sw().lane(LaneId(33))->tx_fir, (TxFir{-5, 50, -6}));
  EXPECT_NEAR(sw().laser_status(LaserRef{ElsId(17), 7})->power_setpoint.value(), 79.43, 0.006);

  auto again = apply_config(sw(), c);
  ASSERT_TRUE(again.status.ok()) << again.status.to_string();
  EXPECT_TRUE(again.plan.ops.empty());
  ASSERT_TRUE(again.device_writes.has_value());
  EXPECT_EQ(*again.device_writes, 0u) << "an idempotent re-apply issues no device write";
}

// What a host configures on a reference device, as words of its register window: the
// configuration fields of the status records (refdev registers.def: a port's admin mask,
// breakout, FEC, loopback and sub-port speed; a lane's tx-FIR taps and PRBS setup; a laser's
// power set-point and state). Device writes land in the firmware through the mailbox; these
// fields are where the unit shows what it runs.
std::vector<std::uint32_t> configured_words(const std::vector<std::uint32_t>& window) {
  namespace rd = refdev;
  std::vector<std::uint32_t> out;
  const auto word = [&](std::size_t byte) { return window.at(byte / 4); };
  const auto each = [&](const rd::Record& r, std::size_t count, std::initializer_list<std::size_t> fields) {
    for (std::size_t i = 0; i < count; ++i)
      for (std::size_t f : fields) out.push_back(word(r.base + i * r.stride + f));
  };
  namespace fd = rd::field;
  each(rd::record::kPort, word(rd::reg::kPortCount),
       {fd::kPortAdminMask, fd::kPortBreakout, fd::kPortFec, fd::kPortLoopback, fd::kPortSubportGbps});
  each(rd::record::kLane, word(rd::reg::kLaneCount),
       {fd::kLaneTxFirPre, fd::kLaneTxFirMain, fd::kLaneTxFirPost, fd::kLanePrbs});
  each(rd::record::kLaser, std::size_t{word(rd::reg::kElsCount)} * word(rd::reg::kLasersPerEls),
       {fd::kLaserState, fd::kLaserPowerSetpoint});
  return out;
}

// The host-writable bytes are those the codec's field table (cpo/hal/cmis/fields.h) marks
// writable. The apply triggers of page 10h (143, 144) read back 0 and are compared too.
//
// Every host-writable CMIS byte of every OE bank (lower page, page 10h) and every ELS (lower
// page, pages 1Ah and 1Bh), read through the facade as `ethtool -m` would.
std::vector<std::uint8_t> writable_cmis_bytes(Switch& sw) {
  std::vector<std::uint8_t> out;
  auto take = [&](CmisAddress a) {
    std::array<std::uint8_t, 128> half{};
    const Status s = sw.read_cmis(a, half);
    EXPECT_TRUE(s.ok()) << s.to_string();
    for (int i = 0; i < 128; ++i)
      if (cmis::host_writable(a.page, a.offset + static_cast<unsigned>(i)))
        out.push_back(half[static_cast<std::size_t>(i)]);
  };
  for (const OeInfo& oe : sw.platform().optical_engines())
    for (std::uint32_t b = 0; b < oe.banks.size(); ++b) {
      take({oe.id, BankId(b), 0, 0});
      take({oe.id, BankId(b), cmis::kPage10, 128});
    }
  for (const ElsInfo& els : sw.platform().els_modules()) {
    take({els.id, BankId(0), 0, 0});
    take({els.id, BankId(0), cmis::kPage1A, 128});
    take({els.id, BankId(0), cmis::kPage1B, 128});
  }
  return out;
}

std::vector<std::vector<std::uint32_t>> configured_registers(Switch& sw) {
  std::vector<std::vector<std::uint32_t>> out;
  for (const UnitInfo& u : sw.platform().units()) {
    auto window = sw.simulator()->register_window(u.id);
    EXPECT_TRUE(window.ok()) << window.status().to_string();
    out.push_back(window.ok() ? configured_words(*window) : std::vector<std::uint32_t>{});
  }
  return out;
}

std::string path_independent_json(Switch& sw) {
  auto snap = sw.snapshot();
  return snap ? render::render_json_path_independent(sw.platform(), *snap, true) : snap.status().to_string();
}

TEST_F(ConfigTest, AnApplyThatFailsAtItsFiftiethOperationEndsExactlyWhereItStarted) {
  // A twin: the same profile and seed, the same history except the failed apply.
  auto twin_opened = Switch::open("sim://cpo144");
  ASSERT_TRUE(twin_opened.ok()) << twin_opened.status().to_string();
  Switch& twin = **twin_opened;
  for (Switch* s : {&sw(), &twin})
    for (PortId p : {PortId(20), PortId(21), PortId(22), PortId(23)}) ASSERT_TRUE(s->set_admin(p, AdminState::up).ok());

  // Ops 1-49 touch units 0 and 1 (admin down, a laser off, breakouts, FEC); op 50 is the first
  // on unit 3, whose firmware hangs just before it.
  const LaserRef dark = sw().platform().lanes()[sw().platform().ports()[40].lanes[0].value()].laser;
  std::string doc =
      "schema_version: 1\nports:\n  - {port: 20-23, admin: down}\n  - {port: 0-7, breakout: 4x200G}\n"
      "  - {port: 24-59, fec: none}\n  - {port: 110, tx_fir: {pre: -3, main: 50, post: -5}}\n";
  doc += fmt::format("lasers:\n  - {{laser: els{}/{}, enabled: false}}\n  - {{laser: els17/0, power_mw: 80}}\n",
                     dark.els.value(), dark.index);
  const Config c = parse_ok(doc);
  auto plan = plan_config(sw(), c);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  ASSERT_GT(plan->ops.size(), 50u);
  ASSERT_EQ(plan->ops[48].kind, ConfigOpKind::fec);
  ASSERT_EQ(plan->ops[49].kind, ConfigOpKind::tx_fir) << plan->ops[49].to_string();

  sw().sleep_for(5s);  // settle data paths and links before taking the reference
  const auto registers_before = configured_registers(sw());
  const auto cmis_before = writable_cmis_bytes(sw());
  const std::string running_before = running_yaml(sw());
  const std::uint64_t writes_before = writes();

  ApplyOptions opts;
  bool rollback_seen = false;
  opts.progress = [&](const ApplyProgress& p) {
    if (p.phase == ApplyPhase::apply && p.index == 49) {
      ASSERT_TRUE(sw().simulator()->hang_firmware(UnitId(3), true).ok());
    }
    if (p.phase == ApplyPhase::rollback) rollback_seen = true;
  };
  auto report = apply_config(sw(), c, opts);
  EXPECT_STATUS(report.status, Code::timeout, "operation 50 of");
  EXPECT_THAT(report.status.message(), HasSubstr("rolled back: the switch runs its previous configuration"));
  EXPECT_TRUE(report.rolled_back);
  EXPECT_TRUE(report.rollback_status.ok()) << report.rollback_status.to_string();
  EXPECT_TRUE(rollback_seen);
  EXPECT_EQ(report.applied, 49u);
  EXPECT_GT(writes(), writes_before);
  ASSERT_TRUE(sw().simulator()->hang_firmware(UnitId(3), false).ok());

  // (a) The device configuration, byte for byte: right after the rollback, and against the twin.
  EXPECT_TRUE(configured_registers(sw()) == registers_before);
  EXPECT_TRUE(writable_cmis_bytes(sw()) == cmis_before);
  EXPECT_EQ(running_yaml(sw()), running_before);

  // (b) Every telemetry value but counters and last-event records, byte for byte against the
  // twin at the same device time. A laser switched off and on again needs minutes of device
  // time for its temperature (and with it bias, wavelength, power) to come back to the last
  // encoded digit, as the twin's never moved.
  sw().sleep_for(4min);
  twin.sleep_for(sw().now() - twin.now());
  ASSERT_EQ(sw().now(), twin.now());
  EXPECT_TRUE(configured_registers(sw()) == configured_registers(twin));
  EXPECT_TRUE(writable_cmis_bytes(sw()) == writable_cmis_bytes(twin));
  const std::string restored = path_independent_json(sw());
  const std::string untouched = path_independent_json(twin);
  EXPECT_EQ(restored.size(), untouched.size());
  EXPECT_TRUE(restored == untouched) << "first difference at byte "
                                     << std::mismatch(restored.begin(), restored.end(), untouched.begin()).first -
                                            restored.begin();
  // The full document differs only where the device remembers the detour.
  auto full = sw().snapshot();
  auto twin_full = twin.snapshot();
  ASSERT_TRUE(full.ok() && twin_full.ok());
  EXPECT_NE(sw().render_json(*full), twin.render_json(*twin_full));
}

// Control mode and bias set-points: checked against the module and the bank-dark rule,
// applied through the laser policy, idempotent, and rolled back byte for byte.
TEST_F(ConfigTest, ControlModeAndBiasSetPointsAreCheckedAppliedAndRolledBack) {
  auto limits = sw().laser_limits(LaserRef{ElsId(3), 0});
  ASSERT_TRUE(limits.ok()) << limits.status().to_string();
  const double lo = limits->min_bias.value();
  const double hi = limits->max_bias.value();
  ASSERT_LT(lo, hi);
  auto issues = validate_config(
      sw(), parse_ok(fmt::format("schema_version: 1\nlasers:\n  - {{laser: els3/0, control: acc}}\n"
                                 "  - {{laser: els4/0, control: acc}}\n"
                                 "  - {{laser: els4/1, control: apc}}\n  - {{laser: els5/0, bias_ma: {}}}\n",
                                 hi + 10)));
  ASSERT_EQ(issues.size(), 4u) << all_issues(issues);
  EXPECT_THAT(paths_of(issues), ::testing::UnorderedElementsAre("lasers[0].control", "lasers[1].control",
                                                                "lasers[2].control", "lasers[3].bias_ma"));
  for (const auto& i : issues) {
    if (i.path == "lasers[0].control" || i.path == "lasers[1].control") {
      EXPECT_EQ(i.code, Code::failed_precondition);
      EXPECT_THAT(i.message, HasSubstr("needs every laser of the bank off"));
    } else if (i.path == "lasers[3].bias_ma") {
      EXPECT_EQ(i.code, Code::safety_refused);
      EXPECT_THAT(i.message, HasSubstr("outside the module's advertised range"));
    } else {
      EXPECT_EQ(i.code, Code::invalid_argument);
      EXPECT_THAT(i.message, HasSubstr("for the same bank"));
    }
  }

  // The whole bank dark, in ACC at a bias: applied, read back, a second apply writes nothing.
  const double bias = std::round((lo + hi) / 2 * 10) / 10;
  const Config acc = parse_ok(fmt::format(
      "schema_version: 1\nlasers:\n  - {{laser: els3/0-7, enabled: false, control: acc, bias_ma: {}}}\n", bias));
  auto report = apply_config(sw(), acc);
  ASSERT_TRUE(report.status.ok()) << report.status.to_string();
  auto status = sw().laser_status(LaserRef{ElsId(3), 5});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->control_mode, cmis::ElsControlMode::acc);
  EXPECT_NEAR(status->bias_setpoint.value(), bias, 0.05);
  EXPECT_FALSE(status->enabled);
  EXPECT_THAT(running_yaml(sw()),
              HasSubstr(fmt::format("  - laser: els3/0-7\n    enabled: false\n    power_mw: 100\n    control: acc\n"
                                    "    bias_ma: {}\n",
                                    bias)));
  auto again = apply_config(sw(), acc);
  ASSERT_TRUE(again.status.ok()) << again.status.to_string();
  EXPECT_TRUE(again.plan.ops.empty());
  EXPECT_EQ(again.device_writes, 0u);

  // Back to APC at another bias, failing at a later operation: mode, bias set-points and
  // every other writable module byte are what they were.
  const std::string running_before = running_yaml(sw());
  const auto cmis_before = writable_cmis_bytes(sw());
  const UnitId far = sw().platform().ports()[100].unit;
  ApplyOptions opts;
  opts.progress = [&](const ApplyProgress& p) {
    if (p.phase == ApplyPhase::apply && p.op->kind == ConfigOpKind::admin_up) {
      ASSERT_TRUE(sw().simulator()->hang_firmware(far, true).ok());
    }
  };
  auto failed = apply_config(
      sw(),
      parse_ok(fmt::format("schema_version: 1\nlasers:\n  - {{laser: els3/0-7, control: apc, bias_ma: {}}}\n"
                           "ports:\n  - {{port: 100, admin: up}}\n",
                           lo + 1)),
      opts);
  ASSERT_TRUE(sw().simulator()->hang_firmware(far, false).ok());
  ASSERT_GE(failed.plan.ops.size(), 10u);
  EXPECT_EQ(failed.plan.ops[0].kind, ConfigOpKind::laser_control);
  EXPECT_EQ(failed.plan.ops[0].source, "lasers[0].control");
  EXPECT_EQ(failed.plan.ops[1].kind, ConfigOpKind::laser_bias);
  EXPECT_EQ(failed.status.code(), Code::timeout) << failed.status.to_string();
  EXPECT_TRUE(failed.rollback_status.ok()) << failed.rollback_status.to_string();
  EXPECT_EQ(running_yaml(sw()), running_before);
  EXPECT_TRUE(writable_cmis_bytes(sw()) == cmis_before);
}

// The published JSON Schema agrees with the reader: it accepts what the SDK writes (a full
// running document) and the documents the reader accepts, and rejects what it rejects.
// Needs python3 with jsonschema; skipped without.
TEST_F(ConfigTest, ThePublishedJsonSchemaAgreesWithTheReader) {
  if (std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 jsonschema missing";
  const auto dir = scratch_dir();
  const auto schema = std::filesystem::path(CPOSDK_PROFILE_DIR) / ".." / ".." / "sdk" / "schema" / "config.schema.json";
  ASSERT_TRUE(sw().breakout("0-3", "4x200G").ok());
  auto state = read_config_state(sw());
  ASSERT_TRUE(state.ok());
  std::ofstream(dir / "running.json") << render_config(to_config(*state), ConfigFormat::json);
  std::ofstream(dir / "doc.json") << render_config(parse_ok(kYaml), ConfigFormat::json);
  std::ofstream(dir / "bad.json") << R"({"schema_version": 1, "ports": [{"port": "0", "admin": "sideways"}]})";
  ASSERT_FALSE(parse_config(read_file(dir / "bad.json")).issues.empty());
  const std::string check = fmt::format(
      "python3 -c 'import json,sys,jsonschema\n"
      "v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n"
      "ok = [not list(v.iter_errors(json.load(open(f)))) for f in sys.argv[2:]]\n"
      "sys.exit(0 if ok == [True, True, False] else 1)' {} {} {} {}",
      schema.string(), (dir / "running.json").string(), (dir / "doc.json").string(), (dir / "bad.json").string());
  EXPECT_EQ(std::system(check.c_str()), 0) << check;
  std::filesystem::remove_all(dir);
}

// Two applies to one switch from two threads: the second waits for the first, then plans
// against what the first left; an apply that may not wait that long fails naming the holder
// and touches nothing.
TEST_F(ConfigTest, ConcurrentAppliesToOneSwitchRunOneAfterTheOther) {
  std::mutex m;
  std::condition_variable cv;
  bool first_running = false;
  bool release_first = false;
  std::vector<char> order;  // whose operation ran, in order
  ApplyReport first, second;

  ApplyOptions a;
  a.progress = [&](const ApplyProgress& p) {
    std::unique_lock<std::mutex> l(m);
    order.push_back('A');
    if (p.index == 0) {
      first_running = true;
      cv.notify_all();
      cv.wait(l, [&] { return release_first; });
    }
  };
  std::thread ta(
      [&] { first = apply_config(sw(), parse_ok("schema_version: 1\nports:\n  - {port: 0-3, fec: none}\n"), a); });
  {
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [&] { return first_running; });
  }

  ApplyOptions impatient;
  impatient.wait_for_other_apply = 50ms;
  auto refused = apply_config(sw(), parse_ok("schema_version: 1\nports:\n  - {port: 8, fec: none}\n"), impatient);
  EXPECT_STATUS(refused.status, Code::failed_precondition, "another config apply holds sim://cpo144");
  EXPECT_THAT(refused.status.message(), HasSubstr("waited 50 ms"));
  EXPECT_TRUE(refused.plan.ops.empty());
  EXPECT_EQ(refused.device_writes, 0u);

  ApplyOptions b;
  b.progress = [&](const ApplyProgress&) {
    std::lock_guard<std::mutex> l(m);
    order.push_back('B');
  };
  std::thread tb(
      [&] { second = apply_config(sw(), parse_ok("schema_version: 1\nports:\n  - {port: 0-3, fec: rs544}\n"), b); });
  std::this_thread::sleep_for(100ms);  // the second apply is waiting for the lease meanwhile
  {
    std::lock_guard<std::mutex> l(m);
    EXPECT_EQ(std::string(order.begin(), order.end()), "A");
    release_first = true;
  }
  cv.notify_all();
  ta.join();
  tb.join();
  ASSERT_TRUE(first.status.ok()) << first.status.to_string();
  ASSERT_TRUE(second.status.ok()) << second.status.to_string();
  EXPECT_EQ(std::string(order.begin(), order.end()), "AAAABBBB");
  // Planned after the first finished: from its FEC, not from the one before it.
  ASSERT_EQ(second.plan.ops.size(), 4u);
  for (const ConfigOp& op : second.plan.ops) EXPECT_EQ(op.from, "none") << op.to_string();
  EXPECT_EQ(running_yaml(sw()).find("fec: none"), std::string::npos);
}

TEST_F(ConfigTest, ValidationFailuresApplyNothing) {
  const std::uint64_t before = writes();
  auto report = apply_config(sw(), parse_ok("schema_version: 1\nports:\n  - {port: 0, breakout: 8x100G}\n"));
  EXPECT_EQ(report.status.code(), Code::unsupported);
  EXPECT_THAT(paths_of(report.issues), ElementsAre("ports[0].breakout"));
  EXPECT_EQ(writes(), before);
  EXPECT_EQ(report.device_writes, 0u);
}

// ------------------------------------------------------------------------------ persistence

TEST_F(ConfigTest, TheRunningStateIsPersistedAndRestoredAfterARestart) {
  const auto dir = scratch_dir();
  const auto file = dir / "running.yaml";
  ApplyOptions opts;
  opts.persist_path = file;
  auto report = apply_config(sw(), parse_ok(kBringUp), opts);
  ASSERT_TRUE(report.status.ok()) << report.status.to_string();
  EXPECT_TRUE(report.persisted);
  EXPECT_EQ(read_file(file), running_yaml(sw()));

  // A restart: a fresh switch in its power-on state, then `apply --running`.
  auto fresh = Switch::open("sim://cpo144");
  ASSERT_TRUE(fresh.ok());
  auto loaded = load_config(file);
  ASSERT_TRUE(loaded.issues.empty()) << all_issues(loaded.issues);
  auto restored = apply_config(**fresh, loaded.config);
  ASSERT_TRUE(restored.status.ok()) << restored.status.to_string();
  std::set<std::uint32_t> touched;
  for (const auto& op : restored.plan.ops) {
    if (const auto* p = std::get_if<PortId>(&op.object)) touched.insert(p->value());
    if (const auto* lp = std::get_if<LogicalPort>(&op.object)) touched.insert(lp->port.value());
    if (const auto* l = std::get_if<LaneId>(&op.object))
      touched.insert((*fresh)->platform().lanes()[l->value()].port.value());
  }
  EXPECT_THAT(touched, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8)) << "only the ports that differ are written";
  EXPECT_EQ(running_yaml(**fresh), running_yaml(sw()));
  auto again = apply_config(**fresh, loaded.config);
  EXPECT_EQ(again.device_writes, 0u);
  std::filesystem::remove_all(dir);
}

TEST(ConfigPersist, ASigkillAtEveryStepLeavesTheOldOrTheNewFile) {
  const auto dir = scratch_dir();
  const auto file = dir / "running.yaml";
  const std::string old_text = "schema_version: 1\n# old\n" + std::string(4000, '#') + "\n";
  const std::string new_text = "schema_version: 1\n# new\n" + std::string(9000, '%') + "\n";
  const PersistStep steps[] = {PersistStep::open_temp,  PersistStep::write_first, PersistStep::write_rest,
                               PersistStep::fsync_temp, PersistStep::close_temp,  PersistStep::rename,
                               PersistStep::fsync_dir,  PersistStep::done};
  for (PersistStep stop : steps) {
    ASSERT_TRUE(write_file_atomically(file, old_text).ok());
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      (void)write_file_atomically(file, new_text, [stop](PersistStep s) {
        if (s == stop) ::kill(::getpid(), SIGKILL);
      });
      ::_exit(0);  // not reached
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << to_string(stop);
    const std::string now = read_file(file);
    const bool renamed = stop == PersistStep::fsync_dir || stop == PersistStep::done;
    EXPECT_EQ(now, renamed ? new_text : old_text) << "killed before " << to_string(stop);
    // Whatever it left behind, the next write succeeds and nothing reads the temporary file.
    ASSERT_TRUE(write_file_atomically(file, old_text).ok());
    EXPECT_EQ(read_file(file), old_text);
  }
  EXPECT_STATUS(write_file_atomically(dir / "no" / "such" / "dir.yaml", "x"), Code::io_error,
                "creating a temporary file");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cpo::sdk
