// Dump readers (sfputil, ethtool hex, binary) and the public MCP1660 QSFP-DD dump decoded
// field by field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cmis_test_util.h"
#include "cpo/hal/cmis/codes.h"
#include "cpo/hal/cmis/hexdump.h"
#include "cpo/hal/cmis/module.h"

namespace cpo::cmis {
namespace {

using ::testing::HasSubstr;

std::string mcp1660_text() { return testing::read_text(testing::data_path("qsfpdd-mcp1660-page0.sfputil.txt")); }

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The 256 bytes of the MCP1660 dump, for re-formatting in the other formats.
std::vector<std::uint8_t> mcp1660_bytes() {
  auto map = parse_sfputil(mcp1660_text());
  std::vector<std::uint8_t> out(map->lower()->begin(), map->lower()->end());
  out.insert(out.end(), map->upper(0)->begin(), map->upper(0)->end());
  return out;
}

// ethtool.c dump_hex(): "Offset\t\tValues\n------\t\t------" then "\n0x%04x:\t\t" + "%02x ".
std::string ethtool_hex(const std::vector<std::uint8_t>& data, std::size_t offset, bool colon = true) {
  std::string s = "Offset\t\tValues\n------\t\t------";
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i % 16 == 0)
      s += colon ? fmt::format("\n0x{:04x}:\t\t", i + offset) : fmt::format("\n0x{:04x}\t\t", i + offset);
    s += fmt::format("{:02x} ", data[i]);
  }
  return s + "\n";
}

TEST(CmisMcp1660, DecodesTheAdministrativeFields) {
  auto map = parse_sfputil(mcp1660_text());
  ASSERT_TRUE(map.ok()) << map.status().to_string();
  ASSERT_NE(map->lower(), nullptr);
  ASSERT_NE(map->upper(kPage00), nullptr);
  EXPECT_EQ(map->upper_pages().size(), 1u);
  auto m = decode(*map);
  ASSERT_TRUE(m.ok());
  const LowerPage& l = *m->lower;
  EXPECT_EQ(l.identifier, 0x18);
  EXPECT_EQ(identifier_abbreviation(l.identifier), "QSFP-DD");
  EXPECT_EQ(to_string(l.revision), "3.0");
  EXPECT_TRUE(l.flat_memory);
  EXPECT_EQ(l.module_state, ModuleState::low_power);
  EXPECT_FALSE(l.interrupt_asserted);
  EXPECT_EQ(l.flags, ModuleFlags{});
  EXPECT_DOUBLE_EQ(l.temperature.value(), 0.0);
  EXPECT_DOUBLE_EQ(l.vcc.value(), 0.0);
  // Byte 26 = 08h: SoftwareReset set, LowPwrRequestSW clear.
  EXPECT_TRUE(l.control.software_reset);
  EXPECT_FALSE(l.control.low_power_request_sw);
  EXPECT_FALSE(l.control.low_power_allow_request_hw);
  EXPECT_EQ(l.active_firmware, (Revision{0, 0}));
  EXPECT_EQ(l.fault_cause, 0);
  EXPECT_EQ(l.media_type, static_cast<std::uint8_t>(MediaType::passive_copper));
  EXPECT_EQ(l.bank_select, 0);
  EXPECT_EQ(l.page_select, 0);

  struct App {
    std::uint8_t host;
    std::string_view host_name;
    std::uint8_t host_lanes, media_lanes, assignment;
  };
  const App apps[] = {{0x1D, "400G CR8", 8, 8, 0x01},
                      {0x1C, "200GBASE-CR4 (Clause 136)", 4, 4, 0x11},
                      {0x1B, "100GBASE-CR2 (Clause 136)", 2, 2, 0x55},
                      {0x1A, "100GBASE-CR4 (Clause 92)", 4, 4, 0x11},
                      {0x18, "50GBASE-CR (Clause 126)", 1, 1, 0xFF},
                      {0x17, "40GBASE-CR4 (Clause 85)", 4, 4, 0x11},
                      {0x16, "25GBASE-CR CA-N (Clause 110)", 1, 1, 0xFF},
                      {0x01, "1000BASE-CX (Clause 39)", 1, 1, 0xFF}};
  ASSERT_EQ(m->application_count, 8);
  for (std::size_t i = 0; i < 8; ++i) {
    SCOPED_TRACE(i);
    const auto& a = m->applications[i];
    EXPECT_EQ(a.app_sel, i + 1);
    EXPECT_EQ(a.host_interface, apps[i].host);
    EXPECT_EQ(host_interface_name(a.host_interface), apps[i].host_name);
    EXPECT_EQ(a.media_interface, 0x01);
    EXPECT_EQ(media_interface_name(l.media_type, a.media_interface), "Copper cable");
    EXPECT_EQ(a.host_lane_count, apps[i].host_lanes);
    EXPECT_EQ(a.media_lane_count, apps[i].media_lanes);
    EXPECT_EQ(a.host_lane_assignment, apps[i].assignment);
    EXPECT_FALSE(a.media_lane_assignment.has_value());  // flat memory: no page 01h
  }

  const Page00& u = *m->page00;
  EXPECT_EQ(u.identifier, 0x18);
  EXPECT_EQ(u.vendor_name, "Mellanox");
  EXPECT_EQ(u.vendor_oui, (std::array<std::uint8_t, 3>{0x00, 0x02, 0xC9}));
  EXPECT_EQ(u.part_number, "MCP1660-W00AE30");
  EXPECT_EQ(u.revision, "A2");
  EXPECT_EQ(u.serial_number, "MT2019VS04795");
  ASSERT_TRUE(u.date_code.has_value());
  EXPECT_EQ(u.date_code->year, 2020);
  EXPECT_EQ(u.date_code->month, 5);
  EXPECT_EQ(u.date_code->day, 7);
  EXPECT_EQ(u.date_code->lot, "");
  EXPECT_EQ(to_string(*u.date_code), "2020-05-07");
  EXPECT_EQ(u.clei, "");
  EXPECT_EQ(u.power_class, 1);
  EXPECT_DOUBLE_EQ(u.max_power_w, 0.25);
  EXPECT_DOUBLE_EQ(u.cable_length_m, 0.5);
  EXPECT_EQ(u.connector, 0x23);
  EXPECT_EQ(connector_name(u.connector), "No separable connector");
  EXPECT_EQ(u.copper_attenuation_db, (std::array<std::uint8_t, 6>{4, 5, 7, 21, 0, 0}));
  EXPECT_EQ(u.media_lane_unsupported, 0);
  EXPECT_EQ(u.cable_assembly_info, 0x02);
  EXPECT_EQ(u.media_technology, 0x0A);
  EXPECT_EQ(media_technology_name(u.media_technology), "Copper cable unequalized");
  EXPECT_EQ(u.checksum, 0x77);
  EXPECT_TRUE(u.checksum_ok);

  EXPECT_TRUE(m->advertisement_assumed);
  EXPECT_FALSE(m->page01.has_value());
  EXPECT_TRUE(m->banks.empty());
}

