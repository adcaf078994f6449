// EXPECT_STATUS(expr, code, fragment): the exact code and a fragment of the message, after
// Abseil's StatusIs(code, HasSubstr(...)); there is deliberately no generic "not ok" check.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cpo/hal/status.h"

#define EXPECT_STATUS(expr, code_, fragment)                   \
  do {                                                         \
    const ::cpo::Status s_ = (expr);                           \
    EXPECT_EQ(s_.code(), code_) << s_.to_string();             \
    EXPECT_THAT(s_.message(), ::testing::HasSubstr(fragment)); \
  } while (false)
