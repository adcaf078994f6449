#include "layering.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace cpo::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string describe(const std::vector<LayeringViolation>& v) {
  std::string out;
  for (const auto& x : v) out += x.file + ":" + std::to_string(x.line) + ": " + x.include + ": " + x.reason + "\n";
  return out;
}

class ScratchTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cposdk_layering_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  fs::path root_;
};

TEST(Layering, RepositoryHasNoForbiddenArrows) {
  auto v = check_layering(CPOSDK_SOURCE_DIR);
  EXPECT_TRUE(v.empty()) << describe(v);
}

TEST_F(ScratchTree, DriverIncludingSdkIsAViolation) {
  write("drivers/reference/src/driver.cpp", "#include \"cpo/sdk/switch.h\"\n#include \"cpo/hal/status.h\"\n");
  auto v = check_layering(root_);
  ASSERT_EQ(v.size(), 1u) << describe(v);
  EXPECT_EQ(v[0].line, 1);
  EXPECT_THAT(v[0].reason, HasSubstr("drivers may not include sdk"));
}

TEST_F(ScratchTree, SimIncludingADriverIsAViolation) {
  write("sim/src/device.cpp", "#include <cpo/drivers/reference.h>\n");
  auto v = check_layering(root_);
  ASSERT_EQ(v.size(), 1u) << describe(v);
  EXPECT_THAT(v[0].reason, HasSubstr("sim may not include drivers"));
}

TEST_F(ScratchTree, HalIncludingSimAndCliIncludingDriversAreViolations) {
  write("hal/src/a.cpp", "#include \"cpo/sim/device.h\"\n");
  write("sdk/cli/main.cpp", "  #  include \"cpo/drivers/pcie.h\"\n#include \"cpo/sdk/switch.h\"\n");
  auto v = check_layering(root_);
  ASSERT_EQ(v.size(), 2u) << describe(v);
}

TEST_F(ScratchTree, ReachingIntoAnotherFoldersPrivateSourcesIsAViolation) {
  write("sim/src/secret.h", "");
  write("drivers/reference/src/driver.cpp", "#include \"../../../sim/src/secret.h\"\n");
  write("sim/src/device.cpp", "#include \"secret.h\"\n");
  auto v = check_layering(root_);
  ASSERT_EQ(v.size(), 1u) << describe(v);
  EXPECT_EQ(v[0].file, "drivers/reference/src/driver.cpp");
  EXPECT_THAT(v[0].reason, HasSubstr("private"));
}

TEST_F(ScratchTree, SamplesIncludeOnlyTheSdk) {
  write("samples/laser.cpp", "#include <cpo/sdk/switch.h>\n#include <cpo/hal/units.h>\n");
  auto v = check_layering(root_);
  ASSERT_EQ(v.size(), 1u) << describe(v);
  EXPECT_EQ(v[0].file, "samples/laser.cpp");
  EXPECT_EQ(v[0].include, "cpo/hal/units.h");
}

TEST_F(ScratchTree, TheCApiHeaderBelongsToTheSdk) {
  write("drivers/reference/src/driver.cpp", "#include <cpo/cpo.h>\n");
  const auto v = check_layering(root_);
  ASSERT_EQ(v.size(), 1u) << describe(v);
  EXPECT_EQ(v[0].include, "cpo/cpo.h");
}

TEST_F(ScratchTree, AllowedArrowsPass) {
  write("sdk/src/switch.cpp", "#include \"cpo/drivers/reference.h\"\n#include \"cpo/sim/device.h\"\n");
  write("samples/breakout.cpp", "#include <cpo/sdk/switch.h>\n#include <vector>\n");
  write("drivers/pcie/src/scan.cpp", "#include \"cpo/hal/backend/bar.h\"\n");
  write("sdk/capi/capi.cpp", "#include \"cpo/cpo.h\"\n");  // the C API is the SDK's
  EXPECT_TRUE(check_layering(root_).empty()) << describe(check_layering(root_));
}

}  // namespace
}  // namespace cpo::testing
