// cpoctl hostif up|down|show: a Linux interface for every logical port of the --device switch
// (cpo::sdk::HostInterfaces, docs/netlink.md "Host interfaces").
//
// Lifetime: `hostif up` runs in the foreground, mirroring until SIGINT or SIGTERM, then removes
// its interfaces. The taps are not persistent, so a crashed `up` leaves none behind; any
// interface still marked by a process that no longer runs (a persistent leftover) is removed by
// the next `up` and by `down`. `down` stops the running `up` of the namespace (SIGTERM to the
// owner the interfaces' alias names) and removes leftovers.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "commands.h"
#include "cpo/sdk/hostif.h"

namespace cpoctl {
namespace {

using nlohmann::ordered_json;

struct HostifArgs {
  std::string netns;
  std::string pattern;  // up: empty means Ethernet{N}; down/show: empty means every host interface
  std::string period = "200ms";
};

std::string where(const std::string& netns) {
  return netns.empty() ? std::string("this network namespace") : "netns " + netns;
}

std::string port_text(const cpo::LogicalPort& p) { return fmt::format("{}/{}", p.port.value(), p.subport); }

// The interfaces of `pattern` ({N}, {P}, {S} stand for one or more digits). Matched by hand:
// interface names are at most 15 bytes, and std::regex trips GCC 12's maybe-uninitialized
// warning under the sanitizer presets.
bool matches_at(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return name.empty();
  if (pattern.size() >= 3 && pattern[0] == '{' && pattern[2] == '}' &&
      (pattern[1] == 'N' || pattern[1] == 'P' || pattern[1] == 'S')) {
    for (std::size_t k = 0; k < name.size() && std::isdigit(static_cast<unsigned char>(name[k])) != 0; ++k)
      if (matches_at(pattern.substr(3), name.substr(k + 1))) return true;
    return false;
  }
  return !name.empty() && pattern[0] == name[0] && matches_at(pattern.substr(1), name.substr(1));
}

bool matches(const std::string& pattern, const std::string& name) {
  return pattern.empty() || matches_at(pattern, name);
}

// SIGINT/SIGTERM end `hostif up`: the handler only writes to a pipe the main thread waits on.
int g_stop_pipe[2] = {-1, -1};
extern "C" void on_stop_signal(int) {
  const char c = 1;
  (void)!::write(g_stop_pipe[1], &c, 1);
}

int hostif_up(const Context& ctx, const HostifArgs& a) {
  auto period = parse_duration(a.period);
  if (!period) return fail(period.status());
  if (*period < std::chrono::milliseconds(10))
    return fail(cpo::error(cpo::Code::invalid_argument, fmt::format("--period {}: at least 10ms", a.period)));
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  auto marked = cpo::sdk::HostInterfaces::list(a.netns);
  if (!marked) return fail(marked.status());
  for (const auto& m : *marked) {
    if (m.owner_running && m.owner_pid != ::getpid())
      return fail(
          cpo::error(cpo::Code::failed_precondition,
                     fmt::format("host interfaces are up in {} already (pid {}, {}): `cpoctl hostif down{}` "
                                 "stops them",
                                 where(a.netns), m.owner_pid, m.ifname, a.netns.empty() ? "" : " --netns " + a.netns)));
  }
  auto leftovers = cpo::sdk::HostInterfaces::remove_leftovers(a.netns);
  if (!leftovers) return fail(leftovers.status());

  if (::pipe2(g_stop_pipe, O_CLOEXEC) != 0)
    return fail(cpo::error(cpo::Code::io_error, fmt::format("pipe: {}", std::strerror(errno))));
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {
  }, old_term{};
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);

