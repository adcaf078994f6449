// Telemetry renderings (cpo/sdk/telemetry.h, docs/telemetry.md): energy accounting per port,
// the JSON document and the Prometheus exposition, on real snapshots of a simulated cpo144
// taken by the reference driver, and on hand-made hostile ones. The exposition is checked by
// the real `promtool check metrics` (Debian package prometheus, scripts/setup-deps).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/run_process.h"
#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/hal/backend/driver.h"
#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/sdk/objects.h"
#include "cpo/sdk/telemetry.h"
#include "cpo/sim/simulator.h"
#include "render/fields.h"

namespace cpo::sdk {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ------------------------------------------------------------------ snapshot helpers

const LaneTelemetry* find_lane(const Snapshot& s, LaneId id) {
  for (const auto& u : s.units.units)
    for (const auto& l : u.lanes)
      if (l.lane == id) return &l;
  return nullptr;
}

// The logical ports of every port under its reported breakout, derived from its lanes.
void fill_logical_ports(const Platform& platform, Snapshot& s) {
  s.logical_ports.clear();
  for (const auto& unit : s.units.units) {
    for (const PortTelemetry& p : unit.ports) {
      const BreakoutMode& mode = platform.breakout_modes().at(p.breakout);
      auto subs = platform.subports(p.port, mode);
      ASSERT_TRUE(subs.ok()) << subs.status().to_string();
      const PortInfo& info = platform.ports()[p.port.value()];
      for (std::uint32_t sp = 0; sp < subs->size(); ++sp) {
        const SubportLanes& sub = (*subs)[sp];
        LogicalPortTelemetry lp;
        lp.port = {p.port, sp};
        auto name = sonic_name(platform, lp.port, BreakoutMap{{p.port, mode}});
        ASSERT_TRUE(name.ok()) << name.status().to_string();
        lp.name = *name;
        lp.speed = p.subport_speed;
        lp.admin = (p.admin_mask >> sp) & 1u ? AdminState::up : AdminState::down;
        lp.oper = (p.oper_mask >> sp) & 1u ? OperState::up : OperState::down;
        lp.rx_power_min = Milliwatts(kInf);
        for (std::uint32_t k = sub.first; k < sub.first + sub.count; ++k) {
          lp.lanes.push_back(info.lanes[k]);
          const LaneTelemetry* l = find_lane(s, info.lanes[k]);
          ASSERT_NE(l, nullptr);
          lp.fec_corrected += l->fec_corrected;
          lp.fec_uncorrected += l->fec_uncorrected;
          lp.pre_fec_ber_max = std::max(lp.pre_fec_ber_max, l->pre_fec_ber);
          lp.rx_power_min = std::min(lp.rx_power_min, l->rx_power);
        }
        s.logical_ports.push_back(std::move(lp));
      }
    }
  }
}

// A simulated cpo144 driven by the reference driver.
struct Rig {
  std::unique_ptr<sim::Switch> sim;
  std::vector<Bar*> bars;
  std::unique_ptr<reference::ReferenceDriver> driver;

  Rig() {
    sim::SimOptions options;
    options.profile = "cpo144";
    auto sw = sim::Switch::create(options);
    EXPECT_TRUE(sw.ok()) << sw.status().to_string();
    sim = std::move(*sw);
    for (std::size_t u = 0; u < sim->unit_count(); ++u) bars.push_back(&sim->bar(u));
    auto d = reference::ReferenceDriver::open(sim->platform(), bars);
    EXPECT_TRUE(d.ok()) << d.status().to_string();
    driver = std::move(*d);
  }
  const Platform& platform() const { return sim->platform(); }

  // Ports 0..23 admin up, port 20 split 4x200G first; links up after two seconds.
  void bring_up() {
    const BreakoutRequest split{PortId(20), *BreakoutMode::parse("4x200G")};
    EXPECT_TRUE(driver->set_breakout(std::span(&split, 1)).ok());
    for (std::uint32_t p = 0; p < 24; ++p) EXPECT_TRUE(driver->set_admin_state(PortId(p), AdminState::up).ok());
    sim->advance(3s);
  }

  Snapshot take() {
    Snapshot s;
    s.platform = platform().name();
    const Status st = read_all_telemetry(*driver, sim->unit_count(), s.units);
    EXPECT_TRUE(st.ok()) << st.to_string();
    fill_logical_ports(platform(), s);
    account_energy(platform(), s);
    return s;
  }

