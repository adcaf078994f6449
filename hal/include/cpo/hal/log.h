// cposdk's logging: spdlog loggers named per component (kLoggers below). cposdk never touches
// spdlog's default logger.
//
// By default the loggers write warnings and errors to stderr. An application routes them
// elsewhere with set_sinks() (before or after the loggers exist) and sets levels for all of
// them or per logger. The environment variable CPO_LOG_LEVEL is read when the first logger is
// created, in the set_levels() syntax: "debug" (every logger) or "cpo.ref=debug,info"
// (cpo.ref at debug, every other logger at info).
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include "cpo/hal/status.h"

namespace cpo::log {

// Every logger cposdk writes to, with what it reports:
//   cpo.hal   profile loading (hal)
//   cpo.sdk   the facade: event polling, open and close (sdk)
//   cpo.pci   PCIe discovery and BAR mapping (drivers/pcie)
//   cpo.ref   the reference driver: mailbox, event ring, resyncs (drivers/reference)
//   cpo.simd  the simulator daemon and its clients (sim/daemon)
inline constexpr std::string_view kLoggers[] = {"cpo.hal", "cpo.sdk", "cpo.pci", "cpo.ref", "cpo.simd"};

// The named logger, created on first use with the current sinks and its level.
std::shared_ptr<spdlog::logger> get(std::string_view name);

// Replaces the sinks of every cposdk logger, existing and future.
void set_sinks(std::vector<spdlog::sink_ptr> sinks);
// Sets the level of every cposdk logger, existing and future (per-logger levels are dropped).
void set_level(spdlog::level::level_enum level);
// Sets the level of one logger, existing or future; it then no longer follows set_level().
void set_level(std::string_view logger, spdlog::level::level_enum level);
// The level `logger` has or will have when created.
[[nodiscard]] spdlog::level::level_enum level_of(std::string_view logger);

// Applies a comma-separated list of LEVEL (every logger) and LOGGER=LEVEL items, e.g.
// "cpo.ref=debug,info". Levels: trace, debug, info, warn, error, critical, off; loggers:
// kLoggers. Errors: invalid_argument naming the item and the allowed levels or loggers; on an
// error no level changes.
[[nodiscard]] Status set_levels(std::string_view spec);

}  // namespace cpo::log
