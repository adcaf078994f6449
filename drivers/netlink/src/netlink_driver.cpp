// cpo::netlink::NetlinkDriver (docs/netlink.md): rtnetlink through libnl-route, ethtool
// through libnl-genl, sockets opened inside the target namespace, one per calling thread.
#include "cpo/drivers/netlink/netlink_driver.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/input_file.h"
#include "cpo/hal/mutex.h"
#include "nl_common.h"

namespace cpo::netlink {

using namespace detail;  // NOLINT(google-build-using-namespace): the driver's own helpers

Code code_of_errno(int err) noexcept {
  switch (err) {
    case 0: return Code::ok;
    case EOPNOTSUPP: return Code::unsupported;
    case 524 /* ENOTSUPP, kernel-internal */: return Code::unsupported;
    case EINVAL: return Code::invalid_argument;
    case ERANGE: return Code::out_of_range;
    case ENODEV:
    case ENOENT: return Code::not_found;
    case EBUSY: return Code::failed_precondition;
    case EEXIST: return Code::already_exists;
    case ETIMEDOUT: return Code::timeout;
    case EPERM:
    case EACCES: return Code::io_error;
    default: return Code::device_error;
  }
}

namespace {

std::chrono::nanoseconds now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

struct LinkFree {
  void operator()(rtnl_link* l) const noexcept { rtnl_link_put(l); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkFree>;

std::string_view operstate_name(std::uint8_t s) {
  switch (s) {
    case IF_OPER_NOTPRESENT: return "NOTPRESENT";
    case IF_OPER_DOWN: return "DOWN";
    case IF_OPER_LOWERLAYERDOWN: return "LOWERLAYERDOWN";
    case IF_OPER_TESTING: return "TESTING";
    case IF_OPER_DORMANT: return "DORMANT";
    case IF_OPER_UP: return "UP";
    default: return "UNKNOWN";
  }
}

LinkState parse_link(nlmsghdr* h) {
  LinkState s;
  const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(h));
  s.ifindex = ifi->ifi_index;
  s.admin_up = (ifi->ifi_flags & IFF_UP) != 0;
  nlattr* tb[IFLA_MAX + 1] = {};
  if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return s;
  if (tb[IFLA_IFNAME] != nullptr) s.ifname = nla_get_string(tb[IFLA_IFNAME]);
  if (tb[IFLA_MTU] != nullptr) s.mtu = nla_get_u32(tb[IFLA_MTU]);
  if (tb[IFLA_MIN_MTU] != nullptr) s.min_mtu = nla_get_u32(tb[IFLA_MIN_MTU]);
  if (tb[IFLA_MAX_MTU] != nullptr) s.max_mtu = nla_get_u32(tb[IFLA_MAX_MTU]);
  if (tb[IFLA_CARRIER] != nullptr) s.carrier = nla_get_u8(tb[IFLA_CARRIER]) != 0;
  if (tb[IFLA_CARRIER_UP_COUNT] != nullptr) s.carrier_up_count = nla_get_u32(tb[IFLA_CARRIER_UP_COUNT]);
  if (tb[IFLA_CARRIER_DOWN_COUNT] != nullptr) s.carrier_down_count = nla_get_u32(tb[IFLA_CARRIER_DOWN_COUNT]);
  s.operstate = std::string(operstate_name(tb[IFLA_OPERSTATE] != nullptr ? nla_get_u8(tb[IFLA_OPERSTATE]) : 0));
  return s;
}

bool oper_up(const LinkState& s) { return s.admin_up && s.operstate == "UP"; }

struct ThreadSockets {
  SockPtr route;
  SockPtr genl;
  int ethtool_family = -1;  // < 0: not resolved yet
  std::string ethtool_failure;
};

// The pattern "swp{N}" split around {N}.
struct Pattern {
  std::string prefix, suffix;
  [[nodiscard]] std::optional<std::uint64_t> match(std::string_view name) const {
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix))
      return std::nullopt;
    const auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  }
};

// A platform for ports 0..n-1 named by their netdevs: one unit, 4 lanes of 200G per port, an
// optical engine per port (its module), an ELS of 8 lasers per 8 ports (a laser per port).
Result<Platform> derive_platform(const std::vector<PortNetdev>& devs, std::string_view origin) {
  std::string ports, oes, els;
  const std::size_t n = devs.size();
  for (std::size_t p = 0; p < n; ++p) {
    const auto& name = devs[p].ifname;
    const bool aliasable = name.find_first_of(",/= ") == std::string::npos;
    ports += fmt::format("{}{{\"id\":{},\"unit\":0,\"lanes\":[{},{},{},{}]{}}}", p == 0 ? "" : ",", p, 4 * p, 4 * p + 1,
                         4 * p + 2, 4 * p + 3, aliasable ? fmt::format(",\"alias\":\"{}\"", name) : std::string());
  }
  // Each netdev's module is its own optical engine (one bank: the port's lanes), so read_cmis
  // of OE k reaches the module EEPROM of port k's netdev.
  for (std::size_t o = 0; o < n; ++o)
    oes += fmt::format("{}{{\"id\":{},\"unit\":0,\"banks\":[[{},{},{},{}]]}}", o == 0 ? "" : ",", o, 4 * o, 4 * o + 1,
                       4 * o + 2, 4 * o + 3);
  for (std::size_t e = 0; e * 8 < n; ++e) {
    std::string lasers;
    for (std::size_t p = 8 * e; p < std::min(8 * e + 8, n); ++p)
      lasers += fmt::format("{}[{},{},{},{}]", lasers.empty() ? "" : ",", 4 * p, 4 * p + 1, 4 * p + 2, 4 * p + 3);
    els += fmt::format("{}{{\"id\":{},\"lasers\":[{}]}}", e == 0 ? "" : ",", e, lasers);
  }
  const std::string doc =
      fmt::format(R"({{"schema_version":1,"name":"netlink","description":"derived from the netdevs of {}",)"
                  R"("port_speed_gbps":800,"lane_rate_gbps":200,"lanes_per_bank":8,)"
                  R"("breakout_modes":["1x800G[400G]","2x400G","4x200G"],"units":[{{"id":0,"name":"kernel"}}],)"
                  R"("ports":[{}],"optical_engines":[{}],"els":[{}]}})",
                  origin, ports, oes, els);
  return Platform::from_json(doc, fmt::format("netlink {}", origin));
}

}  // namespace