  // Thresholds as the modules advertise them: OE 0 page 02h, ELS 0 page 1Ah.
  void read_thresholds(Snapshot& s) {
    cmis::PageBytes page{};
    ASSERT_TRUE(driver->read_cmis({OeId(0), BankId(0), cmis::kPage02, 128}, page).ok());
    s.oe_thresholds.push_back({OeId(0), cmis::decode_page02(page)});
    ASSERT_TRUE(driver->read_cmis({ElsId(0), BankId(0), cmis::kPage1A, 128}, page).ok());
    const cmis::ElsAdvertisement adv = cmis::decode_page1a(page);
    for (std::uint32_t k = 0; k < 8; ++k)
      s.laser_thresholds.push_back({LaserRef{ElsId(0), k}, adv.power_thresholds, adv.bias_thresholds});
  }
};

// One brought-up switch and its snapshot, shared by the read-only tests.
class RenderOnSim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rig_ = new Rig();
    rig_->bring_up();
    snapshot_ = new Snapshot(rig_->take());
    rig_->read_thresholds(*snapshot_);
  }
  static void TearDownTestSuite() {
    delete snapshot_;
    delete rig_;
    snapshot_ = nullptr;
    rig_ = nullptr;
  }
  static const Platform& platform() { return rig_->platform(); }
  static const Snapshot& snap() { return *snapshot_; }

  static Rig* rig_;
  static Snapshot* snapshot_;
};
Rig* RenderOnSim::rig_ = nullptr;
Snapshot* RenderOnSim::snapshot_ = nullptr;

// ------------------------------------------------------------------ exposition helpers

struct Sample {
  std::string name;
  std::string labels;  // as written, without braces
  std::string value;
};

struct Exposition {
  std::vector<std::string> type_lines;  // family names, in order
  std::map<std::string, std::string> types;
  std::vector<Sample> samples;
  std::vector<std::string> errors;
};

bool valid_metric_name(const std::string& n) {
  if (n.empty() || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_' || n[0] == ':')) return false;
  return std::all_of(n.begin(), n.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; });
}

// A strict reader of the text format: HELP then TYPE then samples of that family only.
Exposition parse_exposition(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line, family, help_of;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      help_of = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream l(line.substr(7));
      std::string type;
      l >> family >> type;
      if (help_of != family) e.errors.push_back("TYPE without HELP just before: " + line);
      if (e.types.count(family) != 0) e.errors.push_back("second TYPE for " + family);
      if (!valid_metric_name(family)) e.errors.push_back("bad name " + family);
      e.types[family] = type;
      e.type_lines.push_back(family);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    const std::size_t brace = line.find('{');
    const std::size_t space = line.rfind(' ');
    s.name = line.substr(0, std::min(brace, space));
    if (brace != std::string::npos) s.labels = line.substr(brace + 1, line.rfind('}') - brace - 1);
    s.value = line.substr(space + 1);
    if (s.name != family) e.errors.push_back("sample outside its family: " + line);
    e.samples.push_back(std::move(s));
  }
  return e;
}

