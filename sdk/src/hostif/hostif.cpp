// Host interfaces (cpo/sdk/hostif.h, docs/netlink.md): tap netdevs for the logical ports of a
// switch, created and watched by one worker thread that lives inside the chosen namespace.
#include "cpo/sdk/hostif.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <thread>

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cpo/hal/mutex.h"
#include "cpo/sdk/switch.h"

namespace cpo::sdk {
namespace {

std::string errno_text(int err) {
  char buf[128];
  return std::string(strerror_r(err, buf, sizeof buf));
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

struct Tap {
  Fd fd;
  HostInterface info;
};

// A change to one of our netdevs.
struct LinkEdit {
  int ifindex = 0;
  bool up = false;
  std::uint32_t mtu = 0;  // 0: leave the MTU
  std::string alias;      // empty: leave the alias
};

// The alias that marks a host interface with its owner: "cposdk-hostif pid=<pid> port=<P>/<S>".
// It is how `hostif show` finds the interfaces and `hostif down` their owner and leftovers.
constexpr std::string_view kAliasPrefix = "cposdk-hostif pid=";

void put_attr(std::vector<char>& msg, std::uint16_t type, const void* data, std::size_t size) {
  const std::size_t at = NLMSG_ALIGN(msg.size());
  msg.resize(at + RTA_ALIGN(RTA_LENGTH(size)), 0);
  rtattr a{};
  a.rta_type = type;
  a.rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
  std::memcpy(msg.data() + at, &a, sizeof a);
  std::memcpy(msg.data() + at + RTA_LENGTH(0), data, size);
}

// RTM_NEWLINK for one edit.
std::vector<char> link_request(const LinkEdit& e, std::uint32_t seq) {
  std::vector<char> msg(NLMSG_LENGTH(sizeof(ifinfomsg)), 0);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = e.ifindex;
  ifi.ifi_flags = e.up ? static_cast<unsigned>(IFF_UP) : 0u;
  ifi.ifi_change = IFF_UP;
  std::memcpy(msg.data() + NLMSG_HDRLEN, &ifi, sizeof ifi);
  if (e.mtu != 0) put_attr(msg, IFLA_MTU, &e.mtu, sizeof e.mtu);
  if (!e.alias.empty()) put_attr(msg, IFLA_IFALIAS, e.alias.c_str(), e.alias.size() + 1);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(msg.size());
  h.nlmsg_type = RTM_NEWLINK;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h.nlmsg_seq = seq;
  std::memcpy(msg.data(), &h, sizeof h);
  return msg;
}

}  // namespace

struct HostInterfaces::State {
  State(Switch& s, HostInterfaceOptions o) : sw(s), options(std::move(o)) {}

  Switch& sw;
  HostInterfaceOptions options;
  Fd nsfd;
  Fd wake;  // eventfd: a sync request or stop

  mutable Mutex mu;
  std::vector<HostInterface> published CPO_GUARDED_BY(mu);
  std::uint64_t requested CPO_GUARDED_BY(mu) = 0;
  std::uint64_t completed CPO_GUARDED_BY(mu) = 0;
  Status last CPO_GUARDED_BY(mu);
  bool started CPO_GUARDED_BY(mu) = false;
  Status start_status CPO_GUARDED_BY(mu);
  CondVar cv;
  std::atomic<bool> stopping{false};
  std::thread worker;

  // Worker-only state.
  std::map<LogicalPort, Tap> taps;
  Fd rtnl;    // requests (acks read synchronously)
  Fd events;  // RTNLGRP_LINK notifications
  std::uint32_t seq = 1;

