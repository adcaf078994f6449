// Every way a profile can be wrong is rejected with an error naming the entry; a rejected
// profile never yields a Platform.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/tiny_profile.h"
#include "cpo/hal/platform.h"

namespace cpo {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json small_profile() { return json::parse(cpo::testing::kTinyProfileJson); }

Status load(const json& doc) {
  auto p = Platform::from_json(doc.dump(), "test.json");
  return p.ok() ? ok_status() : p.status();
}

void expect_rejected(const json& doc, Code code, std::string_view fragment) {
  Status s = load(doc);
  EXPECT_EQ(s.code(), code) << s.to_string();
  EXPECT_THAT(s.message(), HasSubstr(fragment));
  EXPECT_THAT(s.message(), HasSubstr("profile test.json"));
}

TEST(ProfileLoading, SmallProfileIsValid) {
  auto p = Platform::from_json(small_profile().dump(), "test.json");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(p->units()[1].name, "unit1");  // default name
  EXPECT_THAT(*p->impacted_ports(OeId(1)),
              ::testing::ElementsAre(LogicalPort{PortId(2), 0}, LogicalPort{PortId(3), 0}));
}

TEST(ProfileLoading, RejectsOverlappingLanes) {
  json doc = small_profile();
  doc["ports"][1]["lanes"][0] = 3;
  expect_rejected(doc, Code::invalid_argument, "ports[1].lanes[0]: lane 3 already belongs to port 0");
}

TEST(ProfileLoading, RejectsLaneMappedToTwoLasers) {
  json doc = small_profile();
  doc["els"][0]["lasers"][1][0] = 0;  // lane 0 twice; lane 4 now has no laser either
  expect_rejected(doc, Code::invalid_argument, "els[0].lasers[1][0]: lane 0 is already fed by els 0 laser 0");
}

TEST(ProfileLoading, RejectsLaneInTwoBanks) {
  json doc = small_profile();
  doc["optical_engines"][0]["banks"].push_back(json::array({0}));
  expect_rejected(doc, Code::invalid_argument, "lane 0 is already in oe 0 bank 0");
}

TEST(ProfileLoading, RejectsPortWhoseLanesCrossAUnit) {
  json doc = small_profile();
  // Move lane 12 (port 3, unit 1) into oe 0 (unit 0) by swapping it with lane 7.
  doc["optical_engines"][0]["banks"][0][7] = 12;
  doc["optical_engines"][1]["banks"][0][4] = 7;
  expect_rejected(doc, Code::invalid_argument, "must stay within its unit");
}

TEST(ProfileLoading, RejectsPortOnUnitOtherThanItsOe) {
  json doc = small_profile();
  doc["ports"][0]["unit"] = 1;
  expect_rejected(doc, Code::invalid_argument,
                  "optical_engines[0].banks[0][0]: lane 0 of port 0 (unit 1) is on oe 0 of unit 0");
}

TEST(ProfileLoading, RejectsDanglingReferences) {
  json doc = small_profile();
  doc["ports"][2]["unit"] = 7;
  expect_rejected(doc, Code::invalid_argument, "ports[2].unit: unit 7 does not exist (units 0..1)");
  doc = small_profile();
  doc["els"][0]["lasers"][3][3] = 99;
  expect_rejected(doc, Code::invalid_argument, "els[0].lasers[3][3]: lane 99 does not exist (lanes 0..15)");
  doc = small_profile();
  doc["optical_engines"][1]["unit"] = 2;
  expect_rejected(doc, Code::invalid_argument, "optical_engines[1].unit: unit 2 does not exist");
}

TEST(ProfileLoading, RejectsLaneWithoutBankOrLaser) {
  json doc = small_profile();
  doc["optical_engines"][1]["banks"][0].erase(7);
  expect_rejected(doc, Code::invalid_argument, "lane 15 (port 3) is in no optical engine bank");
  doc = small_profile();
  doc["els"][0]["lasers"][3].erase(0);
  expect_rejected(doc, Code::invalid_argument, "lane 12 (port 3) is fed by no laser");
}

TEST(ProfileLoading, RejectsUnknownFieldsEverywhere) {
  json doc = small_profile();
  doc["colour"] = "blue";
  expect_rejected(doc, Code::invalid_argument, "unknown field 'colour' (allowed: schema_version");
  doc = small_profile();
  doc["ports"][1]["speed"] = 800;
  expect_rejected(doc, Code::invalid_argument, "ports[1]: unknown field 'speed' (allowed: id, unit, lanes, alias)");
  doc = small_profile();
  doc["units"][0]["nmae"] = "x";
  expect_rejected(doc, Code::invalid_argument, "units[0]: unknown field 'nmae' (allowed: id, name)");
}

TEST(ProfileLoading, RejectsWrongTypes) {
  json doc = small_profile();
  doc["ports"][0]["lanes"][1] = "1";
  expect_rejected(doc, Code::invalid_argument, "ports[0].lanes[1]: expected an unsigned integer, got string");
  doc = small_profile();
  doc["ports"][0]["lanes"][1] = -1;
  expect_rejected(doc, Code::invalid_argument, "expected an unsigned integer, got negative integer");
  doc = small_profile();
  doc["ports"][0]["lanes"][1] = 1.5;
  expect_rejected(doc, Code::invalid_argument, "got number with a fraction");
  doc = small_profile();
  doc["units"] = json::object();
  expect_rejected(doc, Code::invalid_argument, "units: expected an array, got object");
  doc = small_profile();
  doc["name"] = 5;
  expect_rejected(doc, Code::invalid_argument, "name: expected a string, got unsigned integer");
  doc = small_profile();
  doc["ports"][0] = json::array();
  expect_rejected(doc, Code::invalid_argument, "ports[0]: expected an object, got array");
  expect_rejected(json::array(), Code::invalid_argument, "expected an object, got array");
}

TEST(ProfileLoading, RejectsMissingFieldsAndBadIds) {
  json doc = small_profile();
  doc.erase("els");
  expect_rejected(doc, Code::invalid_argument, "missing required field 'els'");
  doc = small_profile();
  doc["ports"][1]["id"] = 5;
  expect_rejected(doc, Code::invalid_argument, "ports[1].id: id 5 must equal the entry's position 1");
  doc = small_profile();
  doc["ports"] = json::array();
  expect_rejected(doc, Code::invalid_argument, "ports: expected at least 1 entry");
}

TEST(ProfileLoading, RejectsInconsistentNumbers) {
  json doc = small_profile();
  doc["schema_version"] = 2;
  expect_rejected(doc, Code::unsupported, "schema_version: version 2 is not supported (supported: 1)");
  doc = small_profile();
  doc["port_speed_gbps"] = 400;
  expect_rejected(doc, Code::invalid_argument, "ports[0]: 4 lanes x 200G = 800G, but port_speed_gbps is 400");
  doc = small_profile();
  doc["lanes_per_bank"] = 9;
  expect_rejected(doc, Code::out_of_range, "lanes_per_bank: 9 is not in 1..8");
  doc = small_profile();
  doc["lanes_per_bank"] = 4;
  expect_rejected(doc, Code::invalid_argument, "optical_engines[0].banks[0]: 8 lanes, but a bank holds at most 4");
  doc = small_profile();
  doc["ports"][3]["lanes"] = json::array({12, 13, 14, 20});
  // Lane ids are bounded by the lanes the ports list (16) before any table is sized.
  expect_rejected(doc, Code::out_of_range,
                  "ports[3].lanes[3]: lane 20 does not exist: the ports list 16 lanes, so lane ids are 0..15");
}

TEST(ProfileLoading, RejectsBadBreakoutModes) {
  json doc = small_profile();
  doc["breakout_modes"][1] = "2x400";
  expect_rejected(doc, Code::invalid_argument, "breakout_modes[1]: breakout mode '2x400': expected 'G'");
  doc = small_profile();
  doc["breakout_modes"][1] = "8x100G";
  expect_rejected(doc, Code::invalid_argument,
                  "breakout_modes[1]: breakout mode '8x100G': 4 lanes do not divide among 8");
}

TEST(ProfileLoading, ElsPageMapRelocatesElsfpPages) {
  json doc = small_profile();
  doc["els_cmis_page_map"] = {{"1bh", "C1h"}, {"1Ah", "b0H"}};  // hex digits in either case
  auto p = Platform::from_json(doc.dump(), "test.json");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_THAT(p->els_page_map(), ::testing::ElementsAre(ElsPageRelocation{0x1A, 0xB0}, ElsPageRelocation{0x1B, 0xC1}));
  EXPECT_EQ(p->els_page(0x1A), 0xB0);
  EXPECT_EQ(p->els_page(0x1B), 0xC1);
  EXPECT_EQ(p->els_page(0x01), 0x01);          // standard pages stay
  EXPECT_EQ(p->els_page(0xB0), std::nullopt);  // a relocated page's home has no logical name
  EXPECT_EQ(p->els_logical_page(0xB0), 0x1A);
  EXPECT_EQ(p->els_logical_page(0x1A), std::nullopt);  // the module does not serve 1Ah
  EXPECT_EQ(p->els_logical_page(0x02), 0x02);
  // Without the key: the standard layout, identity both ways.
  auto plain = Platform::from_json(small_profile().dump(), "test.json");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->els_page_map().empty());
  EXPECT_EQ(plain->els_page(0x1A), 0x1A);
  EXPECT_EQ(plain->els_logical_page(0xB0), 0xB0);
}

