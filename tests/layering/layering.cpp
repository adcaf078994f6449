#include "layering.h"

#include <fstream>
#include <map>
#include <optional>
#include <set>

namespace cpo::testing {
namespace {

namespace fs = std::filesystem;

// The component a path belongs to. sdk/cli and sdk/python are the SDK's clients, so they
// sit above sdk like samples do.
std::string component_of(const std::string& rel) {
  if (rel.rfind("sdk/cli/", 0) == 0) return "cli";
  for (const char* client : {"sdk/python/"}) {
    if (rel.rfind(client, 0) == 0) return "client";
  }
  if (rel.rfind("samples/", 0) == 0) return "sample";
  return rel.substr(0, rel.find('/'));
}

// Arrows allowed by docs/architecture.md: clients -> sdk -> hal <- drivers; sim -> hal;
// sdk wires drivers and sim together.
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> table{
      {"hal", {"hal"}},
      {"drivers", {"hal", "drivers"}},
      {"sim", {"hal", "sim"}},
      {"sdk", {"hal", "drivers", "sim", "sdk"}},
      {"client", {"hal", "sdk"}},
      // Users copy samples: they show the public facade and nothing below it. cpoctl is
      // built on that same public face only.
      {"sample", {"sdk"}},
      {"cli", {"sdk"}},
  };
  return table;
}

bool is_source(const fs::path& p) {
  static const std::set<std::string> exts{".h", ".hpp", ".cpp", ".cc", ".def", ".inc"};
  return exts.count(p.extension().string()) > 0;
}

// The folder that owns a private file: the path up to and including "src" (or the file's
// own directory when there is no src).
std::string owner_of(const std::string& rel) {
  auto pos = rel.find("/src/");
  if (pos != std::string::npos) return rel.substr(0, pos);
  return fs::path(rel).parent_path().string();
}

struct Include {
  char delimiter;  // '<' or '"'
  std::string path;
};

// Parses `#include <x>` / `# include "x"` (std::regex trips a GCC 12 false positive under
// the sanitizer presets, and this is all we need).
std::optional<Include> parse_include(const std::string& line) {
  std::size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos || line[i] != '#') return std::nullopt;
  i = line.find_first_not_of(" \t", i + 1);
  if (i == std::string::npos || line.compare(i, 7, "include") != 0) return std::nullopt;
  i = line.find_first_not_of(" \t", i + 7);
  if (i == std::string::npos || (line[i] != '<' && line[i] != '"')) return std::nullopt;
  const char close = line[i] == '<' ? '>' : '"';
  const std::size_t end = line.find(close, i + 1);
  if (end == std::string::npos) return std::nullopt;
  return Include{line[i], line.substr(i + 1, end - i - 1)};
}

std::string forbidden(const std::string& from, const std::string& layer) {
  std::string reason = from;
  reason.append(" may not include ").append(layer).append(" headers");
  return reason;
}

}  // namespace

std::vector<LayeringViolation> check_layering(const fs::path& root) {
  std::vector<LayeringViolation> out;
  for (const char* top : {"hal", "drivers", "sim", "sdk", "samples"}) {
    const fs::path dir = root / top;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || !is_source(entry.path())) continue;
      const std::string rel = fs::relative(entry.path(), root).generic_string();
      const std::string from = component_of(rel);
      std::ifstream in(entry.path());
      std::string text;
      int line_no = 0;
      while (std::getline(in, text)) {
        ++line_no;
        const auto parsed = parse_include(text);
        if (!parsed) continue;
        const std::string& inc = parsed->path;
        // Public headers: cpo/<layer>/... decides the target layer.
        if (inc.rfind("cpo/", 0) == 0) {
          // A header directly under cpo/ is the SDK's C API (sdk/include/cpo/cpo.h).
          const std::string layer = inc.find('/', 4) == std::string::npos ? "sdk" : inc.substr(4, inc.find('/', 4) - 4);
          const auto& ok = allowed().at(from);
          if (!ok.count(layer)) {
            out.push_back({rel, line_no, inc, forbidden(from, layer)});
          }
          continue;
        }
        // Quoted includes resolved next to the file must stay inside the owning folder
        // (another folder's src/ is private to it).
        if (parsed->delimiter == '"') {
          const fs::path target = entry.path().parent_path() / inc;
          if (!fs::exists(target)) continue;
          const std::string target_rel =
              fs::relative(fs::weakly_canonical(target), fs::weakly_canonical(root)).generic_string();
          const bool is_public = target_rel.find("/include/cpo/") != std::string::npos;
          if (is_public) {
            const std::string layer_dir = target_rel.substr(0, target_rel.find('/'));
            if (!allowed().at(from).count(layer_dir == "samples" ? "sample" : layer_dir)) {
              out.push_back({rel, line_no, inc, forbidden(from, layer_dir)});
            }
          } else if (owner_of(target_rel) != owner_of(rel) && target_rel.rfind(owner_of(rel) + "/", 0) != 0) {
            out.push_back(
                {rel, line_no, inc, "reaches into " + owner_of(target_rel) + ", which is private to its folder"});
          }
        }
      }
    }
  }
  return out;
}

}  // namespace cpo::testing