class NetlinkDriver::Impl {
 public:
  Options options;
  std::string where;  // "netns lab" or "the current network namespace"
  int nsfd = -1;
  std::shared_ptr<const Platform> platform;
  std::vector<PortNetdev> devs;  // index = port id, as found at open; ifindex 0 when absent
  Capabilities caps;

  // The netdev of every logical port: devs at open, then what devlink reports after a split.
  struct SubNetdev {
    std::string ifname;
    int ifindex = 0;
  };
  mutable Mutex map_mu;
  std::vector<std::vector<SubNetdev>> subs CPO_GUARDED_BY(map_mu);  // [port][sub-port]
  std::vector<std::uint32_t> mode CPO_GUARDED_BY(map_mu);           // breakout index per port
  std::map<int, LogicalPort> lp_of_index CPO_GUARDED_BY(map_mu);    // ifindex -> logical port
  std::vector<char> no_module_eeprom CPO_GUARDED_BY(map_mu);        // per port: the kernel said EOPNOTSUPP

  // Devlink: the front-panel number of each port's devlink port (nullopt: devlink has none).
  Mutex devlink_mu;
  std::unique_ptr<Devlink> devlink CPO_GUARDED_BY(devlink_mu);
  std::vector<std::optional<std::uint32_t>> devlink_number;  // immutable after open

  Mutex eeprom_mu;  // serialises requests over a canned module-EEPROM transport
  std::uint32_t eeprom_seq CPO_GUARDED_BY(eeprom_mu) = 1;

  Mutex sockets_mutex;
  std::map<std::thread::id, std::unique_ptr<ThreadSockets>> sockets CPO_GUARDED_BY(sockets_mutex);

  Mutex events_mutex;
  SockPtr event_sock CPO_GUARDED_BY(events_mutex);
  std::vector<std::uint32_t> last_oper CPO_GUARDED_BY(events_mutex);  // per port, sub-port bits, as last reported

  ~Impl() {
    if (nsfd >= 0) ::close(nsfd);
  }

  // The calling thread's sockets, opened on first use.
  Result<ThreadSockets*> thread_sockets() CPO_EXCLUDES(sockets_mutex) {
    const auto id = std::this_thread::get_id();
    {
      Lock lock(sockets_mutex);
      if (auto it = sockets.find(id); it != sockets.end()) return it->second.get();
    }
    auto route = open_socket(nsfd, NETLINK_ROUTE, where);
    if (!route) return route.status();
    auto s = std::make_unique<ThreadSockets>();
    s->route = std::move(route).value();
    Lock lock(sockets_mutex);
    auto* raw = s.get();
    sockets[id] = std::move(s);
    return raw;
  }

  Result<nl_sock*> route() {
    auto s = thread_sockets();
    if (!s) return s.status();
    return (*s)->route.get();
  }

  // The calling thread's generic-netlink socket and the ethtool family id.
  Result<std::pair<nl_sock*, int>> ethtool() {
    auto got = thread_sockets();
    if (!got) return got.status();
    ThreadSockets* s = *got;
    if (!s->genl) {
      auto g = open_socket(nsfd, NETLINK_GENERIC, where);
      if (!g) return g.status();
      s->genl = std::move(g).value();
      const int family = genl_ctrl_resolve(s->genl.get(), ETHTOOL_GENL_NAME);
      if (family < 0) {
        s->ethtool_failure =
            fmt::format("the kernel has no ethtool netlink family in {}: {}", where, nl_geterror(family));
      } else {
        s->ethtool_family = family;
      }
    }
    if (s->ethtool_family < 0) return error(Code::unsupported, s->ethtool_failure);
    return std::make_pair(s->genl.get(), s->ethtool_family);
  }

  Status check_port(PortId port) const {
    if (port.value() >= devs.size())
      return error(Code::out_of_range,
                   fmt::format("port {}: no such port (ports 0..{} in {})", port.value(), devs.size() - 1, where));
    return ok_status();
  }

  // The netdev of a logical port under the current breakout, and its name for messages:
  // "port 0 (swp1)", "port 0/2 (swp1s2)".
  struct Target {
    SubNetdev dev;
    std::string name;
  };
  Result<Target> target(const LogicalPort& lp) const CPO_EXCLUDES(map_mu) {
    CPO_RETURN_IF_ERROR(check_port(lp.port));
    Lock lock(map_mu);
    const auto& list = subs[lp.port.value()];
    if (lp.subport >= list.size())
      return error(Code::out_of_range, fmt::format("port {}/{}: no such sub-port (the port has {} under its breakout)",
                                                   lp.port.value(), lp.subport, list.size()));
    const SubNetdev& d = list[lp.subport];
    if (d.ifindex == 0)
      return error(Code::not_found, fmt::format("port {}: no netdev {} in {}", lp.port.value(), d.ifname, where));
    std::string name = list.size() == 1 ? fmt::format("port {} ({})", lp.port.value(), d.ifname)
                                        : fmt::format("port {}/{} ({})", lp.port.value(), lp.subport, d.ifname);
    return Target{d, std::move(name)};
  }

  [[nodiscard]] std::uint32_t subport_count(PortId port) const CPO_EXCLUDES(map_mu) {
    Lock lock(map_mu);
    return port.value() < subs.size() ? static_cast<std::uint32_t>(subs[port.value()].size()) : 0;
  }

  Result<LinkState> get_link(const LogicalPort& lp) {
    auto t = target(lp);
    if (!t) return t.status();
    auto sk = route();
    if (!sk) return sk.status();
    nl_msg* raw = nullptr;
    if (const int rc = rtnl_link_build_get_request(t->dev.ifindex, nullptr, &raw); rc < 0)
      return error(Code::internal, fmt::format("{}: RTM_GETLINK: {}", t->name, nl_geterror(rc)));
    MsgPtr msg(raw);
    LinkState state;
    bool got = false;
    CPO_RETURN_IF_ERROR(transact(*sk, msg.get(), fmt::format("{}: RTM_GETLINK", t->name), [&](nlmsghdr* h) {
      if (h->nlmsg_type == RTM_NEWLINK) {
        state = parse_link(h);
        got = true;
      }
    }));
    if (!got) return error(Code::device_error, fmt::format("{}: RTM_GETLINK returned no link", t->name));
    return state;
  }