const Sample* find_sample(const Exposition& e, std::string_view name, std::string_view label_fragment) {
  for (const auto& s : e.samples)
    if (s.name == name && s.labels.find(label_fragment) != std::string::npos) return &s;
  return nullptr;
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path p = fs::path(dir) / name;
    if (!dir.empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

// `promtool check metrics` on the text; the result's out+err are its complaints.
testing::ProcessResult promtool_check(const std::string& promtool, const std::string& text) {
  const fs::path file = fs::temp_directory_path() / ("cposdk-render-" + std::to_string(::getpid()) + ".prom");
  {
    std::ofstream out(file, std::ios::binary);
    out << text;
  }
  auto r = testing::run_process("/bin/sh", {"-c", "exec \"$0\" check metrics < \"$1\"", promtool, file.string()});
  fs::remove(file);
  return r;
}

#define REQUIRE_PROMTOOL(var)                       \
  const std::string var = find_program("promtool"); \
  if (var.empty()) GTEST_SKIP() << "promtool is not installed (Debian package prometheus; scripts/setup-deps)"

// ------------------------------------------------------------------ energy

TEST_F(RenderOnSim, EveryPortIsChargedAndThePortsSumToTheTotal) {
  const Snapshot& s = snap();
  ASSERT_EQ(s.energy.size(), 144u);
  double sum = 0.0, laser = 0.0, oe = 0.0;
  for (const PortEnergy& e : s.energy) {
    EXPECT_GT(e.laser_watts, 0.0) << to_string(e.port);
    EXPECT_GT(e.oe_watts, 0.0) << to_string(e.port);
    EXPECT_DOUBLE_EQ(e.watts, e.laser_watts + e.oe_watts);
    EXPECT_GT(e.pj_per_bit, 0.0);
    sum += e.watts;
    laser += e.laser_watts;
    oe += e.oe_watts;
  }
  EXPECT_NEAR(sum, s.total_optics_watts, 1e-9 * sum);
  // Conservation: every ELS watt and every OE watt is charged to some port.
  double els_w = 0.0, oe_w = 0.0;
  for (const auto& u : s.units.units) {
    for (const auto& e : u.els) els_w += e.vcc.value() * e.supply_current.value() / 1000.0;
    for (const auto& o : u.oes) oe_w += o.power.value() / 1000.0;
  }
  EXPECT_GT(els_w, 0.0);
  EXPECT_NEAR(laser, els_w, 1e-9 * els_w);
  EXPECT_NEAR(oe, oe_w, 1e-9 * oe_w);
  // pJ/bit at 800G (1x800G, and 4 x 200G on port 20).
  EXPECT_NEAR(s.energy[0].pj_per_bit, s.energy[0].watts / 800.0 * 1000.0, 1e-9);  // rounded to 1e-9
  EXPECT_NEAR(s.energy[20].pj_per_bit, s.energy[20].watts / 800.0 * 1000.0, 1e-9);
}

TEST(Energy, FailedLaserLosesItsShareToTheOtherLasersOfItsEls) {
  Rig rig;
  rig.bring_up();
  const Snapshot before = rig.take();
  // cpo144: ELS e laser l lights port 8e + l.
  ASSERT_TRUE(rig.sim->backdoor().fail_laser(LaserRef{ElsId(0), 3}).ok());
  rig.sim->advance(1s);
  const Snapshot after = rig.take();

  EXPECT_GT(before.energy[3].laser_watts, 0.0);
  EXPECT_EQ(after.energy[3].laser_watts, 0.0);
  EXPECT_GT(after.energy[3].oe_watts, 0.0);  // its optical engine still serves it
  double els0 = 0.0, ports0 = 0.0;
  for (const auto& u : after.units.units)
    for (const auto& e : u.els)
      if (e.els == ElsId(0)) els0 = e.vcc.value() * e.supply_current.value() / 1000.0;
  for (std::uint32_t p = 0; p < 8; ++p) {
    ports0 += after.energy[p].laser_watts;
    if (p != 3) {
      EXPECT_GT(after.energy[p].laser_watts, 0.0) << p;
    }
  }
  EXPECT_NEAR(ports0, els0, 1e-9 * els0);
  EXPECT_GT(after.energy[0].laser_watts, 0.0);
}

// The worked example of docs/telemetry.md ("Energy per port").
TEST(Energy, WorkedExampleOfTheDocumentation) {
  auto platform = Platform::builtin("cpo144");
  ASSERT_TRUE(platform.ok());
  Snapshot s;
  UnitTelemetry u;
  u.unit = UnitId(0);
  ElsTelemetry els;
  els.els = ElsId(0);
  els.present = true;
  els.vcc = Volts(3.3);
  els.supply_current = Milliamps(2100.0);
  u.els.push_back(els);
  for (std::uint32_t k = 0; k < 8; ++k) {
    LaserTelemetry l;
    l.laser = LaserRef{ElsId(0), k};
    l.bias = Milliamps(k == 3 ? 0.0 : 100.0);  // laser 3 failed
    u.lasers.push_back(l);
  }
  OeTelemetry oe;
  oe.oe = OeId(0);
  oe.power = Milliwatts(12000.0);
  u.oes.push_back(oe);
  for (std::uint32_t p = 0; p < 8; ++p) {
    PortTelemetry pt;
    pt.port = PortId(p);
    pt.subports = 1;
    pt.subport_speed = Gbps(800);
    u.ports.push_back(pt);
  }
  s.units.units.push_back(u);
  account_energy(*platform, s);

  ASSERT_EQ(s.energy.size(), 144u);
  EXPECT_EQ(s.energy[0].laser_watts, 0.99);  // 6.93 W x 100 / 700
  EXPECT_EQ(s.energy[0].oe_watts, 2.0);
  EXPECT_EQ(s.energy[0].watts, 2.99);
  EXPECT_EQ(s.energy[0].pj_per_bit, 3.7375);
  EXPECT_EQ(s.energy[3].laser_watts, 0.0);
  EXPECT_DOUBLE_EQ(s.energy[3].pj_per_bit, 2.5);
  EXPECT_DOUBLE_EQ(s.energy[6].oe_watts, 0.0);  // OE 0 serves ports 0..5
  EXPECT_DOUBLE_EQ(s.energy[8].watts, 0.0);     // no telemetry, no charge, no speed
  EXPECT_EQ(s.energy[8].pj_per_bit, 0.0);
  EXPECT_EQ(s.total_optics_watts, 18.93);
}

// ------------------------------------------------------------------ JSON

TEST_F(RenderOnSim, JsonHasTheDocumentedKeysInOrderAndTheTelemetryValues) {
  const std::string text = render_json(platform(), snap());
  EXPECT_EQ(text.find('\n'), std::string::npos) << "compact by default";
  const Json j = Json::parse(text);
  std::vector<std::string> top;
  for (const auto& [k, v] : j.items()) top.push_back(k);
  EXPECT_THAT(top, ElementsAre("schema_version", "platform", "total_optics_w", "units", "ports", "logical_ports",
                               "lanes", "oes", "els", "lasers", "energy", "thresholds"));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["platform"], "cpo144");
  EXPECT_EQ(j["units"].size(), 4u);
  EXPECT_EQ(j["ports"].size(), 144u);
  EXPECT_EQ(j["logical_ports"].size(), 147u);  // port 20 is 4x200G
  EXPECT_EQ(j["lanes"].size(), 576u);
  EXPECT_EQ(j["oes"].size(), 24u);
  EXPECT_EQ(j["els"].size(), 18u);
  EXPECT_EQ(j["lasers"].size(), 144u);
  EXPECT_EQ(j["energy"].size(), 144u);
  EXPECT_EQ(j["total_optics_w"].get<double>(), snap().total_optics_watts);

  // Lane 5: every number equal to the telemetry (shortest round-trip spelling).
  const LaneTelemetry& l5 = *find_lane(snap(), LaneId(5));
  const Json& lane = j["lanes"][5];
  EXPECT_EQ(lane["lane"], 5);
  EXPECT_EQ(lane["port"], 1);
  EXPECT_EQ(lane["unit"], 0);
  EXPECT_EQ(lane["name"], "Ethernet4");
  EXPECT_EQ(lane["rx_power_mw"].get<double>(), l5.rx_power.value());
  EXPECT_GT(l5.rx_power.value(), 0.0);
  EXPECT_EQ(lane["tx_power_mw"].get<double>(), l5.tx_power.value());
  EXPECT_EQ(lane["laser_input_power_mw"].get<double>(), l5.laser_input_power.value());
  EXPECT_EQ(lane["pre_fec_ber"].get<double>(), l5.pre_fec_ber);
  EXPECT_EQ(lane["snr_db"].get<double>(), l5.snr.value());
  EXPECT_EQ(lane["cdr_lock"], true);
  EXPECT_EQ(lane["data_path_state"], "Activated");
  EXPECT_EQ(lane["fec_corrected_codewords"].get<std::uint64_t>(), l5.fec_corrected);
  for (const char* key : {"oe", "bank", "els", "laser", "signal_detect", "tx_enabled", "tx_fir_pre", "tx_fir_main",
                          "tx_fir_post", "prbs_pattern", "prbs_generator", "prbs_checker", "prbs_lock",
                          "prbs_errored_bits", "prbs_checked_bits", "fec_uncorrected_codewords"})
    EXPECT_TRUE(lane.contains(key)) << key;

  // Sub-port names under the reported breakout (port 20 runs 4x200G) agree with sonic_name.
  const BreakoutMap split{{PortId(20), *BreakoutMode::parse("4x200G")}};
  EXPECT_EQ(j["lanes"][82]["name"], *sonic_name(platform(), {PortId(20), 2}, split));
  EXPECT_EQ(j["lanes"][82]["name"], "Ethernet82");
  EXPECT_EQ(j["ports"][20]["name"], "Ethernet80");
  EXPECT_EQ(j["ports"][20]["breakout"], "4x200G");
  EXPECT_EQ(j["ports"][20]["subports"], 4);
  EXPECT_EQ(j["ports"][20]["subport_speed_gbps"], 200);
  EXPECT_EQ(j["ports"][20]["speed_gbps"], 800);

  // Ports: enums as names, flag sets as arrays of names.
  const Json& port = j["ports"][3];
  EXPECT_EQ(port["alias"], "etp4");
  EXPECT_EQ(port["admin_state"], "up");
  EXPECT_EQ(port["oper_state"], "up");
  EXPECT_EQ(port["fec_mode"], "rs544");
  EXPECT_EQ(port["loopback"], "none");
  EXPECT_EQ(port["faults"], Json::array());
  EXPECT_EQ(j["ports"][100]["oper_state"], "down");
  EXPECT_EQ(j["logical_ports"][22]["name"], "Ethernet82");
  EXPECT_EQ(j["logical_ports"][22]["subport"], 2);
  EXPECT_EQ(j["logical_ports"][22]["lanes"], Json::parse("[82]"));

  EXPECT_EQ(j["units"][0]["name"], "asic0");
  EXPECT_THAT(j["units"][0]["flags"].get<std::vector<std::string>>(), Contains("ready"));
  EXPECT_EQ(j["units"][1]["optics_power_mw"].get<double>(), snap().units.units[1].optics_power.value());

  const ElsTelemetry& els0 = snap().units.units[0].els[0];
  EXPECT_EQ(j["els"][0]["supply_current_ma"].get<double>(), els0.supply_current.value());
  EXPECT_EQ(j["els"][0]["vcc_v"].get<double>(), els0.vcc.value());
  EXPECT_EQ(j["els"][0]["present"], true);
  EXPECT_EQ(j["els"][0]["module_state"], "ModuleReady");
  const Json& laser = j["lasers"][0];
  EXPECT_EQ(laser["els"], 0);
  EXPECT_EQ(laser["laser"], 0);
  EXPECT_EQ(laser["state"], "on");
  EXPECT_EQ(laser["fault"], "none");
  EXPECT_THAT(laser["flags"].get<std::vector<std::string>>(), Contains("enabled"));
  EXPECT_EQ(laser["bias_ma"].get<double>(), snap().units.units[0].lasers[0].bias.value());
  EXPECT_EQ(j["oes"][2]["temperature_c"].get<double>(), snap().units.units[0].oes[2].temperature.value());

  const Json& e7 = j["energy"][7];
  EXPECT_EQ(e7["port"], 7);
  EXPECT_EQ(e7["name"], "Ethernet28");
  EXPECT_EQ(e7["power_w"].get<double>(), snap().energy[7].watts);
  EXPECT_EQ(e7["laser_power_w"].get<double>(), snap().energy[7].laser_watts);
  EXPECT_EQ(e7["oe_power_w"].get<double>(), snap().energy[7].oe_watts);
  EXPECT_EQ(e7["energy_pj_per_bit"].get<double>(), snap().energy[7].pj_per_bit);

  const Json& thr = j["thresholds"];
  ASSERT_EQ(thr["oes"].size(), 1u);
  EXPECT_EQ(thr["oes"][0]["temperature_threshold_c"]["high_alarm"].get<double>(),
            snap().oe_thresholds[0].thresholds.temperature.high_alarm.value());
  ASSERT_EQ(thr["lasers"].size(), 8u);
  EXPECT_EQ(thr["lasers"][2]["bias_threshold_ma"]["high_warning"].get<double>(),
            snap().laser_thresholds[2].bias.high_warning.value());
}

TEST_F(RenderOnSim, PrettyJsonIsTheSameDocument) {
  const std::string compact = render_json(platform(), snap());
  const std::string pretty = render_json(platform(), snap(), true);
  EXPECT_NE(pretty.find("\n  \"units\": [\n    {\n      \"unit\": 0,"), std::string::npos);
  EXPECT_EQ(Json::parse(pretty), Json::parse(compact));
  EXPECT_NE(pretty.find("\"faults\": []"), std::string::npos);
}

TEST(RenderJson, ThresholdsOnlyWhenTheSnapshotHasThem) {
  auto platform = Platform::builtin("cpo144");
  ASSERT_TRUE(platform.ok());
  const Json j = Json::parse(render_json(*platform, Snapshot{}));
  EXPECT_FALSE(j.contains("thresholds"));
  EXPECT_EQ(j["lanes"], Json::array());
  EXPECT_EQ(j["platform"], "cpo144");
}

// ------------------------------------------------------------------ Prometheus

TEST_F(RenderOnSim, PrometheusPassesPromtool) {
  REQUIRE_PROMTOOL(promtool);
  const auto r = promtool_check(promtool, render_prometheus(platform(), snap(), "rack1-sw3"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "");  // no lint complaint either
}

TEST_F(RenderOnSim, PrometheusHasOneHelpAndTypePerFamilyUniqueSeriesAndTheTelemetryValues) {
  const std::string text = render_prometheus(platform(), snap());
  const Exposition e = parse_exposition(text);
  EXPECT_THAT(e.errors, IsEmpty());
  EXPECT_EQ(e.type_lines.size(), e.types.size());
  std::set<std::string> series;
  for (const Sample& s : e.samples) EXPECT_TRUE(series.insert(s.name + "{" + s.labels + "}").second) << s.name;
  for (const auto& [name, type] : e.types) {
    EXPECT_EQ(name.rfind("cpo_", 0), 0u) << name;
    EXPECT_EQ(type == "counter", name.ends_with("_total")) << name;
  }

  const LaneTelemetry& l5 = *find_lane(snap(), LaneId(5));
  const Sample* rx = find_sample(e, "cpo_lane_rx_power_watts", "lane=\"5\"");
  ASSERT_NE(rx, nullptr);
  EXPECT_EQ(rx->labels, "switch=\"cpo\",lane=\"5\",unit=\"0\",port=\"1\",name=\"Ethernet4\",oe=\"0\",bank=\"0\"");
  EXPECT_DOUBLE_EQ(std::stod(rx->value), l5.rx_power.value() / 1000.0);
  const Sample* ber = find_sample(e, "cpo_lane_pre_fec_ber_ratio", "lane=\"5\"");
  ASSERT_NE(ber, nullptr);
  EXPECT_EQ(std::stod(ber->value), l5.pre_fec_ber);
  const Sample* fec = find_sample(e, "cpo_lane_fec_corrected_codewords_total", "lane=\"5\"");
  ASSERT_NE(fec, nullptr);
  EXPECT_EQ(fec->value, std::to_string(l5.fec_corrected));

  // Enumerations: one sample, value 1, the name in a label.
  const Sample* dp = find_sample(e, "cpo_lane_data_path_state", "lane=\"5\"");
  ASSERT_NE(dp, nullptr);
  EXPECT_THAT(dp->labels, ::testing::EndsWith(",state=\"Activated\""));
  EXPECT_EQ(dp->value, "1");
  const Sample* oper = find_sample(e, "cpo_port_oper_state", "port=\"3\"");
  ASSERT_NE(oper, nullptr);
  EXPECT_THAT(oper->labels, ::testing::EndsWith("state=\"up\""));
  // Flag sets: one 0/1 sample per flag of the enum.
  std::size_t laser0_flags = 0;
  for (const auto& s : e.samples) {
    if (s.name != "cpo_laser_flags" || s.labels.find("els=\"0\",laser=\"0\",") == std::string::npos) continue;
    ++laser0_flags;
    if (s.labels.ends_with("flag=\"enabled\"")) {
      EXPECT_EQ(s.value, "1");
    }
  }
  EXPECT_EQ(laser0_flags, std::size(kLaserFlags));

  const Sample* ecc = find_sample(e, "cpo_els_supply_current_amperes", "els=\"0\"");
  ASSERT_NE(ecc, nullptr);
  EXPECT_DOUBLE_EQ(std::stod(ecc->value), snap().units.units[0].els[0].supply_current.value() / 1000.0);
  const Sample* pw = find_sample(e, "cpo_port_power_watts", "port=\"7\"");
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ(std::stod(pw->value), snap().energy[7].watts);
  const Sample* sub = find_sample(e, "cpo_logical_port_oper_state", "name=\"Ethernet81\"");
  ASSERT_NE(sub, nullptr);
  EXPECT_NE(sub->labels.find("port=\"20\",subport=\"1\""), std::string::npos);
  const Sample* thr = find_sample(e, "cpo_oe_temperature_threshold_celsius", "level=\"high_alarm\"");
  ASSERT_NE(thr, nullptr);
  EXPECT_EQ(std::stod(thr->value), snap().oe_thresholds[0].thresholds.temperature.high_alarm.value());
  EXPECT_NE(text.find("cpo_switch_info{switch=\"cpo\",platform=\"cpo144\",schema_version=\"1\"} 1\n"),
            std::string::npos);
}

// ------------------------------------------------------------------ hostile values

Snapshot hostile_snapshot() {
  Snapshot s;
  s.platform = "bad\"name\n\xff";
  UnitTelemetry u;
  u.unit = UnitId(0);
  u.coolant_temperature = Celsius(kNaN);
  u.asic_temperature = Celsius(-kInf);
  u.optics_power = Milliwatts(kInf);
  u.timestamp = std::chrono::nanoseconds(-5);
  u.flags = UnitFlags{UnitFlag::thermal_shutdown};
  PortTelemetry p;
  p.port = PortId(0);
  p.breakout = 99;  // not a mode of the profile
  p.subports = 0;
  p.fec = static_cast<FecMode>(77);
  p.down_cause = static_cast<LinkCause>(200);
  p.faults = PortFaults{PortFault::rx_los, PortFault::laser_fault};
  u.ports.push_back(p);
  p.port = PortId(9999);  // not on the platform
  u.ports.push_back(p);
  LaneTelemetry l;
  l.lane = LaneId(0);
  l.pre_fec_ber = kNaN;
  l.snr = Decibels(-kInf);
  l.rx_power = Milliwatts(-1.0);
  l.tx_power = Milliwatts(kInf);
  l.laser_input_power = Milliwatts(std::numeric_limits<double>::denorm_min());
  l.tx_fir = {-2147483647, 0, 7};
  l.prbs_errors = std::numeric_limits<std::uint64_t>::max();
  u.lanes.push_back(l);
  u.lanes.push_back(l);  // the same lane twice
  OeTelemetry o;
  o.oe = OeId(0);
  o.power = Milliwatts(kNaN);
  o.temperature = Celsius(1e308);
  o.module_state = static_cast<cmis::ModuleState>(6);
  u.oes.push_back(o);
  ElsTelemetry e;
  e.els = ElsId(0);
  e.present = true;
  e.vcc = Volts(kInf);
  e.supply_current = Milliamps(-3.0);
  u.els.push_back(e);
  e.els = ElsId(1);
  e.vcc = Volts(1e308);
  e.supply_current = Milliamps(1e308);
  u.els.push_back(e);
  LaserTelemetry z;
  z.laser = LaserRef{ElsId(1), 0};
  z.bias = Milliamps(kNaN);
  z.state = static_cast<LaserState>(42);
  z.wavelength_nm = -kInf;
  u.lasers.push_back(z);
  z.laser = LaserRef{ElsId(1), 1};
  z.bias = Milliamps(1e308);
  u.lasers.push_back(z);
  z.laser = LaserRef{ElsId(1), 2};
  z.bias = Milliamps(1e308);
  u.lasers.push_back(z);
  z.laser = LaserRef{ElsId(99), 0};  // not on the platform
  u.lasers.push_back(z);
  s.units.units.push_back(u);
  LogicalPortTelemetry lp;
  lp.port = {PortId(0), 0};
  lp.name = "Eth\"er\\net\n0\x01\xc3\x28\xe2\x82\xac";  // quote, backslash, newline, control, bad UTF-8, euro sign
  lp.pre_fec_ber_max = kInf;
  lp.rx_power_min = Milliwatts(-kInf);
  s.logical_ports.push_back(lp);
  OeThresholds t;
  t.oe = OeId(0);
  t.thresholds.temperature.high_alarm = Celsius(kNaN);
  t.thresholds.rx_power.low_warning = Milliwatts(-kInf);
  s.oe_thresholds.push_back(t);
  return s;
}

TEST(RenderHostile, EnergyStaysFiniteAndNonNegative) {
  auto platform = Platform::builtin("cpo144");
  ASSERT_TRUE(platform.ok());
  Snapshot s = hostile_snapshot();
  account_energy(*platform, s);
  ASSERT_EQ(s.energy.size(), 144u);
  for (const PortEnergy& e : s.energy) {
    for (double v : {e.laser_watts, e.oe_watts, e.watts, e.pj_per_bit}) {
      EXPECT_TRUE(std::isfinite(v)) << to_string(e.port);
      EXPECT_GE(v, 0.0) << to_string(e.port);
    }
  }
  EXPECT_TRUE(std::isfinite(s.total_optics_watts));
  EXPECT_EQ(s.energy[0].pj_per_bit, 0.0);  // no sub-ports, no speed
}

TEST(RenderHostile, NonFiniteAndOddValuesStillGiveValidJson) {
  auto platform = Platform::builtin("cpo144");
  ASSERT_TRUE(platform.ok());
  Snapshot s = hostile_snapshot();
  account_energy(*platform, s);
  s.total_optics_watts = kNaN;
  for (bool pretty : {false, true}) {
    const std::string text = render_json(*platform, s, pretty);
    Json j;
    ASSERT_NO_THROW(j = Json::parse(text)) << text.substr(0, 2000);
    EXPECT_TRUE(j["total_optics_w"].is_null());
    EXPECT_EQ(j["platform"], "bad\"name\n\xef\xbf\xbd");
    EXPECT_EQ(j["units"][0]["coolant_temperature_c"], nullptr);
    EXPECT_EQ(j["units"][0]["asic_temperature_c"], nullptr);
    EXPECT_EQ(j["units"][0]["timestamp_ns"], -5);
    ASSERT_EQ(j["lanes"].size(), 1u);  // the repeat is left out
    EXPECT_EQ(j["lanes"][0]["pre_fec_ber"], nullptr);
    EXPECT_EQ(j["lanes"][0]["rx_power_mw"], -1.0);
    EXPECT_EQ(j["lanes"][0]["prbs_errored_bits"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(j["lanes"][0]["tx_fir_pre"], -2147483647);
    ASSERT_EQ(j["ports"].size(), 1u);  // port 9999 is not on the platform
    EXPECT_EQ(j["ports"][0]["breakout"], "unknown");
    EXPECT_EQ(j["ports"][0]["fec_mode"], "unknown");
    EXPECT_EQ(j["ports"][0]["faults"], Json::parse(R"(["rx_los","laser_fault"])"));
    EXPECT_EQ(j["logical_ports"][0]["name"], "Eth\"er\\net\n0\x01\xef\xbf\xbd(\xe2\x82\xac");
    EXPECT_EQ(j["lasers"].size(), 3u);
    EXPECT_EQ(j["thresholds"]["oes"][0]["temperature_threshold_c"]["high_alarm"], nullptr);
  }
}

TEST(RenderHostile, NonFiniteAndOddValuesStillGiveValidExposition) {
  auto platform = Platform::builtin("cpo144");
  ASSERT_TRUE(platform.ok());
  Snapshot s = hostile_snapshot();
  account_energy(*platform, s);
  s.total_optics_watts = -kInf;
  const std::string text = render_prometheus(*platform, s, "sw\"1\\\n\xfe");
  const Exposition e = parse_exposition(text);
  EXPECT_THAT(e.errors, IsEmpty());
  EXPECT_NE(text.find("switch=\"sw\\\"1\\\\\\n\xef\xbf\xbd\""), std::string::npos);
  EXPECT_NE(text.find("cpo_optics_power_watts{switch=\"sw\\\"1\\\\\\n\xef\xbf\xbd\"} -Inf\n"), std::string::npos);
  const Sample* ber = find_sample(e, "cpo_lane_pre_fec_ber_ratio", "lane=\"0\"");
  ASSERT_NE(ber, nullptr);
  EXPECT_EQ(ber->value, "NaN");
  EXPECT_EQ(find_sample(e, "cpo_lane_tx_power_watts", "lane=\"0\"")->value, "+Inf");
  EXPECT_EQ(find_sample(e, "cpo_lane_snr_decibels", "lane=\"0\"")->value, "-Inf");
  EXPECT_EQ(find_sample(e, "cpo_lane_rx_power_watts", "lane=\"0\"")->value, "-0.001");
  std::set<std::string> series;
  for (const Sample& smp : e.samples) EXPECT_TRUE(series.insert(smp.name + "{" + smp.labels + "}").second);

  REQUIRE_PROMTOOL(promtool);
  const auto r = promtool_check(promtool, text);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "");
}

TEST(RenderPrometheus, EmptySnapshotIsValidExposition) {
  auto platform = Platform::builtin("bailly51t");
  ASSERT_TRUE(platform.ok());
  const std::string text = render_prometheus(*platform, Snapshot{}, "");
  EXPECT_THAT(parse_exposition(text).errors, IsEmpty());
  REQUIRE_PROMTOOL(promtool);
  const auto r = promtool_check(promtool, text);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// ------------------------------------------------------------------ number spelling

std::string spell(double v, int shift = 0) {
  std::array<char, 48> buf{};
  return std::string(buf.data(), render::format_decimal(buf.data(), v, shift));
}

TEST(RenderNumbers, EveryFiniteDoubleReadsBackExactly) {
  std::mt19937_64 rng(7);
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                -1.0,
                                0.5123,
                                3.3,
                                42.50390625,
                                1e-9,
                                9.99e-10,
                                123456.789,
                                999999.999999999,
                                1e6,
                                8.9e15,
                                9.1e15,
                                1.8e19,
                                1e300,
                                -2.5e-300,
                                4.9e-324,
                                1.0 / 3.0,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::min()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> exp(-30, 30);
  for (int i = 0; i < 20000; ++i) {
    values.push_back((unit(rng) - 0.5) * std::pow(10.0, exp(rng)));
    values.push_back(std::round(unit(rng) * 1e6) / 1e4);  // device grids: 0.1 uW in mW, ...
    values.push_back(std::round(unit(rng) * 65536.0 - 32768.0) / 256.0);
  }
  for (double v : values) {
    const std::string text = spell(v);
    char* end = nullptr;
    EXPECT_EQ(std::strtod(text.c_str(), &end), v) << text;
    EXPECT_EQ(*end, '\0') << text;
    // Scaled to a base unit (mW -> W, pJ -> J): the decimal value moved, within an ulp or two.
    for (int shift : {3, 9, 12}) {
      const std::string scaled = spell(v, shift);
      EXPECT_DOUBLE_EQ(std::strtod(scaled.c_str(), nullptr), v / std::pow(10.0, shift)) << scaled;
    }
  }
  EXPECT_EQ(spell(0.5123, 3), "0.0005123");
  EXPECT_EQ(spell(-1.0, 3), "-0.001");
  EXPECT_EQ(spell(10.904986625, 12), "1.0904986625e-11");
  EXPECT_EQ(spell(800.0), "800");
  EXPECT_EQ(spell(42.50390625), "42.50390625");
}

// ------------------------------------------------------------------ the field tables and the docs

struct Names {
  std::vector<std::string> json;  // "lanes.rx_power_mw"
  std::vector<std::string> prom;  // "cpo_lane_rx_power_watts"
};

template <typename Table>
void names_of(const Table& t, Names& n, const std::string& parent = "") {
  const std::string list = parent + std::string(t.list) + ".";
  for (const auto& k : t.keys)
    if (render::in_json(k.target)) n.json.push_back(list + std::string(k.name));
  for (const auto& f : t.fields) {
    const auto u = render::spelling(f.unit);
    if (render::in_json(f.target)) n.json.push_back(list + std::string(f.name) + std::string(u.json));
    if (render::in_prom(f.target) && f.kind != render::Kind::lanes)
      n.prom.push_back("cpo_" + std::string(t.object) + "_" + std::string(f.name) + std::string(u.prom) +
                       (f.kind == render::Kind::counter ? "_total" : ""));
  }
}

Names all_names() {
  Names n;
  names_of(render::kUnitTable, n);
  names_of(render::kPortTable, n);
  names_of(render::kLogicalPortTable, n);
  names_of(render::kLaneTable, n);
  names_of(render::kOeTable, n);
  names_of(render::kElsTable, n);
  names_of(render::kLaserTable, n);
  names_of(render::kEnergyTable, n);
  names_of(render::kOeThresholdTable, n, "thresholds.");
  names_of(render::kLaserThresholdTable, n, "thresholds.");
  n.prom.push_back("cpo_switch_info");
  n.prom.push_back("cpo_optics_power_watts");
  return n;
}

TEST(RenderTables, NamesAreUniqueAndWellFormed) {
  const Names n = all_names();
  EXPECT_EQ(std::set<std::string>(n.json.begin(), n.json.end()).size(), n.json.size());
  EXPECT_EQ(std::set<std::string>(n.prom.begin(), n.prom.end()).size(), n.prom.size());
  for (const auto& p : n.prom) {
    EXPECT_TRUE(valid_metric_name(p)) << p;
  }
}

TEST(RenderTables, TheDocumentationListsEveryKeyAndFamily) {
  std::ifstream in(fs::path(CPOSDK_SOURCE_DIR) / "docs" / "telemetry.md");
  ASSERT_TRUE(in) << "docs/telemetry.md";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Names n = all_names();
  for (const auto& key : n.json) {  // "lanes.rx_power_mw": the key in backquotes
    EXPECT_NE(doc.find("`" + key.substr(key.rfind('.') + 1) + "`"), std::string::npos) << key;
  }
  for (const auto& family : n.prom) EXPECT_NE(doc.find("`" + family + "`"), std::string::npos) << family;
  // ... and no family that does not exist. The page's last section documents cpo-exporter's
  // own families (cpo_exporter_*), which the exporter's tests check: only what precedes it
  // describes render_prometheus.
  const std::set<std::string> families(n.prom.begin(), n.prom.end());
  const std::size_t library_part = doc.find("\n## cpo-exporter");
  for (std::size_t at = doc.find("`cpo_"); at != std::string::npos && at < library_part;
       at = doc.find("`cpo_", at + 1)) {
    const std::string token = doc.substr(at + 1, doc.find('`', at + 1) - at - 1);  // name or sample
    if (token.ends_with("_*") || token.find('<') != std::string::npos) continue;   // patterns
    const std::string name = token.substr(0, token.find_first_of("{ "));
    EXPECT_EQ(families.count(name), 1u) << name << " is documented but not rendered";
  }
}

}  // namespace
}  // namespace cpo::sdk
