// Bdf parsing and the switch-ASIC id table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "cpo/drivers/pcie/bdf.h"
#include "cpo/drivers/pcie/discovery.h"

namespace {

using cpo::Code;
using cpo::pcie::Bdf;
using ::testing::HasSubstr;

TEST(PcieBdf, ParsesAndPrintsTheSysfsSpelling) {
  auto b = Bdf::parse("0000:03:00.0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->bus, 3);
  EXPECT_EQ(b->to_string(), "0000:03:00.0");
  auto short_form = Bdf::parse("af:1f.7");
  ASSERT_TRUE(short_form.ok());
  EXPECT_EQ(short_form->to_string(), "0000:af:1f.7");
  auto big_domain = Bdf::parse("10000:00:01.0");
  ASSERT_TRUE(big_domain.ok());
  EXPECT_EQ(big_domain->domain, 0x10000u);
  EXPECT_EQ(big_domain->to_string(), "10000:00:01.0");
  EXPECT_EQ(Bdf::parse("0000:0A:1B.3")->to_string(), "0000:0a:1b.3");
}

TEST(PcieBdf, RejectsMalformedAndOutOfRange) {
  for (const char* bad :
       {"", "03:00", "0000:03:00:0", "0000:03:00.x", "g0:00.0", "0000:003:00.0", "03:00.10", "::.", "0000:03:.0"}) {
    auto r = Bdf::parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::invalid_argument) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("0000:03:00.0")) << "names the expected form";
  }
  auto dev = Bdf::parse("00:20.0");
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.status().code(), Code::out_of_range);
  auto fn = Bdf::parse("00:1f.8");
  ASSERT_FALSE(fn.ok());
  EXPECT_EQ(fn.status().code(), Code::out_of_range);
}

TEST(PcieBdf, OrdersLikeLspci) {
  EXPECT_LT(*Bdf::parse("0000:ff:1f.7"), *Bdf::parse("0001:00:00.0"));
  EXPECT_LT(*Bdf::parse("0000:01:00.1"), *Bdf::parse("0000:01:01.0"));
}

TEST(PcieIds, TableHoldsTheIssueIdsWithSources) {
  const auto* sp4 = cpo::pcie::find_switch_asic(0x15b3, 0xcf80);
  ASSERT_NE(sp4, nullptr);
  EXPECT_EQ(sp4->family, "Spectrum-4");
  EXPECT_THAT(std::string(sp4->source), HasSubstr("PCI_DEVICE_ID_MELLANOX_SPECTRUM4"));
  const auto* q3 = cpo::pcie::find_switch_asic(0x15b3, 0xd2f6);
  ASSERT_NE(q3, nullptr);
  EXPECT_EQ(q3->family, "Quantum-3 CPO");
  const auto* th4 = cpo::pcie::find_switch_asic(0x14e4, 0xb990);
  ASSERT_NE(th4, nullptr);
  EXPECT_EQ(th4->family, "Tomahawk4 (BCM56990)");
  const auto* ref = cpo::pcie::find_switch_asic(cpo::pcie::kReferenceVendorId, cpo::pcie::kReferenceDeviceId);
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->family, "reference device");
  EXPECT_EQ(cpo::pcie::find_switch_asic(0x15b3, 0x1021), nullptr) << "ConnectX-7 is a NIC";
  EXPECT_EQ(cpo::pcie::find_switch_asic(0x8086, 0x1572), nullptr);
}

TEST(PcieIds, EveryRowIsUniqueAndSourced) {
  std::set<std::pair<int, int>> seen;
  for (const auto& e : cpo::pcie::known_switch_asics()) {
    EXPECT_TRUE(seen.insert({e.vendor_id, e.device_id}).second) << std::hex << e.device_id;
    EXPECT_FALSE(e.source.empty());
    EXPECT_FALSE(e.family.empty());
    EXPECT_EQ(cpo::pcie::find_switch_asic(e.vendor_id, e.device_id), &e);
  }
}

}  // namespace
