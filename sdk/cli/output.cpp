#include "output.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "cpo/sdk/config.h"
#include "cpo/sdk/exit_codes.h"
#include "cpo/sdk/log.h"

namespace cpoctl {

// ------------------------------------------------------------------------------- session

Session::~Session() {
  events_.reset();  // before the switch it subscribes to
  switch_.reset();
}

cpo::Result<cpo::Switch*> Session::device() {
  if (switch_) return switch_.get();
  const Globals& g = *globals_;
  // --log-level was applied while parsing; -q alone lowers the default to errors only.
  const bool env_levels = std::getenv("CPO_LOG_LEVEL") != nullptr;  // NOLINT(concurrency-mt-unsafe): one thread yet
  if (g.quiet && g.log_level.empty() && !env_levels) cpo::log::set_level(spdlog::level::err);
  cpo::OpenOptions options;
  // The running configuration carries settings a switch is opened with (class limit,
  // threshold rules): a restarted cpoctl keeps them.
  std::error_code ec;
  if (std::filesystem::exists(running_path(), ec)) {
    auto running = cpo::sdk::load_config(running_path());
    if (running.issues.empty()) {
      options = cpo::sdk::open_options(running.config, options);
    } else {
      std::cerr << fmt::format("cpoctl: warning: ignoring the open settings of {}: {}\n", running_path().string(),
                               cpo::sdk::issues_status(running.issues).message());
    }
  }
  auto opened = cpo::Switch::open(g.device, options);
  if (!opened) {
    // Switch::open's URI errors already begin with the URI; naming it twice only hides the cause.
    const cpo::Status& s = opened.status();
    return s.message().starts_with(g.device) ? s : s.with_context(g.device);
  }
  switch_ = std::move(opened).value();
  if (g.events_from_open) {
    auto sub = switch_->subscribe(cpo::sdk::EventFilter{});
    if (!sub) return sub.status();
    events_ = std::make_unique<cpo::sdk::Subscription>(std::move(sub).value());
  }
  return switch_.get();
}

cpo::Result<cpo::sdk::Subscription*> Session::events() {
  auto dev = device();
  if (!dev) return dev.status();
  if (!events_) {
    auto sub = switch_->subscribe(cpo::sdk::EventFilter{});
    if (!sub) return sub.status();
    events_ = std::make_unique<cpo::sdk::Subscription>(std::move(sub).value());
  }
  return events_.get();
}

std::filesystem::path Session::running_path() const {
  const Globals& g = *globals_;
  if (!g.running_config.empty()) return g.running_config;
  std::string name;
  for (char c : g.device) name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  std::filesystem::path base;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0') {
    base = state;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = std::filesystem::path(home) / ".local" / "state";
  } else {
    base = std::filesystem::temp_directory_path();
  }
  return base / "cposdk" / ("running-" + name + ".yaml");
}

std::filesystem::path Session::previous_path() const {
  std::filesystem::path p = running_path();
  p += ".previous";
  return p;
}

bool Context::progress() const { return !json && !quiet && ::isatty(STDERR_FILENO) != 0; }

// ------------------------------------------------------------------------------- reporting

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

int fail(const cpo::Status& status) {
  std::cerr << "cpoctl: " << printable(status.to_string()) << '\n';
  return static_cast<int>(cpo::sdk::exit_code_for(status.code()));
}

int usage_error(const std::string& message) {
  std::cerr << "cpoctl: usage: " << printable(message) << "\nRun with --help for more information.\n";
  return static_cast<int>(cpo::sdk::ExitCode::usage);
}

void print_json(const Context& ctx, const nlohmann::ordered_json& doc) {
  const int indent = ctx.pretty ? 2 : -1;
  if (doc.is_object() && !doc.contains("schema_version")) {
    nlohmann::ordered_json out;
    out["schema_version"] = kJsonSchemaVersion;
    for (const auto& [key, value] : doc.items()) out[key] = value;
    std::cout << out.dump(indent) << '\n';
  } else {
    std::cout << doc.dump(indent) << '\n';
  }
  std::cout.flush();
}

void Table::print() const {
  std::vector<std::size_t> width(header_.size(), 0);
  for (std::size_t c = 0; c < header_.size(); ++c) width[c] = header_[c].size();
  for (const auto& row : rows_)
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size() && c < width.size(); ++c) {
      out += cells[c];
      if (c + 1 < cells.size()) out += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    std::cout << out << '\n';
  };
  line(header_);
  for (const auto& row : rows_) line(row);
}

void Progress::update(const std::string& text) {
  if (!on_) return;
  std::cerr << "\r\033[K" << text << std::flush;
  dirty_ = true;
}

void Progress::finish() {
  if (on_ && dirty_) std::cerr << "\r\033[K" << std::flush;
  dirty_ = false;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  return fmt::format("{:.{}f}", value, decimals);
}

std::string dbm_text(cpo::Milliwatts mw) {
  if (!(mw.value() > 0)) return "-";
  return fixed(cpo::to_dbm(mw).value(), 2);
}

std::string sci(double value) {
  if (!std::isfinite(value)) return "-";
  if (value == 0) return "0";
  return fmt::format("{:.1e}", value);
}

nlohmann::ordered_json number_or_null(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

}  // namespace cpoctl