// Each bad page map is refused with the key, the value and what is allowed.
TEST(ProfileLoading, RejectsBadElsPageMaps) {
  struct Case {
    json map;
    std::string_view fragment;
  };
  const Case cases[] = {
      {json::array({"B0h"}), "els_cmis_page_map: expected an object of ELSFP page -> module page"},
      {json::object(), "els_cmis_page_map: is empty (omit it for the standard OIF-ELSFP-CMIS layout"},
      {{{"1A", "B0h"}}, "els_cmis_page_map: key '1A' is not a page number (two hex digits and 'h', like 1Ah)"},
      {{{"0x1A", "B0h"}}, "key '0x1A' is not a page number"},
      {{{"1Ch", "B0h"}}, "key '1Ch' is not an ELSFP page (allowed: 1Ah, 1Bh, the OIF-ELSFP-CMIS pages)"},
      {{{"11h", "B0h"}}, "key '11h' is not an ELSFP page"},
      {{{"1Ah", 176}}, "els_cmis_page_map.1Ah: expected a page number string like \"B0h\", got unsigned integer"},
      {{{"1Ah", "B0"}}, "els_cmis_page_map.1Ah: 'B0' is not a page number (two hex digits and 'h', like B0h)"},
      {{{"1Ah", "G0h"}}, "'G0h' is not a page number"},
      {{{"1Ah", "\x1b[2J"}}, "'?[2J' is not a page number"},  // no terminal escapes in messages
      {{{"1Ah", "11h"}}, "els_cmis_page_map.1Ah: page 11h has a standard CMIS meaning (allowed: 30h-9Eh and B0h-FFh"},
      {{{"1Ah", "01h"}}, "page 01h has a standard CMIS meaning"},
      {{{"1Ah", "1Bh"}}, "page 1Bh has a standard CMIS meaning"},
      {{{"1Ah", "9Fh"}}, "page 9Fh has a standard CMIS meaning"},
      {{{"1Ah", "A3h"}}, "page A3h has a standard CMIS meaning"},
      {{{"1Ah", "B0h"}, {"1Bh", "b0h"}}, "els_cmis_page_map.1Bh: page B0h already holds ELSFP page 1Ah"},
      {{{"1Ah", "B0h"}, {"1ah", "B1h"}}, "els_cmis_page_map: key '1ah' maps page 1Ah a second time"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.map.dump());
    json doc = small_profile();
    doc["els_cmis_page_map"] = c.map;
    expect_rejected(doc, Code::invalid_argument, c.fragment);
  }
}