  cpo::sdk::HostInterfaceOptions options;
  options.netns = a.netns;
  if (!a.pattern.empty()) options.pattern = a.pattern;
  options.period = std::chrono::duration_cast<std::chrono::milliseconds>(*period);
  int code = 0;
  {
    auto hostif = cpo::sdk::HostInterfaces::start(**dev, options);
    if (!hostif) {
      code = fail(hostif.status());
    } else {
      const auto list = (*hostif)->interfaces();
      if (ctx.json) {
        ordered_json ifs = ordered_json::array();
        for (const auto& i : list)
          ifs.push_back({{"name", i.ifname}, {"port", port_text(i.port)}, {"ifindex", i.ifindex}});
        print_json(ctx, {{"action", "up"},
                         {"device", (*dev)->uri()},
                         {"netns", a.netns},
                         {"pattern", options.pattern},
                         {"pid", ::getpid()},
                         {"interfaces", ifs},
                         {"leftovers_removed", *leftovers}});
      } else if (!ctx.quiet) {
        if (!leftovers->empty())
          std::cout << fmt::format("removed {} leftover interface{} of a stopped process\n", leftovers->size(),
                                   leftovers->size() == 1 ? "" : "s");
        std::cout << fmt::format("{} host interfaces up in {} (pid {}); SIGINT or SIGTERM removes them\n", list.size(),
                                 where(a.netns), ::getpid());
      }
      std::cout.flush();
      // Wait for the signal; the worker mirrors meanwhile.
      pollfd p{g_stop_pipe[0], POLLIN, 0};
      while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
      }
    }
  }  // destroying HostInterfaces removes the interfaces
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::close(g_stop_pipe[0]);
  ::close(g_stop_pipe[1]);
  if (code == 0 && !ctx.json && !ctx.quiet) std::cout << "host interfaces removed\n";
  return code;
}

int hostif_down(const Context& ctx, const HostifArgs& a) {
  auto marked = cpo::sdk::HostInterfaces::list(a.netns);
  if (!marked) return fail(marked.status());
  std::set<int> owners;
  for (const auto& m : *marked)
    if (m.owner_running && m.owner_pid != ::getpid() && matches(a.pattern, m.ifname)) owners.insert(m.owner_pid);
  for (int pid : owners) ::kill(pid, SIGTERM);
  // The owner removes its interfaces as it exits; wait for that, bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto owned = [&](int pid) {
    auto now = cpo::sdk::HostInterfaces::list(a.netns);
    if (!now) return false;
    return std::any_of(now->begin(), now->end(),
                       [&](const cpo::sdk::MarkedInterface& m) { return m.owner_pid == pid && m.owner_running; });
  };
  for (int pid : owners) {
    while (owned(pid) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (owned(pid))
      return fail(cpo::error(cpo::Code::timeout, fmt::format("pid {} (hostif up in {}) did not stop within 10 s of "
                                                             "SIGTERM",
                                                             pid, where(a.netns))));
  }
  auto leftovers = cpo::sdk::HostInterfaces::remove_leftovers(a.netns);
  if (!leftovers) return fail(leftovers.status());
  if (ctx.json) {
    print_json(ctx, {{"action", "down"},
                     {"netns", a.netns},
                     {"stopped_pids", std::vector<int>(owners.begin(), owners.end())},
                     {"leftovers_removed", *leftovers}});
  } else if (!ctx.quiet) {
    if (owners.empty() && leftovers->empty()) {
      std::cout << fmt::format("no host interfaces in {}\n", where(a.netns));
    } else {
      for (int pid : owners) std::cout << fmt::format("stopped hostif up (pid {})\n", pid);
      if (!leftovers->empty()) std::cout << fmt::format("removed {} leftover interfaces\n", leftovers->size());
    }
  }
  return 0;
}

