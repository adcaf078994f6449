// The CMIS codec as the SDK offers it to its clients: decoding and encoding of CMIS and
// OIF-ELSFP-CMIS pages, code-point names, and sfputil / ethtool -m hexdump reading and writing
// (docs/cmis.md). cpoctl's `cmis decode` and `cmis dump` use it; so may any tool that only
// links cposdk::sdk.
//
// Thread safety: pure functions on values.
#pragma once

#include "cpo/hal/cmis/codes.h"
#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/hexdump.h"
#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/cmis/module.h"
#include "cpo/hal/cmis/pages.h"
