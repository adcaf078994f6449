#include "pcie_fixtures.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace cpo::testing {
namespace fs = std::filesystem;

namespace {

std::uint32_t le32(const std::vector<std::uint8_t>& cfg, std::size_t at) {
  if (at + 4 > cfg.size()) return 0xffffffffu;
  return static_cast<std::uint32_t>(cfg[at] | (cfg[at + 1] << 8) | (cfg[at + 2] << 16)) |
         (static_cast<std::uint32_t>(cfg[at + 3]) << 24);
}

std::uint16_t le16(const std::vector<std::uint8_t>& cfg, std::size_t at) {
  if (at + 2 > cfg.size()) return 0xffff;
  return static_cast<std::uint16_t>(cfg[at] | (cfg[at + 1] << 8));
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

namespace {

bool all_hex(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// "[DDDD:]BB:DD.F" at the start of `line`, followed by a space: the normalised BDF or "".
// (No std::regex: GCC 12 warns inside <regex> at -O1 with sanitizers, see the asan preset.)
std::string leading_bdf(const std::string& line) {
  const auto space = line.find(' ');
  if (space == std::string::npos) return {};
  const std::string_view addr(line.data(), space);
  const auto dot = addr.rfind('.');
  if (dot == std::string_view::npos || dot + 2 != addr.size()) return {};
  const auto c2 = addr.rfind(':', dot);
  if (c2 == std::string_view::npos || c2 < 2) return {};
  const auto c1 = addr.rfind(':', c2 - 1);
  const std::string_view domain = c1 == std::string_view::npos ? std::string_view("0000") : addr.substr(0, c1);
  const std::string_view bus =
      addr.substr(c1 == std::string_view::npos ? 0 : c1 + 1, c2 - (c1 == std::string_view::npos ? 0 : c1 + 1));
  const std::string_view dev = addr.substr(c2 + 1, dot - c2 - 1);
  const char fn = addr[dot + 1];
  if (!all_hex(domain) || domain.size() < 4 || domain.size() > 5 || bus.size() != 2 || !all_hex(bus) ||
      dev.size() != 2 || !all_hex(dev) || fn < '0' || fn > '7') {
    return {};
  }
  return fmt::format("{}:{}:{}.{}", domain, bus, dev, fn);
}

}  // namespace

std::vector<DumpedFunction> read_dump(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::vector<DumpedFunction> out;
  std::string line;
  while (std::getline(in, line)) {
    if (std::string bdf = leading_bdf(line); !bdf.empty()) {
      out.push_back({bdf, {}});
      continue;
    }
    const auto colon = line.find(": ");
    if (out.empty() || colon == std::string::npos || !all_hex(std::string_view(line).substr(0, colon))) continue;
    std::size_t offset = std::stoul(line.substr(0, colon), nullptr, 16);
    std::istringstream bytes(line.substr(colon + 2));
    std::string byte;
    auto& cfg = out.back().config;
    while (bytes >> byte) {
      if (cfg.size() <= offset) cfg.resize(offset + 1, 0xff);
      cfg[offset++] = static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16));
    }
  }
  return out;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "cposdk-pcie-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::uint64_t ioresource_flags(std::uint32_t raw_bar) {
  // include/linux/ioport.h; drivers/pci/probe.c decode_bar() keeps the BAR's low bits and
  // __pci_read_base() adds IORESOURCE_SIZEALIGN.
  constexpr std::uint64_t kIo = 0x100, kMem = 0x200, kPrefetch = 0x2000, kSizeAlign = 0x40000, kMem64 = 0x100000;
  if (raw_bar & 0x1) return kIo | kSizeAlign | (raw_bar & 0x3);
  std::uint64_t flags = kMem | kSizeAlign | (raw_bar & 0xf);
  if ((raw_bar & 0x6) == 0x4) flags |= kMem64;
  if (raw_bar & 0x8) flags |= kPrefetch;
  return flags;
}

void write_fake_device(const fs::path& root, const FakeDevice& device) {
  const fs::path dir = root / "devices" / device.bdf;
  fs::create_directories(dir);
  const auto& cfg = device.config;
  {
    std::ofstream out(dir / "config", std::ios::binary);
    out.write(reinterpret_cast<const char*>(cfg.data()), static_cast<std::streamsize>(cfg.size()));
  }
  const std::uint32_t class_rev = le32(cfg, 0x08);
  write_text(dir / "vendor", fmt::format("0x{:04x}\n", le16(cfg, 0x00)));
  write_text(dir / "device", fmt::format("0x{:04x}\n", le16(cfg, 0x02)));
  write_text(dir / "class", fmt::format("0x{:06x}\n", class_rev >> 8));
  write_text(dir / "revision", fmt::format("0x{:02x}\n", class_rev & 0xff));
  write_text(dir / "subsystem_vendor", fmt::format("0x{:04x}\n", le16(cfg, 0x2c)));
  write_text(dir / "subsystem_device", fmt::format("0x{:04x}\n", le16(cfg, 0x2e)));
  write_text(dir / "irq", "0\n");

  // drivers/pci/pci-sysfs.c resource_show(): "0x%016llx 0x%016llx 0x%016llx\n" for each
  // BAR then the ROM; an unimplemented resource (or a 64-bit BAR's upper half) is all zeros.
  const bool endpoint = cfg.size() > 0x0e && (cfg[0x0e] & 0x7f) == 0;
  const int bars = endpoint ? 6 : 2;
  std::string resource;
  for (int i = 0; i < 7; ++i) {
    const std::uint64_t size = i < 6 ? device.bar_sizes[static_cast<std::size_t>(i)] : 0;
    std::uint32_t raw = i < bars ? le32(cfg, 0x10 + 4 * static_cast<std::size_t>(i)) : 0;
    if (raw == 0xffffffffu) raw = 0;
    std::uint64_t start = 0, end = 0, flags = 0;
    if (size != 0) {
      start = raw & (raw & 1 ? ~0x3u : ~0xfu);
      if ((raw & 0x7) == 0x4) start |= std::uint64_t{le32(cfg, 0x10 + 4 * static_cast<std::size_t>(i) + 4)} << 32;
      end = start + size - 1;
      flags = ioresource_flags(raw);
      if (device.resource_files && !(raw & 1)) {
        const fs::path file = dir / fmt::format("resource{}", i);
        { std::ofstream touch(file, std::ios::binary); }
        fs::resize_file(file, size);                                            // sparse: a 32M BAR costs no disk
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);  // 0600, as sysfs
      }
    }
    resource += fmt::format("0x{:016x} 0x{:016x} 0x{:016x}\n", start, end, flags);
  }
  write_text(dir / "resource", resource);