  // Every link of the namespace, by ifindex.
  Result<std::map<int, LinkState>> dump_links() {
    auto sk = route();
    if (!sk) return sk.status();
    MsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP));
    if (!msg) return error(Code::internal, "out of memory");
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) return error(Code::internal, "nlmsg_append");
    std::map<int, LinkState> links;
    CPO_RETURN_IF_ERROR(transact(*sk, msg.get(), fmt::format("RTM_GETLINK dump in {}", where), [&](nlmsghdr* h) {
      if (h->nlmsg_type == RTM_NEWLINK) {
        LinkState s = parse_link(h);
        links[s.ifindex] = std::move(s);
      }
    }));
    return links;
  }

  // RTM_NEWLINK with the changes libnl-route builds.
  Status change_link(const LogicalPort& lp, const std::function<void(rtnl_link*)>& set, std::string_view what) {
    auto t = target(lp);
    if (!t) return t.status();
    auto sk = route();
    if (!sk) return sk.status();
    LinkPtr orig(rtnl_link_alloc());
    LinkPtr change(rtnl_link_alloc());
    if (!orig || !change) return error(Code::internal, "out of memory");
    rtnl_link_set_ifindex(orig.get(), t->dev.ifindex);
    set(change.get());
    nl_msg* raw = nullptr;
    if (const int rc = rtnl_link_build_change_request(orig.get(), change.get(), 0, &raw); rc < 0)
      return error(Code::internal, fmt::format("{}: {}: {}", t->name, what, nl_geterror(rc)));
    MsgPtr msg(raw);
    return transact(*sk, msg.get(), fmt::format("{}: {}", t->name, what), nullptr);
  }

  // An ethtool request about a logical port's netdev; `header` is the request's header
  // attribute. `canned`: through Options::module_eeprom when the test gave one.
  Status ethtool_request(const LogicalPort& lp, std::uint8_t cmd, int header, int flags,
                         const std::function<void(nl_msg*)>& put, const std::function<void(nlattr**)>& on_reply,
                         int max_attr, std::string_view what, bool canned = false) CPO_EXCLUDES(eeprom_mu) {
    auto t = target(lp);
    if (!t) return t.status();
    const bool use_canned = canned && options.module_eeprom.has_value();
    std::pair<nl_sock*, int> et{nullptr, 0};
    if (use_canned) {
      et.second = options.module_eeprom->family;
    } else {
      auto got = ethtool();
      if (!got) return got.status().with_context(t->name);
      et = *got;
    }
    MsgPtr msg(nlmsg_alloc());
    if (!msg) return error(Code::internal, "out of memory");
    if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, et.second, 0, NLM_F_REQUEST | flags, cmd,
                    ETHTOOL_GENL_VERSION) == nullptr)
      return error(Code::internal, "genlmsg_put");
    nlattr* nest = nla_nest_start(msg.get(), header);
    nla_put_string(msg.get(), ETHTOOL_A_HEADER_DEV_NAME, t->dev.ifname.c_str());
    nla_nest_end(msg.get(), nest);
    if (put) put(msg.get());
    std::vector<nlattr*> tb(static_cast<std::size_t>(max_attr) + 1);
    auto parse = [&](nlmsghdr* h) {
      std::fill(tb.begin(), tb.end(), nullptr);
      if (genlmsg_parse(h, 0, tb.data(), max_attr, nullptr) == 0 && on_reply) on_reply(tb.data());
    };
    const std::string context = fmt::format("{}: {}", t->name, what);
    if (use_canned) {
      Lock lock(eeprom_mu);
      nlmsg_hdr(msg.get())->nlmsg_seq = eeprom_seq++;
      return transact_via(*options.module_eeprom->transport, msg.get(), context, parse);
    }
    return transact(et.first, msg.get(), context, parse);
  }

  // A port's telemetry from the links of its sub-ports' netdevs (by ifindex).
  PortTelemetry telemetry_of(PortId port, const std::map<int, LinkState>& links) const CPO_EXCLUDES(map_mu) {
    PortTelemetry t;
    t.port = port;
    Lock lock(map_mu);
    const auto& list = subs[port.value()];
    t.subports = static_cast<std::uint32_t>(list.size());
    t.breakout = mode[port.value()];
    const auto& modes = platform->breakout_modes();
    t.subport_speed = platform->port_speed();
    if (t.breakout < modes.size() && !modes[t.breakout].groups().empty())
      t.subport_speed = modes[t.breakout].groups().front().speed;
    bool any_admin = false;
    for (std::size_t s = 0; s < list.size(); ++s) {
      auto it = list[s].ifindex != 0 ? links.find(list[s].ifindex) : links.end();
      if (it == links.end()) continue;
      const LinkState& l = it->second;
      if (l.admin_up) t.admin_mask |= 1u << s;
      if (oper_up(l)) t.oper_mask |= 1u << s;
      any_admin = any_admin || l.admin_up;
      t.link_downs += l.carrier_down_count;
      t.link_ups += l.carrier_up_count;
    }
    if (!any_admin) t.down_cause = LinkCause::admin_down;
    return t;
  }

  // Oper state of every logical port from a dump: per port, bit s for sub-port s.
  std::vector<std::uint32_t> oper_of(const std::map<int, LinkState>& links) const CPO_EXCLUDES(map_mu) {
    Lock lock(map_mu);
    std::vector<std::uint32_t> up(subs.size(), 0);
    for (std::size_t p = 0; p < subs.size(); ++p)
      for (std::size_t s = 0; s < subs[p].size(); ++s)
        if (auto it = links.find(subs[p][s].ifindex);
            subs[p][s].ifindex != 0 && it != links.end() && oper_up(it->second))
          up[p] |= 1u << s;
    return up;
  }

  void index_netdevs() CPO_REQUIRES(map_mu) {
    lp_of_index.clear();
    for (std::size_t p = 0; p < subs.size(); ++p)
      for (std::size_t s = 0; s < subs[p].size(); ++s)
        if (subs[p][s].ifindex != 0)
          lp_of_index[subs[p][s].ifindex] =
              LogicalPort{PortId(static_cast<std::uint32_t>(p)), static_cast<std::uint32_t>(s)};
  }

  // After a split or unsplit: the netdevs devlink lists for `port`'s front-panel number,
  // sub-ports in split order, with their ifindexes from a fresh dump.
  Status remap(PortId port, std::uint32_t mode_index) CPO_REQUIRES(devlink_mu) CPO_EXCLUDES(map_mu) {
    auto ports = devlink->ports();
    if (!ports) return ports.status().with_context(fmt::format("port {}: after the breakout", port.value()));
    std::vector<DevlinkPort> mine;
    for (auto& d : *ports)
      if (d.number == devlink_number[port.value()]) mine.push_back(std::move(d));
    std::sort(mine.begin(), mine.end(), [](const DevlinkPort& a, const DevlinkPort& b) {
      return a.split_subport.value_or(0) < b.split_subport.value_or(0);
    });
    auto links = dump_links();
    if (!links) return links.status();
    std::map<std::string, int> index_of;
    for (const auto& [index, l] : *links) index_of[l.ifname] = index;
    std::vector<SubNetdev> list;
    for (const auto& d : mine) {
      auto it = index_of.find(d.netdev);
      list.push_back(SubNetdev{d.netdev, it != index_of.end() ? it->second : 0});
    }
    if (list.empty())
      return error(Code::device_error, fmt::format("port {}: devlink lists no port numbered {} after the breakout",
                                                   port.value(), *devlink_number[port.value()]));
    const auto oper = [&] {
      std::uint32_t up = 0;
      for (std::size_t s = 0; s < list.size(); ++s)
        if (auto it = links->find(list[s].ifindex); list[s].ifindex != 0 && it != links->end() && oper_up(it->second))
          up |= 1u << s;
      return up;
    }();
    {
      Lock lock(map_mu);
      subs[port.value()] = std::move(list);
      mode[port.value()] = mode_index;
      index_netdevs();
    }
    Lock lock(events_mutex);
    last_oper[port.value()] = oper;
    return ok_status();
  }
};