TEST(ProfileLoading, MalformedJsonNamesLineAndColumn) {
  auto p = Platform::from_json("{\n  \"schema_version\": 1,\n  \"name\": \"x\"\n  \"units\": []\n}", "bad.json");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::invalid_argument);
  EXPECT_THAT(p.status().message(),
              HasSubstr("profile bad.json: malformed JSON at line 4, column 9: syntax error while parsing object"));
  auto empty = Platform::from_json("", "empty.json");
  EXPECT_THAT(empty.status().message(), HasSubstr("malformed JSON at line 1, column 1"));
  auto truncated = Platform::from_json(small_profile().dump().substr(0, 100), "cut.json");
  EXPECT_THAT(truncated.status().message(), HasSubstr("malformed JSON"));
}

TEST(ProfileLoading, FileErrorsAreClear) {
  // Every problem with the file itself is invalid_argument (cpo/hal/input_file.h).
  auto missing = Platform::load_file("/nonexistent/profile.json");
  EXPECT_EQ(missing.status().code(), Code::invalid_argument);
  EXPECT_THAT(missing.status().message(), HasSubstr("profile file '/nonexistent/profile.json': no such file"));
  auto dir = Platform::load_file(std::filesystem::temp_directory_path());
  EXPECT_EQ(dir.status().code(), Code::invalid_argument);
  EXPECT_THAT(dir.status().message(), HasSubstr("is a directory"));
  auto resolved = Platform::resolve("./nowhere.json");
  EXPECT_EQ(resolved.status().code(), Code::invalid_argument);
}

