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

}  // namespace cpo::testing
