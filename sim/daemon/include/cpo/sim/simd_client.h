// cpo::simd::Client: one connection to cpo-simd, the daemon that serves a simulated switch to
// many processes (docs/simd.md). For transports (the SDK's simd:// scheme) and tests.
//
//   auto client = cpo::simd::Client::connect("/run/cposim/sw0.sock");
//   std::vector<cpo::Bar*> bars;                       // one per unit, for the reference driver
//   for (std::size_t u = 0; u < (*client)->unit_count(); ++u) bars.push_back(&(*client)->bar(u));
//   (*client)->fault({.op = cpo::simd::FaultOp::fail_laser, .a = 7, .b = 3});
//
// Each unit's Bar reads the daemon's register window directly (a read-only shared mapping:
// status region and event ring cost what a memory read costs). Mailbox commands go to the
// daemon as messages, which queues the commands of every client of a unit and runs them one
// after the other through the unit's mailbox; the completion comes back through a page shared
// with the daemon. EvtConsumer is kept per client, so every client reads every event.
//
// Time: with a virtual clock, Bar::wait(d) asks the daemon to advance the clock by d (the
// whole switch or fabric moves, as a wait does in the simulator) and now() reads the clock
// the daemon publishes; with a real-time clock, wait sleeps and now() is the host's
// monotonic clock less the daemon's epoch.
//
// When the daemon goes away (the connection fails), every Bar read returns 0xffffffff, which
// the reference driver reports as device_gone, and every call returns device_gone.
//
// Thread safety: every member may be called from any thread; requests are serialised on the
// one connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/platform.h"
#include "cpo/hal/status.h"
#include "cpo/sim/simd_protocol.h"

namespace cpo::simd {

struct ConnectOptions {
  std::string client_name = "cposdk";  // shown in the daemon's log
  // How long any request may wait for its reply before the daemon counts as gone.
  std::chrono::milliseconds reply_timeout{60'000};
  // Overrides the protocol version sent in Hello (tests of the daemon's refusal only).
  std::uint32_t protocol_version = kProtocolVersion;
};

struct FaultCommand {
  FaultOp op = FaultOp::fail_laser;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::int32_t lane = -1;
  double value = 0.0;
  bool flag = false;
};

class Client {
 public:
  // Connects, says hello, receives the windows and the platform. Errors: not_found when no
  // socket is at `socket_path`; io_error when nobody serves it (a stale socket: connection
  // refused) or the system refuses (permissions); unsupported when the daemon speaks another
  // protocol version (its message says which); invalid_argument for a malformed welcome or
  // profile; device_gone when the daemon closes the connection during the handshake.
  static Result<std::shared_ptr<Client>> connect(std::string_view socket_path, const ConnectOptions& options = {});

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] const Platform& platform() const noexcept;
  [[nodiscard]] std::size_t unit_count() const noexcept;
  // The register window of a unit. Precondition: unit < unit_count().
  [[nodiscard]] Bar& bar(std::size_t unit) noexcept;
  [[nodiscard]] ClockKind clock() const noexcept;
  [[nodiscard]] const std::string& socket_path() const noexcept;
  [[nodiscard]] const std::string& switch_name() const noexcept;
  [[nodiscard]] std::uint32_t daemon_pid() const noexcept;
  [[nodiscard]] std::uint64_t seed() const noexcept;
  // False once the connection failed (the daemon exited or was killed).
  [[nodiscard]] bool connected() const noexcept;

  // Device time (virtual or real, as the daemon runs).
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept;
  // Lets `d` of device time pass: virtual clock: the daemon advances the whole switch or
  // fabric; real time: sleeps. Errors: device_gone when the daemon is gone.
  Status advance(std::chrono::nanoseconds d);
  // Returns after the firmware's next status refresh (virtual clock: advances to it).
  // Errors: timeout when no refresh came within `timeout` (firmware of unit 0 hung).
  Status wait_refresh(std::chrono::nanoseconds timeout = std::chrono::seconds(2));
  // Fault injection through the simulator's back door (simulator.h, Backdoor): the back
  // door's own errors (out_of_range naming the object and the valid range, ...).
  Status fault(const FaultCommand& command);
  // Register writes the units received since the daemon started (every client's).
  Result<std::uint64_t> write_count();

  struct Impl;  // opaque

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cpo::simd
