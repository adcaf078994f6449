#include "cpo/hal/log.h"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>

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

TEST(Log, LevelsAreSetPerLoggerAndForTheRest) {
  ASSERT_TRUE(log::set_levels("cpo.ref=debug,info").ok());
  EXPECT_EQ(log::level_of("cpo.ref"), spdlog::level::debug);
  EXPECT_EQ(log::level_of("cpo.hal"), spdlog::level::info);
  EXPECT_EQ(log::get("cpo.ref")->level(), spdlog::level::debug);
  EXPECT_EQ(log::get("cpo.pci")->level(), spdlog::level::info);
  // A later LEVEL alone resets every logger, per-logger levels included.
  ASSERT_TRUE(log::set_levels("error").ok());
  EXPECT_EQ(log::get("cpo.ref")->level(), spdlog::level::err);
  log::set_level("cpo.simd", spdlog::level::trace);
  EXPECT_EQ(log::get("cpo.simd")->level(), spdlog::level::trace);
  EXPECT_EQ(log::get("cpo.sdk")->level(), spdlog::level::err);
  log::set_level(spdlog::level::warn);
  EXPECT_EQ(log::get("cpo.simd")->level(), spdlog::level::warn);
}

TEST(Log, BadLevelSpecsNameTheItemAndChangeNothing) {
  log::set_level(spdlog::level::warn);
  auto unknown_logger = log::set_levels("info,cpo.nope=debug");
  EXPECT_EQ(unknown_logger.code(), Code::invalid_argument);
  EXPECT_NE(unknown_logger.message().find("logger 'cpo.nope'"), std::string::npos) << unknown_logger.message();
  EXPECT_NE(unknown_logger.message().find("cpo.hal, cpo.sdk, cpo.pci, cpo.ref, cpo.simd"), std::string::npos);
  auto unknown_level = log::set_levels("cpo.ref=loud");
  EXPECT_EQ(unknown_level.code(), Code::invalid_argument);
  EXPECT_NE(unknown_level.message().find("log level 'loud'"), std::string::npos);
  EXPECT_NE(unknown_level.message().find("allowed trace, debug, info, warn, error, critical, off"), std::string::npos);
  EXPECT_EQ(log::set_levels("").code(), Code::invalid_argument);
  // "info" came first in the refused spec but was not applied.
  EXPECT_EQ(log::level_of("cpo.hal"), spdlog::level::warn);
  EXPECT_EQ(log::level_of("cpo.ref"), spdlog::level::warn);
}

TEST(Log, KLoggersListsExactlyTheLoggersTheSourcesUse) {
  // Scans the library sources for log::get("NAME"): every name used is listed, every name
  // listed is used, so docs and --log-level never offer a logger that does not exist.
  const std::filesystem::path root = std::filesystem::path(CPOSDK_PROFILE_DIR) / ".." / "..";
  const std::regex call(R"re(log::get\("([^"]+)"\))re");
  std::set<std::string> used;
  for (const char* dir : {"hal", "sdk", "drivers", "sim"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root / dir)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
      std::ifstream in(entry.path());
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (std::sregex_iterator m(text.begin(), text.end(), call), end; m != end; ++m) used.insert((*m)[1]);
    }
  }
  const std::set<std::string> listed(std::begin(log::kLoggers), std::end(log::kLoggers));
  EXPECT_EQ(used, listed);
  EXPECT_TRUE(listed.count("cpo.ref"));
}

}  // namespace
}  // namespace cpo
