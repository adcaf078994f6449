// PCIe discovery against the real libpci: lspci dump files, a fake sysfs tree and the test
// machine's own bus, each compared field by field with what the real lspci prints for the
// same input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "../support/run_process.h"
#include "cpo/drivers/pcie/discovery.h"
#include "pcie_fixtures.h"

// libpci's own error paths leak what they had allocated when its fatal-error callback does
// not return (sysfs_scan's half-built pci_dev, an unclosed FILE): a property of libpci, not
// of cposdk, so LeakSanitizer (asan preset) is told to ignore allocations made inside it.
// sysfs_scan's DIR is only seen as glibc's __alloc_dir: the fast unwinder stops in libc.
// NOLINTNEXTLINE(bugprone-reserved-identifier): the name LeakSanitizer looks up.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpci.so\nleak:__alloc_dir\n"; }

namespace {

namespace fs = std::filesystem;
using cpo::Code;
using cpo::pcie::PciDevice;
using cpo::pcie::ScanOptions;
using cpo::testing::kLspci;
using cpo::testing::run_process;
using ::testing::HasSubstr;

const fs::path kData = fs::path(CPOSDK_TEST_DATA) / "pci";

ScanOptions dump_options(const fs::path& file, bool all = true) {
  ScanOptions o;
  o.method = ScanOptions::Method::dump;
  o.path = file.string();
  o.all = all;
  return o;
}

ScanOptions sysfs_options(const fs::path& root, bool all = true) {
  ScanOptions o;
  o.method = ScanOptions::Method::sysfs;
  o.path = root.string();
  o.all = all;
  return o;
}

std::vector<PciDevice> scan_ok(const ScanOptions& o) {
  auto r = cpo::pcie::scan(o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : std::vector<PciDevice>{};
}

// lspci with names from pci.ids only, as scan() looks them up (no udev hwdb).
std::string lspci_out(std::vector<std::string> args) {
  args.insert(args.begin(), {"-O", "hwdb.disable=1"});
  auto r = run_process(kLspci, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// What `lspci -nn` prints for a name: "Spectrum-4 [cf80]", or lib/names.c's placeholder
// ("Vendor", "Device", "Class") before the number when pci.ids has no entry (our field then
// holds the bare hex id).
std::string with_id(const std::string& name, unsigned id, const char* placeholder) {
  const std::string hex = fmt::format("{:04x}", id);
  return (name == hex ? std::string(placeholder) : name) + " [" + hex + "]";
}

// The "[xxxx]" id at the end of an lspci -nn field, 0 for an empty field.
unsigned trailing_id(const std::string& field) {
  if (field.size() < 6 || field.back() != ']' || field[field.size() - 6] != '[') return 0;
  return static_cast<unsigned>(std::stoul(field.substr(field.size() - 5, 4), nullptr, 16));
}

void expect_matches_lspci_mm(const std::vector<PciDevice>& ours, const std::string& lspci_mm) {
  const auto theirs = cpo::testing::parse_lspci_mm(lspci_mm);
  ASSERT_EQ(ours.size(), theirs.size()) << lspci_mm;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const PciDevice& d = ours[i];
    const auto& l = theirs[i];
    SCOPED_TRACE(l.slot);
    EXPECT_EQ(d.bdf.to_string(), l.slot);
    EXPECT_EQ(with_id(d.class_name, d.class_id, "Class"), l.cls);
    EXPECT_EQ(with_id(d.vendor_name, d.vendor_id, "Vendor"), l.vendor);
    EXPECT_EQ(with_id(d.device_name, d.device_id, "Device"), l.device);
    // lspci prints -r only for a non-zero revision.
    EXPECT_EQ(d.revision != 0 ? std::optional<std::string>(fmt::format("{:02x}", d.revision)) : std::nullopt, l.rev);
    if (l.progif) {
      EXPECT_EQ(fmt::format("{:02x}", d.prog_if), *l.progif);
    }
    EXPECT_EQ(d.subsystem_vendor_id, trailing_id(l.svendor));
    EXPECT_EQ(d.subsystem_id, trailing_id(l.sdevice));
  }
}

void expect_bars_match_lspci(const std::vector<PciDevice>& ours, const std::string& lspci_vv, bool sizes_known) {
  const auto regions = cpo::testing::parse_lspci_regions(lspci_vv);
  ASSERT_EQ(ours.size(), regions.size()) << lspci_vv;
  for (const PciDevice& d : ours) {
    SCOPED_TRACE(d.bdf.to_string());
    const auto it = regions.find(d.bdf.to_string());
    ASSERT_NE(it, regions.end());
    for (const auto& r : it->second) {
      ASSERT_LT(r.index, 6u);
      const auto& bar = d.bars[r.index];
      if (!bar.present()) {
        // lspci 3.9 without sysfs I/O flags (dump input) shows a 64-bit BAR's non-zero upper
        // dword as a region of its own; we report it as part of the BAR below it.
        ASSERT_GT(r.index, 0u) << "lspci shows region " << r.index << " we do not report";
        EXPECT_TRUE(d.bars[r.index - 1].is_64bit) << "lspci shows region " << r.index << " we do not report";
        continue;
      }
      SCOPED_TRACE(fmt::format("bar {}", r.index));
      EXPECT_EQ(bar.io, r.io);
      EXPECT_EQ(bar.is_64bit, r.is_64bit);
      EXPECT_EQ(bar.prefetchable, r.prefetchable);
      if (r.address) {
        EXPECT_EQ(bar.address, *r.address);
      }
      if (!bar.io && d.memory_enabled) {
        EXPECT_EQ(!*d.memory_enabled, r.disabled);
      }
      if (sizes_known) {
        EXPECT_EQ(bar.size, r.size);
      }
    }
    for (unsigned i = 0; i < 6; ++i) {
      if (!d.bars[i].present()) continue;
      const bool shown = std::any_of(it->second.begin(), it->second.end(), [&](const auto& r) { return r.index == i; });
      EXPECT_TRUE(shown) << "bar " << i << " missing from lspci";
    }
  }
}

const PciDevice* find(const std::vector<PciDevice>& devices, const std::string& bdf) {
  for (const auto& d : devices) {
    if (d.bdf.to_string() == bdf) return &d;
  }
  return nullptr;
}

// ---- dump files -------------------------------------------------------------------------

TEST(PcieDump, EveryDeviceMatchesLspciMachineReadable) {
  const auto file = kData / "switch_box.dump";
  const auto ours = scan_ok(dump_options(file));
  ASSERT_EQ(ours.size(), 10u);
  expect_matches_lspci_mm(ours, lspci_out({"-F", file.string(), "-D", "-mm", "-nn"}));
}

TEST(PcieDump, BarsMatchLspciRegions) {
  const auto file = kData / "switch_box.dump";
  expect_bars_match_lspci(scan_ok(dump_options(file)), lspci_out({"-F", file.string(), "-D", "-vv"}),
                          /*sizes_known=*/false);
}

TEST(PcieDump, CandidatesAreTheSwitchAsicsSortedByBdf) {
  const auto ours = scan_ok(dump_options(kData / "switch_box.dump", /*all=*/false));
  std::vector<std::string> bdfs;
  bdfs.reserve(ours.size());
  for (const auto& d : ours) bdfs.push_back(d.bdf.to_string());
  EXPECT_THAT(bdfs, ::testing::ElementsAre("0000:01:00.0", "0000:02:00.0", "0000:03:00.0", "0000:04:00.0",
                                           "0000:06:00.0", "0001:01:00.0"));
  ASSERT_EQ(ours.size(), 6u);
  EXPECT_EQ(ours[0].asic->family, "Spectrum-4");
  EXPECT_EQ(ours[0].asic->maker, "NVIDIA (Mellanox)");
  EXPECT_EQ(ours[1].asic->family, "Quantum-3 CPO");
  EXPECT_EQ(ours[1].class_name, "Infiniband controller");
  EXPECT_EQ(ours[2].asic->family, "Tomahawk4 (BCM56990)");
  EXPECT_EQ(ours[2].asic->maker, "Broadcom");
  EXPECT_EQ(ours[3].asic->family, "reference device");
  EXPECT_EQ(ours[3].vendor_id, cpo::pcie::kReferenceVendorId);
  EXPECT_EQ(ours[3].device_id, cpo::pcie::kReferenceDeviceId);
  EXPECT_TRUE(ours[4].asic->recovery);
  EXPECT_FALSE(ours[0].asic->recovery);
}

TEST(PcieDump, OrdinaryNicOfTheSameVendorIsNotACandidate) {
  const auto all = scan_ok(dump_options(kData / "switch_box.dump"));
  const PciDevice* nic = find(all, "0000:05:00.0");
  ASSERT_NE(nic, nullptr);
  EXPECT_EQ(nic->vendor_id, 0x15b3);
  EXPECT_EQ(nic->device_name, "MT2910 Family [ConnectX-7]");
  EXPECT_FALSE(nic->is_candidate());
  EXPECT_EQ(find(scan_ok(dump_options(kData / "switch_box.dump", false)), "0000:05:00.0"), nullptr);
  EXPECT_TRUE(scan_ok(dump_options(kData / "nic_only.dump", false)).empty());
}

TEST(PcieDump, ReversedDumpGivesTheSameSortedResult) {
  const auto a = scan_ok(dump_options(kData / "switch_box.dump"));
  const auto b = scan_ok(dump_options(kData / "switch_box_reversed.dump"));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].bdf, b[i].bdf);
}

TEST(PcieDump, UnknownNamesFallBackToHexIds) {
  const auto ours = scan_ok(dump_options(kData / "switch_box.dump"));
  const PciDevice* ref = find(ours, "0000:04:00.0");
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->vendor_name, "c905");
  EXPECT_EQ(ref->device_name, "0001");
  EXPECT_EQ(ref->class_name, "Network controller");
  const PciDevice* host = find(ours, "0000:00:00.0");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->vendor_name, "Intel Corporation");
}

