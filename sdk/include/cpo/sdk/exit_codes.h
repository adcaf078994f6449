// The one mapping from cpo::Code to process exit codes (cpoctl, samples) and, later, the
// C API's integers. A test covers every code.
//
// Thread safety: pure functions.
#pragma once

#include "cpo/hal/status.h"

namespace cpo::sdk {

// cpoctl exit codes, as documented in `cpoctl --help`.
enum class ExitCode : int {
  ok = 0,
  usage = 2,              // the command line itself is wrong (unknown option, missing argument)
  invalid_input = 3,      // an unknown object, a value out of range, a malformed or inconsistent file
  device_error = 4,       // the device or the operating system failed the request
  refused_by_policy = 5,  // a laser-safety or breakout policy refused the request (nothing changed)
};

// invalid_argument, out_of_range, not_found, already_exists, failed_precondition and
// unsupported are invalid input; safety_refused is refused by policy; device_error, timeout, device_gone,
// io_error and internal are device errors.
[[nodiscard]] ExitCode exit_code_for(Code code) noexcept;

}  // namespace cpo::sdk