TEST(ProfileLoading, LoadsAFileFromDisk) {
  auto path = std::filesystem::temp_directory_path() / "cposdk_tiny_profile.json";
  std::ofstream(path) << small_profile().dump(2);
  auto p = Platform::resolve(path.string());
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(p->name(), "tiny");
  std::filesystem::remove(path);
}

// Random corruptions of a valid profile: each is either refused with an input code and a
// message that places the defect (a JSON position or an entry's path), the same way every time,
// or it is still a valid profile, whose platform then matches the document it came from.
TEST(ProfileLoading, ByteCorruptionIsPlacedOrYieldsAPlatformMatchingTheDocument) {
  const std::string good = small_profile().dump();
  std::uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  int rejected = 0, accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text = good;
    // Half the mutations keep a byte's class (digit for digit, letter for letter), so they
    // reach the validation of numbers and names; the others are any 7-bit byte.
    for (int k = 0; k < 2; ++k) {
      char& c = text[next() % text.size()];
      if (next() % 2 == 0 && c >= '0' && c <= '9') {
        c = static_cast<char>('0' + next() % 10);
      } else if (next() % 2 == 0 && c >= 'a' && c <= 'z') {
        c = static_cast<char>('a' + next() % 26);
      } else {
        c = static_cast<char>(next() % 128);
      }
    }
    auto p = Platform::from_json(text, "fuzz.json");
    if (!p.ok()) {
      ++rejected;
      const Status& s = p.status();
      EXPECT_THAT(s.code(), ::testing::AnyOf(Code::invalid_argument, Code::out_of_range, Code::unsupported))
          << s.to_string();
      EXPECT_THAT(s.message(), ::testing::StartsWith("profile fuzz.json: ")) << text;
      EXPECT_THAT(s.message(), ::testing::ContainsRegex("malformed JSON at line [0-9]+, column [0-9]+|duplicate key|"
                                                        "[a-z_]+(\\[[0-9]+\\])?[.:]|lane [0-9]+"))
          << s.to_string();
      EXPECT_EQ(Platform::from_json(text, "fuzz.json").status(), s);
      continue;
    }
    ++accepted;
    const json doc = json::parse(text);  // accepted text is valid JSON without duplicate keys
    ASSERT_EQ(p->ports().size(), doc["ports"].size());
    for (const auto& port : p->ports()) {
      const auto& lanes = doc["ports"][port.id.value()]["lanes"];
      ASSERT_EQ(port.lanes.size(), lanes.size());
      for (std::size_t k = 0; k < lanes.size(); ++k) {
        EXPECT_EQ(port.lanes[k].value(), lanes[k].get<std::uint32_t>());
        EXPECT_EQ(p->lanes()[port.lanes[k].value()].port, port.id);
      }
    }
    EXPECT_EQ(p->name(), doc["name"].get<std::string>());
  }
  // Three random bytes in a dense document break it almost always; some land in blanks or
  // names and leave it valid. Both branches above must have run for the test to mean anything.
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace cpo