  Result<std::string> name_for(const LogicalPortTelemetry& lp) const {
    std::string name = options.pattern;
    auto subst = [&](std::string_view key, std::uint32_t value) {
      for (auto at = name.find(key); at != std::string::npos; at = name.find(key))
        name.replace(at, key.size(), std::to_string(value));
    };
    subst("{N}", lp.lanes.empty() ? 0 : lp.lanes.front().value());
    subst("{P}", lp.port.port.value());
    subst("{S}", lp.port.subport);
    if (name.empty() || name.size() >= IFNAMSIZ)
      return error(Code::invalid_argument, fmt::format("host interface name '{}' for port {}/{}: 1..{} characters",
                                                       name, lp.port.port.value(), lp.port.subport, IFNAMSIZ - 1));
    return name;
  }

  // Sets IFF_UP (and the MTU) of many netdevs: every request is sent, then every ack read.
  Status set_links(const std::vector<LinkEdit>& changes) {
    if (changes.empty()) return ok_status();
    std::vector<std::vector<char>> reqs;
    reqs.reserve(changes.size());
    const std::uint32_t first = seq;
    for (const auto& c : changes) reqs.push_back(link_request(c, seq++));
    // One sendto per request keeps each under the socket's limits; acks are read afterwards.
    for (const auto& r : reqs)
      if (::send(rtnl.get(), r.data(), r.size(), 0) < 0)
        return error(Code::io_error, fmt::format("host interfaces: RTM_NEWLINK: {}", errno_text(errno)));
    std::size_t acked = 0;
    Status result;
    std::vector<char> buf(32 * 1024);
    while (acked < reqs.size()) {
      const ssize_t n = ::recv(rtnl.get(), buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return error(Code::io_error, fmt::format("host interfaces: netlink recv: {}", errno_text(errno)));
      }
      auto left = static_cast<std::size_t>(n);
      std::size_t off = 0;
      while (left >= sizeof(nlmsghdr)) {
        nlmsghdr h;
        std::memcpy(&h, buf.data() + off, sizeof h);
        if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > left) break;
        if (h.nlmsg_type == NLMSG_ERROR && h.nlmsg_seq >= first && h.nlmsg_seq < seq) {
          ++acked;
          nlmsgerr e;
          std::memcpy(&e, buf.data() + off + NLMSG_HDRLEN, sizeof e);
          if (e.error != 0 && result.ok())
            result = error(Code::io_error, fmt::format("host interfaces: ifindex {}: set admin/MTU: {}",
                                                       changes[h.nlmsg_seq - first].ifindex, errno_text(-e.error)));
        }
        const std::size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step >= left) break;
        off += step;
        left -= step;
      }
    }
    return result;
  }

  Status set_carrier(Tap& tap, bool on) {
    int value = on ? 1 : 0;
    if (::ioctl(tap.fd.get(), TUNSETCARRIER, &value) != 0)
      return error(Code::io_error,
                   fmt::format("host interface {}: TUNSETCARRIER: {}", tap.info.ifname, errno_text(errno)));
    tap.info.carrier = on;
    return ok_status();
  }

