#include "daemon_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

namespace cpo::testing {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ScratchDir::ScratchDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "cposdk-test-XXXXXX").string();
  if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<DaemonProcess> DaemonProcess::start(const std::string& program, const std::vector<std::string>& args,
                                                    const Options& options, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<DaemonProcess> {
    if (error != nullptr) *error = why;
    return nullptr;
  };
  std::unique_ptr<DaemonProcess> d(new DaemonProcess());
  d->dir_ = std::make_unique<ScratchDir>();
  const auto out_path = d->dir_->path() / "stdout";
  const auto err_path = d->dir_->path() / "stderr";
  const auto notify_path = d->dir_->path() / "notify";

  int notify = -1;
  if (options.ready == Ready::sd_notify) {
    notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, notify_path.c_str(), sizeof(addr.sun_path) - 1);
    if (notify < 0 || ::bind(notify, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      if (notify >= 0) ::close(notify);
      return fail("cannot create the notify socket");
    }
  }

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) env_strings.emplace_back(*e);
  }
  if (notify >= 0) env_strings.push_back("NOTIFY_SOCKET=" + notify_path.string());
  for (const auto& e : options.env) env_strings.push_back(e);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = ::posix_spawn(&d->pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    if (notify >= 0) ::close(notify);
    return fail("cannot start " + program + ": " + std::error_code(rc, std::generic_category()).message());
  }

  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool ready = options.ready == Ready::none;
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    if (!d->running()) {
      if (notify >= 0) ::close(notify);
      return fail(program + " exited before it was ready (status " + std::to_string(d->status_.value_or(-1)) +
                  "): " + d->err() + d->out());
    }
    if (options.ready == Ready::sd_notify) {
      pollfd p{notify, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) {
        char buf[512] = {};
        const ssize_t n = ::recv(notify, buf, sizeof(buf) - 1, 0);
        if (n > 0 && std::string(buf, static_cast<std::size_t>(n)).find("READY=1") != std::string::npos) ready = true;
      }
    } else {
      if (d->out().find(options.stdout_marker) != std::string::npos) ready = true;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  if (notify >= 0) ::close(notify);
  if (!ready) {
    const std::string why =
        program + " was not ready within " + std::to_string(options.timeout.count()) + " ms: " + d->err() + d->out();
    d->stop(SIGKILL);
    return fail(why);
  }
  return d;
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0 && running()) stop(SIGKILL);
}

bool DaemonProcess::running() {
  if (status_) return false;
  int st = 0;
  const pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return r == 0;
}

std::string DaemonProcess::out() const { return read_file(dir_->path() / "stdout"); }
std::string DaemonProcess::err() const { return read_file(dir_->path() / "stderr"); }

int DaemonProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (status_) return *status_;
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      status_ = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *status_;
}

}  // namespace cpo::testing
