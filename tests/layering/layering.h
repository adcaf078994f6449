// The layering rules of docs/architecture.md as code: which folder may include which
// layer's headers, and that no file reaches into another folder's private sources.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cpo::testing {

struct LayeringViolation {
  std::string file;  // relative to the root
  int line = 0;
  std::string include;
  std::string reason;
};

// Scans hal/, drivers/, sim/, sdk/ and samples/ under `root`.
std::vector<LayeringViolation> check_layering(const std::filesystem::path& root);

}  // namespace cpo::testing
