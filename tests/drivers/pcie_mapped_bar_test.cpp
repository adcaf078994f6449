// MappedBar over a fake sysfs tree whose resourceN is a regular file, so the real
// open/mmap path runs; the errors a test machine cannot provoke (lockdown, an exclusive
// region) go through the same errno mapping the open/mmap path uses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "cpo/drivers/pcie/discovery.h"
#include "cpo/drivers/pcie/mapped_bar.h"
#include "cpo/hal/backend/refdev/refdev.h"
#include "map_errors.h"
#include "pcie_fixtures.h"

namespace {

namespace fs = std::filesystem;
using cpo::Code;
using cpo::pcie::Bdf;
using cpo::pcie::MapOptions;
using cpo::pcie::MappedBar;
using ::testing::HasSubstr;

const fs::path kData = fs::path(CPOSDK_TEST_DATA) / "pci";

Bdf bdf(const char* text) { return *Bdf::parse(text); }

std::vector<std::uint8_t> config_of(const std::string& wanted) {
  for (auto& f : cpo::testing::read_dump(kData / "switch_box.dump")) {
    if (f.bdf == wanted) return f.config;
  }
  ADD_FAILURE() << wanted << " not in dump";
  return {};
}

class MappedBarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The reference device: BAR0 is its register window (docs/device-interface.md).
    add("0000:04:00.0", config_of("0000:04:00.0"), {cpo::refdev::kWindowBytes, 0, 0, 0, 0, 0});
    add("0000:01:00.0", config_of("0000:01:00.0"), {32u << 20, 0, 0, 0, 0, 0}, "mlxsw_spectrum4");
    add("0001:01:00.0", config_of("0001:01:00.0"), {32u << 20, 0, 0, 0, 0, 0});  // decoding off
    auto io = config_of("0000:04:00.0");
    // BAR0: I/O ports at e000 (bit 0 set), BAR1 unused.
    const std::uint8_t io_bars[8] = {0x01, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    std::copy(std::begin(io_bars), std::end(io_bars), io.begin() + 0x10);
    add("0000:07:00.0", io, {256, 0, 0, 0, 0, 0});
  }

  void add(const std::string& address, std::vector<std::uint8_t> config, std::array<std::uint64_t, 6> sizes,
           std::string driver = {}) {
    cpo::testing::FakeDevice dev;
    dev.bdf = address;
    dev.config = std::move(config);
    dev.bar_sizes = sizes;
    dev.driver = std::move(driver);
    cpo::testing::write_fake_device(root(), dev);
  }

  MapOptions options(unsigned bar = 0) const {
    MapOptions o;
    o.sysfs_root = root().string();
    o.bar = bar;
    o.lockdown_file = (tmp_.path() / "lockdown").string();
    return o;
  }

  fs::path root() const { return tmp_.path() / "bus" / "pci"; }
  fs::path device_dir(const char* address) const { return root() / "devices" / address; }

  cpo::testing::TempDir tmp_;
};

std::uint32_t file_word(const fs::path& file, std::size_t offset) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  unsigned char b[4] = {};
  in.read(reinterpret_cast<char*>(b), 4);
  return static_cast<std::uint32_t>(b[0] | (b[1] << 8) | (b[2] << 16)) | (static_cast<std::uint32_t>(b[3]) << 24);
}

constexpr std::size_t kWindow = cpo::refdev::kWindowBytes;

TEST_F(MappedBarTest, MapsResource0AndReadsTheIdentityMagic) {
  // The stand-in "device" holds the reference interface's magic where a driver looks first.
  const auto file = device_dir("0000:04:00.0") / "resource0";
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    const std::uint32_t magic = cpo::refdev::kMagic;
    const unsigned char le[4] = {static_cast<unsigned char>(magic), static_cast<unsigned char>(magic >> 8),
                                 static_cast<unsigned char>(magic >> 16), static_cast<unsigned char>(magic >> 24)};
    f.seekp(static_cast<std::streamoff>(cpo::refdev::reg::kMagic));
    f.write(reinterpret_cast<const char*>(le), 4);
  }
  auto bar = MappedBar::open(bdf("0000:04:00.0"), options());
  ASSERT_TRUE(bar.ok()) << bar.status().to_string();
  cpo::Bar& b = **bar;
  EXPECT_EQ(b.size(), kWindow);
  EXPECT_EQ((*bar)->path(), file.string());
  EXPECT_EQ(b.read32(cpo::refdev::reg::kMagic), cpo::refdev::kMagic);
}

TEST_F(MappedBarTest, WritesReachTheMappedFile) {
  auto bar = MappedBar::open(bdf("0000:04:00.0"), options());
  ASSERT_TRUE(bar.ok()) << bar.status().to_string();
  cpo::Bar& b = **bar;
  EXPECT_EQ(b.read32(0x10), 0u);
  b.write32(0x10, 0xdeadbeef);
  b.write32(kWindow - 4, 0x12345678);
  EXPECT_EQ(b.read32(0x10), 0xdeadbeefu);
  EXPECT_EQ(b.read32(kWindow - 4), 0x12345678u);
  // MAP_SHARED over the file: the "device" (the file) sees the writes.
  EXPECT_EQ(file_word(device_dir("0000:04:00.0") / "resource0", 0x10), 0xdeadbeefu);
  EXPECT_EQ(file_word(device_dir("0000:04:00.0") / "resource0", kWindow - 4), 0x12345678u);
}

