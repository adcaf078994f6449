// netlink://: a switch whose ASIC driver lives in the kernel, its ports netdevs of a network
// namespace, driven through rtnetlink and ethtool netlink (docs/netlink.md).
#include <array>
#include <thread>

#include <fmt/format.h>

#include "cpo/drivers/netlink/netlink_driver.h"
#include "uri/registry.h"

namespace cpo::sdk {
namespace {

constexpr std::array<std::string_view, 4> kParams = {"netns", "pattern", "map", "profile"};

}  // namespace

Result<Backend> open_netlink(const Uri& uri, const OpenOptions&) {
  const std::string_view form = scheme_form("netlink");
  CPO_RETURN_IF_ERROR(check_params(uri, kParams, form));
  if (!uri.target.empty())
    return error(Code::invalid_argument, fmt::format("{}: unexpected '{}' (form: {})", uri.text, uri.target, form));
  netlink::Options options;
  options.netns = std::string(uri.param("netns"));
  if (auto p = uri.param("pattern"); !p.empty()) options.pattern = std::string(p);
  options.map_file = std::string(uri.param("map"));
  options.profile = std::string(uri.param("profile"));
  auto driver = netlink::NetlinkDriver::open(options);
  if (!driver) return driver.status();  // the facade names the URI
  Backend b;
  b.platform = (*driver)->shared_platform();
  b.driver = std::move(driver).value();
  b.now = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
  };
  b.sleep = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
  return b;
}

}  // namespace cpo::sdk
