// cpoctl pci list: switch-ASIC candidates on the PCIe bus, in an lspci dump or a sysfs tree.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "cpo/sdk/pci.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;

// Sizes as lspci prints them ("512K", "32M", "1G"): the largest unit that divides exactly.
std::string format_size(std::uint64_t bytes) {
  static constexpr const char* kSuffix[] = {"", "K", "M", "G", "T"};
  std::size_t unit = 0;
  while (unit + 1 < std::size(kSuffix) && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return fmt::format("{}{}", bytes, kSuffix[unit]);
}

std::string hex4(std::uint16_t v) { return fmt::format("{:04x}", v); }

std::string bar0_text(const cpo::sdk::PciDeviceInfo& d) {
  const auto* bar = d.bar(0);
  if (bar == nullptr) return "-";
  if (bar->io) return "io";
  return bar->size != 0 ? format_size(bar->size) : "?";
}

std::string memory_text(const std::optional<bool>& enabled) {
  if (!enabled) return "?";
  return *enabled ? "on" : "off";
}

ordered_json bar_json(const cpo::sdk::PciBarInfo& b) {
  ordered_json j;
  j["index"] = b.index;
  j["space"] = b.io ? "io" : "memory";
  j["address"] = fmt::format("{:#x}", b.address);
  j["size"] = b.size != 0 ? ordered_json(b.size) : ordered_json(nullptr);
  j["64bit"] = b.is_64bit;
  j["prefetchable"] = b.prefetchable;
  return j;
}

ordered_json device_json(const cpo::sdk::PciDeviceInfo& d) {
  ordered_json j;
  j["bdf"] = d.bdf;
  j["vendor_id"] = hex4(d.vendor_id);
  j["device_id"] = hex4(d.device_id);
  j["class_id"] = hex4(d.class_id);
  j["revision"] = d.revision;
  j["vendor"] = d.vendor_name;
  j["device"] = d.device_name;
  j["class"] = d.class_name;
  j["subsystem_vendor_id"] = hex4(d.subsystem_vendor_id);
  j["subsystem_id"] = hex4(d.subsystem_id);
  j["candidate"] = d.candidate;
  if (d.candidate) {
    j["asic"] = {{"maker", d.asic_maker}, {"family", d.asic_family}, {"recovery", d.asic_recovery}};
  } else {
    j["asic"] = nullptr;
  }
  const auto* bar0 = d.bar(0);
  j["bar0_size"] = bar0 != nullptr && bar0->size != 0 ? ordered_json(bar0->size) : ordered_json(nullptr);
  j["memory_enabled"] = d.memory_enabled ? ordered_json(*d.memory_enabled) : ordered_json(nullptr);
  j["driver"] = d.driver.empty() ? ordered_json(nullptr) : ordered_json(d.driver);
  j["bars"] = ordered_json::array();
  for (const auto& b : d.bars) j["bars"].push_back(bar_json(b));
  return j;
}

struct ListArgs {
  std::string dump;
  std::string sysfs;
  bool all = false;
  bool dump_given = false, sysfs_given = false;
};

int list(const Context& ctx, const ListArgs& args) {
  // An empty path must not fall back to scanning the machine's bus.
  if (args.dump_given && args.dump.empty()) return usage_error("--dump needs a file (or - for standard input)");
  if (args.sysfs_given && args.sysfs.empty()) return usage_error("--sysfs needs a directory");
  cpo::sdk::PciListOptions options;
  options.dump_file = args.dump;
  options.sysfs_root = args.sysfs;
  options.all = args.all;
  auto devices = cpo::sdk::list_pci_devices(options);
  if (!devices) return fail(devices.status());

  const std::string source = !args.dump.empty()    ? "dump " + args.dump
                             : !args.sysfs.empty() ? "sysfs " + args.sysfs
                                                   : std::string("system bus");
  if (ctx.json) {
    ordered_json doc;
    doc["source"] = source;
    doc["all"] = args.all;
    doc["devices"] = ordered_json::array();
    for (const auto& d : *devices) doc["devices"].push_back(device_json(d));
    print_json(ctx, doc);
    return 0;
  }
  if (devices->empty()) {
    std::cout << fmt::format(
        "{}: no {}\n", source,
        args.all ? "PCI device" : "switch ASIC found (`cpoctl pci list --all` lists every device)");
    return 0;
  }
  std::cout << fmt::format("{:<13} {:<9} {:<5} {:>5} {:<3} {:<16} {:<40} {}\n", "BDF", "ID", "CLASS", "BAR0", "MEM",
                           "DRIVER", "ASIC", "NAME");
  for (const auto& d : *devices) {
    std::string asic = "-";
    if (d.candidate) {
      asic = d.asic_maker + " " + d.asic_family;
      if (d.asic_recovery) asic += " (recovery)";
    }
    std::cout << fmt::format("{:<13} {:04x}:{:04x} {:04x}  {:>5} {:<3} {:<16} {:<40} {} {}\n", d.bdf, d.vendor_id,
                             d.device_id, d.class_id, bar0_text(d), memory_text(d.memory_enabled),
                             d.driver.empty() ? "-" : d.driver, asic, d.vendor_name, d.device_name);
  }
  return 0;
}

int ids(const Context& ctx) {
  const auto table = cpo::sdk::pci_switch_asic_ids();
  if (ctx.json) {
    ordered_json doc = ordered_json::array();
    for (const auto& e : table) {
      doc.push_back({{"vendor_id", hex4(e.vendor_id)},
                     {"device_id", hex4(e.device_id)},
                     {"maker", e.maker},
                     {"family", e.family},
                     {"recovery", e.recovery},
                     {"source", e.source}});
    }
    print_json(ctx, doc);
    return 0;
  }
  for (const auto& e : table) {
    std::cout << fmt::format("{:04x}:{:04x}  {:<18} {:<26} {}\n", e.vendor_id, e.device_id, e.maker,
                             std::string(e.family) + (e.recovery ? " (recovery)" : ""), e.source);
  }
  return 0;
}

}  // namespace

