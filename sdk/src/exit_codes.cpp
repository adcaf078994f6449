#include "cpo/sdk/exit_codes.h"

namespace cpo::sdk {

ExitCode exit_code_for(Code code) noexcept {
  switch (code) {
    case Code::ok: return ExitCode::ok;
    case Code::invalid_argument:
    case Code::out_of_range:
    case Code::not_found:
    case Code::already_exists:
    case Code::failed_precondition:
    case Code::unsupported: return ExitCode::invalid_input;
    case Code::safety_refused: return ExitCode::refused_by_policy;
    case Code::device_error:
    case Code::timeout:
    case Code::device_gone:
    case Code::io_error:
    case Code::internal: return ExitCode::device_error;
  }
  return ExitCode::device_error;
}

}  // namespace cpo::sdk
