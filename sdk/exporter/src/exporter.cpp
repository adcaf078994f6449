#include "exporter.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "cpo/sdk/telemetry.h"

namespace cpo::exporter {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

// The family a comment line names: "# HELP cpo_x text" / "# TYPE cpo_x gauge" -> "cpo_x".
std::string_view family_of(std::string_view line) {
  if (line.size() < 8 || line[0] != '#') return {};
  if (line.compare(0, 7, "# HELP ") != 0 && line.compare(0, 7, "# TYPE ") != 0) return {};
  std::string_view rest = line.substr(7);
  return rest.substr(0, rest.find(' '));
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

Result<DeviceSpec> parse_device(std::string_view text, std::size_t index) {
  DeviceSpec d;
  const auto eq = text.find('=');
  const auto scheme = text.find("://");
  if (eq != std::string_view::npos && (scheme == std::string_view::npos || eq < scheme)) {
    d.name = std::string(text.substr(0, eq));
    d.uri = std::string(text.substr(eq + 1));
    if (!valid_name(d.name)) {
      return error(Code::invalid_argument, "--device " + std::string(text) + ": switch name '" + d.name +
                                               "' must be 1..64 characters of A-Z a-z 0-9 _ . -");
    }
  } else {
    d.uri = std::string(text);
  }
  if (d.uri.empty()) {
    return error(Code::invalid_argument, "--device " + std::string(text) + ": no URI (form: [NAME=]URI)");
  }
  if (d.name.empty()) {
    std::string_view target = d.uri;
    if (target.rfind("simd://", 0) == 0) {
      target = target.substr(7);
      target = target.substr(0, target.find('?'));
      target = target.substr(target.rfind('/') == std::string_view::npos ? 0 : target.rfind('/') + 1);
      if (target.size() > 5 && target.substr(target.size() - 5) == ".sock")
        target = target.substr(0, target.size() - 5);
      if (valid_name(target)) d.name = std::string(target);
    }
    if (d.name.empty()) d.name = "sw" + std::to_string(index);
  }
  return d;
}

std::string merge_expositions(const std::vector<std::string>& texts) {
  if (texts.size() == 1) return texts.front();
  struct Family {
    std::string header;  // its HELP and TYPE lines, from the first text that has each
    bool has_help = false, has_type = false;
    std::vector<std::string_view> parts;  // runs of sample lines, text after text
  };
  std::vector<Family> families;
  std::map<std::string, std::size_t, std::less<>> index;
  std::size_t total = 0;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  for (const std::string& text : texts) {
    total += text.size();
    std::size_t current = kNone;
    std::size_t begin = 0;  // start of the current run of sample lines
    auto flush = [&](std::size_t end) {
      if (current != kNone && end > begin) families[current].parts.emplace_back(text.data() + begin, end - begin);
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t eol = text.find('\n', pos);
      if (eol == std::string::npos) eol = text.size();
      const std::string_view line(text.data() + pos, eol - pos);
      const std::size_t next = std::min(eol + 1, text.size());
      if (!line.empty() && line[0] == '#') {
        flush(pos);
        begin = next;
        const std::string_view name = family_of(line);
        if (!name.empty()) {
          auto it = index.find(name);
          if (it == index.end()) {
            it = index.emplace(std::string(name), families.size()).first;
            families.emplace_back();
          }
          current = it->second;
          Family& f = families[current];
          bool& seen = line[2] == 'H' ? f.has_help : f.has_type;
          if (!seen) {
            f.header.append(line).push_back('\n');
            seen = true;
          }
        }
      }
      pos = next;
    }
    flush(text.size());
  }
  std::string out;
  out.reserve(total);
  for (const Family& f : families) {
    out += f.header;
    for (std::string_view p : f.parts) {
      out.append(p);
      if (p.back() != '\n') out.push_back('\n');
    }
  }
  return out;
}

Result<std::unique_ptr<Exporter>> Exporter::open(const std::vector<DeviceSpec>& devices) {
  std::unique_ptr<Exporter> e(new Exporter());
  std::set<std::string> names;
  for (const DeviceSpec& spec : devices) {
    if (!names.insert(spec.name).second) {
      return error(Code::invalid_argument,
                   "--device: switch name '" + spec.name + "' is used twice (give each device its own NAME=)");
    }
    auto d = std::make_unique<Device>();
    d->spec = spec;
    auto sw = Switch::open(spec.uri);
    if (!sw) return sw.status().with_context("switch " + spec.name);
    d->sw = std::move(sw).value();
    e->devices_.push_back(std::move(d));
  }
  return e;
}

std::string Exporter::scrape_device(Device& d) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string text;
  Status s;
  if (!d.sw) {
    auto sw = Switch::open(d.spec.uri);
    if (sw) {
      d.sw = std::move(sw).value();
    } else {
      s = sw.status();
    }
  }
  if (d.sw) {
    s = d.sw->snapshot(d.snap);
    if (s.ok()) text = d.sw->render_prometheus(d.snap, d.spec.name);
    if (s.code() == Code::device_gone) d.sw.reset();  // reopened on the next scrape
  }
  d.up = s.ok();
  if (!s.ok()) {
    ++d.errors;
    if (d.last_error != s.message())
      (void)std::fprintf(stderr, "cpo-exporter: switch %s: %s\n", d.spec.name.c_str(), s.to_string().c_str());
    d.last_error = s.message();
  } else {
    d.last_error.clear();
  }
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return text;
}

std::string Exporter::scrape() {
  std::vector<std::string> texts;
  texts.reserve(devices_.size() + 1);
  std::string own =
      "# HELP cpo_exporter_up 1 when the last snapshot of the switch succeeded\n"
      "# TYPE cpo_exporter_up gauge\n";
  std::string durations =
      "# HELP cpo_exporter_scrape_duration_seconds Time taken to snapshot and render the switch\n"
      "# TYPE cpo_exporter_scrape_duration_seconds gauge\n";
  std::string errors =
      "# HELP cpo_exporter_snapshot_errors_total Snapshots of the switch that failed since the exporter started\n"
      "# TYPE cpo_exporter_snapshot_errors_total counter\n";
  for (auto& d : devices_) {
    std::lock_guard lock(d->mu);
    std::string text = scrape_device(*d);
    if (!text.empty()) texts.push_back(std::move(text));
    const std::string label = "{switch=\"" + escape_label(d->spec.name) + "\"} ";
    char value[64];
    (void)std::snprintf(value, sizeof(value), "%.9g", d->seconds);
    own += "cpo_exporter_up" + label + (d->up ? "1\n" : "0\n");
    durations += "cpo_exporter_scrape_duration_seconds" + label + value + "\n";
    errors += "cpo_exporter_snapshot_errors_total" + label + std::to_string(d->errors) + "\n";
  }
  texts.push_back(own + durations + errors);
  return merge_expositions(texts);
}

}  // namespace cpo::exporter
