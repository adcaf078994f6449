// StatusIs(code, message_matcher): the exact code and a matcher on the message, after Abseil's
// status_matchers.h; it takes a cpo::Status or a cpo::Result<T>. There is deliberately no
// generic "not ok" check: a test names the code it expects.
//   EXPECT_THAT(Platform::from_json("[1e309]", "t"), StatusIs(Code::invalid_argument, HasSubstr("overflow")));
// EXPECT_STATUS(expr, code, fragment) is the same check with a substring, kept for brevity.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "cpo/hal/status.h"

namespace cpo::testing {

inline const ::cpo::Status& status_of(const ::cpo::Status& s) { return s; }
template <class T>
const ::cpo::Status& status_of(const ::cpo::Result<T>& r) {
  return r.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "isn't" : "is") + " a status with code " + std::string(::cpo::to_string(code)) +
               " and a message that " + ::testing::DescribeMatcher<std::string>(message_matcher, negation)) {
  const ::cpo::Status& s = ::cpo::testing::status_of(arg);
  *result_listener << "whose status is " << s.to_string();
  if (s.code() != code) return false;
  return ::testing::ExplainMatchResult(message_matcher, s.message(), result_listener);
}

MATCHER_P(StatusIs, code,
          std::string(negation ? "isn't" : "is") + " a status with code " + std::string(::cpo::to_string(code))) {
  const ::cpo::Status& s = ::cpo::testing::status_of(arg);
  *result_listener << "whose status is " << s.to_string();
  return s.code() == code;
}

}  // namespace cpo::testing

#define EXPECT_STATUS(expr, code_, fragment) \
  EXPECT_THAT((expr), ::cpo::testing::StatusIs((code_), ::testing::HasSubstr(fragment)))
