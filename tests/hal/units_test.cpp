#include "cpo/hal/units.h"
#include "cpo/hal/ids.h"

#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>
#include <unordered_set>

namespace cpo {
namespace {

TEST(Units, MilliwattsToDbmKnownPoints) {
  EXPECT_DOUBLE_EQ(to_dbm(Milliwatts(1.0)).value(), 0.0);
  EXPECT_DOUBLE_EQ(to_dbm(Milliwatts(10.0)).value(), 10.0);
  EXPECT_DOUBLE_EQ(to_dbm(Milliwatts(0.1)).value(), -10.0);
  EXPECT_NEAR(to_dbm(Milliwatts(2.0)).value(), 3.0103, 1e-4);
}

TEST(Units, ZeroPowerIsMinusInfinityDbm) {
  Dbm d = to_dbm(Milliwatts(0.0));
  EXPECT_TRUE(std::isinf(d.value()));
  EXPECT_LT(d.value(), 0);
  EXPECT_EQ(to_string(d), "-inf dBm");
  EXPECT_EQ(to_milliwatts(d).value(), 0.0);
}

TEST(Units, DbmRoundTripIsExactToTheLastBits) {
  for (double mw : {0.001, 0.05, 0.5, 1.0, 1.5, 2.0, 17.3, 100.0}) {
    EXPECT_NEAR(to_milliwatts(to_dbm(Milliwatts(mw))).value(), mw, mw * 1e-15) << mw;
  }
}

TEST(Units, AttenuateSubtractsDecibels) { EXPECT_DOUBLE_EQ(attenuate(Dbm(3.0), Decibels(4.5)).value(), -1.5); }

TEST(Units, Formatting) {
  EXPECT_EQ(to_string(Gbps(800)), "800G");
  EXPECT_EQ(to_string(Milliwatts(1.5)), "1.500 mW");
  EXPECT_EQ(to_string(Dbm(1.76)), "1.76 dBm");
  EXPECT_EQ(to_string(Milliamps(45)), "45.00 mA");
  EXPECT_EQ(to_string(Celsius(42.5)), "42.5 degC");
  EXPECT_EQ(to_string(Volts(3.3)), "3.300 V");
}

TEST(Units, DistinctQuantitiesDoNotConvert) {
  static_assert(!std::is_convertible_v<Milliwatts, Dbm>);
  static_assert(!std::is_convertible_v<double, Milliwatts>);
  static_assert(!std::is_convertible_v<Milliamps, Milliwatts>);
}

TEST(Ids, DistinctTypesDoNotConvert) {
  static_assert(!std::is_convertible_v<PortId, LaneId>);
  static_assert(!std::is_convertible_v<std::uint32_t, PortId>);
  static_assert(std::is_trivially_copyable_v<PortId>);
}

TEST(Ids, NamesUsedInMessages) {
  EXPECT_EQ(to_string(PortId(37)), "port 37");
  EXPECT_EQ(to_string(LogicalPort{PortId(37), 2}), "port 37/2");
  EXPECT_EQ(to_string(LaserRef{ElsId(7), 3}), "els 7 laser 3");
  EXPECT_EQ(to_string(OeId(5), BankId(2)), "oe 5 bank 2");
  EXPECT_EQ(to_string(UnitId(1)), "unit 1");
  EXPECT_EQ(to_string(LaneId(148)), "lane 148");
}

TEST(Ids, OrderAndHash) {
  EXPECT_LT(PortId(1), PortId(2));
  EXPECT_LT((LogicalPort{PortId(1), 3}), (LogicalPort{PortId(2), 0}));
  EXPECT_LT((LaserRef{ElsId(1), 7}), (LaserRef{ElsId(2), 0}));
  std::unordered_set<LaneId> set{LaneId(1), LaneId(1), LaneId(2)};
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace cpo