NetlinkDriver::NetlinkDriver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NetlinkDriver::~NetlinkDriver() = default;

Result<std::unique_ptr<NetlinkDriver>> NetlinkDriver::open(const Options& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->where =
        options.netns.empty() ? std::string("the current network namespace") : fmt::format("netns {}", options.netns);
    if (!options.netns.empty()) {
      if (options.netns.find('/') != std::string::npos || options.netns == "." || options.netns == "..")
        return error(Code::invalid_argument, fmt::format("netns '{}': a namespace name has no '/'", options.netns));
      const std::string path = "/run/netns/" + options.netns;
      impl->nsfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (impl->nsfd < 0) {
        const int err = errno;
        return error(err == ENOENT ? Code::not_found : Code::io_error,
                     fmt::format("netns {}: {}: {} (create it with `ip netns add {}`)", options.netns, path,
                                 errno_text(err), options.netns));
      }
    }
    auto links = impl->dump_links();
    if (!links) return links.status();

    // Ports from the map file or the pattern.
    std::vector<PortNetdev> devs;
    std::map<std::string, int> index_of;
    std::string names;
    for (const auto& [index, s] : *links) {
      index_of[s.ifname] = index;
      names += (names.empty() ? "" : ", ") + s.ifname;
    }
    if (!options.map_file.empty()) {
      auto map_text = read_input_file(options.map_file, "netlink map file");
      if (!map_text) return map_text.status();
      std::istringstream in(*map_text);
      std::string line;
      int lineno = 0;
      std::map<std::uint32_t, std::string> entries;
      while (std::getline(in, line)) {
        ++lineno;
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        std::string port_text, ifname, extra;
        if (!(fields >> port_text)) continue;
        if (!(fields >> ifname) || (fields >> extra))
          return error(Code::invalid_argument,
                       fmt::format("map file {} line {}: expected 'PORT IFNAME'", options.map_file, lineno));
        std::uint32_t port = 0;
        const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 4095)
          return error(Code::invalid_argument, fmt::format("map file {} line {}: port '{}' is not a number 0..4095",
                                                           options.map_file, lineno, port_text));
        if (!entries.emplace(port, ifname).second)
          return error(Code::invalid_argument,
                       fmt::format("map file {} line {}: port {} listed twice", options.map_file, lineno, port));
      }
      if (entries.empty())
        return error(Code::invalid_argument, fmt::format("map file {}: no entries", options.map_file));
      for (const auto& [port, ifname] : entries) {
        if (port != devs.size() && options.profile.empty())
          return error(Code::invalid_argument,
                       fmt::format("map file {}: ports must be 0..{} without gaps (port {} is missing)",
                                   options.map_file, entries.size() - 1, devs.size()));
        while (devs.size() < port) devs.push_back(PortNetdev{PortId(static_cast<std::uint32_t>(devs.size())), "", 0});
        auto it = index_of.find(ifname);
        if (it == index_of.end())
          return error(Code::not_found, fmt::format("map file {}: port {}: no netdev {} in {} (netdevs: {})",
                                                    options.map_file, port, ifname, impl->where, names));
        devs.push_back(PortNetdev{PortId(port), ifname, it->second});
      }
    } else {
      const auto brace = options.pattern.find("{N}");
      if (brace == std::string::npos)
        return error(Code::invalid_argument, fmt::format("pattern '{}' has no {{N}}", options.pattern));
      Pattern pattern{options.pattern.substr(0, brace), options.pattern.substr(brace + 3)};
      std::map<std::uint64_t, std::pair<std::string, int>> matched;
      for (const auto& [name, index] : index_of)
        if (auto n = pattern.match(name)) matched[*n] = {name, index};
      if (matched.empty())
        return error(Code::not_found,
                     fmt::format("no netdev in {} matches {} (netdevs: {})", impl->where, options.pattern, names));
      for (const auto& [n, entry] : matched)
        devs.push_back(PortNetdev{PortId(static_cast<std::uint32_t>(devs.size())), entry.first, entry.second});
    }

    if (options.profile.empty()) {
      auto p = derive_platform(devs, impl->where);
      if (!p) return p.status();
      impl->platform = std::make_shared<const Platform>(std::move(p).value());
    } else {
      auto p = Platform::resolve(options.profile);
      if (!p) return p.status();
      if (devs.size() > p->ports().size())
        return error(Code::out_of_range, fmt::format("{} netdevs for the {} ports of profile {}", devs.size(),
                                                     p->ports().size(), p->name()));
      impl->platform = std::make_shared<const Platform>(std::move(p).value());
    }
    const std::size_t port_count = impl->platform->ports().size();
    while (devs.size() < port_count) {
      const auto id = static_cast<std::uint32_t>(devs.size());
      std::string name = options.map_file.empty() ? options.pattern : std::string("(unmapped)");
      if (auto b = name.find("{N}"); b != std::string::npos) name.replace(b, 3, "?");
      devs.push_back(PortNetdev{PortId(id), fmt::format("(none for port {})", id), 0});
    }
    {
      Lock lock(impl->map_mu);
      for (const auto& d : devs) impl->subs.push_back({Impl::SubNetdev{d.ifname, d.ifindex}});
      impl->mode.assign(devs.size(), 0);
      impl->no_module_eeprom.assign(devs.size(), 0);
      impl->index_netdevs();
    }
    impl->devs = std::move(devs);

    impl->caps.backend = "netlink";
    impl->caps.port_admin = true;
    impl->caps.subport_admin = true;
    impl->caps.telemetry = true;
    impl->caps.events = true;
    // MTU: the range every port's netdev accepts (the kernel's IFLA_MIN_MTU/IFLA_MAX_MTU).
    {
      std::uint32_t lo = 0, hi = ~0u;
      bool reported = true;
      for (const auto& d : impl->devs) {
        if (d.ifindex == 0) continue;
        const LinkState& l = links->at(d.ifindex);
        reported = reported && l.max_mtu != 0;
        lo = std::max(lo, l.min_mtu);
        hi = std::min(hi, l.max_mtu);
      }
      if (reported && lo <= hi) {
        impl->caps.mtu = true;
        impl->caps.mtu_min = lo;
        impl->caps.mtu_max = hi;
      }
    }
    // CMIS reads of optical engines through module EEPROM, when the ethtool family exists.
    impl->caps.cmis_oe = options.module_eeprom.has_value() || impl->ethtool().ok();
    // Breakout through devlink: offered when devlink lists a splittable port for a netdev.
    impl->devlink_number.assign(impl->devs.size(), std::nullopt);
    {
      auto dl = options.devlink ? options.devlink() : Devlink::open(options.netns);
      if (dl) {
        auto ports = (*dl)->ports();
        if (!ports) return ports.status().with_context(fmt::format("devlink port dump in {}", impl->where));
        for (const auto& d : *ports) {
          for (const auto& dev : impl->devs) {
            if (dev.ifindex == 0 || dev.ifname != d.netdev) continue;
            impl->devlink_number[dev.port.value()] = d.number;
            impl->caps.breakout = impl->caps.breakout || d.splittable;
          }
        }
        Lock lock(impl->devlink_mu);
        impl->devlink = std::move(dl).value();
      } else if (dl.status().code() != Code::unsupported) {
        return dl.status();
      }
    }

    // Link notifications.
    auto ev = open_socket(impl->nsfd, NETLINK_ROUTE, impl->where);
    if (!ev) return ev.status();
    nl_socket_disable_seq_check(ev->get());
    if (const int rc = nl_socket_add_membership(ev->get(), RTNLGRP_LINK); rc < 0)
      return error(Code::io_error, fmt::format("RTNLGRP_LINK in {}: {}", impl->where, nl_geterror(rc)));
    const int rcvbuf = options.event_buffer_bytes > 0 ? options.event_buffer_bytes : 1 << 20;
    if (::setsockopt(nl_socket_get_fd(ev->get()), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
      return error(Code::io_error, fmt::format("SO_RCVBUF: {}", errno_text(errno)));
    {
      Lock lock(impl->events_mutex);
      impl->event_sock = std::move(ev).value();
      impl->last_oper = impl->oper_of(*links);
    }
    return std::unique_ptr<NetlinkDriver>(new NetlinkDriver(std::move(impl)));
  } catch (const std::exception& e) {
    return error(Code::internal, fmt::format("netlink driver: {}", e.what()));
  }
}

