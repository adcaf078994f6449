// cpo-simd's server: a simulated switch or fabric, one listening UNIX socket per switch, one
// thread per client connection, and the mailbox arbiter that runs every client's commands
// through the units' real mailboxes. Private to sim/daemon (docs/simd.md).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "cpo/hal/status.h"
#include "cpo/sim/simd_protocol.h"
#include "cpo/sim/simulator.h"
#include "io.h"
#include "topology.h"

namespace cpo::simd {

// A memfd of `bytes` mapped read-write in the daemon, and a read-only descriptor of it for
// clients (reopened through /proc/self/fd, so a client cannot map it writable).
class SharedPage {
 public:
  static Result<SharedPage> create(const std::string& name, std::size_t bytes);
  SharedPage() = default;
  SharedPage(SharedPage&& o) noexcept;
  SharedPage& operator=(SharedPage&& o) noexcept;
  SharedPage(const SharedPage&) = delete;
  SharedPage& operator=(const SharedPage&) = delete;
  ~SharedPage();
  [[nodiscard]] std::uint32_t* words() const noexcept { return base_; }
  [[nodiscard]] int read_only_fd() const noexcept { return ro_.get(); }
  [[nodiscard]] std::uint32_t load(std::size_t offset) const noexcept;
  void store(std::size_t offset, std::uint32_t v) noexcept;
  void store64(std::size_t offset, std::uint64_t v) noexcept;

 private:
  io::Fd fd_;
  io::Fd ro_;
  std::uint32_t* base_ = nullptr;
  std::size_t bytes_ = 0;
};

struct ServerOptions {
  sim::ClockMode clock = sim::ClockMode::real_time;
  sim::StartState start = sim::StartState::operational;
  std::chrono::nanoseconds status_period = std::chrono::milliseconds(100);
};

class Server {
 public:
  // Builds the fabric (windows in memfds) from `topology`. Errors: the simulator's (profile,
  // links).
  static Result<std::unique_ptr<Server>> create(const Topology& topology, const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every switch's socket (socket_path.h: stale sockets replaced, live ones refused).
  Status listen();
  // Serves until `stop_fd` becomes readable (a signalfd) . Returns the signal's name.
  std::string run(int stop_fd);
  // Stops accepting, disconnects every client, joins their threads, removes the sockets.
  void shutdown();

  [[nodiscard]] std::size_t switch_count() const noexcept { return switches_.size(); }
  [[nodiscard]] std::string describe() const;

 private:
  struct Served;
  struct Conn;
  struct Pending {
    std::shared_ptr<Conn> conn;
    std::uint32_t tag = 0, opcode = 0;
    bool has_data = false;
    std::uint32_t args[kMailboxArgs] = {};
    std::uint32_t data[kMailboxDataWords] = {};
  };
  struct Running {
    std::shared_ptr<Conn> conn;
    std::uint32_t client_tag = 0, master_tag = 0, opcode = 0;
    std::chrono::nanoseconds started{0};
  };
  struct UnitState {
    std::deque<Pending> queue;
    std::optional<Running> running;
    std::uint32_t next_tag = 0;
    std::uint32_t resets = 0;
    bool hung = false;  // hang_firmware injected through the control channel
  };

  Server() = default;
  void serve(const std::shared_ptr<Conn>& conn);
  Status handshake(Conn& conn);
  Status handle(const std::shared_ptr<Conn>& conn, std::span<const std::byte> buf, Reply& reply, std::string& text);
  Status on_ring(const std::shared_ptr<Conn>& conn, const Ring& ring);
  Status on_write(Conn& conn, const Write& write);
  Status on_snapshot(Conn& conn, const Snapshot& request);
  Status on_advance(std::chrono::nanoseconds d);
  Status on_wait_refresh(Served& s, std::chrono::nanoseconds timeout);
  Status on_fault(Served& s, const Fault& f);
  // Moves every unit's mailbox on: delivers finished commands, starts queued ones.
  void pump_locked();
  void pump_unit_locked(Served& s, std::size_t unit);
  void finish_locked(Conn& conn, std::size_t unit, std::uint32_t tag, std::uint32_t code, const std::uint32_t* results,
                     const std::uint32_t* data);
  void disconnect_locked(Conn& conn);
  void publish_clock();
  void pump_thread_main();
  void reap_finished();

  ServerOptions options_;
  std::unique_ptr<sim::Fabric> fabric_;
  std::vector<std::unique_ptr<Served>> switches_;
  SharedPage clock_page_;

  std::mutex mu_;  // guards conns_, every UnitState and completion page writes
  std::vector<std::shared_ptr<Conn>> conns_;
  std::uint32_t next_client_id_ = 1;

  std::thread pump_;  // real time: watches running commands
  std::condition_variable pump_cv_;
  std::condition_variable started_cv_;  // a queued command started (real time)
  std::atomic<bool> stopping_{false};
};

}  // namespace cpo::simd