int hostif_show(const Context& ctx, const HostifArgs& a) {
  auto marked = cpo::sdk::HostInterfaces::list(a.netns);
  if (!marked) return fail(marked.status());
  auto dev = ctx.device();
  if (!dev) return fail(dev.status());
  cpo::Switch& sw = **dev;
  ordered_json rows = ordered_json::array();
  Table table({"NAME", "PORT", "ADMIN", "CARRIER", "MTU", "PORT ADMIN", "PORT OPER", "PORT MTU", "OWNER"});
  for (const auto& m : *marked) {
    if (!matches(a.pattern, m.ifname)) continue;
    std::optional<bool> port_admin, port_oper;
    std::optional<std::uint32_t> port_mtu;
    if (auto t = sw.port(m.port.port); t.ok() && m.port.subport < t->subports) {
      port_admin = ((t->admin_mask >> m.port.subport) & 1u) != 0;
      port_oper = ((t->oper_mask >> m.port.subport) & 1u) != 0;
    }
    if (sw.capabilities().mtu)
      if (auto mtu = sw.mtu(m.port); mtu.ok()) port_mtu = *mtu;
    auto updown = [](std::optional<bool> v) { return v ? std::string(*v ? "up" : "down") : std::string("-"); };
    const std::string owner = fmt::format("{}{}", m.owner_pid, m.owner_running ? "" : " (stopped)");
    table.add({m.ifname, port_text(m.port), m.admin_up ? "up" : "down", m.carrier ? "yes" : "no", std::to_string(m.mtu),
               updown(port_admin), updown(port_oper), port_mtu ? std::to_string(*port_mtu) : "-", owner});
    rows.push_back({{"name", m.ifname},
                    {"ifindex", m.ifindex},
                    {"port", port_text(m.port)},
                    {"admin", m.admin_up ? "up" : "down"},
                    {"carrier", m.carrier},
                    {"mtu", m.mtu},
                    {"port_admin", port_admin ? ordered_json(updown(port_admin)) : ordered_json(nullptr)},
                    {"port_oper", port_oper ? ordered_json(updown(port_oper)) : ordered_json(nullptr)},
                    {"port_mtu", port_mtu ? ordered_json(*port_mtu) : ordered_json(nullptr)},
                    {"owner_pid", m.owner_pid},
                    {"owner_running", m.owner_running}});
  }
  if (ctx.json) {
    print_json(ctx, {{"device", sw.uri()}, {"netns", a.netns}, {"interfaces", rows}});
  } else if (rows.empty()) {
    std::cout << fmt::format("no host interfaces in {}\n", where(a.netns));
  } else {
    table.print();
  }
  return 0;
}

}  // namespace

void add_hostif_commands(CLI::App& app, Context& ctx) {
  auto* hostif = app.add_subcommand("hostif", "Linux interfaces for the switch's ports (taps, as SONiC's vs)");
  hostif->require_subcommand(1);
  auto args = std::make_shared<HostifArgs>();
  auto common = [args](CLI::App* cmd) {
    cmd->add_option("--netns", args->netns, "Network namespace (ip netns add NAME); default: this one");
    cmd->add_option("--pattern", args->pattern,
                    "Interface names: {N} first lane (SONiC), {P} port, {S} sub-port; at most 15 characters "
                    "(up: default Ethernet{N}; down, show: only these names, default every host interface)");
  };
  auto* up = hostif->add_subcommand(
      "up", "Create an interface per logical port and mirror carrier, admin and MTU until SIGINT/SIGTERM");
  common(up);
  up->add_option("--period", args->period, "Full resynchronisation period")->capture_default_str();
  up->footer(examples({"cpoctl --device sim://cpo144 hostif up --netns nos",
                       "cpoctl --device 'netlink://?netns=asic' hostif up --netns nos --pattern 'eth{P}_{S}'"}));
  up->callback([&ctx, args] { ctx.exit_code = hostif_up(ctx, *args); });
  auto* down = hostif->add_subcommand("down", "Stop the running `hostif up` of the namespace and remove leftovers");
  common(down);
  down->footer(examples({"cpoctl hostif down --netns nos"}));
  down->callback([&ctx, args] { ctx.exit_code = hostif_down(ctx, *args); });
  auto* show = hostif->add_subcommand("show", "The host interfaces: admin, carrier, MTU next to their port's state");
  common(show);
  show->footer(examples({"cpoctl hostif show --netns nos", "cpoctl --json hostif show --netns nos"}));
  show->callback([&ctx, args] { ctx.exit_code = hostif_show(ctx, *args); });
}

}  // namespace cpoctl
