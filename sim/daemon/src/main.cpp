// cpo-simd: serves a simulated CPO switch (or a fabric of them) to many processes over UNIX
// sockets (docs/simd.md).
//
//   cpo-simd [--profile cpo144] [--seed 1] [--socket /run/cposim/sw0.sock]
//   cpo-simd --topology fabric.json [--socket-dir /run/cposim]
//   common: --clock real|virtual  --start operational|cold  --status-period-ms 100
//           --foreground  --log-level info
//
// Exit codes: 0 stopped by SIGTERM/SIGINT, 2 usage error, 3 invalid input (profile, topology),
// 4 cannot serve (the socket is served by another daemon, permissions, system errors).
#include <fcntl.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <CLI/CLI.hpp>

#include "cpo/hal/log.h"
#include "server.h"
#include "topology.h"

namespace {

using cpo::Code;
using cpo::Status;

constexpr int kExitUsage = 2;
constexpr int kExitInvalid = 3;
constexpr int kExitCannotServe = 4;

int exit_for(const Status& s) {
  switch (s.code()) {
    case Code::invalid_argument:
    case Code::out_of_range:
    case Code::not_found:
    case Code::unsupported: return kExitInvalid;
    default: return kExitCannotServe;
  }
}

struct Args {
  std::string profile = "cpo144";
  std::uint64_t seed = 1;
  std::string socket = "/run/cposim/sw0.sock";
  std::string topology;
  std::string socket_dir = "/run/cposim";
  std::string clock = "real";
  std::string start = "operational";
  unsigned status_period_ms = 100;
  bool foreground = false;
  std::string log_level = "info";
};

std::string absolute(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// Background mode (not --foreground, not started by systemd): the parent waits until the child
// serves (or fails) and reports it; the child carries on alone. Returns the pipe's write end in
// the child, or exits in the parent.
int daemonize() {
  int pipefd[2];
  // No thread exists yet: the parent may exit() (NOLINT below: mt-unsafe is about threads).
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    (void)std::fprintf(stderr, "cpo-simd: pipe failed\n");
    std::exit(kExitCannotServe);  // NOLINT(concurrency-mt-unsafe)
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    (void)std::fprintf(stderr, "cpo-simd: fork failed\n");
    std::exit(kExitCannotServe);  // NOLINT(concurrency-mt-unsafe)
  }
  if (pid > 0) {
    ::close(pipefd[1]);
    std::string message;
    char buf[512];
    ssize_t n = 0;
    while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0) message.append(buf, static_cast<std::size_t>(n));
    if (message.empty()) {
      (void)std::fprintf(stderr, "cpo-simd: the daemon exited before it was ready\n");
      std::exit(kExitCannotServe);  // NOLINT(concurrency-mt-unsafe)
    }
    const int code = message[0] - '0';
    (void)std::fprintf(code == 0 ? stdout : stderr, "%s\n", message.c_str() + 1);
    std::exit(code);  // NOLINT(concurrency-mt-unsafe)
  }
  ::close(pipefd[0]);
  ::setsid();
  // Detached: no terminal, and no inherited pipe held open (logs go to the journal).
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::close(null);
  }
  return pipefd[1];
}

void report(int fd, int code, const std::string& text) {
  if (fd < 0) return;
  const std::string msg = std::to_string(code) + text;
  (void)!::write(fd, msg.data(), msg.size());
  ::close(fd);
}

