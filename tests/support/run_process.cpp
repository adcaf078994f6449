#include "run_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::testing {

namespace {

// Appends what poll() reported readable on the child's stdout (fds[0]) and stderr (fds[1]) to
// `result`; closes the pipes that reached end of file and returns how many it closed.
int drain_ready(std::array<pollfd, 2>& fds, ProcessResult& result) {
  int closed = 0;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
    char buf[4096];
    ssize_t n = read(fds[i].fd, buf, sizeof buf);
    if (n <= 0) {
      close(fds[i].fd);
      fds[i].fd = -1;
      ++closed;
    } else {
      (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
    }
  }
  return closed;
}

}  // namespace

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("cannot start " + program);
  }
  ProcessResult result;
  std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds.data(), fds.size(), -1) < 0) break;
    open_fds -= drain_ready(fds, result);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

namespace {
// The options variable of the sanitizer this test binary (and so the cpoctl beside it) runs
// under, or empty.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::string_view kSanitizerOptions = "ASAN_OPTIONS";
#elif defined(__SANITIZE_THREAD__)
constexpr std::string_view kSanitizerOptions = "TSAN_OPTIONS";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr std::string_view kSanitizerOptions = "ASAN_OPTIONS";
#elif __has_feature(thread_sanitizer)
constexpr std::string_view kSanitizerOptions = "TSAN_OPTIONS";
#else
constexpr std::string_view kSanitizerOptions;
#endif
#else
constexpr std::string_view kSanitizerOptions;
#endif
}  // namespace

std::size_t resident_ceiling(std::size_t max_memory_bytes) noexcept {
  return !kSanitizerOptions.empty() ? max_memory_bytes * 16 : max_memory_bytes;
}

LimitedResult run_limited(const std::string& program, const std::vector<std::string>& args,
                          const ProcessLimits& limits) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string in_path = limits.stdin_path.empty() ? "/dev/null" : limits.stdin_path;
  // A sanitized child reserves terabytes of shadow address space at start, so RLIMIT_AS would
  // kill it before main(). Its runtime bounds memory instead: no single allocation above the
  // limit (malloc_limit_mb), and the whole process under a resident ceiling that leaves room
  // for the shadow (hard_rss_limit_mb).
  std::vector<std::string> env_text;
  std::vector<char*> envp;
  const bool sanitized = !kSanitizerOptions.empty() && limits.max_memory_bytes != 0;
  if (sanitized) {
    const std::size_t mb = std::max<std::size_t>(limits.max_memory_bytes >> 20, 1);
    for (char** e = environ; *e != nullptr; ++e)
      if (std::string_view(*e).rfind(std::string(kSanitizerOptions) + "=", 0) != 0) env_text.emplace_back(*e);
    const char* existing = std::getenv(std::string(kSanitizerOptions).c_str());
    env_text.push_back(std::string(kSanitizerOptions) + "=" + (existing != nullptr ? std::string(existing) + ":" : "") +
                       "malloc_limit_mb=" + std::to_string(mb) +
                       ":hard_rss_limit_mb=" + std::to_string(resident_ceiling(limits.max_memory_bytes) >> 20));
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  const auto start = std::chrono::steady_clock::now();
  // fork + exec rather than posix_spawn: the limits are set in the child, between the two,
  // with async-signal-safe calls only.
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // O_NONBLOCK so a FIFO given as stdin does not block here; cpoctl must cope with it.
    const int in = open(in_path.c_str(), O_RDONLY | O_NONBLOCK);
    if (in < 0) _exit(126);
    dup2(in, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    if (limits.max_memory_bytes != 0 && !sanitized) {
      const rlimit as{limits.max_memory_bytes, limits.max_memory_bytes};
      setrlimit(RLIMIT_AS, &as);
    }
    if (limits.uid >= 0) {
      if (setgid(static_cast<gid_t>(limits.uid)) != 0 || setuid(static_cast<uid_t>(limits.uid)) != 0) _exit(125);
    }
    if (sanitized)
      execve(program.c_str(), argv.data(), envp.data());
    else
      execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  LimitedResult result;
  std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
  int open_fds = 2;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  while (open_fds > 0) {
    int wait_ms = -1;
    if (limits.max_seconds > 0) {
      const double left = limits.max_seconds - elapsed();
      if (left <= 0) {
        result.timed_out = true;
        kill(pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(left * 1000) + 1;
    }
    if (poll(fds.data(), fds.size(), wait_ms) < 0) break;
    open_fds -= drain_ready(fds, result);
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  result.seconds = elapsed();
  result.max_rss_kib = usage.ru_maxrss;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace cpo::testing