TEST(PcieDump, ReportsBarsMemoryDecodeAndUnknownSizes) {
  const auto ours = scan_ok(dump_options(kData / "switch_box.dump"));
  const PciDevice* th4 = find(ours, "0000:03:00.0");
  ASSERT_NE(th4, nullptr);
  EXPECT_EQ(th4->bars[0].address, 0xe8000000u);
  EXPECT_TRUE(th4->bars[0].is_64bit);
  EXPECT_FALSE(th4->bars[0].prefetchable);
  EXPECT_FALSE(th4->bars[1].present());  // upper half of BAR0
  EXPECT_EQ(th4->bars[2].address, 0x38000000000u);
  EXPECT_TRUE(th4->bars[2].prefetchable);
  EXPECT_FALSE(th4->bars[3].present());  // upper half of BAR2, although non-zero
  EXPECT_EQ(th4->bars[0].size, 0u) << "a dump carries no BAR sizes";
  EXPECT_EQ(th4->memory_enabled, std::optional<bool>(true));
  EXPECT_EQ(th4->revision, 0x11);
  EXPECT_TRUE(th4->driver.empty());

  const PciDevice* off = find(ours, "0001:01:00.0");
  ASSERT_NE(off, nullptr);
  EXPECT_EQ(off->memory_enabled, std::optional<bool>(false));
  EXPECT_EQ(off->bars[0].address, 0xa0000000u) << "the programmed address, although decoding is off";

  const PciDevice* bridge = find(ours, "0000:00:01.0");
  ASSERT_NE(bridge, nullptr);
  EXPECT_EQ(bridge->header_type, 1);
}

