// The one reader of user-supplied input files (profiles, CMIS dumps, config documents, batch
// files, lspci dumps). Every problem with such a file (missing, unreadable, not a regular file,
// too large) is Code::invalid_argument with a message naming the file, what was wrong and what
// is allowed, so callers and cpoctl (exit 3) report all of them the same way.
//
// Thread safety: free functions; reading "-" consumes the process's standard input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "cpo/hal/status.h"

namespace cpo {

// Default cap on an input file: far above any profile, dump or config document we know of,
// small enough that /dev/zero or a mistaken disk image cannot exhaust memory.
inline constexpr std::size_t kMaxInputFileBytes = 16u << 20;

// Checks that `path` names a readable regular file of at most `max_bytes`, without blocking
// (a FIFO is refused at once, not opened for reading). `what` names the file's role in
// messages ("profile file"). Errors: invalid_argument (empty path, missing, unreadable,
// not a regular file, larger than max_bytes).
[[nodiscard]] Status check_input_file(std::string_view path, std::string_view what,
                                      std::size_t max_bytes = kMaxInputFileBytes);

// Reads the whole of `path`; "-" reads standard input (up to max_bytes). Same errors as
// check_input_file, plus invalid_argument when the file grows past max_bytes while read.
[[nodiscard]] Result<std::string> read_input_file(std::string_view path, std::string_view what,
                                                  std::size_t max_bytes = kMaxInputFileBytes);

}  // namespace cpo
