// cposdk's logging: spdlog loggers named per component ("cpo.hal", "cpo.sdk", "cpo.sim",
// "cpo.pci", "cpo.nl"). cposdk never touches spdlog's default logger.
//
// By default the loggers write warnings and errors to stderr. An application routes them
// elsewhere with set_sinks() (before or after the loggers exist) or changes the level.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace cpo::log {

// The named logger, created on first use with the current sinks and level.
std::shared_ptr<spdlog::logger> get(std::string_view name);

// Replaces the sinks of every cposdk logger, existing and future.
void set_sinks(std::vector<spdlog::sink_ptr> sinks);
// Sets the level of every cposdk logger, existing and future.
void set_level(spdlog::level::level_enum level);

}  // namespace cpo::log
