// How cpoctl reports: results to stdout (text or --json), errors to stderr, exit codes
// from cpo::sdk::exit_code_for.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cpo/hal/status.h"

namespace cpoctl {

struct Context {
  bool json = false;
  int exit_code = 0;
};

// Prints "cpoctl: <message>" to stderr and returns the exit code for the status's code.
int fail(const cpo::Status& status);
// Prints a usage error to stderr and returns exit code 2.
int usage_error(const std::string& message);
// Writes `doc` to stdout, indented, with a final newline.
void print_json(const nlohmann::ordered_json& doc);

}  // namespace cpoctl
