#include "cpo/hal/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace cpo {
namespace {

using ::testing::HasSubstr;

Result<int> half(int v) {
  if (v % 2) return error(Code::invalid_argument, "value " + std::to_string(v) + ": must be even");
  return v / 2;
}

Status chain(int v) {
  CPO_RETURN_IF_ERROR(half(v).status());
  return ok_status();
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::ok);
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, ToStringNamesCodeAndMessage) {
  Status s = error(Code::out_of_range, "port 200: allowed 0..143");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.to_string(), "out_of_range: port 200: allowed 0..143");
}

TEST(Status, WithContextKeepsCode) {
  Status s = error(Code::not_found, "no such file").with_context("profile x.json");
  EXPECT_EQ(s.code(), Code::not_found);
  EXPECT_EQ(s.message(), "profile x.json: no such file");
  EXPECT_TRUE(ok_status().with_context("ignored").ok());
}

TEST(Status, EveryCodeHasADistinctName) {
  std::set<std::string_view> names;
  for (Code c : kAllCodes) {
    auto name = to_string(c);
    EXPECT_NE(name, "unknown");
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAllCodes));
}

TEST(Result, HoldsValueOrStatus) {
  auto good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  auto bad = half(7);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::invalid_argument);
  EXPECT_THAT(bad.status().message(), HasSubstr("must be even"));
}

TEST(Result, ReturnIfErrorPropagatesFirstFailure) {
  EXPECT_TRUE(chain(2).ok());
  Status s = chain(3);
  EXPECT_EQ(s.code(), Code::invalid_argument);
  EXPECT_THAT(s.message(), HasSubstr("value 3"));
}

}  // namespace
}  // namespace cpo
