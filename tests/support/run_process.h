// Runs a program with arguments and captures its exit code, stdout and stderr, so tests
// check a command-line tool exactly as a user sees it.
#pragma once

#include <string>
#include <vector>

namespace cpo::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args);

// Bounds for a child that is fed hostile input: it must finish in `max_seconds` of wall time
// (it is killed after that) within `max_memory_bytes` of address space (RLIMIT_AS). Under a
// sanitizer (whose shadow memory RLIMIT_AS cannot hold) the child's runtime enforces it
// instead: no allocation above max_memory_bytes, resident memory under resident_ceiling().
struct ProcessLimits {
  std::string stdin_path;            // standard input from this file (empty: /dev/null)
  std::size_t max_memory_bytes = 0;  // 0: no limit
  double max_seconds = 0;            // 0: no limit
  int uid = -1;                      // run as this user (>= 0; needs root), e.g. to make a file unreadable
};

struct LimitedResult : ProcessResult {
  double seconds = 0;      // wall time until exit
  bool timed_out = false;  // killed after max_seconds
  long max_rss_kib = 0;    // peak resident set (getrusage)
};

// The peak resident memory a child within `max_memory_bytes` may reach: the limit itself, or
// 16 times it under a sanitizer (the shadow memory alone is tens of MiB).
std::size_t resident_ceiling(std::size_t max_memory_bytes) noexcept;

LimitedResult run_limited(const std::string& program, const std::vector<std::string>& args,
                          const ProcessLimits& limits);

}  // namespace cpo::testing