  if (!device.driver.empty()) {
    fs::create_directories(root / "drivers" / device.driver);
    fs::create_symlink(fs::path("../../drivers") / device.driver, dir / "driver");
  }
}

namespace {

std::vector<std::string> tokenize(const std::string& line) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
    } else if (line[i] == '"') {
      const auto end = line.find('"', i + 1);
      tokens.push_back("\"" + line.substr(i + 1, end - i - 1));  // leading quote marks "quoted"
      i = end == std::string::npos ? line.size() : end + 1;
    } else {
      const auto end = line.find(' ', i);
      tokens.push_back(line.substr(i, end - i));
      i = end == std::string::npos ? line.size() : end;
    }
  }
  return tokens;
}

std::uint64_t parse_size(const std::string& number, const std::string& suffix) {
  // lspci's show_size(): the number followed by K, M, G or T (powers of 1024).
  std::uint64_t v = std::stoull(number);
  const std::string units = "KMGT";
  if (!suffix.empty()) {
    for (std::size_t i = 0; i <= units.find(suffix[0]); ++i) v *= 1024;
  }
  return v;
}

}  // namespace

std::vector<LspciMachine> parse_lspci_mm(const std::string& out) {
  std::vector<LspciMachine> records;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto tokens = tokenize(line);
    if (tokens.empty()) continue;
    LspciMachine r;
    r.slot = tokens[0];
    std::vector<std::string> quoted;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
      const auto& t = tokens[i];
      if (!t.empty() && t[0] == '"') {
        quoted.push_back(t.substr(1));
      } else if (t.rfind("-r", 0) == 0) {
        r.rev = t.substr(2);
      } else if (t.rfind("-p", 0) == 0) {
        r.progif = t.substr(2);
      }
    }
    quoted.resize(5);
    r.cls = quoted[0];
    r.vendor = quoted[1];
    r.device = quoted[2];
    r.svendor = quoted[3];
    r.sdevice = quoted[4];
    records.push_back(r);
  }
  return records;
}

