// A scratch network namespace with veth pairs, for tests of the netlink driver and of host
// interfaces. The namespace is named cposdk-nl-<pid>-<n>; deleting it (destructor) removes
// every interface in it. Namespaces left by a crashed test process (its pid is gone) are
// deleted when the next rig is made, so nothing accumulates.
#pragma once

#include <unistd.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/wait.h>

#include <fmt/format.h>

namespace cpo::testing {

struct Shell {
  int exit_code = -1;
  std::string out;
};

// Runs `command` through /bin/sh, stdout captured (stderr folded in when `with_stderr`).
inline Shell shell(const std::string& command, bool with_stderr = false) {
  Shell r;
  const std::string cmd = with_stderr ? command + " 2>&1" : command + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class NetnsRig {
 public:
  // `pairs` veth pairs swp1/peer1 .. swpN/peerN inside the namespace, all down.
  explicit NetnsRig(int pairs) {
    reap_stale();
    static int counter = 0;
    name_ = fmt::format("cposdk-nl-{}-{}", ::getpid(), counter++);
    ok_ = shell(fmt::format("ip netns add {}", name_)).exit_code == 0;
    for (int i = 1; ok_ && i <= pairs; ++i)
      ok_ = ip(fmt::format("link add swp{} type veth peer name peer{}", i, i)).exit_code == 0;
  }
  ~NetnsRig() {
    if (!name_.empty()) shell(fmt::format("ip netns del {}", name_));
  }
  NetnsRig(const NetnsRig&) = delete;
  NetnsRig& operator=(const NetnsRig&) = delete;

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  // `ip -n NAME <args>`
  Shell ip(const std::string& args, bool with_stderr = false) const {
    return shell(fmt::format("ip -n {} {}", name_, args), with_stderr);
  }
  // A command inside the namespace.
  Shell exec(const std::string& command, bool with_stderr = false) const {
    return shell(fmt::format("ip netns exec {} {}", name_, command), with_stderr);
  }

  static bool root() { return ::geteuid() == 0; }

 private:
  static void reap_stale() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
      const std::string n = entry.path().filename().string();
      int pid = 0, k = 0;
      if (std::sscanf(n.c_str(), "cposdk-nl-%d-%d", &pid, &k) != 2) continue;
      if (pid == ::getpid() || std::filesystem::exists(fmt::format("/proc/{}", pid))) continue;
      shell(fmt::format("ip netns del {}", n));
    }
  }

  std::string name_;
  bool ok_ = false;
};

}  // namespace cpo::testing
