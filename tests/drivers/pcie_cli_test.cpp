// cpoctl pci list as a user runs it: a real process, its exit code, stdout and stderr.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "../support/run_process.h"
#include "pcie_fixtures.h"

namespace {

namespace fs = std::filesystem;
using cpo::testing::ProcessResult;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kData = fs::path(CPOSDK_TEST_DATA) / "pci";

ProcessResult cpoctl(const std::vector<std::string>& args) { return cpo::testing::run_process(CPOCTL_PATH, args); }

TEST(CpoctlPci, ListShowsTheSwitchAsicsOfADump) {
  auto r = cpoctl({"pci", "list", "--dump", (kData / "switch_box.dump").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0000:01:00.0  15b3:cf80"));
  EXPECT_THAT(r.out, HasSubstr("NVIDIA (Mellanox) Spectrum-4"));
  EXPECT_THAT(r.out, HasSubstr("Quantum-3 CPO"));
  EXPECT_THAT(r.out, HasSubstr("Broadcom Tomahawk4 (BCM56990)"));
  EXPECT_THAT(r.out, HasSubstr("cposdk reference device"));
  EXPECT_THAT(r.out, HasSubstr("Spectrum-4 (recovery)"));
  EXPECT_THAT(r.out, Not(HasSubstr("ConnectX-7")));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CpoctlPci, AllListsEveryDeviceInBdfOrder) {
  auto r = cpoctl({"pci", "list", "--all", "--dump", (kData / "switch_box_reversed.dump").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("ConnectX-7"));
  EXPECT_LT(r.out.find("0000:00:00.0"), r.out.find("0000:05:00.1"));
  EXPECT_LT(r.out.find("0000:06:00.0"), r.out.find("0001:01:00.0"));
}

TEST(CpoctlPci, JsonCarriesIdsBarsAndAsic) {
  cpo::testing::TempDir tmp;
  const fs::path root = tmp.path() / "pci";
  for (const auto& f : cpo::testing::read_dump(kData / "switch_box.dump")) {
    cpo::testing::FakeDevice dev;
    dev.bdf = f.bdf;
    dev.config = f.config;
    if (f.bdf == "0000:01:00.0") {
      dev.bar_sizes = {32u << 20, 0, 0, 0, 0, 0};
      dev.driver = "mlxsw_spectrum4";
    }
    cpo::testing::write_fake_device(root, dev);
  }
  auto r = cpoctl({"pci", "list", "--sysfs", root.string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["devices"].size(), 6u);
  const auto& sp4 = doc["devices"][0];
  EXPECT_EQ(sp4["bdf"], "0000:01:00.0");
  EXPECT_EQ(sp4["vendor_id"], "15b3");
  EXPECT_EQ(sp4["device_id"], "cf80");
  EXPECT_EQ(sp4["device"], "Spectrum-4");
  EXPECT_EQ(sp4["asic"]["family"], "Spectrum-4");
  EXPECT_EQ(sp4["bar0_size"], 32u << 20);
  EXPECT_EQ(sp4["driver"], "mlxsw_spectrum4");
  EXPECT_EQ(sp4["memory_enabled"], true);
  EXPECT_EQ(sp4["bars"][0]["address"], "0xe0000000");
  EXPECT_EQ(doc["devices"][5]["memory_enabled"], false);
}

TEST(CpoctlPci, MissingDumpIsExitCode3WithoutLibpciExiting) {
  auto r = cpoctl({"pci", "list", "--dump", (kData / "absent.dump").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("invalid_argument: dump file"));
  EXPECT_THAT(r.err, HasSubstr("no such file"));
  EXPECT_THAT(r.err, HasSubstr("absent.dump"));
  EXPECT_TRUE(r.out.empty());
}

TEST(CpoctlPci, MalformedDumpIsExitCode3WithLibpcisReason) {
  auto r = cpoctl({"pci", "list", "--dump", (kData / "malformed.dump").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("dump: Malformed line"));
  EXPECT_THAT(r.err, Not(HasSubstr("pcilib:"))) << "libpci's own exit path must not run";
}

TEST(CpoctlPci, DumpAndSysfsTogetherIsAUsageError) {
  auto r = cpoctl({"pci", "list", "--dump", "a", "--sysfs", "b"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("usage"));
}

TEST(CpoctlPci, NoCandidatesIsSaidPlainly) {
  auto r = cpoctl({"pci", "list", "--dump", (kData / "nic_only.dump").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("no switch ASIC found"));
}

TEST(CpoctlPci, IdsPrintsTheTable) {
  auto r = cpoctl({"--json", "pci", "ids"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  bool found = false;
  for (const auto& e : doc) found |= e["vendor_id"] == "15b3" && e["device_id"] == "d2f6";
  EXPECT_TRUE(found);
}

// This machine's bus through libpci, compared device by device with the real `lspci -D -n`
// (pciutils): the same BDFs with the same vendor:device ids and class.
TEST(CpoctlPci, RealBusListMatchesLspci) {
  auto lspci = cpo::testing::run_process("/usr/bin/lspci", {"-D", "-n"});
  if (lspci.exit_code != 0) GTEST_SKIP() << "lspci (pciutils) is not available: " << lspci.err;
  std::map<std::string, std::string> expected;  // BDF -> "class vendor:device"
  std::istringstream lines(lspci.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string bdf, cls, ids;
    words >> bdf >> cls >> ids;
    if (!cls.empty() && cls.back() == ':') cls.pop_back();
    expected[bdf] = cls + " " + ids;
  }
  auto r = cpoctl({"--json", "pci", "list", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["source"], "system bus");
  std::map<std::string, std::string> listed;
  for (const auto& d : doc["devices"]) {
    listed[d["bdf"].get<std::string>()] = d["class_id"].get<std::string>() + " " + d["vendor_id"].get<std::string>() +
                                          ":" + d["device_id"].get<std::string>();
  }
  EXPECT_EQ(listed, expected);
  auto text = cpoctl({"pci", "list", "--all"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const auto& [bdf, ids] : expected) EXPECT_THAT(text.out, HasSubstr(bdf));
}

}  // namespace
