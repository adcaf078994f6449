// Test fixtures for the PCIe transport: config space read back from lspci dump files, fake
// sysfs trees built from it (the files lib/sysfs.c of pciutils reads, plus a regular file
// as resourceN), and parsers for the real lspci's output.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cpo::testing {

// One function of an lspci -x/-xxx dump: its address as written and its config bytes.
struct DumpedFunction {
  std::string bdf;                   // "0000:01:00.0" (domain added when the dump omits it)
  std::vector<std::uint8_t> config;  // 256 bytes; bytes the dump does not show are 0xff
};

// Parses a dump file the way a reader of `lspci -x` would (independent of libpci).
std::vector<DumpedFunction> read_dump(const std::filesystem::path& file);

// A temporary directory, removed with everything below it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// One device of a fake sysfs tree.
struct FakeDevice {
  std::string bdf;
  std::vector<std::uint8_t> config;          // written to `config`; ids and class come from it
  std::array<std::uint64_t, 6> bar_sizes{};  // bytes per BAR (0: not implemented)
  std::string driver;                        // a `driver` symlink to .../drivers/<name> when set
  bool resource_files = true;                // regular files resource0..5 of the BAR sizes
};

// Writes <root>/devices/<bdf>/{config,resource,vendor,device,class,revision,irq,
// subsystem_vendor,subsystem_device,resourceN} as the kernel's drivers/pci/pci-sysfs.c
// presents them. The resource lines take the BAR addresses and type bits from the config
// space and the sizes from `bar_sizes`, with the kernel's IORESOURCE_* flags.
void write_fake_device(const std::filesystem::path& root, const FakeDevice& device);

// The kernel's flags for a BAR in the sysfs `resource` file (include/linux/ioport.h).
std::uint64_t ioresource_flags(std::uint32_t raw_bar);

// `lspci -mm -nn -D` output: one record per device.
struct LspciMachine {
  std::string slot;
  std::string cls, vendor, device, svendor, sdevice;  // with " [id]" as -nn prints them
  std::optional<std::string> rev, progif;             // "-r01" / "-p00" values
};
std::vector<LspciMachine> parse_lspci_mm(const std::string& out);

// `lspci -vmm ...` output: one key -> value map per device.
std::vector<std::map<std::string, std::string>> parse_lspci_vmm(const std::string& out);

// "Region N: Memory at ADDR (64-bit, prefetchable) [disabled] [size=32M]" lines of `lspci -vv -D`.
struct LspciRegion {
  unsigned index = 0;
  bool io = false;
  std::optional<std::uint64_t> address;  // empty for <unassigned>/<ignored>
  bool is_64bit = false;
  bool prefetchable = false;
  bool disabled = false;
  std::uint64_t size = 0;  // 0 when lspci prints no size
};
std::map<std::string, std::vector<LspciRegion>> parse_lspci_regions(const std::string& out);

// Where the system's lspci lives (pciutils).
inline constexpr const char* kLspci = "/usr/bin/lspci";

// Runs `check` without root's privileges and returns its result: directly when the test is
// not root, otherwise in a forked child running as user nobody (65534), since root reads
// any file. Returns -1 when the child cannot be started, 102 when it cannot drop privileges,
// -2 when it did not exit normally.
int run_unprivileged(const std::function<int()>& check);

}  // namespace cpo::testing