const Platform& NetlinkDriver::platform() const noexcept { return *impl_->platform; }
std::shared_ptr<const Platform> NetlinkDriver::shared_platform() const noexcept { return impl_->platform; }
std::span<const PortNetdev> NetlinkDriver::netdevs() const noexcept { return impl_->devs; }
const Capabilities& NetlinkDriver::capabilities() const noexcept { return impl_->caps; }

Result<PortId> NetlinkDriver::port_of(std::string_view ifname) const {
  for (const auto& d : impl_->devs)
    if (d.ifindex != 0 && d.ifname == ifname) return d.port;
  return error(Code::not_found, fmt::format("no port has netdev {} in {}", ifname, impl_->where));
}

std::vector<SubportNetdev> NetlinkDriver::subport_netdevs() const {
  Lock lock(impl_->map_mu);
  std::vector<SubportNetdev> out;
  for (std::size_t p = 0; p < impl_->subs.size(); ++p)
    for (std::size_t s = 0; s < impl_->subs[p].size(); ++s)
      out.push_back(SubportNetdev{LogicalPort{PortId(static_cast<std::uint32_t>(p)), static_cast<std::uint32_t>(s)},
                                  impl_->subs[p][s].ifname, impl_->subs[p][s].ifindex});
  return out;
}

Result<LinkState> NetlinkDriver::link_state(PortId port) { return link_state(LogicalPort{port, 0}); }

