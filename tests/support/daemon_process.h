// A long-running program started by a test (cpo-simd, cpo-exporter, prometheus): started with
// posix_spawn, its stdout and stderr going to files in a temporary directory, readiness by
// sd_notify (the test listens on its own NOTIFY_SOCKET) or by a line on stdout, stopped with a
// signal and reaped. The destructor kills and reaps what is still running, so a failing test
// leaves no process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cpo::testing {

// A fresh directory under /tmp, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class DaemonProcess {
 public:
  enum class Ready { sd_notify, stdout_line, none };
  struct Options {
    Ready ready = Ready::sd_notify;
    std::string stdout_marker;  // Ready::stdout_line: a line containing this
    std::chrono::milliseconds timeout{30'000};
    std::vector<std::string> env;  // extra NAME=value
  };

  // Starts `program args...`. Returns null (and `error`) when it could not start or did not
  // get ready in time (it is killed then).
  static std::unique_ptr<DaemonProcess> start(const std::string& program, const std::vector<std::string>& args,
                                              const Options& options, std::string* error = nullptr);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  // What the process wrote so far.
  [[nodiscard]] std::string out() const;
  [[nodiscard]] std::string err() const;
  // Sends `sig` and waits for the exit: the exit code, 128 + signal when killed by one, -1
  // when it did not exit within `timeout` (then it is SIGKILLed).
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

 private:
  DaemonProcess() = default;
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::unique_ptr<ScratchDir> dir_;
};

}  // namespace cpo::testing
