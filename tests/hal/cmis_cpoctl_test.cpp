// cpoctl cmis decode as a user runs it: real process, exit codes, stdout and stderr.
// (Built into cposdk_tool_tests, which knows where cpoctl is.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/run_process.h"

namespace {

using cpo::testing::ProcessResult;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kMcp1660 = std::string(CPOSDK_TEST_DATA) + "/cmis/qsfpdd-mcp1660-page0.sfputil.txt";

ProcessResult cpoctl(const std::vector<std::string>& args) { return cpo::testing::run_process(CPOCTL_PATH, args); }

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A file in the temp directory, removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& content)
      : path_(std::filesystem::temp_directory_path() /
              ("cmis_cpoctl_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// The fields of the MCP1660 dump, worked out from its bytes (tests/data/cmis/README.md) and
// CMIS 5.2 section 8.3/8.4 (Table 8-4 identifier, byte 1 revision, bytes 85-89 media type and
// first application, 129-222 upper page 00h), not from cpoctl's own output.
void expect_mcp1660_fields(const json& doc) {
  EXPECT_EQ(doc["lower"]["identifier"], "0x18");          // byte 0: QSFP-DD (SFF-8024)
  EXPECT_EQ(doc["lower"]["cmis_revision"], "3.0");        // byte 1 = 0x30
  EXPECT_EQ(doc["lower"]["media_type"], "0x03");          // byte 85: passive copper
  EXPECT_EQ(doc["page_00h"]["vendor_name"], "Mellanox");  // bytes 129-144, ASCII, blank padded
  EXPECT_EQ(doc["page_00h"]["vendor_oui"], "00:02:c9");   // bytes 145-147
  EXPECT_EQ(doc["page_00h"]["part_number"], "MCP1660-W00AE30");
  EXPECT_EQ(doc["page_00h"]["revision"], "A2");
  EXPECT_EQ(doc["page_00h"]["serial_number"], "MT2019VS04795");
  EXPECT_EQ(doc["page_00h"]["date_code"], "2020-05-07");  // bytes 182-187 "200507"
  EXPECT_EQ(doc["page_00h"]["max_power_w"], 0.25);        // byte 201 = 1 x 0.25 W
  EXPECT_EQ(doc["page_00h"]["cable_length_m"], 0.5);      // byte 202 = 0x05: 5 x 0.1 m
  EXPECT_EQ(doc["page_00h"]["connector"], "0x23");        // byte 203: no separable connector
  EXPECT_EQ(doc["page_00h"]["checksum"], "0x77");         // byte 222
  EXPECT_EQ(doc["page_00h"]["checksum_ok"], true);
  ASSERT_EQ(doc["applications"].size(), 8u);
  const json& app = doc["applications"][0];  // bytes 86-89: 1d 01 88 01
  EXPECT_EQ(app["host_interface"], "0x1d");
  EXPECT_EQ(app["media_interface"], "0x01");
  EXPECT_EQ(app["host_lane_count"], 8);
  EXPECT_EQ(app["media_lane_count"], 8);
  EXPECT_EQ(app["host_lane_assignment"], "0x01");
}

TEST(CpoctlCmis, DecodesTheMcp1660DumpAsText) {
  auto r = cpoctl({"cmis", "decode", kMcp1660});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CMIS dump (sfputil), pages: lower, 00h"));
  EXPECT_THAT(r.out, HasSubstr("identifier_abbreviation: QSFP-DD"));
  EXPECT_THAT(r.out, HasSubstr("cmis_revision: 3.0"));
  EXPECT_THAT(r.out, HasSubstr("vendor_name: Mellanox"));
  EXPECT_THAT(r.out, HasSubstr("cable_length: 0.5 m"));
  EXPECT_THAT(r.out, HasSubstr("ApSel 1: host 0x1d 400G CR8 (8 lanes), media 0x01 Copper cable (8 lanes)"));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CpoctlCmis, JsonHasStableKeys) {
  auto r = cpoctl({"cmis", "decode", kMcp1660, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["format"], "sfputil");
  EXPECT_EQ(doc["lower"]["identifier"], "0x18");
  EXPECT_EQ(doc["lower"]["cmis_revision"], "3.0");
  EXPECT_EQ(doc["lower"]["module_state"], "ModuleLowPwr");
  EXPECT_EQ(doc["page_00h"]["vendor_oui"], "00:02:c9");
  EXPECT_EQ(doc["page_00h"]["part_number"], "MCP1660-W00AE30");
  EXPECT_EQ(doc["page_00h"]["date_code"], "2020-05-07");
  EXPECT_EQ(doc["applications"].size(), 8u);
  EXPECT_EQ(doc["applications"][0]["host_interface"], "0x1d");
  EXPECT_EQ(doc["applications"][0]["host_lane_count"], 8);
  EXPECT_TRUE(doc["page_01h"].is_null());
  EXPECT_TRUE(doc["advertisement_assumed"].get<bool>());
  EXPECT_EQ(doc["tx_bias_multiplier"], 1);
  EXPECT_TRUE(doc["page_02h"].is_null());
  EXPECT_TRUE(doc["banks"].empty());
}

TEST(CpoctlCmis, EthtoolHexAndBinaryGiveTheSameJson) {
  auto sfp = cpoctl({"cmis", "decode", kMcp1660, "--json"});
  json a = json::parse(sfp.out);
  // Re-render the 256 bytes as ethtool hex and as a raw image.
  std::string hex = "Offset\t\tValues\n------\t\t------";
  std::string raw;
  auto text = read(kMcp1660);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 9 || line.find('|') == std::string::npos || !std::isxdigit(static_cast<unsigned char>(line[0])))
      continue;
    std::istringstream cols(line.substr(9, line.find('|') - 9));
    std::string b;
    while (cols >> b) raw.push_back(static_cast<char>(std::stoi(b, nullptr, 16)));
  }
  ASSERT_EQ(raw.size(), 256u);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char buf[32];
    if (i % 16 == 0) {
      std::snprintf(buf, sizeof buf, "\n0x%04zx:\t\t", i);
      hex += buf;
    }
    std::snprintf(buf, sizeof buf, "%02x ", static_cast<unsigned char>(raw[i]));
    hex += buf;
  }
  hex += "\n";
  TempFile hex_file(hex), raw_file(raw);
  auto h = cpoctl({"cmis", "decode", hex_file.path(), "--json"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  auto b = cpoctl({"cmis", "decode", raw_file.path(), "--json"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  json jh = json::parse(h.out), jb = json::parse(b.out);
  EXPECT_EQ(jh["format"], "ethtool-hex");
  EXPECT_EQ(jb["format"], "binary");
  // Each format decodes to the bytes' known fields, not merely to what the other one printed.
  expect_mcp1660_fields(a);
  expect_mcp1660_fields(jh);
  expect_mcp1660_fields(jb);
  jh.erase("format");
  jb.erase("format");
  a.erase("format");
  EXPECT_EQ(jh, a);
  EXPECT_EQ(jb, a);
}

TEST(CpoctlCmis, BrokenInputExitsThreeWithLineAndReason) {
  std::string text = read(kMcp1660);
  text.replace(text.find("00 03 1d 01"), 11, "00 03 1d 0x");
  TempFile bad(text);
  auto r = cpoctl({"cmis", "decode", bad.path()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("invalid_argument"));
  EXPECT_THAT(r.err, HasSubstr("line 8: '0x' is not a hex byte"));
  EXPECT_TRUE(r.out.empty());

  TempFile odd(std::string(300, '\x01'));
  r = cpoctl({"cmis", "decode", odd.path()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("binary image of 300 bytes"));

  r = cpoctl({"cmis", "decode", "/nonexistent/dump.txt"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("invalid_argument: dump file '/nonexistent/dump.txt': no such file"));

  r = cpoctl({"cmis", "decode"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
