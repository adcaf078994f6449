#include "cpo/hal/log.h"

#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace cpo::log {
namespace {

// Deliberately separate from spdlog's registry: an application's spdlog::drop_all() or
// default-logger changes must not affect cposdk, and ours must not affect theirs. Every
// logger writes into one dist_sink, whose own mutex lets set_sinks() swap the real sinks
// while other threads log.
struct Registry {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> fanout = [] {
    auto sink = std::make_shared<spdlog::sinks::dist_sink_mt>();
    sink->add_sink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    return sink;
  }();
  spdlog::level::level_enum level = spdlog::level::warn;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

std::shared_ptr<spdlog::logger> get(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.loggers.find(std::string(name));
  if (it != r.loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(std::string(name), r.fanout);
  logger->set_level(r.level);
  r.loggers.emplace(std::string(name), logger);
  return logger;
}

void set_sinks(std::vector<spdlog::sink_ptr> sinks) { registry().fanout->set_sinks(std::move(sinks)); }

void set_level(spdlog::level::level_enum level) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.level = level;
  for (auto& [name, logger] : r.loggers) logger->set_level(level);
}

}  // namespace cpo::log