Result<LinkState> NetlinkDriver::link_state(const LogicalPort& port) {
  try {
    return impl_->get_link(port);
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Result<std::uint32_t> NetlinkDriver::mtu(const LogicalPort& port) {
  auto s = link_state(port);
  if (!s) return s.status();
  return s->mtu;
}

Status NetlinkDriver::set_mtu(const LogicalPort& port, std::uint32_t bytes) {
  try {
    return impl_->change_link(
        port, [bytes](rtnl_link* l) { rtnl_link_set_mtu(l, bytes); }, fmt::format("set MTU {}", bytes));
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Status NetlinkDriver::set_admin_state(PortId port, AdminState state) {
  try {
    CPO_RETURN_IF_ERROR(impl_->check_port(port));
    const std::uint32_t n = impl_->subport_count(port);
    for (std::uint32_t s = 0; s < n; ++s) CPO_RETURN_IF_ERROR(set_subport_admin_state(LogicalPort{port, s}, state));
    return ok_status();
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Status NetlinkDriver::set_subport_admin_state(const LogicalPort& port, AdminState state) {
  try {
    return impl_->change_link(
        port,
        [state](rtnl_link* l) {
          if (state == AdminState::up) {
            rtnl_link_set_flags(l, IFF_UP);
          } else {
            rtnl_link_unset_flags(l, IFF_UP);
          }
        },
        fmt::format("set admin {}", to_string(state)));
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Result<LinkModes> NetlinkDriver::link_modes(PortId port) {
  try {
    LinkModes m;
    CPO_RETURN_IF_ERROR(impl_->ethtool_request(
        LogicalPort{port, 0}, ETHTOOL_MSG_LINKMODES_GET, ETHTOOL_A_LINKMODES_HEADER, 0, nullptr,
        [&](nlattr** tb) {
          if (tb[ETHTOOL_A_LINKMODES_SPEED] != nullptr) {
            const std::uint32_t s = nla_get_u32(tb[ETHTOOL_A_LINKMODES_SPEED]);
            if (s != static_cast<std::uint32_t>(SPEED_UNKNOWN)) m.speed_mbps = s;
          }
          m.duplex = "Unknown";
          if (tb[ETHTOOL_A_LINKMODES_DUPLEX] != nullptr) {
            const auto d = nla_get_u8(tb[ETHTOOL_A_LINKMODES_DUPLEX]);
            m.duplex = d == DUPLEX_FULL ? "Full" : d == DUPLEX_HALF ? "Half" : "Unknown";
          }
          if (tb[ETHTOOL_A_LINKMODES_AUTONEG] != nullptr) m.autoneg = nla_get_u8(tb[ETHTOOL_A_LINKMODES_AUTONEG]) != 0;
          if (tb[ETHTOOL_A_LINKMODES_LANES] != nullptr) m.lanes = nla_get_u32(tb[ETHTOOL_A_LINKMODES_LANES]);
        },
        ETHTOOL_A_LINKMODES_MAX, "ETHTOOL_MSG_LINKMODES_GET"));
    CPO_RETURN_IF_ERROR(impl_->ethtool_request(
        LogicalPort{port, 0}, ETHTOOL_MSG_LINKSTATE_GET, ETHTOOL_A_LINKSTATE_HEADER, 0, nullptr,
        [&](nlattr** tb) {
          if (tb[ETHTOOL_A_LINKSTATE_LINK] != nullptr) m.link_detected = nla_get_u8(tb[ETHTOOL_A_LINKSTATE_LINK]) != 0;
        },
        ETHTOOL_A_LINKSTATE_MAX, "ETHTOOL_MSG_LINKSTATE_GET"));
    CPO_RETURN_IF_ERROR(impl_->ethtool_request(
        LogicalPort{port, 0}, ETHTOOL_MSG_LINKINFO_GET, ETHTOOL_A_LINKINFO_HEADER, 0, nullptr,
        [&](nlattr** tb) {
          if (tb[ETHTOOL_A_LINKINFO_PORT] != nullptr) {
            switch (nla_get_u8(tb[ETHTOOL_A_LINKINFO_PORT])) {
              case PORT_TP: m.port = "Twisted Pair"; break;
              case PORT_AUI: m.port = "AUI"; break;
              case PORT_MII: m.port = "MII"; break;
              case PORT_FIBRE: m.port = "FIBRE"; break;
              case PORT_BNC: m.port = "BNC"; break;
              case PORT_DA: m.port = "Direct Attach Copper"; break;
              case PORT_NONE: m.port = "None"; break;
              default: m.port = "Other"; break;
            }
          }
          if (tb[ETHTOOL_A_LINKINFO_TRANSCEIVER] != nullptr)
            m.transceiver = nla_get_u8(tb[ETHTOOL_A_LINKINFO_TRANSCEIVER]) == XCVR_EXTERNAL ? "external" : "internal";
        },
        ETHTOOL_A_LINKINFO_MAX, "ETHTOOL_MSG_LINKINFO_GET"));
    return m;
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Result<FecInfo> NetlinkDriver::fec(PortId port) {
  try {
    FecInfo f;
    CPO_RETURN_IF_ERROR(impl_->ethtool_request(
        LogicalPort{port, 0}, ETHTOOL_MSG_FEC_GET, ETHTOOL_A_FEC_HEADER, 0, nullptr,
        [&](nlattr** tb) {
          if (tb[ETHTOOL_A_FEC_AUTO] != nullptr) f.automatic = nla_get_u8(tb[ETHTOOL_A_FEC_AUTO]) != 0;
          if (tb[ETHTOOL_A_FEC_ACTIVE] != nullptr) {
            switch (nla_get_u32(tb[ETHTOOL_A_FEC_ACTIVE])) {
              case ETHTOOL_LINK_MODE_FEC_NONE_BIT: f.active = "None"; break;
              case ETHTOOL_LINK_MODE_FEC_RS_BIT: f.active = "RS"; break;
              case ETHTOOL_LINK_MODE_FEC_BASER_BIT: f.active = "BaseR"; break;
              case ETHTOOL_LINK_MODE_FEC_LLRS_BIT: f.active = "LLRS"; break;
              default: f.active = "Unknown"; break;
            }
          }
        },
        ETHTOOL_A_FEC_MAX, "ETHTOOL_MSG_FEC_GET"));
    return f;
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Status NetlinkDriver::read_module_eeprom(PortId port, const EepromRequest& r, std::vector<std::uint8_t>& out) {
  try {
    if (r.length == 0 || r.length > 128 || r.offset > 255 || (r.offset < 128 && r.offset + r.length > 128) ||
        r.offset + r.length > 256)
      return error(Code::invalid_argument,
                   fmt::format("module EEPROM offset {} length {}: 1..128 bytes inside one half page (0..127 or "
                               "128..255)",
                               r.offset, r.length));
    bool got = false;
    CPO_RETURN_IF_ERROR(impl_->ethtool_request(
        LogicalPort{port, 0}, ETHTOOL_MSG_MODULE_EEPROM_GET, ETHTOOL_A_MODULE_EEPROM_HEADER, 0,
        [&](nl_msg* msg) {
          nla_put_u32(msg, ETHTOOL_A_MODULE_EEPROM_OFFSET, r.offset);
          nla_put_u32(msg, ETHTOOL_A_MODULE_EEPROM_LENGTH, r.length);
          nla_put_u8(msg, ETHTOOL_A_MODULE_EEPROM_PAGE, r.page);
          nla_put_u8(msg, ETHTOOL_A_MODULE_EEPROM_BANK, r.bank);
          nla_put_u8(msg, ETHTOOL_A_MODULE_EEPROM_I2C_ADDRESS, r.i2c_address);
        },
        [&](nlattr** tb) {
          if (nlattr* d = tb[ETHTOOL_A_MODULE_EEPROM_DATA]; d != nullptr) {
            const auto* bytes = static_cast<const std::uint8_t*>(nla_data(d));
            out.assign(bytes, bytes + std::min<std::size_t>(static_cast<std::size_t>(nla_len(d)), r.length));
            got = true;
          }
        },
        ETHTOOL_A_MODULE_EEPROM_MAX,
        fmt::format("module EEPROM page {:02X}h bank {} offset {} length {}", r.page, r.bank, r.offset, r.length),
        true));
    if (!got || out.size() != r.length)
      return error(Code::device_error,
                   fmt::format("port {}: module EEPROM reply with {} of {} bytes", port.value(), out.size(), r.length));
    return ok_status();
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Status NetlinkDriver::set_module_power_auto(PortId port, bool automatic) {
  try {
    return impl_->ethtool_request(
        LogicalPort{port, 0}, ETHTOOL_MSG_MODULE_SET, ETHTOOL_A_MODULE_HEADER, 0,
        [&](nl_msg* msg) {
          nla_put_u8(msg, ETHTOOL_A_MODULE_POWER_MODE_POLICY,
                     automatic ? ETHTOOL_MODULE_POWER_MODE_POLICY_AUTO : ETHTOOL_MODULE_POWER_MODE_POLICY_HIGH);
        },
        nullptr, ETHTOOL_A_MODULE_MAX, fmt::format("module power mode policy {}", automatic ? "auto" : "high"));
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

namespace {
Status not_offered(std::string_view what) {
  return error(Code::unsupported, fmt::format("netlink: {} is not offered by the kernel interface", what));
}
}  // namespace

Status NetlinkDriver::set_breakout(std::span<const BreakoutRequest> requests) {
  try {
    Impl& im = *impl_;
    Lock lock(im.devlink_mu);
    if (!im.devlink) return not_offered("breakout (the kernel has no devlink)");
    const auto& modes = im.platform->breakout_modes();
    for (const BreakoutRequest& r : requests) {
      CPO_RETURN_IF_ERROR(im.check_port(r.port));
      const auto& number = im.devlink_number[r.port.value()];
      if (!number)
        return error(Code::unsupported, fmt::format("port {} ({}): devlink lists no port for this netdev",
                                                    r.port.value(), im.devs[r.port.value()].ifname));
      if (r.mode.groups().size() != 1)
        return error(Code::unsupported, fmt::format("port {}: breakout {}: devlink splits a port into equal "
                                                    "sub-ports only (one group)",
                                                    r.port.value(), r.mode.to_string()));
      const auto index = static_cast<std::uint32_t>(std::find(modes.begin(), modes.end(), r.mode) - modes.begin());
      if (index == modes.size())
        return error(Code::invalid_argument, fmt::format("port {}: breakout {} is not a mode of profile {}",
                                                         r.port.value(), r.mode.to_string(), im.platform->name()));
      const std::uint32_t want = r.mode.subport_count();
      if (want == im.subport_count(r.port)) {
        Lock map_lock(im.map_mu);
        im.mode[r.port.value()] = index;
        continue;
      }
      auto listed = im.devlink->ports();
      if (!listed) return listed.status();
      std::vector<DevlinkPort> mine;
      for (const auto& d : *listed)
        if (d.number == *number) mine.push_back(d);
      if (mine.empty())
        return error(Code::device_error,
                     fmt::format("port {}: devlink lists no port numbered {}", r.port.value(), *number));
      // A split port is unsplit first (devlink refuses to split a sub-port), then split again.
      if (mine.size() > 1 || mine.front().split_subport.has_value()) {
        CPO_RETURN_IF_ERROR(im.devlink->unsplit(mine.front()));
        if (want == 1) {
          CPO_RETURN_IF_ERROR(im.remap(r.port, index));
          continue;
        }
        auto again = im.devlink->ports();
        if (!again) return again.status();
        mine.clear();
        for (const auto& d : *again)
          if (d.number == *number) mine.push_back(d);
        if (mine.empty())
          return error(Code::device_error, fmt::format("port {}: devlink lists no port numbered {} after the unsplit",
                                                       r.port.value(), *number));
      }
      CPO_RETURN_IF_ERROR(im.devlink->split(mine.front(), want));
      CPO_RETURN_IF_ERROR(im.remap(r.port, index));
    }
    return ok_status();
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}
Status NetlinkDriver::set_fec(PortId, FecMode) { return not_offered("FEC"); }
Status NetlinkDriver::set_loopback(PortId, LoopbackMode) { return not_offered("loopback"); }
Status NetlinkDriver::set_tx_fir(LaneId, const TxFir&) { return not_offered("tx-FIR"); }
Status NetlinkDriver::set_prbs(LaneId, const PrbsConfig&) { return not_offered("PRBS"); }
Result<PrbsStatus> NetlinkDriver::prbs_status(LaneId) { return not_offered("PRBS"); }
Status NetlinkDriver::read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) {
  try {
    const auto* oe = std::get_if<OeId>(&address.module);
    if (oe == nullptr) return not_offered("CMIS access to ELS modules (they are not behind a netdev)");
    const Platform& p = *impl_->platform;
    if (oe->value() >= p.optical_engines().size() ||
        address.bank.value() >= p.optical_engines()[oe->value()].banks.size() ||
        p.optical_engines()[oe->value()].banks[address.bank.value()].lanes.empty())
      return error(Code::out_of_range, fmt::format("{}: no such optical engine bank", to_string(address)));
    // The module is reached through the netdev of the port holding the bank's first lane.
    const LaneInfo& lane =
        p.lanes()[p.optical_engines()[oe->value()].banks[address.bank.value()].lanes.front().value()];
    EepromRequest r;
    r.offset = address.offset;
    r.length = static_cast<std::uint32_t>(out.size());
    // The kernel reads lower memory (bytes 0..127) as page 0 bank 0 only.
    r.page = address.offset < 128 ? 0 : address.page;
    r.bank = address.offset < 128 ? 0 : static_cast<std::uint8_t>(address.bank.value());
    std::vector<std::uint8_t> bytes;
    CPO_RETURN_IF_ERROR(read_module_eeprom(lane.port, r, bytes));
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return ok_status();
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}
Status NetlinkDriver::write_cmis(const CmisAddress&, std::span<const std::uint8_t>) {
  return not_offered("CMIS writes");
}
Status NetlinkDriver::reset_unit(UnitId) { return not_offered("unit reset"); }

Result<LaneTelemetry> NetlinkDriver::lane_telemetry(LaneId lane) {
  if (lane.value() >= impl_->platform->lanes().size())
    return error(Code::out_of_range, fmt::format("lane {}: no such lane", lane.value()));
  LaneTelemetry t;
  t.lane = lane;
  return t;
}

Result<PortTelemetry> NetlinkDriver::port_telemetry(PortId port) {
  try {
    CPO_RETURN_IF_ERROR(impl_->check_port(port));
    std::map<int, LinkState> links;
    const std::uint32_t n = impl_->subport_count(port);
    for (std::uint32_t s = 0; s < n; ++s) {
      auto l = impl_->get_link(LogicalPort{port, s});
      if (!l) {
        if (l.status().code() == Code::not_found) continue;  // a port without a netdev: all down
        return l.status();
      }
      links[l->ifindex] = *l;
    }
    return impl_->telemetry_of(port, links);
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Result<OperState> NetlinkDriver::oper_state(PortId port) {
  auto t = port_telemetry(port);
  if (!t) return t.status();
  return t->oper();
}

namespace {
// An OE's module state and monitors from its lower memory (CMIS 5.2 Table 8-4, bytes 3, 14..17),
// decoded by the hal codec.
void fill_oe(OeTelemetry& t, const cmis::PageBytes& lower) {
  const cmis::LowerPage l = cmis::decode_lower(lower);
  t.module_state = l.module_state;
  t.temperature = l.temperature;
  t.vcc = l.vcc;
}
}  // namespace

Status NetlinkDriver::read_telemetry(UnitId unit, UnitTelemetry& out) {
  try {
    const Platform& p = *impl_->platform;
    if (unit.value() >= p.units().size())
      return error(Code::out_of_range, fmt::format("unit {}: no such unit", unit.value()));
    auto links = impl_->dump_links();
    if (!links) return links.status();
    out.unit = unit;
    out.timestamp = now_ns();
    ++out.generation;
    out.ports.clear();
    out.lanes.clear();
    out.oes.clear();
    out.els.clear();
    out.lasers.clear();
    for (const auto& port : p.ports()) {
      if (port.unit != unit) continue;
      out.ports.push_back(impl_->telemetry_of(port.id, *links));
    }
    for (const auto& lane : p.lanes()) {
      if (lane.unit != unit) continue;
      LaneTelemetry t;
      t.lane = lane.id;
      out.lanes.push_back(t);
    }
    for (const auto& oe : p.optical_engines()) {
      if (oe.unit != unit) continue;
      OeTelemetry t;
      t.oe = oe.id;
      // The module's lower memory, unless its netdev said it has no module EEPROM (veth).
      if (capabilities().cmis_oe && !oe.banks.empty() && !oe.banks.front().lanes.empty()) {
        const PortId port = p.lanes()[oe.banks.front().lanes.front().value()].port;
        bool skip = false;
        {
          Lock lock(impl_->map_mu);
          skip = impl_->no_module_eeprom[port.value()] != 0;
        }
        cmis::PageBytes lower{};
        const Status s = skip ? ok_status() : read_cmis(CmisAddress{oe.id, BankId(0), 0, 0}, lower);
        if (!skip && s.ok()) {
          fill_oe(t, lower);
        } else if (!skip && s.code() == Code::unsupported) {
          Lock lock(impl_->map_mu);
          impl_->no_module_eeprom[port.value()] = 1;
        } else if (!skip && s.code() != Code::not_found) {
          return s;
        }
      }
      out.oes.push_back(t);
    }
    for (const auto& els : p.els_modules()) {
      std::uint32_t lowest = ~0u;
      for (const auto& laser : els.lasers) {
        if (laser.lanes.empty()) continue;
        const UnitId owner = p.lanes()[laser.lanes.front().value()].unit;
        lowest = std::min(lowest, owner.value());
        if (owner == unit) {
          LaserTelemetry t;
          t.laser = laser.ref;
          t.state = LaserState::absent;
          out.lasers.push_back(t);
        }
      }
      if (lowest == unit.value()) {
        ElsTelemetry t;
        t.els = els.id;
        out.els.push_back(t);
      }
    }
    return ok_status();
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

Status NetlinkDriver::read_events(std::vector<Event>& out) {
  try {
    Impl& im = *impl_;
    Lock lock(im.events_mutex);
    const int fd = nl_socket_get_fd(im.event_sock.get());
    std::vector<char> buf(64 * 1024);
    bool overrun = false;
    while (true) {
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        if (errno == ENOBUFS) {
          overrun = true;
          continue;  // drain what is queued; the dump below replaces it
        }
        return error(Code::io_error, fmt::format("link notifications in {}: {}", im.where, errno_text(errno)));
      }
      if (overrun) continue;
      int left = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
        if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
        LinkState s = parse_link(h);
        LogicalPort lp;
        {
          Lock map_lock(im.map_mu);
          auto it = im.lp_of_index.find(s.ifindex);
          if (it == im.lp_of_index.end()) continue;
          lp = it->second;
        }
        const std::uint32_t port = lp.port.value();
        const std::uint32_t bit = 1u << lp.subport;
        const bool up = h->nlmsg_type == RTM_NEWLINK && oper_up(s);
        if (up == ((im.last_oper[port] & bit) != 0)) continue;
        im.last_oper[port] = up ? im.last_oper[port] | bit : im.last_oper[port] & ~bit;
        Event e;
        e.unit = im.platform->ports()[port].unit;
        e.timestamp = now_ns();
        e.payload = LinkChange{lp, up ? OperState::up : OperState::down,
                               up ? LinkCause::none : (s.admin_up ? LinkCause::none : LinkCause::admin_down)};
        out.push_back(e);
      }
    }
    if (overrun) {
      auto links = im.dump_links();
      if (!links) return links.status().with_context("resync after a link-notification overrun");
      const auto now = now_ns();
      Event r;
      r.unit = UnitId(0);
      r.timestamp = now;
      r.payload = Resync{0};
      out.push_back(r);
      const std::vector<std::uint32_t> now_up = im.oper_of(*links);
      std::vector<SubportNetdev> netdevs = subport_netdevs();
      for (const SubportNetdev& d : netdevs) {
        const std::uint32_t p = d.port.port.value();
        const std::uint32_t bit = 1u << d.port.subport;
        const bool up = (now_up[p] & bit) != 0;
        if (up == ((im.last_oper[p] & bit) != 0)) continue;
        im.last_oper[p] = up ? im.last_oper[p] | bit : im.last_oper[p] & ~bit;
        auto it = links->find(d.ifindex);
        Event e;
        e.unit = im.platform->ports()[p].unit;
        e.timestamp = now;
        e.synthetic = true;
        const bool admin = d.ifindex != 0 && it != links->end() && it->second.admin_up;
        e.payload = LinkChange{d.port, up ? OperState::up : OperState::down,
                               up || admin ? LinkCause::none : LinkCause::admin_down};
        out.push_back(e);
      }
    }
    return ok_status();
  } catch (const std::exception& e) {
    return error(Code::internal, e.what());
  }
}

}  // namespace cpo::netlink
