// cpo-simd's server: a simulated switch or fabric, one listening UNIX socket per switch, one
// thread per client connection, and the mailbox arbiter that runs every client's commands
// through the units' real mailboxes. Private to sim/daemon (docs/simd.md).
//
// Threads and locks. Each served switch has its own lock (Served::mu): its units' queues and
// running commands, its connections and their completion pages. Clients of different switches
// never take the same lock, and a virtual-clock wait runs only the simulator world of the
// client's switch (the switches fibers join to it), with no lock of the server held, so
// clients of different switches run beside each other as in-process threads do. conns_mu_
// guards only the connection list (accept, reap, shutdown); pump_mu_ only the real-time pump
// thread's wake-up. Lock order: Served::mu, then pump_mu_; no thread holds two switches'
// locks at once (a wait delivers the completions of the switches fibered to its own one lock
// after the other); conns_mu_ is never held with another of them, and none is held while the
// simulator runs (the simulator's own locks are taken under Served::mu only by a doorbell
// write, whose ring queue lock is a leaf).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cpo/hal/mutex.h"
#include "cpo/hal/status.h"
#include "cpo/sim/simd_protocol.h"
#include "cpo/sim/simulator.h"
#include "io.h"
#include "listener.h"
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
  // Stores `v` unless the word already holds a larger value: threads publishing one clock
  // after waits that ended in another order never move it back.
  void raise64(std::size_t offset, std::uint64_t v) noexcept;

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
  // A log line made with a lock held, written after it is released (log sinks may be the
  // application's).
  struct Note {
    bool warning = false;
    std::string text;
  };
  using Notes = std::vector<Note>;
  struct Served {
    SwitchSpec spec;
    sim::Switch* sw = nullptr;
    std::vector<SharedPage> windows;
    std::size_t unit_count = 0;  // fixed at create: read without the lock
    Listener listener;
    bool profile_is_file = false;
    std::string profile_json;
    SharedPage* clock = nullptr;                  // its world's clock page
    const std::vector<Served*>* world = nullptr;  // the switches of its world (itself included), fixed at create
    // Some unit has a command queued or running: set when a client's ring queues one, and
    // recomputed by pump_locked. A wait pumps the other switches of its world only if set.
    std::atomic<bool> has_work{false};
    cpo::Mutex mu;
    std::vector<UnitState> units CPO_GUARDED_BY(mu);
    std::vector<Conn*> conns CPO_GUARDED_BY(mu);  // its clients past the handshake
    Notes notes CPO_GUARDED_BY(mu);               // the arbiter's log lines not yet written
    cpo::CondVar started;                         // a queued command started (real time), with mu
  };
  struct Conn {
    std::uint32_t id = 0;
    long pid = 0;
    std::string name;
    io::Fd sock;
    Served* sw = nullptr;
    SharedPage completion;                   // written with sw->mu held
    std::vector<std::uint32_t> outstanding;  // per unit: queued or running commands (sw->mu)
    std::atomic<bool> alive{true};
    std::atomic<bool> finished{false};
    std::thread thread;
    [[nodiscard]] std::string label() const;
  };

  Server() = default;
  // Groups the switches into the simulator's worlds (fiber-connected groups) and gives each
  // world a clock page. Errors: a memfd's.
  Status group_worlds(const Topology& topology);
  void serve(const std::shared_ptr<Conn>& conn);
  Status handshake(Conn& conn);
  Status handle(const std::shared_ptr<Conn>& conn, std::span<const std::byte> buf, Reply& reply, std::string& text);
  Status on_ring(const std::shared_ptr<Conn>& conn, const Ring& ring);
  Status on_write(Conn& conn, const Write& write);
  Status on_snapshot(Conn& conn, const Snapshot& request);
  Status on_advance(Served& s, std::chrono::nanoseconds d);
  Status on_wait_refresh(Served& s, std::chrono::nanoseconds timeout);
  Status on_fault(Served& s, const Fault& f);
  // Virtual clock: lets `d` of device time pass in the world of `s` (its unit `unit`'s Bar
  // wait), publishes that world's clock and moves the mailboxes of every switch of the world
  // on. Takes no lock while the simulator runs.
  void wait_device(Served& s, std::size_t unit, std::chrono::nanoseconds d) CPO_EXCLUDES(s.mu);
  // Moves one switch's mailboxes on: delivers finished commands, starts queued ones.
  static void pump(Served& s) CPO_EXCLUDES(s.mu);
  static void pump_locked(Served& s) CPO_REQUIRES(s.mu);
  static void pump_unit_locked(Served& s, std::size_t unit) CPO_REQUIRES(s.mu);
  // `conn` is a client of `s`.
  static void finish_locked(Served& s, Conn& conn, std::size_t unit, std::uint32_t tag, std::uint32_t code,
                            const std::uint32_t* results, const std::uint32_t* data) CPO_REQUIRES(s.mu);
  static void publish_resets_locked(Served& s, std::size_t unit) CPO_REQUIRES(s.mu);
  static Notes take_notes_locked(Served& s) CPO_REQUIRES(s.mu) { return std::exchange(s.notes, {}); }
  static void write_notes(const Notes& notes);
  void disconnect(Conn& conn);  // once per connection, from its own thread
  static void publish_clock(Served& s);
  void wake_pump();
  void pump_thread_main();
  void reap_finished();

  ServerOptions options_;
  std::unique_ptr<sim::Fabric> fabric_;
  std::vector<std::unique_ptr<Served>> switches_;
  // Per world (group of fiber-connected switches): the clock page its switches share, and its
  // switches.
  std::vector<std::unique_ptr<SharedPage>> clock_pages_;
  std::vector<std::vector<Served*>> worlds_;

  cpo::Mutex conns_mu_;  // the connection list only; never held with another lock
  std::vector<std::shared_ptr<Conn>> conns_ CPO_GUARDED_BY(conns_mu_);
  std::uint32_t next_client_id_ CPO_GUARDED_BY(conns_mu_) = 1;

  std::thread pump_;  // real time: watches running commands
  cpo::Mutex pump_mu_;
  cpo::CondVar pump_cv_;
  bool pump_work_ CPO_GUARDED_BY(pump_mu_) = false;  // a command was queued since the pump looked
  std::atomic<bool> stopping_{false};
};

}  // namespace cpo::simd
