// cposdk's logging as the SDK offers it to its clients: the named spdlog loggers
// (cpo::log::kLoggers: "cpo.hal", "cpo.sdk", "cpo.pci", "cpo.ref", "cpo.simd"), their sinks
// and levels, per logger or from CPO_LOG_LEVEL (docs/architecture.md, "Logging").
//
// Thread safety: as cpo/hal/log.h.
#pragma once

#include "cpo/hal/log.h"