TEST_F(MappedBarTest, OutOfWindowAndMisalignedAccessesTouchNothing) {
  auto bar = MappedBar::open(bdf("0000:04:00.0"), options());
  ASSERT_TRUE(bar.ok()) << bar.status().to_string();
  cpo::Bar& b = **bar;
  b.write32(8, 0x11111111);
  EXPECT_EQ(b.read32(kWindow), 0xffffffffu);
  EXPECT_EQ(b.read32(kWindow - 2), 0xffffffffu);
  EXPECT_EQ(b.read32(6), 0xffffffffu);
  b.write32(kWindow, 0x22222222);
  b.write32(6, 0x33333333);
  EXPECT_EQ(b.read32(8), 0x11111111u);
  EXPECT_EQ(b.read32(4), 0u);
}

// A hardware Bar's clock is the machine's monotonic clock: now() lies between two readings of
// steady_clock taken around it, wait(d) lets at least d pass, and a zero or negative wait
// returns without sleeping (bounded generously at 1 s: a hang, not a speed target).
TEST_F(MappedBarTest, ClockIsTheMonotonicClockAndWaitLetsTimePass) {
  auto bar = MappedBar::open(bdf("0000:04:00.0"), options());
  ASSERT_TRUE(bar.ok());
  auto steady = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
  };
  const auto before = steady();
  const auto t0 = (*bar)->now();
  const auto after = steady();
  EXPECT_LE(before, t0);
  EXPECT_LE(t0, after);
  (*bar)->wait(std::chrono::milliseconds(3));
  const auto t1 = (*bar)->now();
  EXPECT_GE(t1 - t0, std::chrono::milliseconds(3));
  (*bar)->wait(std::chrono::nanoseconds::zero());
  (*bar)->wait(std::chrono::nanoseconds(-5));
  const auto t2 = (*bar)->now();
  EXPECT_GE(t2, t1);
  EXPECT_LT(t2 - t1, std::chrono::seconds(1));
}

TEST_F(MappedBarTest, MemoryDecodingOffSaysHowToEnableIt) {
  auto bar = MappedBar::open(bdf("0001:01:00.0"), options());
  ASSERT_FALSE(bar.ok());
  EXPECT_EQ(bar.status().code(), Code::failed_precondition);
  EXPECT_THAT(bar.status().message(), HasSubstr("memory space decoding is disabled"));
  EXPECT_THAT(bar.status().message(), HasSubstr("setpci -s 0001:01:00.0 COMMAND=0x02:0x02"));
}

TEST_F(MappedBarTest, BoundKernelDriverIsRefusedUnlessAllowed) {
  auto bar = MappedBar::open(bdf("0000:01:00.0"), options());
  ASSERT_FALSE(bar.ok());
  EXPECT_EQ(bar.status().code(), Code::failed_precondition);
  EXPECT_THAT(bar.status().message(), HasSubstr("kernel driver 'mlxsw_spectrum4'"));
  EXPECT_THAT(bar.status().message(), HasSubstr("/sys/bus/pci/drivers/mlxsw_spectrum4/unbind"));
  auto o = options();
  o.allow_bound_driver = true;
  auto forced = MappedBar::open(bdf("0000:01:00.0"), o);
  ASSERT_TRUE(forced.ok()) << forced.status().to_string();
  EXPECT_EQ((*forced)->size(), 32u << 20);
}

TEST_F(MappedBarTest, MissingDeviceAndBadBarIndex) {
  auto missing = MappedBar::open(bdf("0000:09:00.0"), options());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::not_found);
  EXPECT_THAT(missing.status().message(), HasSubstr("0000:09:00.0"));

  auto six = MappedBar::open(bdf("0000:04:00.0"), options(6));
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.status().code(), Code::out_of_range);
  EXPECT_THAT(six.status().message(), HasSubstr("bars 0..5"));

  auto upper_half = MappedBar::open(bdf("0000:04:00.0"), options(1));
  ASSERT_FALSE(upper_half.ok());
  EXPECT_EQ(upper_half.status().code(), Code::not_found);
  EXPECT_THAT(upper_half.status().message(), HasSubstr("not implemented"));
}

TEST_F(MappedBarTest, IoBarIsUnsupported) {
  auto bar = MappedBar::open(bdf("0000:07:00.0"), options());
  ASSERT_FALSE(bar.ok());
  EXPECT_EQ(bar.status().code(), Code::unsupported);
  EXPECT_THAT(bar.status().message(), HasSubstr("I/O-space BAR"));
}

