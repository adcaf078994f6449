// cposdk's logging as the SDK offers it to its clients: the named spdlog loggers ("cpo.sdk",
// "cpo.ref", "cpo.sim", ...), their sinks and level (docs/architecture.md, "Logging").
//
// Thread safety: as cpo/hal/log.h.
#pragma once

#include "cpo/hal/log.h"
