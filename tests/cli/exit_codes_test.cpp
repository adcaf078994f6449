#include "cpo/sdk/exit_codes.h"

#include <gtest/gtest.h>

namespace cpo::sdk {
namespace {

TEST(ExitCodes, EveryCodeHasItsDocumentedExitCode) {
  for (Code code : kAllCodes) {
    ExitCode expected = ExitCode::device_error;
    switch (code) {
      case Code::ok: expected = ExitCode::ok; break;
      case Code::invalid_argument:
      case Code::out_of_range:
      case Code::not_found:
      case Code::already_exists:
      case Code::failed_precondition:
      case Code::unsupported: expected = ExitCode::invalid_input; break;
      case Code::safety_refused: expected = ExitCode::refused_by_policy; break;
      default: break;
    }
    EXPECT_EQ(exit_code_for(code), expected) << to_string(code);
  }
  EXPECT_EQ(static_cast<int>(ExitCode::usage), 2);
  EXPECT_EQ(static_cast<int>(ExitCode::invalid_input), 3);
  EXPECT_EQ(static_cast<int>(ExitCode::device_error), 4);
  EXPECT_EQ(static_cast<int>(ExitCode::refused_by_policy), 5);
}

}  // namespace
}  // namespace cpo::sdk
