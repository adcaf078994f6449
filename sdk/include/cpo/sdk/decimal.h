// Whole numbers as the whole SDK reads them (cpo/hal/decimal.h): strict decimal, range named
// in every refusal. cpoctl's options, URI parameters and object references all use it.
//
// Thread safety: pure functions.
#pragma once

#include "cpo/hal/decimal.h"