  Result<Tap> create_tap(const std::string& name, const LogicalPort& port) {
    if (::if_nametoindex(name.c_str()) != 0)
      return error(Code::already_exists,
                   fmt::format("host interface {}: a netdev of that name exists already in {} (delete it or "
                               "choose another pattern)",
                               name, options.netns.empty() ? "this namespace" : "netns " + options.netns));
    Tap tap;
    tap.fd = Fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (tap.fd.get() < 0) return error(Code::io_error, fmt::format("/dev/net/tun: {}", errno_text(errno)));
    ifreq req{};
    std::memcpy(req.ifr_name, name.c_str(), name.size());
    req.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(tap.fd.get(), TUNSETIFF, &req) != 0)
      return error(Code::io_error, fmt::format("host interface {}: TUNSETIFF: {}", name, errno_text(errno)));
    tap.info.port = port;
    tap.info.ifname = name;
    tap.info.ifindex = static_cast<int>(::if_nametoindex(name.c_str()));
    return tap;
  }

  // The full pass: interfaces for the current logical ports, admin from the switch where it
  // changed there, carrier from oper state.
  Status full_pass() {
    auto snap = sw.snapshot();
    if (!snap) return snap.status().with_context("host interfaces");
    std::map<LogicalPort, const LogicalPortTelemetry*> want;
    for (const auto& lp : snap->logical_ports) want[lp.port] = &lp;
    for (auto it = taps.begin(); it != taps.end();) it = want.contains(it->first) ? std::next(it) : taps.erase(it);
    std::vector<LinkEdit> edits;
    Status status;
    const bool has_mtu = sw.capabilities().mtu;
    for (const auto& [port, lp] : want) {
      auto it = taps.find(port);
      const bool up = lp->admin == AdminState::up;
      std::uint32_t mtu = 0;
      if (has_mtu) {
        auto m = sw.mtu(port);
        if (!m) return m.status().with_context("host interfaces");
        mtu = *m;
      }
      if (it == taps.end()) {
        auto name = name_for(*lp);
        if (!name) return name.status();
        auto tap = create_tap(*name, port);
        if (!tap) return tap.status();
        it = taps.emplace(port, std::move(tap).value()).first;
        it->second.info.admin_up = up;
        it->second.info.mtu = mtu;
        edits.push_back(
            LinkEdit{it->second.info.ifindex, up, mtu,
                     fmt::format("{}{} port={}/{}", kAliasPrefix, ::getpid(), port.port.value(), port.subport)});
        CPO_RETURN_IF_ERROR(set_carrier(it->second, lp->oper == OperState::up));
        continue;
      }
      Tap& tap = it->second;
      if (tap.info.admin_up != up || tap.info.mtu != mtu) {
        edits.push_back(LinkEdit{tap.info.ifindex, up, tap.info.mtu != mtu ? mtu : 0, {}});
        tap.info.admin_up = up;
        tap.info.mtu = mtu;
      }
      if (tap.info.carrier != (lp->oper == OperState::up))
        CPO_RETURN_IF_ERROR(set_carrier(tap, lp->oper == OperState::up));
    }
    CPO_RETURN_IF_ERROR(set_links(edits));
    // The kernel queued the notifications of our own changes before acking them: read them
    // now so they are not taken for changes made on the host.
    std::vector<int> ours;
    for (const auto& e : edits) ours.push_back(e.ifindex);
    on_notifications(ours);
    publish();
    return status;
  }

  void publish() CPO_EXCLUDES(mu) {
    std::vector<HostInterface> list;
    list.reserve(taps.size());
    for (const auto& [port, tap] : taps) list.push_back(tap.info);
    Lock lock(mu);
    published = std::move(list);
  }

  // Notifications of the namespace: an interface of ours whose IFF_UP differs from the agreed
  // state was changed from the host side: the logical port follows.
  void on_notifications(const std::vector<int>& ours = {}) {
    std::vector<LinkEdit> undo;
    std::vector<char> buf(64 * 1024);
    bool changed = false;
    bool resync = false;
    while (true) {
      const ssize_t n = ::recv(events.get(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {  // lost some: the next full pass and this read settle it
          resync = true;
          continue;
        }
        break;
      }
      auto left = static_cast<std::size_t>(n);
      std::size_t off = 0;
      while (left >= sizeof(nlmsghdr)) {
        nlmsghdr h;
        std::memcpy(&h, buf.data() + off, sizeof h);
        if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > left) break;
        if (h.nlmsg_type == RTM_NEWLINK && h.nlmsg_len >= NLMSG_HDRLEN + sizeof(ifinfomsg)) {
          ifinfomsg ifi;
          std::memcpy(&ifi, buf.data() + off + NLMSG_HDRLEN, sizeof ifi);
          const std::uint32_t mtu = mtu_of(buf.data() + off, h.nlmsg_len);
          for (auto& [port, tap] : taps) {
            if (tap.info.ifindex != ifi.ifi_index) continue;
            if (std::find(ours.begin(), ours.end(), ifi.ifi_index) != ours.end()) continue;
            const bool up = (ifi.ifi_flags & IFF_UP) != 0;
            if (up != tap.info.admin_up) {
              tap.info.admin_up = up;
              (void)sw.set_admin(port, up ? AdminState::up : AdminState::down);
              changed = true;
            }
            if (tap.info.mtu != 0 && mtu != 0 && mtu != tap.info.mtu) {
              // The host changed the MTU: the port follows; a value the switch refuses is undone
              // on the interface, so both keep agreeing.
              if (sw.set_mtu(port, mtu).ok()) {
                tap.info.mtu = mtu;
              } else {
                undo.push_back(LinkEdit{tap.info.ifindex, tap.info.admin_up, tap.info.mtu, {}});
              }
              changed = true;
            }
          }
        }
        const std::size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step >= left) break;
        off += step;
        left -= step;
      }
    }
    if (!undo.empty()) {
      (void)set_links(undo);
      std::vector<int> mine;
      for (const auto& e : undo) mine.push_back(e.ifindex);
      on_notifications(mine);
    }
    if (changed) publish();
    if (resync) (void)full_pass();
  }

  // IFLA_MTU of an RTM_NEWLINK message; 0 when absent.
  static std::uint32_t mtu_of(const char* msg, std::size_t len) {
    std::size_t off = NLMSG_LENGTH(sizeof(ifinfomsg));
    off = NLMSG_ALIGN(off);
    while (off + sizeof(rtattr) <= len) {
      rtattr a;
      std::memcpy(&a, msg + off, sizeof a);
      if (a.rta_len < sizeof(rtattr) || off + a.rta_len > len) break;
      if (a.rta_type == IFLA_MTU && a.rta_len >= RTA_LENGTH(sizeof(std::uint32_t))) {
        std::uint32_t v = 0;
        std::memcpy(&v, msg + off + RTA_LENGTH(0), sizeof v);
        return v;
      }
      off += RTA_ALIGN(a.rta_len);
    }
    return 0;
  }

  void on_link_events(Subscription& sub) {
    std::vector<Event> got;
    sub.read(got);
    bool changed = false;
    for (const Event& e : got) {
      if (const auto* l = e.get<LinkChange>()) {
        if (auto it = taps.find(l->port); it != taps.end() && it->second.info.carrier != (l->state == OperState::up)) {
          (void)set_carrier(it->second, l->state == OperState::up);
          changed = true;
        }
      }
    }
    if (changed) publish();
  }

  Status open_sockets() {
    rtnl = Fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    events = Fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
    if (rtnl.get() < 0 || events.get() < 0)
      return error(Code::io_error, fmt::format("host interfaces: netlink socket: {}", errno_text(errno)));
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_LINK;
    if (::bind(events.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      return error(Code::io_error, fmt::format("host interfaces: RTNLGRP_LINK: {}", errno_text(errno)));
    const int rcvbuf = 1 << 20;
    (void)::setsockopt(events.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return ok_status();
  }

  void run() noexcept {
    Status status;
    try {
      if (nsfd.get() >= 0 && ::setns(nsfd.get(), CLONE_NEWNET) != 0)
        status = error(Code::io_error, fmt::format("setns into netns {}: {}", options.netns, errno_text(errno)));
      if (status.ok()) status = open_sockets();
      EventFilter filter;
      filter.types = {EventType::link_change};
      Result<Subscription> sub = status.ok() ? sw.subscribe(filter) : Result<Subscription>(status);
      if (status.ok() && !sub) status = sub.status();
      if (status.ok()) status = full_pass();
      {
        Lock lock(mu);
        started = true;
        start_status = status;
      }
      cv.notify_all();
      if (!status.ok()) {
        taps.clear();
        return;
      }
      std::uint64_t served = 0;
      while (!stopping.load()) {
        pollfd fds[3] = {{wake.get(), POLLIN, 0}, {events.get(), POLLIN, 0}, {sub->fd(), POLLIN, 0}};
        const int n = ::poll(fds, 3, static_cast<int>(options.period.count()));
        if (stopping.load()) break;
        if (n > 0 && (fds[1].revents & POLLIN) != 0) on_notifications();
        if (n > 0 && (fds[2].revents & POLLIN) != 0) on_link_events(*sub);
        std::uint64_t want = 0;
        if (n > 0 && (fds[0].revents & POLLIN) != 0) {
          std::uint64_t v = 0;
          (void)!::read(wake.get(), &v, sizeof v);
          Lock lock(mu);
          want = requested;
        }
        if (n == 0 || want > served) {
          Status s = full_pass();
          if (want > served) {
            served = want;
            Lock lock(mu);
            completed = want;
            last = s;
          }
          cv.notify_all();
        }
      }
    } catch (const std::exception& e) {
      Lock lock(mu);
      started = true;
      if (start_status.ok()) start_status = error(Code::internal, fmt::format("host interfaces: {}", e.what()));
      last = start_status;
      completed = requested;
      cv.notify_all();
    }
    taps.clear();  // closing the tap descriptors removes the netdevs
  }
};

Result<std::unique_ptr<HostInterfaces>> HostInterfaces::start(Switch& sw, const HostInterfaceOptions& options) {
  try {
    if (options.pattern.find('{') == std::string::npos)
      return error(Code::invalid_argument,
                   fmt::format("host interface pattern '{}' has no {{N}}, {{P}} or {{S}}", options.pattern));
    auto state = std::make_shared<State>(sw, options);
    if (!options.netns.empty()) {
      if (options.netns.find('/') != std::string::npos)
        return error(Code::invalid_argument, fmt::format("netns '{}': a namespace name has no '/'", options.netns));
      state->nsfd = Fd(::open(("/run/netns/" + options.netns).c_str(), O_RDONLY | O_CLOEXEC));
      if (state->nsfd.get() < 0)
        return error(errno == ENOENT ? Code::not_found : Code::io_error,
                     fmt::format("netns {}: {} (create it with `ip netns add {}`)", options.netns, errno_text(errno),
                                 options.netns));
    }
    state->wake = Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (state->wake.get() < 0) return error(Code::io_error, fmt::format("eventfd: {}", errno_text(errno)));
    state->worker = std::thread([s = state.get()] { s->run(); });
    Status status;
    {
      Lock lock(state->mu);
      state->cv.wait(lock, [&]() CPO_NO_THREAD_SAFETY_ANALYSIS { return state->started; });
      status = state->start_status;
    }
    if (!status.ok()) {
      state->stopping = true;
      state->worker.join();
      return status;
    }
    return std::unique_ptr<HostInterfaces>(new HostInterfaces(std::move(state)));
  } catch (const std::exception& e) {
    return error(Code::internal, fmt::format("host interfaces: {}", e.what()));
  }
}

HostInterfaces::~HostInterfaces() {
  if (!state_) return;
  state_->stopping = true;
  const std::uint64_t one = 1;
  (void)!::write(state_->wake.get(), &one, sizeof one);
  if (state_->worker.joinable()) state_->worker.join();
}

std::vector<HostInterface> HostInterfaces::interfaces() const {
  Lock lock(state_->mu);
  return state_->published;
}

Status HostInterfaces::sync() {
  std::uint64_t ticket = 0;
  {
    Lock lock(state_->mu);
    ticket = ++state_->requested;
  }
  const std::uint64_t one = 1;
  if (::write(state_->wake.get(), &one, sizeof one) < 0)
    return error(Code::io_error, fmt::format("host interfaces: eventfd: {}", errno_text(errno)));
  Lock lock(state_->mu);
  if (!state_->cv.wait_for(lock, std::chrono::seconds(30),
                           [&]() CPO_NO_THREAD_SAFETY_ANALYSIS { return state_->completed >= ticket; }))
    return error(Code::timeout, "host interfaces: the worker did not finish a pass within 30 s");
  return state_->last;
}

namespace {

// Runs `body` on a helper thread inside network namespace `netns` (empty: the caller's), so
// the caller's own namespace never changes.
Status in_netns(const std::string& netns, const std::function<Status()>& body) {
  if (netns.empty()) return body();
  if (netns.find('/') != std::string::npos)
    return error(Code::invalid_argument, fmt::format("netns '{}': a namespace name has no '/'", netns));
  Fd ns(::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC));
  if (ns.get() < 0)
    return error(errno == ENOENT ? Code::not_found : Code::io_error,
                 fmt::format("netns {}: {} (create it with `ip netns add {}`)", netns, errno_text(errno), netns));
  Status result;
  std::thread helper([&]() noexcept {
    try {
      if (::setns(ns.get(), CLONE_NEWNET) != 0) {
        result = error(Code::io_error, fmt::format("setns into netns {}: {}", netns, errno_text(errno)));
        return;
      }
      result = body();
    } catch (const std::exception& e) {
      result = error(Code::internal, e.what());
    }
  });
  helper.join();
  return result;
}

// A zombie counts as stopped: its descriptors, and so its taps, are gone.
bool running(int pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  char state = 0;
  if (FILE* f = std::fopen(fmt::format("/proc/{}/stat", pid).c_str(), "r"); f != nullptr) {
    // "pid (comm) S ...": the state follows the last ')'.
    char line[512] = {};
    const std::size_t n = std::fread(line, 1, sizeof line - 1, f);
    std::fclose(f);
    const std::string_view text(line, n);
    if (auto close = text.rfind(')'); close != std::string_view::npos && close + 2 < text.size())
      state = text[close + 2];
  }
  return state != 'Z';
}

// A bare rtnetlink link request (ifindex 0 with NLM_F_DUMP: every interface).
struct LinkRequest {
  nlmsghdr h;
  ifinfomsg ifi;
};
LinkRequest link_request(std::uint16_t type, std::uint16_t flags, int ifindex) {
  LinkRequest req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = type;
  req.h.nlmsg_flags = flags;
  req.h.nlmsg_seq = 1;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ifi.ifi_index = ifindex;
  return req;
}

// Every netdev of the current namespace carrying our alias.
Result<std::vector<MarkedInterface>> dump_marked() {
  Fd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (sock.get() < 0) return error(Code::io_error, fmt::format("netlink socket: {}", errno_text(errno)));
  const LinkRequest req = link_request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 0);
  if (::send(sock.get(), &req, sizeof req, 0) < 0)
    return error(Code::io_error, fmt::format("RTM_GETLINK: {}", errno_text(errno)));
  std::vector<MarkedInterface> out;
  std::vector<char> buf(64 * 1024);
  while (true) {
    const ssize_t n = ::recv(sock.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return error(Code::io_error, fmt::format("RTM_GETLINK: {}", errno_text(errno)));
    }
    std::size_t off = 0;
    auto left = static_cast<std::size_t>(n);
    while (left >= sizeof(nlmsghdr)) {
      nlmsghdr h;
      std::memcpy(&h, buf.data() + off, sizeof h);
      if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > left) break;
      if (h.nlmsg_type == NLMSG_DONE) return out;
      if (h.nlmsg_type == NLMSG_ERROR) {
        nlmsgerr e;
        std::memcpy(&e, buf.data() + off + NLMSG_HDRLEN, sizeof e);
        return error(Code::io_error, fmt::format("RTM_GETLINK: {}", errno_text(-e.error)));
      }
      if (h.nlmsg_type == RTM_NEWLINK && h.nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg))) {
        ifinfomsg ifi;
        std::memcpy(&ifi, buf.data() + off + NLMSG_HDRLEN, sizeof ifi);
        MarkedInterface m;
        m.ifindex = ifi.ifi_index;
        m.admin_up = (ifi.ifi_flags & IFF_UP) != 0;
        std::string alias;
        for (std::size_t a = NLMSG_LENGTH(sizeof(ifinfomsg)); a + sizeof(rtattr) <= h.nlmsg_len;) {
          rtattr at;
          std::memcpy(&at, buf.data() + off + a, sizeof at);
          if (at.rta_len < sizeof(rtattr) || a + at.rta_len > h.nlmsg_len) break;
          const char* data = buf.data() + off + a + RTA_LENGTH(0);
          const std::size_t size = at.rta_len - RTA_LENGTH(0);
          if (at.rta_type == IFLA_IFNAME) m.ifname = std::string(data, strnlen(data, size));
          if (at.rta_type == IFLA_IFALIAS) alias = std::string(data, strnlen(data, size));
          if (at.rta_type == IFLA_MTU && size >= 4) std::memcpy(&m.mtu, data, 4);
          if (at.rta_type == IFLA_CARRIER && size >= 1) m.carrier = data[0] != 0;
          a += RTA_ALIGN(at.rta_len);
        }
        unsigned port = 0, sub = 0;
        int pid = 0;
        if (alias.starts_with(kAliasPrefix) &&
            std::sscanf(alias.c_str() + kAliasPrefix.size(), "%d port=%u/%u", &pid, &port, &sub) == 3) {
          m.owner_pid = pid;
          m.owner_running = running(pid);
          m.port = LogicalPort{PortId(port), sub};
          out.push_back(std::move(m));
        }
      }
      const std::size_t step = NLMSG_ALIGN(h.nlmsg_len);
      if (step >= left) break;
      off += step;
      left -= step;
    }
  }
}

}  // namespace

