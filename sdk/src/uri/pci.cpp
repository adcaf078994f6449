// pci://: hardware implementing the reference device interface, one PCIe function per unit,
// its BAR 0 mapped through sysfs (docs/pcie.md).
#include <array>

#include <fmt/format.h>

#include "cpo/drivers/pcie/bdf.h"
#include "cpo/drivers/pcie/mapped_bar.h"
#include "cpo/drivers/reference/reference_driver.h"
#include "uri/reference_options.h"
#include "uri/registry.h"

namespace cpo::sdk {
namespace {

// sysfs: another sysfs PCI root (tests use a fake tree); documented in docs/sdk.md.
constexpr std::array<std::string_view, 4> kParams = {"profile", "sysfs", kReferenceParamSnapshot,
                                                     kReferenceParamCommandTimeout};

}  // namespace

Result<Backend> open_pci(const Uri& uri, const OpenOptions&) {
  const std::string_view form = scheme_form("pci");
  CPO_RETURN_IF_ERROR(check_params(uri, kParams, form));
  if (uri.target.empty()) return error(Code::invalid_argument, fmt::format("{}: no BDF (form: {})", uri.text, form));
  auto platform = Platform::resolve(uri.param("profile", "cpo144"));
  if (!platform) return platform.status().with_context(uri.text);
  pcie::MapOptions map;
  if (auto root = uri.param("sysfs"); !root.empty()) map.sysfs_root = std::string(root);
  auto driver_options = reference_options(uri);
  if (!driver_options) return driver_options.status();

  Backend b;
  std::vector<Bar*> bars;
  std::string_view list = uri.target;
  while (true) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    auto bdf = pcie::Bdf::parse(item);
    if (!bdf) return bdf.status().with_context(uri.text);
    auto bar = pcie::MappedBar::open(*bdf, map);
    if (!bar) return bar.status().with_context(uri.text);
    std::shared_ptr<pcie::MappedBar> shared(std::move(bar).value());
    bars.push_back(shared.get());
    b.transport.push_back(shared);
    if (comma == std::string_view::npos) break;
    list = list.substr(comma + 1);
  }
  if (bars.size() != platform->units().size()) {
    return error(Code::invalid_argument,
                 fmt::format("{}: {} BDFs for {} units of profile {} (one BDF per unit)", uri.text, bars.size(),
                             platform->units().size(), platform->name()));
  }
  auto driver = reference::ReferenceDriver::open(*platform, bars, *driver_options);
  if (!driver) return driver.status().with_context(uri.text);
  b.platform = std::make_shared<const Platform>(std::move(platform).value());
  b.driver = std::move(driver).value();
  Bar* clock_bar = bars.front();
  b.now = [clock_bar] { return clock_bar->now(); };
  b.sleep = [clock_bar](std::chrono::nanoseconds d) { clock_bar->wait(d); };
  return b;
}

}  // namespace cpo::sdk
