// Reading user-supplied input files the way the whole SDK does (cpo/hal/input_file.h): "-" is
// standard input, non-regular files are refused at once, sizes are capped, and every problem is
// Code::invalid_argument naming the file, what was wrong and what is allowed.
//
// Thread safety: free functions; reading "-" consumes the process's standard input.
#pragma once

#include "cpo/hal/input_file.h"