int run(const Args& a, bool under_systemd) {
  // Logging: the journal through spdlog's systemd sink, or stderr with --foreground (and when
  // there is no journal).
  const bool journal = !a.foreground && std::filesystem::exists("/run/systemd/journal/socket");
  spdlog::sink_ptr sink;
  if (journal) {
    sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("cpo-simd");
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_pattern("cpo-simd [%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  }
  cpo::log::set_sinks({sink});
  cpo::log::set_level(spdlog::level::from_str(a.log_level));
  auto log = cpo::log::get("cpo.simd");

  const int ready_fd = (!a.foreground && !under_systemd) ? daemonize() : -1;

  // Signals arrive through a signalfd on the main loop; every thread inherits the mask.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  (void)std::signal(SIGPIPE, SIG_IGN);
  cpo::simd::io::Fd stop(::signalfd(-1, &mask, SFD_CLOEXEC));

  cpo::simd::Topology topology;
  if (!a.topology.empty()) {
    auto t = cpo::simd::load_topology(a.topology, absolute(a.socket_dir));
    if (!t) {
      log->error("{}", t.status().to_string());
      report(ready_fd, exit_for(t.status()), "cpo-simd: " + t.status().to_string());
      if (ready_fd < 0 && journal) (void)std::fprintf(stderr, "cpo-simd: %s\n", t.status().to_string().c_str());
      return exit_for(t.status());
    }
    topology = std::move(t).value();
  } else {
    cpo::simd::SwitchSpec spec;
    spec.socket_path = absolute(a.socket);
    spec.name = std::filesystem::path(spec.socket_path).stem().string();
    spec.profile = a.profile.find('/') != std::string::npos ? absolute(a.profile) : a.profile;
    spec.seed = a.seed;
    topology.switches.push_back(spec);
  }
  cpo::simd::ServerOptions options;
  options.clock = a.clock == "virtual" ? cpo::sim::ClockMode::virtual_time : cpo::sim::ClockMode::real_time;
  options.start = a.start == "cold" ? cpo::sim::StartState::cold : cpo::sim::StartState::operational;
  options.status_period = std::chrono::milliseconds(a.status_period_ms);

  auto server = cpo::simd::Server::create(topology, options);
  Status s = server.ok() ? (*server)->listen() : server.status();
  if (!s.ok()) {
    log->error("{}", s.to_string());
    report(ready_fd, exit_for(s), "cpo-simd: " + s.to_string());
    if (ready_fd < 0 && journal) (void)std::fprintf(stderr, "cpo-simd: %s\n", s.to_string().c_str());
    return exit_for(s);
  }
  const std::string what = (*server)->describe();
  log->info("serving {} ({} clock, pid {})", what, a.clock, ::getpid());
  ::sd_notifyf(0, "READY=1\nSTATUS=serving %s\nMAINPID=%d", what.c_str(), static_cast<int>(::getpid()));
  report(ready_fd, 0,
         fmt::format("cpo-simd: serving {} ({} clock, pid {}){}", what, a.clock, ::getpid(),
                     journal ? "; logs go to the journal" : "; no journal here: run with --foreground to see logs"));

  const std::string why = (*server)->run(stop.get());
  ::sd_notify(0, "STOPPING=1");
  log->info("stopping ({}): disconnecting clients, removing the sockets", why);
  (*server)->shutdown();
  log->info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{"cpo-simd: one simulated CPO switch (or a fabric) for many processes, over UNIX sockets"};
    app.footer(
        "Clients open simd://SOCKET (cpo::Switch::open, cpoctl --device, the samples).\n"
        "Exit codes: 0 stopped by SIGTERM/SIGINT, 2 usage, 3 invalid profile or topology, 4 cannot serve.\n"
        "See docs/simd.md.");
    Args a;
    auto* profile = app.add_option("--profile", a.profile, "built-in profile (cpo144, bailly51t, davisson102t) or file")
                        ->capture_default_str();
    auto* seed = app.add_option("--seed", a.seed, "simulator seed")->capture_default_str();
    auto* socket = app.add_option("--socket", a.socket, "socket of the one switch")->capture_default_str();
    auto* topology = app.add_option("--topology", a.topology, "fabric topology file (docs/simd.md)");
    auto* dir = app.add_option("--socket-dir", a.socket_dir, "directory of the fabric's sockets (NAME.sock)")
                    ->capture_default_str();
    topology->excludes(profile)->excludes(seed)->excludes(socket);
    dir->needs(topology);
    app.add_option("--clock", a.clock, "real: time follows the host; virtual: time moves when clients wait")
        ->check(CLI::IsMember({"real", "virtual"}))
        ->capture_default_str();
    app.add_option("--start", a.start, "operational: optics up, ports admin down; cold: power-on state")
        ->check(CLI::IsMember({"operational", "cold"}))
        ->capture_default_str();
    app.add_option("--status-period-ms", a.status_period_ms, "firmware status refresh period")
        ->check(CLI::Range(1u, 10000u))
        ->capture_default_str();
    app.add_flag("--foreground", a.foreground,
                 "stay in the foreground and log to stderr (tests, interactive use); without it cpo-simd logs to "
                 "the journal and, unless started by systemd, detaches once it serves");
    app.add_option("--log-level", a.log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
        ->capture_default_str();
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);
      return code == 0 ? 0 : kExitUsage;
    }
    const bool under_systemd = std::getenv("NOTIFY_SOCKET") != nullptr;  // NOLINT(concurrency-mt-unsafe): no thread yet
    return run(a, under_systemd);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "cpo-simd: internal error: %s\n", e.what());
    return 1;
  }
}