TEST(CmisSfputil, IndentedCurrentFormatAndSecondPage) {
  // Current sfputil indents by 8 spaces and prints every upper page from offset 80h.
  std::string text = "EEPROM hexdump for port Ethernet8\n";
  for (const auto& raw_line : {std::string("Lower page 0h")}) text += "        " + raw_line + "\n";
  const auto bytes = mcp1660_bytes();
  auto emit = [&](const std::uint8_t* data, std::size_t base) {
    for (std::size_t row = 0; row < 8; ++row) {
      std::string hex1, hex2, ascii;
      for (std::size_t i = 0; i < 16; ++i) {
        const auto b = data[row * 16 + i];
        (i < 8 ? hex1 : hex2) += fmt::format("{}{:02x}", (i % 8) ? " " : "", b);
        ascii += (b >= 0x20 && b <= 0x7E) ? static_cast<char>(b) : '.';
      }
      text += fmt::format("        {:08x} {}  {} |{}|\n", base + row * 16, hex1, hex2, ascii);
    }
  };
  emit(bytes.data(), 0);
  text += "\n        Upper page 0h\n";
  emit(bytes.data() + 128, 0x80);
  text += "\n        Upper page 11h\n";
  emit(bytes.data() + 128, 0x80);
  auto map = parse_sfputil(text);
  ASSERT_TRUE(map.ok()) << map.status().to_string();
  ASSERT_NE(map->upper(kPage11), nullptr);
  EXPECT_EQ(*map->upper(kPage11), *map->upper(kPage00));
}

