// The reference device interface table: the interface lock, the generated document and the
// layout rules every entry must obey.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cpo/hal/backend/refdev/refdev.h"
#include "device_doc.h"

namespace cpo::refdev {
namespace {

using ::testing::HasSubstr;

// One row per published interface version. A change of any name, offset or code changes the
// fingerprint: bump kVersionMinor (compatible addition) or kVersionMajor, add a row here, and
// regenerate docs/device-interface.md. Never edit the row of a released version (1.3 was
// re-pinned once before its release, when the snapshot channel replaced the StatusSnapshot
// command).
struct Pin {
  std::uint32_t major;
  std::uint32_t minor;
  std::uint64_t fingerprint;
};
constexpr Pin kPins[] = {
    {1, 0, 0xc76dbc8f5d5c17fdULL},
    {1, 1, 0xed9e960cd5d87099ULL},  // CmisWrite refuses ELS set-points outside the advertised range
    {1, 2, 0xf15ecbb99dbb532aULL},  // Lane LaserInPower, Els SupplyCurrent
    {1, 3, 0x8fab6d24c45b84d7ULL},  // REFUSE rows, PrbsFlags, SetMtu + Port Mtu0..7, StatusSnapshot
    {1, 4, 0x913d0b44a5b69fd9ULL},  // Els Flags (InterlockOpen), LaserFault InterlockOpen; the snapshot channel
                                    // replaces StatusSnapshot
};

TEST(RefdevInterfaceLock, FingerprintIsPinnedForTheCurrentVersion) {
  const auto* pin = std::find_if(std::begin(kPins), std::end(kPins),
                                 [](const Pin& p) { return p.major == kVersionMajor && p.minor == kVersionMinor; });
  ASSERT_NE(pin, std::end(kPins)) << "interface version " << kVersionMajor << "." << kVersionMinor
                                  << " has no pinned fingerprint; add {" << kVersionMajor << ", " << kVersionMinor
                                  << ", 0x" << std::hex << interface_fingerprint() << "ULL}";
  EXPECT_EQ(pin->fingerprint, interface_fingerprint())
      << "registers.def changed without a version bump: bump VersionMinor (compatible) or VersionMajor and pin 0x"
      << std::hex << interface_fingerprint();
}

TEST(RefdevInterfaceLock, VersionRegisterEncodesMajorAndMinor) {
  EXPECT_EQ(bits::kVersionMajor.get(kVersion), kVersionMajor);
  EXPECT_EQ(bits::kVersionMinor.get(kVersion), kVersionMinor);
  EXPECT_EQ(kMagic, 0x44504F43u);  // "CPOD" little-endian
}

TEST(RefdevDocument, CommittedDocumentMatchesTheTable) {
  std::ifstream in(std::string(CPOSDK_SOURCE_DIR) + "/docs/device-interface.md", std::ios::binary);
  ASSERT_TRUE(in) << "docs/device-interface.md missing: cmake --build <dir> --target refdev-doc";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(committed.str() == render_device_interface_markdown())
      << "docs/device-interface.md is stale: cmake --build <dir> --target refdev-doc";
}

TEST(RefdevDocument, NamesEveryCommandAndItsErrors) {
  const std::string md = render_device_interface_markdown();
  EXPECT_THAT(md, HasSubstr("### Breakout (0x02)"));
  EXPECT_THAT(md, HasSubstr("| WrongState | A sub-port of a port in the run is admin up"));
  EXPECT_THAT(md, HasSubstr("\\|Pre\\| + Main + \\|Post\\|"));
}

TEST(RefdevLayout, RegistersAreUniqueAndInsideTheirRegions) {
  std::set<std::size_t> seen;
#define CPO_REFDEV_REG(Region, Name, offset, access, doc) \
  EXPECT_TRUE(seen.insert(offset).second) << "duplicate offset of " #Name;
#include "cpo/hal/backend/refdev/registers.def"
  EXPECT_GT(seen.size(), 40u);
}

TEST(RefdevLayout, RegionsAndRecordsDoNotOverlap) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // [begin, end) of top-level regions
#define CPO_REFDEV_REGION(Name, offset, bytes, doc) \
  if (std::string(#Name) != "MbxData") spans.emplace_back(offset, (offset) + (bytes));
#include "cpo/hal/backend/refdev/registers.def"
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i) EXPECT_LE(spans[i - 1].second, spans[i].first);

  std::vector<std::pair<std::size_t, std::size_t>> records;
#define CPO_REFDEV_RECORD(Name, base, stride, capacity, doc) records.emplace_back(base, (base) + (stride) * (capacity));
#include "cpo/hal/backend/refdev/registers.def"
  std::sort(records.begin(), records.end());
  for (std::size_t i = 1; i < records.size(); ++i) EXPECT_LE(records[i - 1].second, records[i].first);
  // The status header lies before the first status record.
  EXPECT_LT(reg::kPowerMw, record::kOe.base);
}

TEST(RefdevLayout, FieldsOfARecordAreUnique) {
  std::map<std::string, std::set<std::size_t>> seen;
#define CPO_REFDEV_FIELD(Record, Name, offset, access, unit, doc) \
  EXPECT_TRUE(seen[#Record].insert(offset).second) << "duplicate field offset " #Record "." #Name;
#include "cpo/hal/backend/refdev/registers.def"
  EXPECT_EQ(seen.size(), 6u);
}

TEST(RefdevLayout, EnumValuesAreUniquePerEnum) {
  std::map<std::string, std::set<std::int64_t>> seen;
#define CPO_REFDEV_ENUM(Enum, Name, value, doc) \
  EXPECT_TRUE(seen[#Enum].insert(value).second) << "duplicate value in " #Enum ": " #Name;
#define CPO_REFDEV_OPCODE(Name, value, latency_us, doc) \
  EXPECT_TRUE(seen["Opcode"].insert(value).second) << "duplicate opcode " #Name;
#include "cpo/hal/backend/refdev/registers.def"
  EXPECT_EQ(seen["Opcode"].size(), 13u);
}

// Every argument word has a device-side check (a REFUSE row, generated into refdev/mailbox.h),
// so no argument reaches a device's firmware unchecked.
TEST(RefdevLayout, EveryArgumentHasARefusalRow) {
  std::set<std::string> args, checked;
#define CPO_REFDEV_ARG(Opcode, index, Name, doc) args.insert(#Opcode "." #Name);
#define CPO_REFDEV_REFUSE(Opcode, Completion, Arg, Check, doc) checked.insert(#Opcode "." #Arg);
#include "cpo/hal/backend/refdev/registers.def"
  for (const auto& a : args) EXPECT_TRUE(checked.count(a) == 1) << a << " has no REFUSE row";
  for (const auto& c : checked) EXPECT_TRUE(args.count(c) == 1) << c << " is checked but is no argument";
}

// The snapshot channel's request registers (rw in region Snapshot) each have a SNAP_REFUSE row
// (generated into refdev/snapshot_channel.h), and every row names one of them.
TEST(RefdevLayout, EverySnapshotRequestRegisterHasARefusalRow) {
  std::set<std::string> requests, checked;
#define CPO_REFDEV_REG(Region, Name, offset, access, doc) \
  if (std::string(#Region) == "Snapshot" && std::string(#access) == "rw") requests.insert(#Name);
#define CPO_REFDEV_SNAP_REFUSE(Completion, Reg, Check, doc) checked.insert("Snap" #Reg);
#include "cpo/hal/backend/refdev/registers.def"
  EXPECT_EQ(requests, (std::set<std::string>{"SnapAddrLo", "SnapAddrHi", "SnapBytes"}));
  EXPECT_EQ(checked, requests);
}

TEST(RefdevHelpers, OffsetsAndObjectsCompose) {
  EXPECT_EQ(at(record::kLane, 5, field::kLaneSnr), 0x14000u + 5 * 128 + 8);
  EXPECT_EQ(mbx_arg(7), reg::kMbxArg7);
  EXPECT_EQ(mbx_result(3), reg::kMbxResult3);
  EXPECT_EQ(mbx_data_word(31), region::kMbxData.offset + 124);
  const std::uint32_t obj = make_object(ObjectKind::kLaser, 4, 3);
  EXPECT_EQ(bits::kObjectKind.get(obj), static_cast<std::uint32_t>(ObjectKind::kLaser));
  EXPECT_EQ(bits::kObjectIndex.get(obj), 4u);
  EXPECT_EQ(bits::kObjectSub.get(obj), 3u);
  EXPECT_EQ(name(Completion::kBadObject), "BadObject");
  EXPECT_EQ(name(Opcode::kCmisRead), "CmisRead");
  EXPECT_EQ(typical_latency(Opcode::kCmisRead), std::chrono::microseconds(3000));
}

}  // namespace
}  // namespace cpo::refdev
