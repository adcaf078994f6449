#include "cpo/hal/log.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "cpo/hal/mutex.h"

namespace cpo::log {
namespace {

constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
    {"off", spdlog::level::off}};

// spdlog::level::from_str maps unknown names to "off": a typo would silence logging.
std::optional<spdlog::level::level_enum> parse_level(std::string_view text) {
  for (const auto& [name, level] : kLevels) {
    if (name == text) return level;
  }
  return std::nullopt;
}

struct Levels {
  std::optional<spdlog::level::level_enum> all;
  std::map<std::string, spdlog::level::level_enum, std::less<>> per_logger;
};

Result<Levels> parse_spec(std::string_view spec) {
  Levels out;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string_view item = spec.substr(start, comma - start);
    start = comma + 1;
    const std::size_t eq = item.find('=');
    const std::string_view level_text = eq == std::string_view::npos ? item : item.substr(eq + 1);
    auto level = parse_level(level_text);
    if (!level) {
      return error(Code::invalid_argument,
                   fmt::format("log level '{}' in '{}': allowed trace, debug, info, warn, error, critical, off",
                               level_text, spec));
    }
    if (eq == std::string_view::npos) {
      out.all = *level;
      continue;
    }
    const std::string_view name = item.substr(0, eq);
    if (std::find(std::begin(kLoggers), std::end(kLoggers), name) == std::end(kLoggers)) {
      std::string names;
      for (auto n : kLoggers) names += (names.empty() ? "" : ", ") + std::string(n);
      return error(Code::invalid_argument, fmt::format("logger '{}' in '{}': loggers are {}", name, spec, names));
    }
    out.per_logger[std::string(name)] = *level;
  }
  return out;
}

// Deliberately separate from spdlog's registry: an application's spdlog::drop_all() or
// default-logger changes must not affect cposdk, and ours must not affect theirs. Every
// logger writes into one dist_sink, whose own mutex lets set_sinks() swap the real sinks
// while other threads log.
// The levels are applied to spdlog loggers under the registry's mutex: set_level on a logger
// only stores an atomic, no sink or user code runs.
struct Registry {
  Mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers CPO_GUARDED_BY(mutex);
  std::shared_ptr<spdlog::sinks::dist_sink_mt> fanout = [] {
    auto sink = std::make_shared<spdlog::sinks::dist_sink_mt>();
    sink->add_sink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    return sink;
  }();
  spdlog::level::level_enum level CPO_GUARDED_BY(mutex) = spdlog::level::warn;
  std::map<std::string, spdlog::level::level_enum, std::less<>> per_logger CPO_GUARDED_BY(mutex);

  // Runs once, before any other thread can see the registry (a function-local static).
  Registry() CPO_NO_THREAD_SAFETY_ANALYSIS {
    // Read once, while the registry is built (a function-local static, so before any logger).
    if (const char* env = std::getenv("CPO_LOG_LEVEL");  // NOLINT(concurrency-mt-unsafe)
        env != nullptr && *env != '\0') {
      auto levels = parse_spec(env);
      if (!levels) {
        // No logger exists yet to report through; stderr is where the default sink writes.
        (void)std::fprintf(stderr, "cposdk: ignoring CPO_LOG_LEVEL: %s\n", levels.status().message().c_str());
      } else {
        apply(*levels);
      }
    }
  }

  spdlog::level::level_enum level_for(std::string_view name) const CPO_REQUIRES(mutex) {
    auto it = per_logger.find(name);
    return it != per_logger.end() ? it->second : level;
  }
  void apply(const Levels& levels) CPO_REQUIRES(mutex) {
    if (levels.all) {
      level = *levels.all;
      per_logger.clear();
    }
    for (const auto& [name, l] : levels.per_logger) per_logger[name] = l;
    for (auto& [name, logger] : loggers) logger->set_level(level_for(name));
  }
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

std::shared_ptr<spdlog::logger> get(std::string_view name) {
  Registry& r = registry();
  Lock lock(r.mutex);
  auto it = r.loggers.find(std::string(name));
  if (it != r.loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(std::string(name), r.fanout);
  logger->set_level(r.level_for(name));
  r.loggers.emplace(std::string(name), logger);
  return logger;
}

void set_sinks(std::vector<spdlog::sink_ptr> sinks) { registry().fanout->set_sinks(std::move(sinks)); }

void set_level(spdlog::level::level_enum level) {
  Registry& r = registry();
  Lock lock(r.mutex);
  r.apply(Levels{level, {}});
}

void set_level(std::string_view logger, spdlog::level::level_enum level) {
  Registry& r = registry();
  Lock lock(r.mutex);
  Levels levels;
  levels.per_logger[std::string(logger)] = level;
  r.apply(levels);
}

spdlog::level::level_enum level_of(std::string_view logger) {
  Registry& r = registry();
  Lock lock(r.mutex);
  return r.level_for(logger);
}

Status set_levels(std::string_view spec) {
  auto levels = parse_spec(spec);
  if (!levels) return levels.status();
  Registry& r = registry();
  Lock lock(r.mutex);
  r.apply(*levels);
  return ok_status();
}

}  // namespace cpo::log