void add_pci_commands(CLI::App& app, Context& ctx) {
  auto* pci = app.add_subcommand("pci", "PCIe discovery of switch ASICs (libpci)");
  pci->require_subcommand(1);

  auto args = std::make_shared<ListArgs>();
  auto* list_cmd = pci->add_subcommand(
      "list", "List switch-ASIC candidates (NVIDIA Spectrum/Quantum, Broadcom, the reference device) by BDF");
  auto* dump = list_cmd->add_option("--dump", args->dump,
                                    "Read an `lspci -x`/`-xxx` dump file (- for standard input) instead of the bus");
  auto* sysfs =
      list_cmd->add_option("--sysfs", args->sysfs, "Read a sysfs PCI tree (like /sys/bus/pci) instead of the bus");
  dump->excludes(sysfs);
  list_cmd->add_flag("--all", args->all, "List every PCI device, not only switch-ASIC candidates");
  list_cmd->add_flag("--json", ctx.json, "Print JSON");
  list_cmd->footer(examples({"cpoctl pci list", "cpoctl pci list --all --json", "cpoctl pci list --dump lspci-x.txt"}));
  list_cmd->callback([&ctx, args, dump, sysfs] {
    args->dump_given = dump->count() > 0;
    args->sysfs_given = sysfs->count() > 0;
    ctx.exit_code = list(ctx, *args);
  });

  auto* ids_cmd = pci->add_subcommand("ids", "Print the table of known switch-ASIC vendor:device ids and sources");
  ids_cmd->add_flag("--json", ctx.json, "Print JSON");
  ids_cmd->footer(examples({"cpoctl pci ids", "cpoctl --json pci ids"}));
  ids_cmd->callback([&ctx] { ctx.exit_code = ids(ctx); });
}

}  // namespace cpoctl
