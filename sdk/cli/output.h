// How cpoctl reports: results to stdout (text, or one JSON document per command with a
// schema_version), errors to stderr, exit codes from cpo::sdk::exit_code_for, progress on a
// terminal only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cpo/sdk/switch.h"

namespace cpoctl {

// Bumped when a key of a cpoctl JSON document is renamed or removed (additions keep it).
inline constexpr int kJsonSchemaVersion = 1;

// What stays the same across the commands of one cpoctl run (a batch file runs many).
struct Globals {
  std::string device;          // --device, $CPO_DEVICE, else sim://cpo144
  std::string running_config;  // --running-config, $CPO_RUNNING_CONFIG, else per device under $XDG_STATE_HOME
  bool json = false;
  bool pretty = false;
  bool quiet = false;
  std::string log_level;  // --log-level, already applied; empty: $CPO_LOG_LEVEL or warn
  // Subscribe to events when the device opens (a batch with an `events` line), so the
  // events of the lines before it are kept. Otherwise `events` subscribes when it runs:
  // a subscription reads (and acknowledges) the device's events, which are device writes.
  bool events_from_open = false;
};

// The device of a run, opened on first use and kept for the commands that follow (so an
// in-process sim:// keeps its state across a batch file). Buffers every event from the
// moment it is opened, for `cpoctl events`.
class Session {
 public:
  // `globals` outlives the session and is complete before the first command runs.
  explicit Session(const Globals* globals) : globals_(globals) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  [[nodiscard]] const Globals& globals() const noexcept { return *globals_; }
  // Opens the device (with the class limit and thresholds of its running configuration,
  // when one is persisted). Errors: Switch::open's.
  cpo::Result<cpo::Switch*> device();
  // The persisted running configuration of this device, and the one before it.
  [[nodiscard]] std::filesystem::path running_path() const;
  [[nodiscard]] std::filesystem::path previous_path() const;
  // The session's event subscription, made on first use (or when the device opened, with
  // Globals::events_from_open). Errors: the device's, or Switch::subscribe's.
  cpo::Result<cpo::sdk::Subscription*> events();

 private:
  const Globals* globals_;
  std::unique_ptr<cpo::Switch> switch_;
  std::unique_ptr<cpo::sdk::Subscription> events_;
};

// One command's view: the run's session and this command line's output flags.
struct Context {
  Session* session = nullptr;
  bool json = false;
  bool pretty = false;
  bool quiet = false;
  int exit_code = 0;

  // Progress lines (ramps, swaps, applies) go to stderr on a terminal only, never with
  // --json or -q.
  [[nodiscard]] bool progress() const;
  cpo::Result<cpo::Switch*> device() const { return session->device(); }
};

// Prints "cpoctl: <message>" to stderr and returns the exit code for the status's code.
// Messages quote what the user typed: control characters in them are printed escaped.
int fail(const cpo::Status& status);
// Prints a usage error to stderr and returns exit code 2.
int usage_error(const std::string& message);
// `text` with control characters (other than newline and tab) and DEL written as \xNN, so
// that quoted user input cannot drive the terminal (ESC sequences, NUL).
std::string printable(std::string_view text);
// Writes `doc` to stdout: compact, or indented with --pretty; an object gets
// "schema_version" first.
void print_json(const Context& ctx, const nlohmann::ordered_json& doc);

// A text table: columns sized to their content, left-aligned, two spaces apart.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// One updating progress line on stderr ("\r" + text) when ctx.progress(); finish() ends it.
class Progress {
 public:
  explicit Progress(const Context& ctx) : on_(ctx.progress()) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(const std::string& text);
  void finish();

 private:
  bool on_ = false;
  bool dirty_ = false;
};

// Number formatting shared by the tables: "-" for NaN/inf, fixed decimals otherwise.
std::string fixed(double value, int decimals);
std::string dbm_text(cpo::Milliwatts mw);  // "2.01", "-inf" as "-"
std::string sci(double value);             // "1.2e-07", "0" for zero
nlohmann::ordered_json number_or_null(double value);

}  // namespace cpoctl