std::vector<std::map<std::string, std::string>> parse_lspci_vmm(const std::string& out) {
  std::vector<std::map<std::string, std::string>> records;
  std::istringstream in(out);
  std::string line;
  std::map<std::string, std::string> current;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (!current.empty()) records.push_back(std::move(current));
      current.clear();
      continue;
    }
    const auto colon = line.find(":\t");
    if (colon != std::string::npos) current[line.substr(0, colon)] = line.substr(colon + 2);
  }
  if (!current.empty()) records.push_back(std::move(current));
  return records;
}

std::map<std::string, std::vector<LspciRegion>> parse_lspci_regions(const std::string& out) {
  // Lines like "\tRegion 2: Memory at 38000000000 (64-bit, prefetchable) [disabled] [size=1G]"
  // under a "DDDD:BB:DD.F description" header (lspci's show_bases()).
  std::map<std::string, std::vector<LspciRegion>> regions;
  std::istringstream in(out);
  std::string line, current;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '\t' && line[0] != ' ') {
      current = leading_bdf(line);
      if (!current.empty()) regions[current];
      continue;
    }
    const auto at = line.find("Region ");
    if (current.empty() || at == std::string::npos || line.size() < at + 10 || line[at + 8] != ':') continue;
    LspciRegion r;
    r.index = static_cast<unsigned>(line[at + 7] - '0');
    std::string rest = line.substr(at + 10);
    for (const char* prefix : {"[virtual] ", "[enhanced] "}) {
      if (rest.rfind(prefix, 0) == 0) rest.erase(0, std::string(prefix).size());
    }
    std::string where;
    if (rest.rfind("Memory at ", 0) == 0) {
      where = rest.substr(10);
    } else if (rest.rfind("I/O ports at ", 0) == 0) {
      r.io = true;
      where = rest.substr(13);
    } else {
      continue;
    }
    const std::string address = where.substr(0, where.find(' '));
    if (!address.empty() && address[0] != '<') r.address = std::stoull(address, nullptr, 16);
    r.is_64bit = where.find("(64-bit, ") != std::string::npos;
    r.prefetchable = !r.io && where.find(", prefetchable)") != std::string::npos;
    r.disabled = where.find("[disabled]") != std::string::npos;
    if (const auto size = where.find("[size="); size != std::string::npos) {
      const auto end = where.find(']', size);
      std::string text = where.substr(size + 6, end - size - 6);
      std::string suffix;
      if (!text.empty() && !std::isdigit(static_cast<unsigned char>(text.back()))) {
        suffix = text.substr(text.size() - 1);
        text.pop_back();
      }
      r.size = parse_size(text, suffix);
    }
    regions[current].push_back(r);
  }
  return regions;
}

int run_unprivileged(const std::function<int()>& check) {
  if (::geteuid() != 0) return check();
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(102);
    ::_exit(check());
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -2;
  return WEXITSTATUS(status);
}

}  // namespace cpo::testing
