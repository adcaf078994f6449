// cpo-exporter as operators run it: a real process serving /metrics over HTTP on loopback for a
// fabric served by a real cpo-simd, its output checked by the real promtool, and scraped by a
// real Prometheus server that answers PromQL through its HTTP API.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../support/daemon_process.h"
#include "../support/run_process.h"
#include "../support/status_matchers.h"
#include "cpo/sdk/switch.h"
#include "exporter.h"

namespace cpo::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A loopback port nobody uses right now.
int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = -1;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(s);
  return port;
}

// A three-switch fabric on one cpo-simd, and cpo-exporter over it.
class ExporterRig {
 public:
  ExporterRig() {
    const auto topo = dir_.path() / "fabric.json";
    std::ofstream(topo) << R"({"cposdk_topology": 1,
                               "switches": [{"name": "sw0"}, {"name": "sw1"}, {"name": "sw2", "profile": "bailly51t"}],
                               "links": [["sw0", 0, "sw1", 0]]})";
    simd_ = DaemonProcess::start(
        CPO_SIMD_PATH,
        {"--foreground", "--clock", "virtual", "--topology", topo.string(), "--socket-dir", dir_.path().string()}, {},
        &error_);
    if (!simd_) return;
    DaemonProcess::Options ready;
    ready.ready = DaemonProcess::Ready::stdout_line;
    ready.stdout_marker = "serving http://";
    exporter_ = DaemonProcess::start(CPO_EXPORTER_PATH,
                                     {"--device", "simd://" + socket("sw0"), "--device", "simd://" + socket("sw1"),
                                      "--device", "simd://" + socket("sw2"), "--listen", "127.0.0.1:0"},
                                     ready, &error_);
    if (!exporter_) return;
    std::smatch m;
    const std::string out = exporter_->out();
    if (std::regex_search(out, m, std::regex("127\\.0\\.0\\.1:([0-9]+)/metrics"))) port_ = std::stoi(m[1]);
  }
  ~ExporterRig() {
    if (exporter_) exporter_->stop(SIGTERM);
    if (simd_) simd_->stop(SIGTERM);
  }
  [[nodiscard]] bool ok() const { return exporter_ != nullptr && port_ > 0; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::string socket(const std::string& name) const { return (dir_.path() / (name + ".sock")).string(); }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const fs::path& dir() const { return dir_.path(); }
  DaemonProcess& exporter() { return *exporter_; }
  std::string scrape() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    auto r = c.Get("/metrics", {{"Accept-Encoding", "gzip"}});
    if (!r || r->status != 200) return {};
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(r->get_header_value("Content-Encoding"), "");  // served uncompressed by default
    return r->body;
  }

 private:
  ScratchDir dir_;
  std::string error_;
  std::unique_ptr<DaemonProcess> simd_;
  std::unique_ptr<DaemonProcess> exporter_;
  int port_ = -1;
};

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(Exporter, MergesSwitchesIntoOneFamilyEachAndPassesPromtool) {
  ExporterRig rig;
  ASSERT_TRUE(rig.ok()) << rig.error();
  const std::string body = rig.scrape();
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(count(body, "# TYPE cpo_port_oper_state gauge\n"), 1u);
  EXPECT_EQ(count(body, "# HELP cpo_port_oper_state "), 1u);
  for (const char* sw : {"sw0", "sw1", "sw2"}) {
    EXPECT_NE(body.find(std::string("cpo_switch_info{switch=\"") + sw + "\""), std::string::npos) << sw;
    EXPECT_NE(body.find(std::string("cpo_exporter_up{switch=\"") + sw + "\"} 1\n"), std::string::npos) << sw;
  }
  EXPECT_NE(body.find("platform=\"bailly51t\""), std::string::npos);
  const auto body_file = rig.dir() / "metrics.txt";
  std::ofstream(body_file) << body;
  ASSERT_FALSE(std::string(PROMTOOL_PATH).empty()) << "promtool not found: install the Debian package prometheus";
  const auto check =
      run_process("/bin/sh", {"-c", std::string(PROMTOOL_PATH) + " check metrics < " + body_file.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "");  // not even a lint remark
}

TEST(Exporter, AScrapeNeedsNoMailboxSoAHungFirmwareDoesNotBlockIt) {
  ExporterRig rig;
  ASSERT_TRUE(rig.ok()) << rig.error();
  auto sw = Switch::open("simd://" + rig.socket("sw0"));
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  for (std::uint32_t u = 0; u < 4; ++u) ASSERT_TRUE((*sw)->simulator()->hang_firmware(UnitId(u), true).ok());
  const auto t0 = std::chrono::steady_clock::now();
  const std::string body = rig.scrape();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_NE(body.find("cpo_exporter_up{switch=\"sw0\"} 1\n"), std::string::npos);
  EXPECT_STATUS((*sw)->set_admin(PortId(3), AdminState::up), Code::timeout, "PortAdmin");
}

TEST(Exporter, ASwitchThatGoesAwayIsReportedDownAndTheOthersKeepExporting) {
  ExporterRig rig;
  ASSERT_TRUE(rig.ok()) << rig.error();
  ASSERT_FALSE(rig.scrape().empty());
  // Stop the daemon: every switch goes away; the exporter keeps answering.
  auto d = run_process("/bin/sh", {"-c", "kill -TERM $(cat " + rig.socket("sw0") + ".lock)"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  std::string body;
  for (int i = 0; i < 100; ++i) {
    body = rig.scrape();
    if (body.find("cpo_exporter_up{switch=\"sw0\"} 0") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(body.find("cpo_exporter_up{switch=\"sw0\"} 0\n"), std::string::npos);
  EXPECT_EQ(body.find("cpo_switch_info{switch=\"sw0\""), std::string::npos);  // no stale values
  EXPECT_NE(body.find("cpo_exporter_snapshot_errors_total{switch=\"sw0\"} "), std::string::npos);
  EXPECT_THAT(rig.exporter().err(), HasSubstr("switch sw0: device_gone"));
}

TEST(Exporter, CommandLineErrorsNameWhatIsAllowed) {
  auto r = run_process(CPO_EXPORTER_PATH, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--device"));
  r = run_process(CPO_EXPORTER_PATH, {"--device", "sim://cpo144", "--listen", "localhost"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("expected HOST:PORT"));
  r = run_process(CPO_EXPORTER_PATH, {"--device", "simd:///nonexistent/sw0.sock"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("switch sw0: simd:///nonexistent/sw0.sock: no cpo-simd socket"));
  r = run_process(CPO_EXPORTER_PATH, {"--device", "a=sim://cpo144", "--device", "a=sim://bailly51t"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("switch name 'a' is used twice"));
}

TEST(Exporter, MergeKeepsOneHeaderPerFamilyAndEverySample) {
  const std::string a =
      "# HELP x_total X\n# TYPE x_total counter\nx_total{switch=\"a\"} 1\n# HELP y Y\n# TYPE y gauge\ny{switch=\"a\"} "
      "2\n";
  const std::string b =
      "# HELP x_total X\n# TYPE x_total counter\nx_total{switch=\"b\"} 3\n# HELP z Z\n# TYPE z gauge\n";
  EXPECT_EQ(exporter::merge_expositions({a, b}),
            "# HELP x_total X\n# TYPE x_total counter\nx_total{switch=\"a\"} 1\nx_total{switch=\"b\"} 3\n"
            "# HELP y Y\n# TYPE y gauge\ny{switch=\"a\"} 2\n# HELP z Z\n# TYPE z gauge\n");
  EXPECT_EQ(exporter::parse_device("simd:///run/cposim/leaf3.sock", 0)->name, "leaf3");
  EXPECT_EQ(exporter::parse_device("sim://cpo144", 2)->name, "sw2");
  EXPECT_EQ(exporter::parse_device("core=simd://x", 0)->uri, "simd://x");
  EXPECT_STATUS(exporter::parse_device("b@d=sim://cpo144", 0).status(), Code::invalid_argument, "A-Z a-z 0-9");
}

// The acceptance run: Prometheus scrapes the exporter over a fabric every second; after a laser
// failure is injected on sw1, a PromQL query through Prometheus's HTTP API finds it.
TEST(Exporter, PrometheusScrapesTheFabricAndAnswersPromQLAfterAFault) {
  ASSERT_FALSE(std::string(PROMETHEUS_PATH).empty()) << "prometheus not found: install the Debian package prometheus";
  ExporterRig rig;
  ASSERT_TRUE(rig.ok()) << rig.error();
  const int prom_port = free_port();
  ASSERT_GT(prom_port, 0);
  const auto config = rig.dir() / "prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                        << "scrape_configs:\n  - job_name: cpo\n    static_configs:\n      - targets: ['127.0.0.1:"
                        << rig.port() << "']\n";
  DaemonProcess::Options ready;
  ready.ready = DaemonProcess::Ready::none;
  std::string error;
  auto prom =
      DaemonProcess::start(PROMETHEUS_PATH,
                           {"--config.file=" + config.string(), "--storage.tsdb.path=" + (rig.dir() / "tsdb").string(),
                            "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
                           ready, &error);
  ASSERT_NE(prom, nullptr) << error;
  httplib::Client api("127.0.0.1", prom_port);
  api.set_read_timeout(5, 0);
  // Runs `promql` until `accept` likes the result vector (or 30 s pass).
  auto query = [&](const std::string& promql, auto accept) {
    nlohmann::json last;
    for (int i = 0; i < 150; ++i) {
      auto r = api.Get("/api/v1/query?query=" + url_encode(promql));
      if (r && r->status == 200) {
        last = nlohmann::json::parse(r->body, nullptr, false);
        if (!last.is_discarded() && last.value("status", "") == "success" && accept(last["data"]["result"]))
          return last;
      }
      if (!prom->running()) break;
      std::this_thread::sleep_for(200ms);
    }
    return last;
  };
  // Every switch is scraped and no laser is failed.
  auto up =
      query("sum(cpo_exporter_up)", [](const nlohmann::json& v) { return v.size() == 1 && v[0]["value"][1] == "3"; });
  ASSERT_EQ(up["data"]["result"].size(), 1u) << up.dump() << prom->err();
  auto faults = query("count(cpo_laser_state{state=\"fault\"}) or vector(0)",
                      [](const nlohmann::json& v) { return v.size() == 1; });
  ASSERT_EQ(faults["data"]["result"][0]["value"][1], "0") << faults.dump();

  auto sw1 = Switch::open("simd://" + rig.socket("sw1"));
  ASSERT_TRUE(sw1.ok()) << sw1.status().to_string();
  // The port els 4 laser 5 lights comes up, then loses its light.
  const LaserRef laser{ElsId(4), 5};
  const Platform& p = (*sw1)->platform();
  const PortId port = p.lanes()[p.els_modules()[4].lasers[5].lanes.front().value()].port;
  ASSERT_TRUE((*sw1)->set_admin(port, AdminState::up).ok());
  (*sw1)->sleep_for(3s);
  ASSERT_EQ((*sw1)->port(port)->oper(), OperState::up);
  ASSERT_TRUE((*sw1)->simulator()->fail_laser(laser).ok());
  auto after = query("count by (switch, els, laser) (cpo_laser_state{state=\"fault\"})",
                     [](const nlohmann::json& v) { return v.size() == 1; });
  ASSERT_EQ(after["data"]["result"].size(), 1u) << after.dump() << prom->err();
  const auto& metric = after["data"]["result"][0]["metric"];
  EXPECT_EQ(metric["switch"], "sw1");
  EXPECT_EQ(metric["els"], "4");
  EXPECT_EQ(metric["laser"], "5");
  EXPECT_EQ(after["data"]["result"][0]["value"][1], "1");

  // Every query docs/telemetry.md shows runs; the first finds the port that went down.
  std::ifstream doc(std::string(CPOSDK_SOURCE_DIR) + "/docs/telemetry.md");
  const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  std::vector<std::string> queries;
  for (auto at = text.find("```promql\n"); at != std::string::npos; at = text.find("```promql\n", at + 1)) {
    const auto begin = at + 10;
    queries.push_back(text.substr(begin, text.find("\n```", begin) - begin));
  }
  ASSERT_GE(queries.size(), 8u);
  for (const auto& q : queries) {
    auto r = api.Get("/api/v1/query?query=" + url_encode(q));
    ASSERT_TRUE(r) << q;
    EXPECT_EQ(r->status, 200) << q << ": " << r->body;
    EXPECT_NE(r->body.find("\"status\":\"success\""), std::string::npos) << q << ": " << r->body;
  }
  auto down = query(queries.front(), [](const nlohmann::json& v) { return v.size() == 1; });
  ASSERT_EQ(down["data"]["result"].size(), 1u) << down.dump();
  EXPECT_EQ(down["data"]["result"][0]["metric"]["switch"], "sw1");
  EXPECT_EQ(down["data"]["result"][0]["value"][1], "1");
  EXPECT_EQ(prom->stop(SIGTERM), 0) << prom->err();
}

}  // namespace
}  // namespace cpo::testing
