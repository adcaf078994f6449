// Files compiled into the library by cmake/embed_files.cmake (the built-in profiles).
#pragma once

#include <cstddef>

namespace cpo::detail {

struct EmbeddedFile {
  const char* name;  // file stem, e.g. "cpo144"
  const unsigned char* data;
  std::size_t size;
};

}  // namespace cpo::detail
