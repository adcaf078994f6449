// cpo::simd::Client: the client end of the cpo-simd protocol (simd_client.h).
#include "cpo/sim/simd_client.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cpo/hal/backend/refdev/refdev.h"
#include "io.h"

namespace cpo::simd {
namespace {

namespace rd = cpo::refdev;
namespace cp = completion_page;

// A read-only shared mapping of a memfd the daemon passed.
class Mapping {
 public:
  Mapping() = default;
  Mapping(Mapping&& o) noexcept : base_(std::exchange(o.base_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept {
    if (this != &o) {
      if (base_ != nullptr) ::munmap(base_, bytes_);
      base_ = std::exchange(o.base_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (base_ != nullptr) ::munmap(base_, bytes_);
  }
  static Result<Mapping> map(int fd, std::size_t bytes, std::string_view what) {
    void* p = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return io::sys_error(what, "mmap", errno);
    Mapping m;
    m.base_ = static_cast<std::uint32_t*>(p);
    m.bytes_ = bytes;
    return m;
  }
  [[nodiscard]] std::uint32_t load(std::size_t offset) const noexcept {
    return std::atomic_ref<std::uint32_t>(base_[offset / 4]).load(std::memory_order_acquire);
  }
  // Plain words from `offset` on, for memory the writer publishes through an atomic flag (the
  // snapshot channel's SnapDone) before it is read.
  [[nodiscard]] const std::uint32_t* words(std::size_t offset) const noexcept { return base_ + offset / 4; }
  [[nodiscard]] std::uint64_t load64(std::size_t offset) const noexcept {
    auto* p = reinterpret_cast<std::uint64_t*>(base_ + offset / 4);
    return std::atomic_ref<std::uint64_t>(*p).load(std::memory_order_acquire);
  }

 private:
  std::uint32_t* base_ = nullptr;
  std::size_t bytes_ = 0;
};

bool in_mailbox(std::size_t offset) {
  return offset >= rd::region::kMailbox.offset && offset < rd::region::kMailbox.offset + rd::region::kMailbox.bytes;
}
bool in_snapshot_channel(std::size_t offset) {
  return offset >= rd::region::kSnapshot.offset && offset < rd::region::kSnapshot.offset + rd::region::kSnapshot.bytes;
}

}  // namespace

class SimdBar;

struct Client::Impl {
  std::string path;
  io::Fd sock;
  std::mutex mu;  // one request at a time on the connection
  std::uint32_t seq = 0;
  std::atomic<bool> gone{false};
  std::mutex reason_mu;
  std::string gone_reason;  // guarded by reason_mu

  ClockKind clock = ClockKind::virtual_time;
  std::int64_t epoch_ns = 0;
  std::uint32_t daemon_pid = 0;
  std::uint64_t seed = 0;
  std::string switch_name;
  std::optional<Platform> platform;
  Mapping clock_page;
  Mapping completions;
  std::vector<Mapping> windows;
  std::vector<std::unique_ptr<SimdBar>> bars;

  Status gone_status() {
    std::lock_guard lock(reason_mu);
    return error(Code::device_gone,
                 "cpo-simd at " + path + ": connection lost (" + gone_reason + "); the daemon exited or was killed");
  }
  void mark_gone(const std::string& why) {
    {
      std::lock_guard lock(reason_mu);
      if (gone_reason.empty()) gone_reason = why;
    }
    gone.store(true, std::memory_order_release);
  }
  // The daemon hung up: its windows stay mapped here but nobody updates them any more. One
  // non-blocking poll, done where a reader starts a copy (Generation) or checks the device
  // (Magic), so a dead daemon reads as a removed device.
  void check_peer() noexcept {
    pollfd p{sock.get(), POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
      mark_gone("the daemon closed the connection");
    }
  }

  // Sends a request and waits for its reply; `text` receives the reply's message.
  template <typename T>
  Result<Reply> request(T msg) {
    std::lock_guard lock(mu);
    if (gone.load(std::memory_order_acquire)) return gone_status();
    msg.header.seq = ++seq;
    Status sent = io::send_struct(sock.get(), msg);
    std::vector<std::byte> buf;
    if (sent.ok()) sent = io::recv_message(sock.get(), buf);
    Reply reply;
    if (sent.ok()) sent = io::read_struct(buf, reply, true);
    if (sent.ok() && (reply.header.type != MsgType::reply || reply.header.seq != msg.header.seq)) {
      sent = error(Code::internal, "cpo-simd protocol: reply out of order");
    }
    if (!sent.ok()) {
      mark_gone(sent.message());
      return error(Code::device_gone, "cpo-simd at " + path + ": connection lost (" + sent.message() +
                                          "); the daemon exited or was killed");
    }
    if (reply.code != 0) {
      return error(static_cast<Code>(reply.code), io::tail_text(buf, sizeof(Reply), reply.text_bytes));
    }
    return reply;
  }

  [[nodiscard]] std::chrono::nanoseconds now() const noexcept {
    if (clock == ClockKind::virtual_time) {
      return std::chrono::nanoseconds(static_cast<std::int64_t>(clock_page.load64(clock_page::kNowOffset)));
    }
    const auto host = std::chrono::steady_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(host) - std::chrono::nanoseconds(epoch_ns);
  }

  Status advance(std::chrono::nanoseconds d) {
    if (clock == ClockKind::real_time) {
      if (gone.load(std::memory_order_acquire)) {
        std::lock_guard lock(mu);
        return gone_status();
      }
      if (d.count() <= 0) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(d);
      }
      return ok_status();
    }
    Advance msg;
    msg.ns = std::max<std::int64_t>(d.count(), 0);
    auto r = request(msg);
    return r.ok() ? ok_status() : r.status();
  }
};

// One unit's register window as the reference driver sees it (see simd_client.h).
class SimdBar final : public Bar {
 public:
  SimdBar(Client::Impl& client, std::uint32_t unit) : c_(client), unit_(unit) {
    const Mapping& w = c_.windows[unit_];
    consumer_.store(w.load(rd::reg::kEvtProducer), std::memory_order_relaxed);
    resets_seen_ = completion(cp::kResets);
  }

  [[nodiscard]] std::size_t size() const noexcept override { return rd::kWindowBytes; }

  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override {
    if (offset == rd::reg::kGeneration || offset == rd::reg::kMagic) c_.check_peer();
    if (c_.gone.load(std::memory_order_acquire) || offset >= rd::kWindowBytes || offset % 4 != 0) return 0xFFFFFFFFu;
    if (in_mailbox(offset)) return mailbox_read(offset);
    if (in_snapshot_channel(offset)) return snapshot_read(offset);
    if (offset == rd::reg::kEvtConsumer) return consumer();
    // EvtLost counts what the window's one consumer index lost; each client keeps its own
    // index and sees an overrun as EvtProducer - EvtConsumer > EventRingEntries instead.
    if (offset == rd::reg::kEvtLost) return 0;
    return c_.windows[unit_].load(offset);
  }

  void write32(std::size_t offset, std::uint32_t value) noexcept override {
    if (c_.gone.load(std::memory_order_acquire) || offset >= rd::kWindowBytes || offset % 4 != 0) return;
    if (offset == rd::reg::kMbxDoorbell) {
      ring(value);
    } else if (offset == rd::reg::kMbxOpcode) {
      opcode_.store(value, std::memory_order_relaxed);
    } else if (offset >= rd::reg::kMbxArg0 && offset < rd::reg::kMbxArg0 + 4 * kMailboxArgs) {
      args_[(offset - rd::reg::kMbxArg0) / 4].store(value, std::memory_order_relaxed);
    } else if (offset >= rd::region::kMbxData.offset &&
               offset < rd::region::kMbxData.offset + rd::region::kMbxData.bytes) {
      data_[(offset - rd::region::kMbxData.offset) / 4].store(value, std::memory_order_relaxed);
      data_written_.store(true, std::memory_order_relaxed);
    } else if (in_mailbox(offset)) {
      // Read-only mailbox registers: a write has no effect, as on the device.
    } else if (offset == rd::reg::kSnapAddrLo) {
      snap_lo_.store(value, std::memory_order_relaxed);
    } else if (offset == rd::reg::kSnapAddrHi) {
      snap_hi_.store(value, std::memory_order_relaxed);
    } else if (offset == rd::reg::kSnapBytes) {
      snap_bytes_.store(value, std::memory_order_relaxed);
    } else if (offset == rd::reg::kSnapRequest) {
      snapshot(value);
    } else if (in_snapshot_channel(offset)) {
      // Read-only snapshot channel registers: no effect.
    } else if (offset == rd::reg::kEvtConsumer) {
      consumer_.store(value, std::memory_order_relaxed);
    } else {
      Write msg;
      msg.unit = unit_;
      msg.offset = static_cast<std::uint32_t>(offset);
      msg.value = value;
      (void)c_.request(msg);
    }
  }

  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override { return c_.now(); }
  void wait(std::chrono::nanoseconds duration) noexcept override { (void)c_.advance(duration); }

  // This client's DMA buffer for the unit, in its completion page: the daemon's simulator
  // copies the status region there when the driver writes SnapRequest.
  [[nodiscard]] DmaRegion dma_region() const noexcept override {
    const std::size_t offset = cp::dma_offset(c_.windows.size()) + unit_ * cp::kDmaStride;
    return {std::span<const std::uint32_t>(c_.completions.words(offset), cp::kDmaStride / 4),
            cp::dma_bus_address(unit_)};
  }

 private:
  [[nodiscard]] std::uint32_t completion(std::size_t field) const noexcept {
    return c_.completions.load(unit_ * cp::kUnitStride + field);
  }

  [[nodiscard]] std::uint32_t mailbox_read(std::size_t offset) const noexcept {
    if (offset == rd::reg::kMbxOpcode) return opcode_.load(std::memory_order_relaxed);
    if (offset >= rd::reg::kMbxArg0 && offset < rd::reg::kMbxArg0 + 4 * kMailboxArgs) {
      return args_[(offset - rd::reg::kMbxArg0) / 4].load(std::memory_order_relaxed);
    }
    if (offset == rd::reg::kMbxDoorbell) return doorbell_.load(std::memory_order_relaxed);
    if (offset == rd::reg::kMbxState) {
      return static_cast<std::uint32_t>(completion(cp::kBusy) != 0 ? rd::MailboxState::kBusy : rd::MailboxState::kIdle);
    }
    if (offset == rd::reg::kMbxCompTag) return completion(cp::kCompTag);
    if (offset == rd::reg::kMbxCompCode) return completion(cp::kCompCode);
    if (offset >= rd::reg::kMbxResult0 && offset < rd::reg::kMbxResult0 + 16) {
      return completion(cp::kResult0 + (offset - rd::reg::kMbxResult0));
    }
    if (offset >= rd::region::kMbxData.offset && offset < rd::region::kMbxData.offset + rd::region::kMbxData.bytes) {
      return completion(cp::kData + (offset - rd::region::kMbxData.offset));
    }
    return 0;
  }

  [[nodiscard]] std::uint32_t snapshot_read(std::size_t offset) const noexcept {
    if (offset == rd::reg::kSnapAddrLo) return snap_lo_.load(std::memory_order_relaxed);
    if (offset == rd::reg::kSnapAddrHi) return snap_hi_.load(std::memory_order_relaxed);
    if (offset == rd::reg::kSnapBytes) return snap_bytes_.load(std::memory_order_relaxed);
    if (offset == rd::reg::kSnapRequest) return snap_request_.load(std::memory_order_relaxed);
    if (offset == rd::reg::kSnapDone) return completion(cp::kSnapDone);
    if (offset == rd::reg::kSnapStatus) return completion(cp::kSnapStatus);
    if (offset == rd::reg::kSnapRejected) return completion(cp::kSnapRejected);
    if (offset == rd::reg::kSnapGeneration) return completion(cp::kSnapGeneration);
    return 0;
  }

  // The daemon answers in the completion page before its reply; a lost daemon leaves SnapDone
  // unchanged and the driver's poll times out like any unanswered request.
  void snapshot(std::uint32_t sequence) noexcept {
    Snapshot msg;
    msg.unit = unit_;
    msg.sequence = sequence;
    msg.addr_lo = snap_lo_.load(std::memory_order_relaxed);
    msg.addr_hi = snap_hi_.load(std::memory_order_relaxed);
    msg.bytes = snap_bytes_.load(std::memory_order_relaxed);
    snap_request_.store(sequence, std::memory_order_relaxed);
    (void)c_.request(msg);
  }

  // After a reset of the unit the device's consumer index is 0 again (the ring restarts).
  [[nodiscard]] std::uint32_t consumer() const noexcept {
    const std::uint32_t resets = completion(cp::kResets);
    if (resets != resets_seen_.load(std::memory_order_relaxed)) {
      resets_seen_.store(resets, std::memory_order_relaxed);
      consumer_.store(c_.windows[unit_].load(rd::reg::kEvtConsumer), std::memory_order_relaxed);
    }
    return consumer_.load(std::memory_order_relaxed);
  }

  void ring(std::uint32_t tag) noexcept {
    Ring msg;
    msg.unit = unit_;
    msg.tag = tag;
    msg.opcode = opcode_.load(std::memory_order_relaxed);
    msg.has_data = data_written_.exchange(false, std::memory_order_relaxed) ? 1u : 0u;
    for (std::size_t i = 0; i < kMailboxArgs; ++i) msg.args[i] = args_[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < kMailboxDataWords; ++i) msg.data[i] = data_[i].load(std::memory_order_relaxed);
    doorbell_.store(tag, std::memory_order_relaxed);
    (void)c_.request(msg);
  }

  Client::Impl& c_;
  std::uint32_t unit_;
  std::atomic<std::uint32_t> opcode_{0};
  std::array<std::atomic<std::uint32_t>, kMailboxArgs> args_{};
  std::array<std::atomic<std::uint32_t>, kMailboxDataWords> data_{};
  std::atomic<bool> data_written_{false};
  std::atomic<std::uint32_t> doorbell_{0};
  std::atomic<std::uint32_t> snap_lo_{0}, snap_hi_{0}, snap_bytes_{0}, snap_request_{0};
  mutable std::atomic<std::uint32_t> consumer_{0};
  mutable std::atomic<std::uint32_t> resets_seen_{0};
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::shared_ptr<Client>> Client::connect(std::string_view socket_path, const ConnectOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = std::string(socket_path);
  const std::string& path = impl->path;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return error(Code::invalid_argument, "cpo-simd socket '" + path + "': a path of 1.." +
                                             std::to_string(sizeof(addr.sun_path) - 1) + " bytes is allowed");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  impl->sock = io::Fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!impl->sock.valid()) return io::sys_error("cpo-simd at " + path, "socket", errno);
  const timeval tv{static_cast<time_t>(options.reply_timeout.count() / 1000),
                   static_cast<suseconds_t>((options.reply_timeout.count() % 1000) * 1000)};
  ::setsockopt(impl->sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::connect(impl->sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (err == ENOENT) {
      return error(Code::not_found,
                   "no cpo-simd socket at " + path + " (start one: cpo-simd --profile cpo144 --socket " + path + ")");
    }
    if (err == ECONNREFUSED) {
      return error(Code::io_error, "nobody serves " + path +
                                       " (connection refused: a stale socket left by a daemon that exited; start "
                                       "cpo-simd again, it replaces it)");
    }
    if (err == EACCES) {
      return error(Code::io_error, "cpo-simd at " + path +
                                       ": permission denied (the socket is mode 0660: run as its owner or a member "
                                       "of its group)");
    }
    return io::sys_error("cpo-simd at " + path, "connect", err);
  }

  Hello hello;
  hello.header.version = options.protocol_version;
  hello.pid = static_cast<std::uint32_t>(::getpid());
  io::put_name(hello.name, options.client_name);
  CPO_RETURN_IF_ERROR(io::send_struct(impl->sock.get(), hello).with_context("cpo-simd at " + path));
  std::vector<std::byte> buf;
  std::vector<io::Fd> fds;
  if (Status s = io::recv_message(impl->sock.get(), buf, &fds); !s.ok()) {
    if (s.code() == Code::not_found) {
      return error(Code::device_gone,
                   "cpo-simd at " + path + ": the daemon closed the connection during the handshake");
    }
    return s.with_context("cpo-simd at " + path);
  }
  auto header = io::peek_header(buf);
  if (!header) return header.status().with_context("cpo-simd at " + path);
  if (header->magic != kMagic) {
    return error(Code::invalid_argument, "cpo-simd at " + path + ": the peer does not speak the cpo-simd protocol");
  }
  if (header->type == MsgType::refused) {
    Refused refused;
    CPO_RETURN_IF_ERROR(io::read_struct(buf, refused, true));
    return error(static_cast<Code>(refused.code), io::tail_text(buf, sizeof(Refused), refused.text_bytes));
  }
  if (header->version != kProtocolVersion) {
    return error(Code::unsupported, "cpo-simd at " + path + " speaks wire protocol version " +
                                        std::to_string(header->version) + "; this client speaks version " +
                                        std::to_string(kProtocolVersion) +
                                        " only (use a client and daemon of the same cposdk release)");
  }
  Welcome welcome;
  if (header->type != MsgType::welcome || !io::read_struct(buf, welcome, true).ok()) {
    return error(Code::invalid_argument, "cpo-simd at " + path + ": malformed welcome");
  }
  const std::size_t units = welcome.unit_count;
  if (units == 0 || units > kMaxUnits || fds.size() != 2 + units) {
    return error(Code::invalid_argument, "cpo-simd at " + path + ": welcome announces " + std::to_string(units) +
                                             " units with " + std::to_string(fds.size()) + " descriptors");
  }
  impl->clock = welcome.clock;
  impl->epoch_ns = welcome.epoch_ns;
  impl->daemon_pid = welcome.daemon_pid;
  impl->seed = welcome.seed;
  impl->switch_name = io::get_name(welcome.switch_name);
  const std::string profile = io::get_name(welcome.profile);
  Result<Platform> platform =
      welcome.profile_is_file != 0
          ? Platform::from_json(io::tail_text(buf, sizeof(Welcome), welcome.profile_json_bytes), profile)
          : Platform::builtin(profile);
  if (!platform) return platform.status().with_context("cpo-simd at " + path);
  if (platform->units().size() != units) {
    return error(Code::invalid_argument, "cpo-simd at " + path + ": profile " + profile + " has " +
                                             std::to_string(platform->units().size()) + " units, the daemon serves " +
                                             std::to_string(units));
  }
  impl->platform = std::move(platform).value();

  auto clock_map = Mapping::map(fds[0].get(), clock_page::kBytes, "cpo-simd clock page");
  if (!clock_map) return clock_map.status();
  impl->clock_page = std::move(clock_map).value();
  auto comp_map = Mapping::map(fds[1].get(), cp::bytes(units), "cpo-simd completion page");
  if (!comp_map) return comp_map.status();
  impl->completions = std::move(comp_map).value();
  for (std::size_t u = 0; u < units; ++u) {
    auto w = Mapping::map(fds[2 + u].get(), rd::kWindowBytes, "cpo-simd window of unit " + std::to_string(u));
    if (!w) return w.status();
    impl->windows.push_back(std::move(w).value());
  }
  if (impl->clock_page.load(clock_page::kMagicOffset) != kMagic) {
    return error(Code::invalid_argument, "cpo-simd at " + path + ": the clock page is not the daemon's");
  }
  for (std::size_t u = 0; u < units; ++u) {
    impl->bars.push_back(std::make_unique<SimdBar>(*impl, static_cast<std::uint32_t>(u)));
  }
  return std::shared_ptr<Client>(new Client(std::move(impl)));
}

const Platform& Client::platform() const noexcept { return *impl_->platform; }
std::size_t Client::unit_count() const noexcept { return impl_->bars.size(); }
Bar& Client::bar(std::size_t unit) noexcept { return *impl_->bars[unit]; }
ClockKind Client::clock() const noexcept { return impl_->clock; }
const std::string& Client::socket_path() const noexcept { return impl_->path; }
const std::string& Client::switch_name() const noexcept { return impl_->switch_name; }
std::uint32_t Client::daemon_pid() const noexcept { return impl_->daemon_pid; }
std::uint64_t Client::seed() const noexcept { return impl_->seed; }
bool Client::connected() const noexcept { return !impl_->gone.load(std::memory_order_acquire); }
std::chrono::nanoseconds Client::now() const noexcept { return impl_->now(); }
Status Client::advance(std::chrono::nanoseconds d) { return impl_->advance(d); }

Status Client::wait_refresh(std::chrono::nanoseconds timeout) {
  WaitRefresh msg;
  msg.timeout_ns = timeout.count();
  auto r = impl_->request(msg);
  return r.ok() ? ok_status() : r.status();
}

Status Client::fault(const FaultCommand& command) {
  Fault msg;
  msg.op = command.op;
  msg.a = command.a;
  msg.b = command.b;
  msg.lane = command.lane;
  msg.value = command.value;
  msg.flag = command.flag ? 1u : 0u;
  auto r = impl_->request(msg);
  return r.ok() ? ok_status() : r.status();
}

Result<std::uint64_t> Client::write_count() {
  auto r = impl_->request(WriteCount{});
  if (!r) return r.status();
  return r->value;
}

}  // namespace cpo::simd