TEST(CmisSfputil, RejectsBrokenInputWithLineNumbers) {
  const std::string good = mcp1660_text();
  auto replace_line = [&](std::size_t line_no, const std::string& with) {
    std::string out;
    std::size_t n = 0, pos = 0;
    while (pos < good.size()) {
      auto end = good.find('\n', pos);
      if (end == std::string::npos) end = good.size();
      ++n;
      out += (n == line_no ? with : good.substr(pos, end - pos)) + "\n";
      pos = end + 1;
    }
    return out;
  };
  struct Case {
    std::size_t line;
    std::string replacement;
    std::string want;
  };
  const Case cases[] = {
      {3, "00000000 18 30 80 03 00 00 00 00  00 00 00 00 00 00 00 zz |.0..............|",
       "line 3: 'zz' is not a hex byte"},
      {4, "", "line 5: offset 0x20 leaves a gap (next expected 0x10)"},
      {10, "", "line 2: lower page is truncated: 112 of 128 bytes"},
      {4, "00000000 00 00 00 00 00 00 00 00  00 00 08 00 00 00 00 00 |................|",
       "line 4: offset 0x0 overlaps"},
      {4, "00000020 00 00 00 00 00 00 00 00  00 00 08 00 00 00 00 00 |................|",
       "line 4: offset 0x20 leaves a gap"},
      {12, "Middle page 0h", "line 12: 'Middle page 0h' is neither a section header"},
      {12, "Upper page 0x5", "line 12: unknown section header 'Upper page 0x5'"},
      {13, "00000080 18 4d 65 6c 6c 61 6e 6f  78 20 20 20 20 20 20 20 |.MellanoX       |",
       "line 13: ASCII column does not match"},
      {2, "Upper page 0h", "line 3: page 00h starts at offset 0x0; expected 0x80"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    auto r = parse_sfputil(replace_line(c.line, c.replacement));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.want));
  }
  // Cut after a whole line: the page is short.
  const auto cut = good.rfind("000000f0");
  auto trunc = parse_sfputil(good.substr(0, cut));
  EXPECT_EQ(trunc.status().code(), Code::invalid_argument);
  EXPECT_THAT(trunc.status().message(), HasSubstr("line 12: page 00h is truncated: 112 of 128 bytes"));
  // Cut inside a line: the partial byte is not a byte.
  auto mid = parse_sfputil(good.substr(0, cut + 13));
  EXPECT_THAT(mid.status().message(), HasSubstr("line 20: '0' is not a hex byte"));
  // A line that is only an ASCII column (found by cmis_fuzz).
  auto bare = parse_sfputil("Lower page 0h\n|....|\n");
  EXPECT_THAT(bare.status().message(), HasSubstr("line 2: '|....|' is neither a section header"));
  // The same page twice.
  const auto upper = good.substr(good.find("Upper page 0h"));
  auto twice = parse_sfputil(good + "\n" + upper);
  EXPECT_THAT(twice.status().message(), HasSubstr("line 22: page 00h given twice"));
}

TEST(CmisEthtoolHex, LinearDumpWithAndWithoutColons) {
  const auto bytes = mcp1660_bytes();
  for (bool colon : {true, false}) {
    auto map = parse_ethtool_hex(ethtool_hex(bytes, 0, colon));
    ASSERT_TRUE(map.ok()) << map.status().to_string();
    EXPECT_EQ(*map, *parse_sfputil(mcp1660_text()));
  }
  // Lower page only (netlink default: 128 bytes).
  auto lower = parse_ethtool_hex(ethtool_hex({bytes.begin(), bytes.begin() + 128}, 0));
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->upper_pages().size(), 0u);
  // A 640-byte ioctl dump carries pages 00h..03h.
  std::vector<std::uint8_t> big(640, 0);
  std::copy(bytes.begin(), bytes.end(), big.begin());
  big[384] = 0x42;
  auto paged = parse_ethtool_hex(ethtool_hex(big, 0));
  ASSERT_TRUE(paged.ok());
  ASSERT_NE(paged->upper(kPage02), nullptr);
  EXPECT_EQ((*paged->upper(kPage02))[0], 0x42);
  EXPECT_NE(paged->upper(0x03), nullptr);
}

