// cpo-simd's server (server.h): fabric, sockets, client threads and the mailbox arbiter.
#include "server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/backend/refdev/snapshot_channel.h"
#include "cpo/hal/log.h"
#include "cpo/hal/platform.h"
#include "listener.h"

namespace cpo::simd {
namespace {

namespace rd = cpo::refdev;
namespace cp = completion_page;
using std::chrono::nanoseconds;

std::shared_ptr<spdlog::logger> logger() { return cpo::log::get("cpo.simd"); }

// A profile argument names a file when it has a '/' or ends in .json (Platform::resolve's rule).
bool is_file(const std::string& profile) {
  return profile.find('/') != std::string::npos ||
         (profile.size() > 5 && profile.compare(profile.size() - 5, 5, ".json") == 0);
}

// Device time a running command may take before the arbiter gives up on it: the reference
// driver's own deadline, max(20 ms, 10 x typical), has passed by then and its caller has seen a
// timeout.
nanoseconds abandon_after(std::uint32_t opcode) {
  const nanoseconds typical = rd::typical_latency(static_cast<rd::Opcode>(opcode));
  return std::max<nanoseconds>(std::chrono::milliseconds(50), typical * 10);
}

// The peer hung up (SIGKILLed, exited) while this thread was not reading its socket.
bool peer_closed(const auto& conn) {
  pollfd p{conn.sock.get(), POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

std::string op_name(std::uint32_t opcode) { return std::string(rd::name(static_cast<rd::Opcode>(opcode))); }

std::string_view fault_name(FaultOp op) {
  switch (op) {
    case FaultOp::fail_laser: return "fail_laser";
    case FaultOp::repair_laser: return "repair_laser";
    case FaultOp::set_laser_fiber_loss: return "set_laser_fiber_loss";
    case FaultOp::set_laser_age: return "set_laser_age";
    case FaultOp::remove_els: return "remove_els";
    case FaultOp::insert_els: return "insert_els";
    case FaultOp::set_port_fiber_loss: return "set_port_fiber_loss";
    case FaultOp::cut_port_fiber: return "cut_port_fiber";
    case FaultOp::fail_oe: return "fail_oe";
    case FaultOp::repair_oe: return "repair_oe";
    case FaultOp::set_coolant_temperature: return "set_coolant_temperature";
    case FaultOp::overheat_oe: return "overheat_oe";
    case FaultOp::overheat_els: return "overheat_els";
    case FaultOp::degrade_lane: return "degrade_lane";
    case FaultOp::hang_firmware: return "hang_firmware";
    case FaultOp::els_interlock: return "els_interlock";
  }
  return "unknown";
}

}  // namespace

// ------------------------------------------------------------------------------ SharedPage
Result<SharedPage> SharedPage::create(const std::string& name, std::size_t bytes) {
  SharedPage p;
  p.fd_ = io::Fd(::memfd_create(name.c_str(), MFD_CLOEXEC));
  if (!p.fd_.valid()) return io::sys_error("shared memory '" + name + "'", "memfd_create", errno);
  if (::ftruncate(p.fd_.get(), static_cast<off_t>(bytes)) != 0) {
    return io::sys_error("shared memory '" + name + "'", "ftruncate", errno);
  }
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, p.fd_.get(), 0);
  if (base == MAP_FAILED) return io::sys_error("shared memory '" + name + "'", "mmap", errno);
  p.base_ = static_cast<std::uint32_t*>(base);
  p.bytes_ = bytes;
  // A read-only open file description of the same memfd: a client can map it, not write it.
  const std::string self = "/proc/self/fd/" + std::to_string(p.fd_.get());
  p.ro_ = io::Fd(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
  if (!p.ro_.valid()) {
    logger()->warn("shared memory '{}': no read-only reopen through /proc ({}); clients get a writable descriptor",
                   name, io::errno_text(errno));
    p.ro_ = io::Fd(::fcntl(p.fd_.get(), F_DUPFD_CLOEXEC, 0));
  }
  return p;
}

SharedPage::SharedPage(SharedPage&& o) noexcept
    : fd_(std::move(o.fd_)),
      ro_(std::move(o.ro_)),
      base_(std::exchange(o.base_, nullptr)),
      bytes_(std::exchange(o.bytes_, 0)) {}

SharedPage& SharedPage::operator=(SharedPage&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) ::munmap(base_, bytes_);
    fd_ = std::move(o.fd_);
    ro_ = std::move(o.ro_);
    base_ = std::exchange(o.base_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

SharedPage::~SharedPage() {
  if (base_ != nullptr) ::munmap(base_, bytes_);
}

std::uint32_t SharedPage::load(std::size_t offset) const noexcept {
  return std::atomic_ref<std::uint32_t>(base_[offset / 4]).load(std::memory_order_acquire);
}
void SharedPage::store(std::size_t offset, std::uint32_t v) noexcept {
  std::atomic_ref<std::uint32_t>(base_[offset / 4]).store(v, std::memory_order_release);
}
void SharedPage::store64(std::size_t offset, std::uint64_t v) noexcept {
  auto* p = reinterpret_cast<std::uint64_t*>(base_ + offset / 4);
  std::atomic_ref<std::uint64_t>(*p).store(v, std::memory_order_release);
}
void SharedPage::raise64(std::size_t offset, std::uint64_t v) noexcept {
  std::atomic_ref<std::uint64_t> word(*reinterpret_cast<std::uint64_t*>(base_ + offset / 4));
  std::uint64_t seen = word.load(std::memory_order_acquire);
  while (seen < v && !word.compare_exchange_weak(seen, v, std::memory_order_acq_rel)) {
  }
}

// ------------------------------------------------------------------------------ state
std::string Server::Conn::label() const { return fmt::format("client {} ({}, pid {})", id, name, pid); }

// ------------------------------------------------------------------------------ setup
Result<std::unique_ptr<Server>> Server::create(const Topology& topology, const ServerOptions& options) {
  std::unique_ptr<Server> srv(new Server());
  srv->options_ = options;
  srv->fabric_ = std::make_unique<sim::Fabric>(options.clock);

  for (const SwitchSpec& spec : topology.switches) {
    const std::string who = fmt::format("switch '{}'", spec.name);
    auto platform = Platform::resolve(spec.profile);
    if (!platform) return platform.status().with_context(who);
    auto served = std::make_unique<Served>();
    served->spec = spec;
    served->profile_is_file = is_file(spec.profile);
    if (served->profile_is_file) {
      std::ifstream in(spec.profile);
      std::stringstream text;
      text << in.rdbuf();
      served->profile_json = text.str();
      if (served->profile_json.size() + sizeof(Welcome) > kMaxMessageBytes) {
        return error(Code::unsupported,
                     fmt::format("{}: profile file {} is {} bytes; at most {} are served", who, spec.profile,
                                 served->profile_json.size(), kMaxMessageBytes - sizeof(Welcome)));
      }
    }
    const std::size_t units = platform->units().size();
    if (units > kMaxUnits) {
      return error(Code::unsupported, fmt::format("{}: profile {} has {} units; cpo-simd serves at most {}", who,
                                                  spec.profile, units, kMaxUnits));
    }
    sim::SimOptions o;
    o.profile = spec.profile;
    o.seed = spec.seed;
    o.clock = options.clock;
    o.start = spec.start.value_or(options.start);
    o.status_period = options.status_period;
    for (std::size_t u = 0; u < units; ++u) {
      auto w = SharedPage::create(fmt::format("cpo-simd {} unit {}", spec.name, u), rd::kWindowBytes);
      if (!w) return w.status().with_context(who);
      o.unit_memory.push_back(w->words());
      served->windows.push_back(std::move(w).value());
    }
    auto sw = srv->fabric_->add(o);
    if (!sw) return sw.status().with_context(who);
    served->sw = *sw;
    served->unit_count = units;
    {
      cpo::Lock lock(served->mu);
      served->units.resize(units);
      for (std::size_t u = 0; u < units; ++u)
        served->units[u].next_tag = served->windows[u].load(rd::reg::kMbxDoorbell);
    }
    srv->switches_.push_back(std::move(served));
  }
  for (const LinkSpec& link : topology.links) {
    Served& a = *srv->switches_[link.a];
    Served& b = *srv->switches_[link.b];
    const std::string what = fmt::format("link {}:{} - {}:{}", a.spec.name, link.a_port, b.spec.name, link.b_port);
    Status s = srv->fabric_->connect(*a.sw, PortId(link.a_port), *b.sw, PortId(link.b_port), Decibels(link.loss_db));
    if (!s.ok()) return s.with_context(what);
  }
  if (Status grouped = srv->group_worlds(topology); !grouped.ok()) return grouped;
  for (auto& s : srv->switches_) publish_clock(*s);
  return srv;
}

Server::~Server() { shutdown(); }

std::string Server::describe() const {
  std::string out;
  for (const auto& s : switches_) {
    out += fmt::format("{}{} ({}, seed {}, {} units) at {}", out.empty() ? "" : "; ", s->spec.name,
                       s->sw->platform().name(), s->spec.seed, s->unit_count, s->spec.socket_path);
  }
  return out;
}

Status Server::listen() {
  for (auto& s : switches_) {
    bool stale = false;
    auto l = Listener::bind(s->spec.socket_path, stale);
    if (!l) return l.status();
    if (stale)
      logger()->warn("{}: replaced a stale socket (left by a daemon that did not shut down)", s->spec.socket_path);
    s->listener = std::move(l).value();
  }
  return ok_status();
}

// The simulator runs one world per group of switches fibers join (simulator.h, Fabric), and so
// does the server: the groups come from the same links the fabric was cabled with.
Status Server::group_worlds(const Topology& topology) {
  std::vector<std::size_t> root(switches_.size());
  for (std::size_t i = 0; i < root.size(); ++i) root[i] = i;
  const auto find = [&](std::size_t i) {
    while (root[i] != i) i = root[i] = root[root[i]];
    return i;
  };
  for (const LinkSpec& link : topology.links) root[find(link.a)] = find(link.b);
  std::vector<std::size_t> page_of(switches_.size(), switches_.size());
  for (std::size_t i = 0; i < switches_.size(); ++i) {
    const std::size_t r = find(i);
    if (page_of[r] == switches_.size()) {
      auto page = SharedPage::create(fmt::format("cpo-simd clock of {}", switches_[i]->spec.name), clock_page::kBytes);
      if (!page) return page.status();
      page->store(clock_page::kMagicOffset, kMagic);
      page->store(clock_page::kVersionOffset, kProtocolVersion);
      page_of[r] = clock_pages_.size();
      clock_pages_.push_back(std::make_unique<SharedPage>(std::move(page).value()));
    }
    switches_[i]->clock = clock_pages_[page_of[r]].get();
  }
  // Filled before any Served points into it: the vectors do not move afterwards.
  worlds_.resize(clock_pages_.size());
  for (std::size_t i = 0; i < switches_.size(); ++i) worlds_[page_of[find(i)]].push_back(switches_[i].get());
  for (std::size_t i = 0; i < switches_.size(); ++i) switches_[i]->world = &worlds_[page_of[find(i)]];
  return ok_status();
}

void Server::publish_clock(Served& s) {
  s.clock->raise64(clock_page::kNowOffset, static_cast<std::uint64_t>(s.sw->now().count()));
}

// ------------------------------------------------------------------------------ main loop
std::string Server::run(int stop_fd) {
  if (options_.clock == sim::ClockMode::real_time && !pump_.joinable()) {
    pump_ = std::thread([this] { pump_thread_main(); });
  }
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({stop_fd, POLLIN, 0});
    for (auto& s : switches_) fds.push_back({s->listener.fd(), POLLIN, 0});
    const int n = ::poll(fds.data(), fds.size(), 1000);
    if (n < 0 && errno != EINTR) {
      logger()->error("poll failed: {}", io::errno_text(errno));
      return "poll failure";
    }
    if ((fds[0].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      const ssize_t got = ::read(stop_fd, &info, sizeof(info));
      if (got == static_cast<ssize_t>(sizeof(info))) return info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
      return "stop";
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      Served& s = *switches_[i - 1];
      io::Fd sock(::accept4(s.listener.fd(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!sock.valid()) {
        logger()->warn("{}: accept failed: {}", s.spec.socket_path, io::errno_text(errno));
        continue;
      }
      auto conn = std::make_shared<Conn>();
      ucred cred{};
      socklen_t len = sizeof(cred);
      if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) conn->pid = cred.pid;
      conn->sock = std::move(sock);
      conn->sw = &s;
      {
        cpo::Lock lock(conns_mu_);
        conn->id = next_client_id_++;
        conns_.push_back(conn);
      }
      conn->thread = std::thread([this, conn] { serve(conn); });
    }
    reap_finished();
  }
}

void Server::reap_finished() {
  std::vector<std::shared_ptr<Conn>> done;
  {
    cpo::Lock lock(conns_mu_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      if ((*it)->finished.load()) {
        done.push_back(*it);
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : done) {
    if (c->thread.joinable()) c->thread.join();
  }
}

void Server::shutdown() {
  if (stopping_.exchange(true)) return;
  wake_pump();
  for (auto& s : switches_) {
    cpo::Lock lock(s->mu);  // a waiter between its check of stopping_ and its wait sees the notify
    s->started.notify_all();
  }
  if (pump_.joinable()) pump_.join();
  for (auto& s : switches_) s->listener.remove();
  std::vector<std::shared_ptr<Conn>> all;
  {
    cpo::Lock lock(conns_mu_);
    all = conns_;
    for (auto& c : all) ::shutdown(c->sock.get(), SHUT_RDWR);
  }
  for (auto& c : all) {
    if (c->thread.joinable()) c->thread.join();
  }
  {
    cpo::Lock lock(conns_mu_);
    conns_.clear();
  }
  // The simulator first: its real-time thread writes into the windows the switches own.
  fabric_.reset();
  switches_.clear();
}

// ------------------------------------------------------------------------------ a client
void Server::serve(const std::shared_ptr<Conn>& conn) {
  Status s = handshake(*conn);
  if (s.ok()) {
    logger()->info("{} connected to {}", conn->label(), conn->sw->spec.name);
    std::vector<std::byte> buf;
    for (;;) {
      s = io::recv_message(conn->sock.get(), buf);
      if (!s.ok()) break;
      Reply reply;
      std::string text;
      Status result = handle(conn, buf, reply, text);
      if (!result.ok()) {
        reply.code = static_cast<std::uint32_t>(result.code());
        text = result.message();
      }
      reply.text_bytes = static_cast<std::uint32_t>(text.size());
      reply.now_ns = conn->sw->sw->now().count();
      s = io::send_struct(conn->sock.get(), reply, text);
      if (!s.ok()) break;
    }
    if (s.code() == Code::not_found) {
      logger()->info("{} disconnected", conn->label());
    } else {
      logger()->warn("{} dropped: {}", conn->label(), s.message());
    }
  } else if (s.code() != Code::not_found) {
    logger()->warn("connection from pid {} to {} refused: {}", conn->pid, conn->sw->spec.socket_path, s.message());
  }
  disconnect(*conn);
  conn->finished.store(true);
}

Status Server::handshake(Conn& conn) {
  const timeval tv{10, 0};  // a connection that never says hello is dropped after 10 s
  ::setsockopt(conn.sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::vector<std::byte> buf;
  CPO_RETURN_IF_ERROR(io::recv_message(conn.sock.get(), buf));
  Served& s = *conn.sw;
  auto refuse = [&](Code code, const std::string& text) {
    Refused r;
    r.code = static_cast<std::uint32_t>(code);
    r.text_bytes = static_cast<std::uint32_t>(text.size());
    (void)io::send_struct(conn.sock.get(), r, text);
    return error(code, text);
  };
  std::uint32_t magic = 0, version = 0;
  if (buf.size() >= 8) {
    std::memcpy(&magic, buf.data(), 4);
    std::memcpy(&version, buf.data() + 4, 4);
  }
  if (magic != kMagic) {
    return refuse(Code::invalid_argument,
                  fmt::format("{}: not a cpo-simd client (the first message must be a Hello of wire protocol {})",
                              s.spec.socket_path, kProtocolVersion));
  }
  if (version != kProtocolVersion) {
    return refuse(Code::unsupported,
                  fmt::format("cpo-simd (pid {}) at {} speaks wire protocol version {}; the client speaks version {} "
                              "(use a client and daemon of the same cposdk release)",
                              ::getpid(), s.spec.socket_path, kProtocolVersion, version));
  }
  Hello hello;
  auto header = io::peek_header(buf);
  if (!header || header->type != MsgType::hello || !io::read_struct(buf, hello).ok()) {
    return refuse(Code::invalid_argument,
                  fmt::format("{}: the first message must be a Hello ({} bytes)", s.spec.socket_path, sizeof(Hello)));
  }
  conn.name = io::get_name(hello.name);
  const std::size_t units = s.unit_count;
  auto page = SharedPage::create(fmt::format("cpo-simd client {}", conn.id), cp::bytes(units));
  if (!page) return refuse(page.status().code(), page.status().message());
  {
    cpo::Lock lock(s.mu);
    conn.completion = std::move(page).value();
    conn.outstanding.assign(units, 0);
    for (std::size_t u = 0; u < units; ++u) {
      conn.completion.store(u * cp::kUnitStride + cp::kResets, s.units[u].resets);
    }
    s.conns.push_back(&conn);  // from here on its page follows the units' resets
  }
  const timeval none{0, 0};
  ::setsockopt(conn.sock.get(), SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));

  Welcome w;
  w.clock = options_.clock == sim::ClockMode::virtual_time ? ClockKind::virtual_time : ClockKind::real_time;
  w.unit_count = static_cast<std::uint32_t>(units);
  w.daemon_pid = static_cast<std::uint32_t>(::getpid());
  w.client_id = conn.id;
  const auto host = std::chrono::duration_cast<nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
  w.epoch_ns = (host - s.sw->now()).count();
  w.status_period_ns = options_.status_period.count();
  w.seed = s.spec.seed;
  io::put_name(w.switch_name, s.spec.name);
  io::put_name(w.profile, s.profile_is_file ? s.spec.profile : s.sw->platform().name());
  w.profile_is_file = s.profile_is_file ? 1u : 0u;
  w.profile_json_bytes = static_cast<std::uint32_t>(s.profile_json.size());
  std::vector<int> fds{s.clock->read_only_fd(), conn.completion.read_only_fd()};
  for (const auto& win : s.windows) fds.push_back(win.read_only_fd());
  return io::send_struct(conn.sock.get(), w, s.profile_json, fds);
}

Status Server::handle(const std::shared_ptr<Conn>& self, std::span<const std::byte> buf, Reply& reply,
                      std::string& text) {
  (void)text;
  Conn& conn = *self;
  auto header = io::peek_header(buf);
  if (!header) return header.status();
  if (header->magic != kMagic || header->version != kProtocolVersion) {
    return error(Code::unsupported, fmt::format("message of wire protocol version {} (this daemon speaks {})",
                                                header->version, kProtocolVersion));
  }
  reply.header.seq = header->seq;
  Served& s = *conn.sw;
  switch (header->type) {
    case MsgType::ring: {
      Ring r;
      CPO_RETURN_IF_ERROR(io::read_struct(buf, r));
      return on_ring(self, r);
    }
    case MsgType::write: {
      Write w;
      CPO_RETURN_IF_ERROR(io::read_struct(buf, w));
      return on_write(conn, w);
    }
    case MsgType::snapshot: {
      Snapshot r;
      CPO_RETURN_IF_ERROR(io::read_struct(buf, r));
      return on_snapshot(conn, r);
    }
    case MsgType::advance: {
      Advance a;
      CPO_RETURN_IF_ERROR(io::read_struct(buf, a));
      return on_advance(s, nanoseconds(a.ns));
    }
    case MsgType::wait_refresh: {
      WaitRefresh w;
      CPO_RETURN_IF_ERROR(io::read_struct(buf, w));
      return on_wait_refresh(s, nanoseconds(w.timeout_ns));
    }
    case MsgType::fault: {
      Fault f;
      CPO_RETURN_IF_ERROR(io::read_struct(buf, f));
      Status st = on_fault(s, f);
      logger()->info("{}: {} on {}: {}", conn.label(), fault_name(f.op), s.spec.name,
                     st.ok() ? std::string("ok") : st.to_string());
      return st;
    }
    case MsgType::write_count: {
      std::uint64_t total = 0;
      for (std::size_t u = 0; u < s.unit_count; ++u) {
        auto n = s.sw->backdoor().write_count(UnitId(static_cast<std::uint32_t>(u)));
        if (!n) return n.status();
        total += *n;
      }
      reply.value = total;
      return ok_status();
    }
    default: break;
  }
  return error(
      Code::invalid_argument,
      fmt::format("unknown request type {} (allowed: ring 10, write 11, advance 12, wait_refresh 13, fault 14, "
                  "write_count 15, snapshot 16)",
                  static_cast<std::uint32_t>(header->type)));
}

// ------------------------------------------------------------------------------ mailbox arbiter
Status Server::on_ring(const std::shared_ptr<Conn>& conn, const Ring& ring) {
  Served& s = *conn->sw;
  if (ring.unit >= s.unit_count) {
    return error(Code::out_of_range, fmt::format("unit {}: allowed 0..{}", ring.unit, s.unit_count - 1));
  }
  const std::size_t base = ring.unit * cp::kUnitStride;
  auto queued = [&]() CPO_REQUIRES(s.mu) {
    const auto& q = s.units[ring.unit].queue;
    return std::any_of(q.begin(), q.end(), [&](const Pending& p) { return p.conn == conn && p.tag == ring.tag; });
  };
  // The client died while its command waited: the command never reaches the device.
  auto drop = [&]() CPO_REQUIRES(s.mu) {
    auto& q = s.units[ring.unit].queue;
    q.erase(std::remove_if(q.begin(), q.end(), [&](const Pending& p) { return p.conn == conn && p.tag == ring.tag; }),
            q.end());
    if (conn->outstanding[ring.unit] > 0) --conn->outstanding[ring.unit];
  };
  std::string behind;  // what the command waits behind, for the log (written after the lock)
  Notes notes;
  {
    cpo::Lock lock(s.mu);
    if (conn->outstanding[ring.unit] > 0) {
      // As the device: ringing while this client's mailbox is busy completes the new tag with
      // Busy at once; the earlier command still completes under its own tag.
      conn->completion.store(base + cp::kResult0, 0);
      conn->completion.store(base + cp::kCompCode, static_cast<std::uint32_t>(rd::Completion::kBusy));
      conn->completion.store(base + cp::kCompTag, ring.tag);
      return ok_status();
    }
    Pending p;
    p.conn = conn;
    p.tag = ring.tag;
    p.opcode = ring.opcode;
    p.has_data = ring.has_data != 0;
    std::copy(std::begin(ring.args), std::end(ring.args), p.args);
    std::copy(std::begin(ring.data), std::end(ring.data), p.data);
    UnitState& st = s.units[ring.unit];
    st.queue.push_back(p);
    s.has_work.store(true, std::memory_order_release);
    ++conn->outstanding[ring.unit];
    conn->completion.store(base + cp::kBusy, 1);
    pump_unit_locked(s, ring.unit);
    if (queued() && st.running) {
      behind = fmt::format("{} of {}", op_name(st.running->opcode), st.running->conn->label());
    }
    notes = take_notes_locked(s);
  }
  write_notes(notes);
  if (!behind.empty()) {
    logger()->info("{}: {} on {} unit {} waits behind {}", conn->label(), op_name(ring.opcode), s.spec.name, ring.unit,
                   behind);
  }
  // The ring returns once the command runs in the unit's mailbox: time spent behind other
  // clients' commands is the device being busy, not this client's command being slow (its
  // driver's deadline runs from here). Under a virtual clock this thread lets device time pass
  // in its switch's world while it waits, as a driver polling the busy mailbox would.
  bool left = false;
  if (options_.clock == sim::ClockMode::virtual_time) {
    while (!stopping_.load()) {
      nanoseconds step = std::chrono::microseconds(10);
      {
        cpo::Lock lock(s.mu);
        if (!queued()) break;
        if (peer_closed(*conn)) {
          drop();
          left = true;
          break;
        }
        // Up to the running command's typical completion, then in quarters of its latency (as
        // the reference driver polls).
        const UnitState& st = s.units[ring.unit];
        if (st.running) {
          const nanoseconds typical = rd::typical_latency(static_cast<rd::Opcode>(st.running->opcode));
          const nanoseconds to_go = st.running->started + typical - s.sw->now();
          step = to_go.count() > 0 ? to_go : typical / 4;
          step = std::clamp<nanoseconds>(step, std::chrono::microseconds(10), std::chrono::milliseconds(10));
        }
      }
      wait_device(s, ring.unit, step);
    }
  } else {
    cpo::Lock lock(s.mu);
    while (queued() && !stopping_.load()) {
      if (peer_closed(*conn)) {
        drop();
        left = true;
        break;
      }
      wake_pump();
      (void)s.started.wait_for(lock, std::chrono::milliseconds(1),
                               [&]() CPO_REQUIRES(s.mu) { return !queued() || stopping_.load(); });
    }
  }
  if (left) {
    logger()->info("{} left while its {} on {} unit {} was queued: dropped", conn->label(), op_name(ring.opcode),
                   s.spec.name, ring.unit);
    return error(Code::not_found, "the client left");
  }
  wake_pump();
  return ok_status();
}

void Server::wait_device(Served& s, std::size_t unit, nanoseconds d) {
  s.sw->bar(unit).wait(d);  // runs the world of `s` only (simulator.h, Switch::now)
  publish_clock(s);
  // Every switch of the world moved: commands of their clients may have finished too. A
  // switch with nothing queued or running has nothing to deliver (a large fabric is one world).
  for (Served* other : *s.world)
    if (other == &s || other->has_work.load(std::memory_order_acquire)) pump(*other);
}

void Server::pump(Served& s) {
  Notes notes;
  {
    cpo::Lock lock(s.mu);
    pump_locked(s);
    notes = take_notes_locked(s);
  }
  write_notes(notes);
}

void Server::write_notes(const Notes& notes) {
  for (const Note& n : notes) {
    if (n.warning) {
      logger()->warn("{}", n.text);
    } else {
      logger()->info("{}", n.text);
    }
  }
}

void Server::pump_locked(Served& s) {
  bool work = false;
  for (std::size_t u = 0; u < s.unit_count; ++u) {
    pump_unit_locked(s, u);
    work = work || s.units[u].running || !s.units[u].queue.empty();
  }
  s.has_work.store(work, std::memory_order_release);
}

void Server::publish_resets_locked(Served& s, std::size_t unit) {
  const std::uint32_t resets = s.units[unit].resets;
  for (Conn* c : s.conns) {
    if (c->alive.load()) c->completion.store(unit * cp::kUnitStride + cp::kResets, resets);
  }
}

void Server::pump_unit_locked(Served& s, std::size_t unit) {
  UnitState& st = s.units[unit];
  const SharedPage& win = s.windows[unit];
  if (st.running) {
    Running& r = *st.running;
    if (win.load(rd::reg::kMbxCompTag) == r.master_tag) {
      const std::uint32_t code = win.load(rd::reg::kMbxCompCode);
      std::uint32_t results[4];
      for (std::size_t i = 0; i < 4; ++i) results[i] = win.load(rd::mbx_result(i));
      std::uint32_t data[kMailboxDataWords];
      const bool has_data = static_cast<rd::Opcode>(r.opcode) == rd::Opcode::kCmisRead;
      if (has_data) {
        for (std::size_t i = 0; i < kMailboxDataWords; ++i) data[i] = win.load(rd::mbx_data_word(i));
      }
      if (r.conn->alive.load()) {
        finish_locked(s, *r.conn, unit, r.client_tag, code, results, has_data ? data : nullptr);
      } else {
        s.notes.push_back(
            {false, fmt::format("{} unit {}: {} of {} completed after the client left; the mailbox moves on",
                                s.spec.name, unit, op_name(r.opcode), r.conn->label())});
      }
      if (static_cast<rd::Opcode>(r.opcode) == rd::Opcode::kUnitReset &&
          code == static_cast<std::uint32_t>(rd::Completion::kOk)) {
        ++st.resets;
        publish_resets_locked(s, unit);
      }
      st.running.reset();
    } else if (s.sw->now() - r.started > abandon_after(r.opcode)) {
      s.notes.push_back(
          {true,
           fmt::format("{} unit {}: {} of {} did not complete within {} ms of device time; the arbiter gives up on it",
                       s.spec.name, unit, op_name(r.opcode), r.conn->label(),
                       std::chrono::duration_cast<std::chrono::milliseconds>(abandon_after(r.opcode)).count())});
      if (r.conn->alive.load()) finish_locked(s, *r.conn, unit, 0, 0, nullptr, nullptr);
      st.running.reset();
    } else {
      return;
    }
  }
  while (!st.queue.empty()) {
    Pending p = std::move(st.queue.front());
    st.queue.pop_front();
    if (!p.conn->alive.load()) continue;
    if (st.hung) {
      // A hung firmware does not see doorbells: the mailbox stays idle and the client's driver
      // times out, as on the device. Nothing is written.
      s.notes.push_back({false, fmt::format("{} unit {}: {} of {} not served: the unit's firmware is hung", s.spec.name,
                                            unit, op_name(p.opcode), p.conn->label())});
      finish_locked(s, *p.conn, unit, 0, 0, nullptr, nullptr);
      continue;
    }
    // The doorbell write only queues the unit for the firmware (the simulator's ring queue
    // lock, a leaf): the simulator does not run under this switch's lock.
    Bar& bar = s.sw->bar(unit);
    bar.write32(rd::reg::kMbxOpcode, p.opcode);
    for (std::size_t i = 0; i < kMailboxArgs; ++i) bar.write32(rd::mbx_arg(i), p.args[i]);
    if (p.has_data) {
      for (std::size_t i = 0; i < kMailboxDataWords; ++i) bar.write32(rd::mbx_data_word(i), p.data[i]);
    }
    const std::uint32_t last = win.load(rd::reg::kMbxDoorbell);
    std::uint32_t tag = st.next_tag;
    do {
      ++tag;
    } while (tag == 0 || tag == 0xFFFFFFFFu || tag == last);
    st.next_tag = tag;
    bar.write32(rd::reg::kMbxDoorbell, tag);
    st.running = Running{p.conn, p.tag, tag, p.opcode, s.sw->now()};
    s.started.notify_all();
    break;
  }
}

// `tag` 0 with no results: the command was dropped (its client times out).
void Server::finish_locked(Served& s, Conn& conn, std::size_t unit, std::uint32_t tag, std::uint32_t code,
                           const std::uint32_t* results, const std::uint32_t* data) {
  (void)s;  // held: conn's page and counts are its switch's
  const std::size_t base = unit * cp::kUnitStride;
  if (conn.outstanding[unit] > 0) --conn.outstanding[unit];
  if (results != nullptr) {
    for (std::size_t i = 0; i < 4; ++i) conn.completion.store(base + cp::kResult0 + 4 * i, results[i]);
    if (data != nullptr) {
      for (std::size_t i = 0; i < kMailboxDataWords; ++i) conn.completion.store(base + cp::kData + 4 * i, data[i]);
    }
    conn.completion.store(base + cp::kCompCode, code);
  }
  conn.completion.store(base + cp::kBusy, conn.outstanding[unit] > 0 ? 1u : 0u);
  if (results != nullptr) conn.completion.store(base + cp::kCompTag, tag);  // last, as the device
}

void Server::disconnect(Conn& conn) {
  Served& s = *conn.sw;
  std::size_t dropped = 0;
  std::vector<std::string> running;  // for the log, written after the lock
  Notes notes;
  {
    cpo::Lock lock(s.mu);
    if (!conn.alive.exchange(false)) return;
    s.conns.erase(std::remove(s.conns.begin(), s.conns.end(), &conn), s.conns.end());
    for (auto& st : s.units) {
      const auto before = st.queue.size();
      st.queue.erase(
          std::remove_if(st.queue.begin(), st.queue.end(), [&](const Pending& p) { return p.conn.get() == &conn; }),
          st.queue.end());
      dropped += before - st.queue.size();
    }
    for (std::size_t u = 0; u < s.unit_count; ++u) {
      if (s.units[u].running && s.units[u].running->conn.get() == &conn) {
        running.push_back(fmt::format("{} on {} unit {}", op_name(s.units[u].running->opcode), s.spec.name, u));
      }
    }
    // Start whatever other clients queued behind the dropped commands.
    pump_locked(s);
    notes = take_notes_locked(s);
  }
  write_notes(notes);
  if (dropped > 0) logger()->info("{}: {} queued command(s) dropped", conn.label(), dropped);
  for (const auto& what : running) {
    logger()->info("{} left during {}: the firmware finishes it, then the mailbox moves on", conn.label(), what);
  }
  wake_pump();
}

void Server::wake_pump() {
  if (options_.clock != sim::ClockMode::real_time) return;
  {
    cpo::Lock lock(pump_mu_);
    pump_work_ = true;
  }
  pump_cv_.notify_one();
}

// Real time: the simulator's clock thread runs the firmware; this thread delivers what it
// finished and starts what is queued, one switch's lock at a time.
void Server::pump_thread_main() {
  while (!stopping_.load()) {
    bool active = false;
    for (auto& s : switches_) {
      Notes notes;
      {
        cpo::Lock lock(s->mu);
        pump_locked(*s);
        for (const auto& st : s->units) active = active || st.running.has_value() || !st.queue.empty();
        notes = take_notes_locked(*s);
      }
      write_notes(notes);
    }
    if (active) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    } else {
      // pump_work_ is set after a command is queued, so one queued during the pass above is
      // not slept over.
      cpo::Lock lock(pump_mu_);
      (void)pump_cv_.wait_for(lock, std::chrono::milliseconds(100),
                              [&]() CPO_REQUIRES(pump_mu_) { return pump_work_ || stopping_.load(); });
      pump_work_ = false;
    }
  }
}

// ------------------------------------------------------------------------------ other requests
Status Server::on_write(Conn& conn, const Write& w) {
  Served& s = *conn.sw;
  if (w.unit >= s.unit_count) {
    return error(Code::out_of_range, fmt::format("unit {}: allowed 0..{}", w.unit, s.unit_count - 1));
  }
  if (w.offset >= rd::kWindowBytes || w.offset % 4 != 0) {
    return error(Code::out_of_range,
                 fmt::format("offset {:#x}: allowed 4-byte aligned offsets below {:#x}", w.offset, rd::kWindowBytes));
  }
  const auto in = [&](const rd::Region& r) { return w.offset >= r.offset && w.offset < r.offset + r.bytes; };
  if (in(rd::region::kMailbox) || in(rd::region::kEventControl) || in(rd::region::kSnapshot)) {
    return error(Code::invalid_argument,
                 fmt::format("offset {:#x} is in the mailbox, event control or snapshot channel block, which each "
                             "client keeps for itself (commands go as Ring messages, snapshots as Snapshot messages)",
                             w.offset));
  }
  const bool hard_reset = w.offset == rd::reg::kHardReset && w.value == rd::kHardResetKey;
  {
    cpo::Lock lock(s.mu);
    s.sw->bar(w.unit).write32(w.offset, w.value);
    if (hard_reset) {
      UnitState& st = s.units[w.unit];
      if (st.running) {
        if (st.running->conn->alive.load()) finish_locked(s, *st.running->conn, w.unit, 0, 0, nullptr, nullptr);
        st.running.reset();
      }
      ++st.resets;
      st.hung = false;  // a hard reset recovers a hung firmware (simulator.h)
      publish_resets_locked(s, w.unit);
    }
  }
  if (hard_reset) logger()->warn("{}: hard reset of {} unit {}", conn.label(), s.spec.name, w.unit);
  return ok_status();
}

Status Server::on_advance(Served& s, nanoseconds d) {
  if (options_.clock == sim::ClockMode::real_time) {
    return error(Code::failed_precondition, "the daemon's clock runs in real time: time passes by itself");
  }
  if (d.count() < 0 || d > std::chrono::hours(1)) {
    return error(Code::out_of_range, fmt::format("advance by {} ns: allowed 0 .. 1 h per request", d.count()));
  }
  wait_device(s, 0, d);
  return ok_status();
}

Status Server::on_wait_refresh(Served& s, nanoseconds timeout) {
  const SharedPage& win = s.windows[0];
  const std::uint32_t before = win.load(rd::reg::kHeartbeat);
  if (options_.clock == sim::ClockMode::virtual_time) {
    const nanoseconds step = std::chrono::milliseconds(1);
    const nanoseconds limit = std::min<nanoseconds>(timeout, 2 * options_.status_period + step);
    for (nanoseconds waited{0}; waited < limit && !stopping_.load(); waited += step) {
      wait_device(s, 0, step);
      if (win.load(rd::reg::kHeartbeat) != before) return ok_status();
    }
  } else {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && !stopping_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (win.load(rd::reg::kHeartbeat) != before) return ok_status();
    }
  }
  return error(Code::timeout,
               fmt::format("{} unit 0: no status refresh within {} ms (its firmware is hung or the daemon stops)",
                           s.spec.name, std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()));
}

// The status snapshot channel, per client: the generated check (refdev/snapshot_channel.h)
// with this client's DMA buffer as the only target, the simulator's consistent copy into it,
// then the answer in the completion page, SnapDone last as the device writes it. A hung
// firmware answers nothing (the client's driver times out and reads registers). The copy
// takes the simulator's lock, not the switch's: it never waits for the mailbox arbiter.
Status Server::on_snapshot(Conn& conn, const Snapshot& r) {
  Served& s = *conn.sw;
  const std::size_t units = s.unit_count;
  if (r.unit >= units) return error(Code::out_of_range, fmt::format("unit {}: allowed 0..{}", r.unit, units - 1));
  struct View {
    std::uint32_t unit;
    bool dma_target(std::uint32_t lo, std::uint32_t hi, std::uint32_t bytes) const {
      return ((std::uint64_t{hi} << 32) | lo) == cp::dma_bus_address(unit) && bytes <= cp::kDmaStride;
    }
  };
  const rd::Refusal refusal =
      rd::check_snapshot(rd::SnapshotRequest{.AddrLo = r.addr_lo, .AddrHi = r.addr_hi, .Bytes = r.bytes}, View{r.unit});
  std::uint32_t generation = 0;
  if (refusal.ok()) {
    std::uint32_t* dma = conn.completion.words() + (cp::dma_offset(units) + r.unit * cp::kDmaStride) / 4;
    auto copied = s.sw->copy_status(r.unit, std::span<std::uint32_t>(dma, r.bytes / 4));
    if (!copied) return copied.status().code() == Code::failed_precondition ? ok_status() : copied.status();
    generation = *copied;
  }
  cpo::Lock lock(s.mu);
  const std::size_t base = r.unit * cp::kUnitStride;
  conn.completion.store(base + cp::kSnapGeneration, generation);
  conn.completion.store(base + cp::kSnapStatus, static_cast<std::uint32_t>(refusal.code));
  conn.completion.store(base + cp::kSnapRejected, refusal.arg);
  conn.completion.store(base + cp::kSnapDone, r.sequence);  // last: the copy is in the buffer
  return ok_status();
}

Status Server::on_fault(Served& s, const Fault& f) {
  sim::Backdoor& door = s.sw->backdoor();
  const LaserRef laser{ElsId(f.a), f.b};
  if (!std::isfinite(f.value) && f.op != FaultOp::set_laser_fiber_loss && f.op != FaultOp::set_port_fiber_loss) {
    return error(Code::invalid_argument, fmt::format("{}: value {} is not a finite number", fault_name(f.op), f.value));
  }
  switch (f.op) {
    case FaultOp::fail_laser: return door.fail_laser(laser);
    case FaultOp::repair_laser: return door.repair_laser(laser);
    case FaultOp::set_laser_fiber_loss: return door.set_laser_fiber_loss(laser, Decibels(f.value));
    case FaultOp::set_laser_age: {
      if (!(f.value >= 0) || f.value > 1e9) {
        return error(Code::out_of_range, fmt::format("{}: age {} h: allowed 0 .. 1e9 h", to_string(laser), f.value));
      }
      return door.set_laser_age(laser, std::chrono::hours(static_cast<std::int64_t>(f.value)));
    }
    case FaultOp::remove_els: return door.remove_els(ElsId(f.a));
    case FaultOp::insert_els: return door.insert_els(ElsId(f.a));
    case FaultOp::set_port_fiber_loss: return door.set_fiber_loss(PortId(f.a), f.lane, Decibels(f.value));
    case FaultOp::cut_port_fiber: return door.cut_fiber(PortId(f.a), f.lane);
    case FaultOp::fail_oe: return door.fail_oe(OeId(f.a), f.flag != 0);
    case FaultOp::repair_oe: return door.repair_oe(OeId(f.a));
    case FaultOp::set_coolant_temperature: return door.set_coolant_temperature(Celsius(f.value));
    case FaultOp::overheat_oe: return door.overheat_oe(OeId(f.a), Celsius(f.value));
    case FaultOp::overheat_els: return door.overheat_els(ElsId(f.a), Celsius(f.value));
    case FaultOp::degrade_lane: return door.degrade_lane(LaneId(f.a), Decibels(f.value));
    case FaultOp::els_interlock:
      return f.flag != 0 ? door.open_interlock(ElsId(f.a)) : door.close_interlock(ElsId(f.a));
    case FaultOp::hang_firmware: {
      Status st = door.hang_firmware(UnitId(f.a), f.flag != 0);
      if (st.ok()) {
        {
          cpo::Lock lock(s.mu);
          s.units[f.a].hung = f.flag != 0;
        }
        pump(s);
      }
      return st;
    }
  }
  return error(Code::invalid_argument,
               fmt::format("unknown fault operation {} (allowed 1..16, cpo/sim/simd_protocol.h FaultOp)",
                           static_cast<std::uint32_t>(f.op)));
}

}  // namespace cpo::simd