TEST(PcieDump, ExtraIdsMakeCandidates) {
  auto o = dump_options(kData / "switch_box.dump", false);
  o.extra_ids = {{0x15b3, 0x1021}};
  const auto ours = scan_ok(o);
  const PciDevice* nic = find(ours, "0000:05:00.1");
  ASSERT_NE(nic, nullptr);
  EXPECT_EQ(nic->asic->family, "extra id");
}

// A dump is an input file: every problem with the file itself is invalid_argument, the code
// of every input file in the SDK (cpo/hal/input_file.h).
TEST(PcieDumpErrors, MissingFileIsInvalidInput) {
  auto r = cpo::pcie::scan(dump_options(kData / "no_such.dump"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_THAT(r.status().message(), HasSubstr("no_such.dump"));
  EXPECT_THAT(r.status().message(), HasSubstr("no such file"));
}

TEST(PcieDumpErrors, DirectoryIsNotADump) {
  auto r = cpo::pcie::scan(dump_options(kData));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_THAT(r.status().message(), HasSubstr("is a directory"));
  EXPECT_THAT(r.status().message(), HasSubstr("readable regular file"));
}

TEST(PcieDumpErrors, MalformedLineReturnsLibpciMessageInsteadOfExiting) {
  auto r = cpo::pcie::scan(dump_options(kData / "malformed.dump"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_THAT(r.status().message(), HasSubstr("malformed.dump"));
  EXPECT_THAT(r.status().message(), HasSubstr("dump: Malformed line"));
  // The thread is still usable: the next scan works.
  EXPECT_EQ(scan_ok(dump_options(kData / "switch_box.dump")).size(), 10u);
}

TEST(PcieDumpErrors, TextThatIsNotADumpIsRejected) {
  auto r = cpo::pcie::scan(dump_options(kData / "not_a_dump.txt"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_THAT(r.status().message(), HasSubstr("holds no device"));
}

TEST(PcieDumpErrors, LineTooLongIsReported) {
  cpo::testing::TempDir tmp;
  const auto file = tmp.path() / "long.dump";
  std::ofstream(file) << "01:00.0 " << std::string(400, 'x') << "\n";
  auto r = cpo::pcie::scan(dump_options(file));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_THAT(r.status().message(), HasSubstr("line too long"));
}

TEST(PcieDumpErrors, UnreadableFileIsInvalidInput) {
  cpo::testing::TempDir tmp;
  const auto file = tmp.path() / "secret.dump";
  fs::copy_file(kData / "switch_box.dump", file);
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  const auto run = [&] {
    auto r = cpo::pcie::scan(dump_options(file));
    return r.ok() ? 100
                  : (r.status().code() == Code::invalid_argument &&
                             r.status().message().find("Permission denied") != std::string::npos
                         ? 0
                         : 101);
  };
  EXPECT_EQ(cpo::testing::run_unprivileged(run), 0);
}

TEST(PcieScan, ConcurrentScansEachGetTheirOwnResultOrError) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> good{0}, bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto ok = cpo::pcie::scan(dump_options(kData / "switch_box.dump"));
        if (ok.ok() && ok->size() == 10) ++good;
        auto err = cpo::pcie::scan(dump_options(kData / "malformed.dump"));
        if (!err.ok() && err.status().message().find("Malformed line") != std::string::npos) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 40);
  EXPECT_EQ(bad.load(), 40);
}

// ---- fake sysfs tree --------------------------------------------------------------------

struct SysfsTree {
  cpo::testing::TempDir dir;
  fs::path root() const { return dir.path() / "bus" / "pci"; }
};

// The dump's devices as a sysfs tree, with BAR sizes and one bound driver.
std::unique_ptr<SysfsTree> make_tree() {
  auto tree = std::make_unique<SysfsTree>();
  // BAR sizes per device; the reference device (04:00.0) has its 256 KiB register window.
  const std::map<std::string, std::array<std::uint64_t, 6>> sizes{
      {"0000:01:00.0", {32u << 20, 0, 0, 0, 0, 0}},       {"0000:02:00.0", {32u << 20, 0, 0, 0, 0, 0}},
      {"0000:03:00.0", {8u << 20, 0, 1u << 30, 0, 0, 0}}, {"0000:04:00.0", {256u << 10, 0, 0, 0, 0, 0}},
      {"0000:05:00.0", {32u << 20, 0, 0, 0, 0, 0}},       {"0000:05:00.1", {32u << 20, 0, 0, 0, 0, 0}},
      {"0000:06:00.0", {1u << 20, 0, 0, 0, 0, 0}},        {"0001:01:00.0", {32u << 20, 0, 0, 0, 0, 0}},
  };
  for (const auto& f : cpo::testing::read_dump(kData / "switch_box.dump")) {
    cpo::testing::FakeDevice dev;
    dev.bdf = f.bdf;
    dev.config = f.config;
    if (auto it = sizes.find(f.bdf); it != sizes.end()) dev.bar_sizes = it->second;
    if (f.bdf == "0000:01:00.0") dev.driver = "mlxsw_spectrum4";
    if (f.bdf == "0000:05:00.0" || f.bdf == "0000:05:00.1") dev.driver = "mlx5_core";
    cpo::testing::write_fake_device(tree->root(), dev);
  }
  return tree;
}

TEST(PcieSysfs, EveryDeviceMatchesLspci) {
  auto tree = make_tree();
  const auto ours = scan_ok(sysfs_options(tree->root()));
  ASSERT_EQ(ours.size(), 10u);
  const std::vector<std::string> method{"-A", "linux-sysfs", "-O", "sysfs.path=" + tree->root().string(), "-D"};
  auto args = method;
  args.insert(args.end(), {"-mm", "-nn"});
  expect_matches_lspci_mm(ours, lspci_out(args));

  args = method;
  args.insert(args.end(), {"-vmm", "-nn", "-k"});
  const auto records = cpo::testing::parse_lspci_vmm(lspci_out(args));
  ASSERT_EQ(records.size(), ours.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    SCOPED_TRACE(ours[i].bdf.to_string());
    EXPECT_EQ(records[i].at("Slot"), ours[i].bdf.to_string());
    EXPECT_EQ(records[i].at("Device"), with_id(ours[i].device_name, ours[i].device_id, "Device"));
    const auto driver = records[i].find("Driver");
    EXPECT_EQ(driver == records[i].end() ? std::string() : driver->second, ours[i].driver);
  }
}

TEST(PcieSysfs, BarSizesMatchLspciRegions) {
  auto tree = make_tree();
  const auto ours = scan_ok(sysfs_options(tree->root()));
  expect_bars_match_lspci(ours,
                          lspci_out({"-A", "linux-sysfs", "-O", "sysfs.path=" + tree->root().string(), "-D", "-vv"}),
                          /*sizes_known=*/true);
  const PciDevice* th4 = find(ours, "0000:03:00.0");
  ASSERT_NE(th4, nullptr);
  EXPECT_EQ(th4->bars[0].size, 8u << 20);
  EXPECT_EQ(th4->bars[2].size, 1u << 30);
  EXPECT_EQ(find(ours, "0000:01:00.0")->driver, "mlxsw_spectrum4");
}

TEST(PcieSysfsErrors, MissingRootIsNotFound) {
  cpo::testing::TempDir tmp;
  auto r = cpo::pcie::scan(sysfs_options(tmp.path() / "nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::not_found);
  r = cpo::pcie::scan(sysfs_options(tmp.path()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::not_found);
  EXPECT_THAT(r.status().message(), HasSubstr("has no devices/ folder"));
}

TEST(PcieSysfsErrors, MissingAttributeFileIsReportedNotExited) {
  auto tree = make_tree();
  fs::remove(tree->root() / "devices" / "0000:02:00.0" / "vendor");
  auto r = cpo::pcie::scan(sysfs_options(tree->root()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_THAT(r.status().message(), HasSubstr("0000:02:00.0/vendor"));
  EXPECT_THAT(r.status().message(), HasSubstr("Cannot open"));
}

TEST(PcieSysfsErrors, StrayEntryInDevicesIsReported) {
  auto tree = make_tree();
  fs::create_directories(tree->root() / "devices" / "not-a-bdf");
  auto r = cpo::pcie::scan(sysfs_options(tree->root()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  EXPECT_THAT(r.status().message(), HasSubstr("not-a-bdf"));
}

// ---- the test machine's own bus ---------------------------------------------------------

TEST(PcieRealBus, MatchesLspciOnTheSameMachine) {
  ScanOptions o;
  o.all = true;
  auto r = cpo::pcie::scan(o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const auto& ours = *r;
  expect_matches_lspci_mm(ours, lspci_out({"-D", "-mm", "-nn"}));
  expect_bars_match_lspci(ours, lspci_out({"-D", "-vv"}), /*sizes_known=*/true);
  const auto records = cpo::testing::parse_lspci_vmm(lspci_out({"-D", "-vmm", "-k"}));
  ASSERT_EQ(records.size(), ours.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    SCOPED_TRACE(ours[i].bdf.to_string());
    const auto driver = records[i].find("Driver");
    EXPECT_EQ(driver == records[i].end() ? std::string() : driver->second, ours[i].driver);
    EXPECT_EQ(ours[i].is_candidate(), cpo::pcie::find_switch_asic(ours[i].vendor_id, ours[i].device_id) != nullptr);
  }
  // Candidates only: exactly the devices of the table, in the same order.
  o.all = false;
  auto candidates = cpo::pcie::scan(o);
  ASSERT_TRUE(candidates.ok());
  std::size_t expected = 0;
  for (const auto& d : ours) expected += d.is_candidate() ? 1u : 0u;
  EXPECT_EQ(candidates->size(), expected);
}

}  // namespace