TEST(CmisEthtoolHex, PastedCommandPlacesBlocksOnPagesAndBanks) {
  const auto bytes = mcp1660_bytes();
  std::vector<std::uint8_t> p11(128, 0x11);
  std::string text = "$ ethtool -m swp1 hex on\n" + ethtool_hex({bytes.begin(), bytes.begin() + 128}, 0) +
                     "$ ethtool -m swp1 page 0x11 bank 2 offset 128 length 128 hex on\n" + ethtool_hex(p11, 128);
  auto map = parse_ethtool_hex(text);
  ASSERT_TRUE(map.ok()) << map.status().to_string();
  ASSERT_NE(map->upper(kPage11, 2), nullptr);
  EXPECT_EQ((*map->upper(kPage11, 2))[5], 0x11);
  EXPECT_EQ(map->upper(kPage11, 0), nullptr);
}

TEST(CmisEthtoolHex, RejectsOverlapTruncationAndGarbage) {
  const auto bytes = mcp1660_bytes();
  std::vector<std::uint8_t> first(bytes.begin(), bytes.begin() + 128);
  auto overlap = parse_ethtool_hex(ethtool_hex(first, 0) + ethtool_hex({bytes.begin(), bytes.begin() + 16}, 0x70));
  EXPECT_EQ(overlap.status().code(), Code::invalid_argument);
  EXPECT_THAT(overlap.status().message(), HasSubstr("line 13: offset 0x70 of lower page overlaps"));
  auto shorter = parse_ethtool_hex(ethtool_hex({bytes.begin(), bytes.begin() + 100}, 0));
  EXPECT_THAT(shorter.status().message(), HasSubstr("line 3: lower page is truncated: 100 of 128 bytes"));
  std::string bad = ethtool_hex(first, 0);
  bad.replace(bad.find("18 30"), 5, "18 3g");
  EXPECT_THAT(parse_ethtool_hex(bad).status().message(), HasSubstr("line 3: '3g' is not a hex byte"));
  EXPECT_THAT(parse_ethtool_hex("Offset\t\tValues\nhello\n").status().message(),
              HasSubstr("line 2: 'hello' is not an ethtool hex line"));
}

TEST(CmisBinary, AcceptsTheDocumentedSizes) {
  auto bytes = mcp1660_bytes();
  auto map = parse_binary(bytes);
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(*map, *parse_sfputil(mcp1660_text()));
  auto lower = parse_binary(std::span(bytes).first(128));
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->upper(kPage00), nullptr);
  std::vector<std::uint8_t> three(256 + 2 * 128, 0);
  three[256] = 1;
  three[384] = 2;
  auto paged = parse_binary(three);
  ASSERT_TRUE(paged.ok());
  EXPECT_EQ((*paged->upper(kPage01))[0], 1);
  EXPECT_EQ((*paged->upper(kPage02))[0], 2);
  for (std::size_t size : {std::size_t{0}, std::size_t{100}, std::size_t{200}, std::size_t{300}}) {
    auto r = parse_binary(std::span(three).first(size));
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
    EXPECT_THAT(r.status().message(), HasSubstr(fmt::format("binary image of {} bytes", size)));
  }
}

TEST(CmisParseDump, DetectsEveryFormat) {
  auto sfp = parse_dump(as_bytes(mcp1660_text()));
  ASSERT_TRUE(sfp.ok());
  EXPECT_EQ(sfp->format, DumpFormat::sfputil);
  const auto bytes = mcp1660_bytes();
  auto eth = parse_dump(as_bytes(ethtool_hex(bytes, 0)));
  ASSERT_TRUE(eth.ok());
  EXPECT_EQ(eth->format, DumpFormat::ethtool_hex);
  auto bin = parse_dump(bytes);
  ASSERT_TRUE(bin.ok());
  EXPECT_EQ(bin->format, DumpFormat::binary);
  EXPECT_EQ(sfp->map, eth->map);
  EXPECT_EQ(eth->map, bin->map);
  EXPECT_EQ(parse_dump({}).status().code(), Code::invalid_argument);
  auto prose = parse_dump(as_bytes(std::string("\n\nhello world\n")));
  EXPECT_EQ(prose.status().code(), Code::invalid_argument);
  EXPECT_THAT(prose.status().message(), HasSubstr("line 3: unrecognised dump format"));
}

}  // namespace
}  // namespace cpo::cmis