Result<std::vector<MarkedInterface>> HostInterfaces::list(const std::string& netns) {
  try {
    std::vector<MarkedInterface> out;
    CPO_RETURN_IF_ERROR(in_netns(netns, [&] {
      auto got = dump_marked();
      if (!got) return got.status();
      out = std::move(got).value();
      return ok_status();
    }));
    std::sort(out.begin(), out.end(),
              [](const MarkedInterface& a, const MarkedInterface& b) { return a.port < b.port; });
    return out;
  } catch (const std::exception& e) {
    return error(Code::internal, fmt::format("host interfaces: {}", e.what()));
  }
}

Result<std::vector<std::string>> HostInterfaces::remove_leftovers(const std::string& netns) {
  try {
    std::vector<std::string> removed;
    CPO_RETURN_IF_ERROR(in_netns(netns, [&] {
      auto got = dump_marked();
      if (!got) return got.status();
      for (const auto& m : *got) {
        if (m.owner_running) continue;
        const LinkRequest req = link_request(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, m.ifindex);
        Fd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        if (sock.get() < 0 || ::send(sock.get(), &req, sizeof req, 0) < 0)
          return error(Code::io_error, fmt::format("host interface {}: RTM_DELLINK: {}", m.ifname, errno_text(errno)));
        struct {
          nlmsghdr h;
          nlmsgerr e;
        } ack{};
        if (::recv(sock.get(), &ack, sizeof ack, 0) < 0)
          return error(Code::io_error, fmt::format("host interface {}: RTM_DELLINK: {}", m.ifname, errno_text(errno)));
        // ENODEV: it went away meanwhile (its owner's descriptors closed), which is the goal.
        if (ack.e.error != 0 && ack.e.error != -ENODEV)
          return error(Code::io_error,
                       fmt::format("host interface {}: RTM_DELLINK: {}", m.ifname, errno_text(-ack.e.error)));
        removed.push_back(m.ifname);
      }
      return ok_status();
    }));
    return removed;
  } catch (const std::exception& e) {
    return error(Code::internal, fmt::format("host interfaces: {}", e.what()));
  }
}

}  // namespace cpo::sdk
