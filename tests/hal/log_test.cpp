#include "cpo/hal/log.h"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace cpo {
namespace {

TEST(Log, NamedLoggersAreDistinctFromTheDefault) {
  auto hal = log::get("cpo.hal");
  EXPECT_EQ(hal->name(), "cpo.hal");
  EXPECT_EQ(log::get("cpo.hal"), hal);
  EXPECT_NE(spdlog::default_logger_raw(), hal.get());
  EXPECT_EQ(spdlog::get("cpo.hal"), nullptr) << "cposdk must not register in spdlog's global registry";
}

TEST(Log, ApplicationSinksAndLevelApplyToExistingAndNewLoggers) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%n %l %v");
  auto early = log::get("cpo.test.early");
  log::set_sinks({sink});
  log::set_level(spdlog::level::info);
  early->info("one");
  log::get("cpo.test.late")->info("two");
  log::get("cpo.test.late")->debug("hidden");
  EXPECT_NE(out.str().find("cpo.test.early info one"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("cpo.test.late info two"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
  log::set_sinks({});
  log::set_level(spdlog::level::warn);
}

}  // namespace
}  // namespace cpo