TEST_F(MappedBarTest, ShortResourceFileIsRefusedBeforeMapping) {
  fs::resize_file(device_dir("0000:04:00.0") / "resource0", 4096);
  auto bar = MappedBar::open(bdf("0000:04:00.0"), options());
  ASSERT_FALSE(bar.ok());
  EXPECT_EQ(bar.status().code(), Code::failed_precondition);
  EXPECT_THAT(bar.status().message(), HasSubstr("is 4096 bytes but the BAR is 262144 bytes"));
}

TEST_F(MappedBarTest, MissingResourceFileIsNotFound) {
  fs::remove(device_dir("0000:04:00.0") / "resource0");
  auto bar = MappedBar::open(bdf("0000:04:00.0"), options());
  ASSERT_FALSE(bar.ok());
  EXPECT_EQ(bar.status().code(), Code::not_found);
  EXPECT_THAT(bar.status().message(), HasSubstr("resource0 does not exist"));
}

TEST_F(MappedBarTest, PermissionDeniedExplainsRootOnlyFiles) {
  fs::permissions(tmp_.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  const auto run = [&] {
    auto bar = MappedBar::open(bdf("0000:04:00.0"), options());
    if (bar.ok()) return 100;
    return bar.status().code() == Code::io_error &&
                   bar.status().message().find("permission denied") != std::string::npos &&
                   bar.status().message().find("mode 0600") != std::string::npos
               ? 0
               : 101;
  };
  EXPECT_EQ(cpo::testing::run_unprivileged(run), 0);
}

// ---- errno mapping for what this machine cannot provoke ---------------------------------

cpo::pcie::MapErrorContext context(const fs::path& lockdown, const char* operation) {
  return {"pci 0000:03:00.0 bar 0", "/sys/bus/pci/devices/0000:03:00.0/resource0", "0000:03:00.0", operation,
          lockdown.string()};
}

TEST(MapErrors, EpermUnderLockdownNamesTheMode) {
  cpo::testing::TempDir tmp;
  std::ofstream(tmp.path() / "lockdown") << "none [integrity] confidentiality\n";
  const auto s = cpo::pcie::map_errno_status(EPERM, context(tmp.path() / "lockdown", "mmap"));
  EXPECT_EQ(s.code(), Code::io_error);
  EXPECT_THAT(s.message(), HasSubstr("kernel lockdown is in 'integrity' mode"));
  EXPECT_THAT(s.message(), HasSubstr("LOCKDOWN_PCI_ACCESS"));
  EXPECT_THAT(s.message(), HasSubstr("lockdown=none"));
}

TEST(MapErrors, EpermWithoutLockdownStillExplains) {
  cpo::testing::TempDir tmp;
  const auto s = cpo::pcie::map_errno_status(EPERM, context(tmp.path() / "absent", "open"));
  EXPECT_EQ(s.code(), Code::io_error);
  EXPECT_THAT(s.message(), HasSubstr("EPERM"));
  EXPECT_THAT(s.message(), HasSubstr("lockdown"));
  std::ofstream(tmp.path() / "none") << "[none] integrity confidentiality\n";
  EXPECT_EQ(cpo::pcie::lockdown_mode((tmp.path() / "none").string()), "none");
}

TEST(MapErrors, EinvalAtMmapIsAnExclusiveDriverRegion) {
  const auto s = cpo::pcie::map_errno_status(EINVAL, context("/nonexistent", "mmap"));
  EXPECT_EQ(s.code(), Code::failed_precondition);
  EXPECT_THAT(s.message(), HasSubstr("holds the region exclusively"));
  EXPECT_THAT(s.message(), HasSubstr("echo 0000:03:00.0 > /sys/bus/pci/devices/0000:03:00.0/driver/unbind"));
}

TEST(MapErrors, EaccesAndOthers) {
  EXPECT_EQ(cpo::pcie::map_errno_status(EACCES, context("/x", "open")).code(), Code::io_error);
  const auto s = cpo::pcie::map_errno_status(ENOMEM, context("/x", "mmap"));
  EXPECT_EQ(s.code(), Code::io_error);
  EXPECT_THAT(s.message(), HasSubstr("mmap of /sys/bus/pci/devices/0000:03:00.0/resource0 failed"));
}

// ---- the machine's real devices: refused before anything is mapped -----------------------

TEST(MappedBarRealBus, DeviceWithABoundDriverIsRefusedByName) {
  cpo::pcie::ScanOptions o;
  o.all = true;
  auto devices = cpo::pcie::scan(o);
  ASSERT_TRUE(devices.ok()) << devices.status().to_string();
  for (const auto& d : *devices) {
    if (d.driver.empty() || !d.bars[0].present() || d.bars[0].io || d.memory_enabled != true) continue;
    auto bar = MappedBar::open(d.bdf);  // the real /sys/bus/pci
    ASSERT_FALSE(bar.ok());
    EXPECT_EQ(bar.status().code(), Code::failed_precondition);
    EXPECT_THAT(bar.status().message(), HasSubstr("kernel driver '" + d.driver + "'"));
    return;
  }
  GTEST_SKIP() << "no device with a bound driver and an enabled memory BAR0 on this machine";
}

}  // namespace
