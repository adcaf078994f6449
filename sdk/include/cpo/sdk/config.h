// Desired-state configuration of a switch: one document (YAML or JSON, the same schema,
// sdk/schema/config.schema.json, docs/config.md) that says how ports and lasers should be
// set; validated whole, planned as an ordered diff against what the switch runs, applied
// through the facade's policies, verified by read-back, rolled back to the exact previous
// state on any failure, and persisted atomically.
//
//   auto doc = cpo::sdk::load_config("switch.yaml");          // every syntax/schema issue
//   if (!doc.issues.empty()) ...                               // with its path: ports[3].fec
//   auto plan = cpo::sdk::plan_config(sw, doc.config);         // the ordered operations
//   cpo::sdk::ApplyOptions opts;
//   opts.persist_path = "/var/lib/cposdk/running.yaml";       // temp file, fsync, rename, fsync dir
//   auto report = cpo::sdk::apply_config(sw, doc.config, opts);
//   if (!report.status.ok()) ...                               // the switch runs what it ran before
//
// The document:
//
//   schema_version: 1
//   platform: cpo144                 # optional: refuse other platforms
//   laser_class_limit_mw: 110        # optional: may only lower the platform's class limit
//   ports:
//     - port: 0-15                   # objects.h port lists: ranges, Ethernet names, aliases
//       breakout: 4x200G
//       admin: up                    # or one value per sub-port: [up, down, up, up]
//       fec: rs544
//       tx_fir: {pre: -4, main: 52, post: -7}   # or one {pre, main, post} per lane
//   lasers:
//     - laser: els7/0-7
//       enabled: true
//       power_mw: 100                # or power_dbm: 20
//       ramp_db_per_s: 5             # optional, at most the laser policy's max_ramp_rate
//       control: apc                 # or acc: the mode of the laser's ELS bank
//       bias_ma: 150                 # bias set-point (what an ACC laser runs at)
//   thresholds:                      # event threshold rules (events.h ThresholdRule)
//     - {quantity: pre_fec_ber, level: warning, bound: high, threshold: 1.0e-5, hysteresis: 0}
//
// Fields left out are left as the switch runs them. A port or laser may appear in several
// entries as long as no field is set twice. The class limit and the threshold rules are
// settings of the open switch: apply changes them through Switch::set_laser_class_limit
// and set_threshold_rules (and rolls them back); open_options() turns a document into the
// OpenOptions a process opens the switch with (cpoctl: its persisted running document).
//
// Errors: nothing throws. Issues name the document path (`ports[3].breakout`,
// `lasers[0].power_mw`), what was wrong and what is allowed; their codes follow
// cpo/hal/status.h (invalid_argument for the document's shape, out_of_range and unsupported
// for values the platform or backend does not allow, safety_refused for what a policy
// refuses, such as a sub-port across a bank or a disabled laser lighting admin-up ports).
//
// Thread safety: the functions are safe to call from any thread. Applies to one switch are
// serialised whole (validate, plan, run, read back, roll back, persist): a second one waits
// for the first, at most ApplyOptions::wait_for_other_apply, then fails with
// failed_precondition naming the switch. Across processes nothing serialises them (yet): one
// configuration agent per switch. validate and plan take no lease: a plan is a view of the
// moment it was made.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/hal/breakout.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/status.h"
#include "cpo/hal/telemetry.h"
#include "cpo/hal/units.h"
#include "cpo/sdk/events.h"
#include "cpo/sdk/laser.h"
#include "cpo/sdk/objects.h"

namespace cpo::sdk {

class Switch;
struct OpenOptions;

// Bumped when a key is renamed or removed or its meaning changes.
inline constexpr int kConfigSchemaVersion = 1;

// --- the document -------------------------------------------------------------------------

// One entry of `ports`. Empty vectors and nullopt: the field is not set.
struct PortSettings {
  std::string select;  // as written: "0-15", "Ethernet236", "59"
  std::optional<BreakoutMode> breakout;
  std::vector<AdminState> admin;  // one value: every sub-port; more: one per sub-port
  std::optional<FecMode> fec;
  std::vector<TxFir> tx_fir;  // one value: every lane of the port; more: one per lane
};

// One entry of `lasers`.
struct LaserSettings {
  std::string select;  // as written: "els7/3", "els7/0-7"
  std::optional<bool> enabled;
  std::optional<Milliwatts> power;  // power_mw, or power_dbm converted
  std::optional<Decibels> ramp;     // dB per second for this entry's power and bias changes
  // control: apc | acc, the mode of the laser's ELS bank (ELSFP page 1Ah byte 140 bit 0,
  // one bit per bank of 8 lasers)
  std::optional<cmis::ElsControlMode> control;
  std::optional<Milliamps> bias;  // bias_ma: the ACC bias set-point (page 1Bh), 0.1 mA steps
};

struct Config {
  int schema_version = kConfigSchemaVersion;
  std::string platform;  // empty: any platform
  std::optional<Milliwatts> laser_class_limit;
  std::vector<PortSettings> ports;
  std::vector<LaserSettings> lasers;
  std::optional<std::vector<ThresholdRule>> thresholds;  // nullopt: not set
};

// A problem found in a document, with where it is.
struct ConfigIssue {
  std::string path;  // "ports[3].breakout", "lasers[0]", "" for the whole document
  Code code = Code::invalid_argument;
  std::string message;
  // "ports[3].breakout: unsupported: port 12: ..."
  [[nodiscard]] std::string to_string() const;
};

// The issues as one Status (ok when empty): invalid_argument unless every issue is a policy
// refusal (safety_refused); the message lists every issue, one per line.
[[nodiscard]] Status issues_status(const std::vector<ConfigIssue>& issues, std::string_view what = "config");

enum class ConfigFormat : std::uint8_t { automatic, yaml, json };
[[nodiscard]] std::string_view to_string(ConfigFormat format) noexcept;  // "auto", "yaml", "json"

struct ParsedConfig {
  Config config;                    // what could be read (fields with issues are left out)
  std::vector<ConfigIssue> issues;  // every syntax and schema issue; empty: the document is well formed
};

// Reads a document. `automatic` takes JSON when the first non-blank character is '{',
// YAML otherwise (JSON documents are YAML too, but JSON gets JSON's error messages).
// Syntax errors are one issue with the line and column; schema errors are one issue each.
// Total: any input gives a result (the fuzz target tests/fuzz/config_fuzz.cpp holds it to that).
[[nodiscard]] ParsedConfig parse_config(std::string_view text, ConfigFormat format = ConfigFormat::automatic);
// The same for a file (the format from the extension .json/.yaml/.yml, else detected);
// "-" reads standard input. A file that cannot be read is one issue with code not_found or
// io_error and an empty path.
[[nodiscard]] ParsedConfig load_config(const std::filesystem::path& path);

// Renders a document: YAML (block style, values in flow style) or JSON (compact unless
// `pretty`). parse_config(render_config(c)) gives c back.
[[nodiscard]] std::string render_config(const Config& config, ConfigFormat format = ConfigFormat::yaml,
                                        bool pretty = true);

// OpenOptions carrying the document's class limit and threshold rules, over `base`.
[[nodiscard]] OpenOptions open_options(const Config& config, const OpenOptions& base);

// --- the running state ----------------------------------------------------------------------

// What a document can set, for every port and every laser: as read back from a switch, or
// as a document wants it.
struct PortState {
  PortId port;
  BreakoutMode breakout;
  std::vector<AdminState> admin;  // per sub-port under `breakout`
  FecMode fec = FecMode::none;
  std::vector<TxFir> tx_fir;  // per lane of the port, in port lane order
  friend bool operator==(const PortState&, const PortState&) = default;
};
struct LaserSetting {
  LaserRef laser;
  bool enabled = false;                                      // ELSFP page 1Ah lane enable
  Milliwatts power;                                          // power set-point (page 1Bh), 0.01 mW steps
  cmis::ElsControlMode control = cmis::ElsControlMode::apc;  // its bank's mode (page 1Ah byte 140)
  Milliamps bias;                                            // bias set-point (page 1Bh), 0.1 mA steps
  friend bool operator==(const LaserSetting&, const LaserSetting&) = default;
};
struct ConfigState {
  std::string platform;
  std::vector<PortState> ports;                 // every port, in id order
  std::vector<LaserSetting> lasers;             // every laser, by ELS then index
  std::optional<Milliwatts> laser_class_limit;  // in force (Switch::laser_class_limit)
  std::vector<ThresholdRule> thresholds;        // in force (Switch::threshold_rules), canonical order
};
// Ports and lasers equal; and the switch settings (class limit, threshold rules) equal.
// Read-back checks both.
[[nodiscard]] bool same_device_state(const ConfigState& a, const ConfigState& b) noexcept;
[[nodiscard]] bool same_open_settings(const ConfigState& a, const ConfigState& b) noexcept;

// Reads the running state: one snapshot (status-region reads only, no device write) and the
// switch's options. Errors: the snapshot's.
[[nodiscard]] Result<ConfigState> read_config_state(Switch& sw);
// The state as a complete document (consecutive ports and lasers with equal settings merged
// into ranges): what `cpoctl config show-running` prints; applying it changes nothing.
[[nodiscard]] Config to_config(const ConfigState& state);

// --- plan ---------------------------------------------------------------------------------

// Operations in the order apply runs them: admin down first (so lasers may go dark and
// breakouts find their ports down), lasers off, ELS bank control modes, breakouts
// (consecutive ones in one bulk call), FEC, tx-FIR, a higher class limit, bias set-points,
// lasers on and power ramps, a lower class limit, admin up, threshold rules. The class limit and the threshold rules
// are settings of the open switch (Switch::set_laser_class_limit, set_threshold_rules): they touch no device.
enum class ConfigOpKind : std::uint8_t {
  admin_down,
  laser_disable,
  laser_control,  // one per ELS bank whose mode changes, with every laser of the bank dark
  breakout,
  fec,
  tx_fir,
  laser_bias,  // before lasers light, so an ACC laser lights at its bias
  laser_enable,
  laser_power,
  admin_up,
  class_limit,
  thresholds,
};
[[nodiscard]] std::string_view to_string(ConfigOpKind kind) noexcept;  // "admin_down", ...

struct ConfigOp {
  ConfigOpKind kind = ConfigOpKind::admin_down;
  ObjectRef object;    // PortId, LogicalPort (one sub-port), LaneId or LaserRef; UnitId(0) for switch settings
  std::string field;   // "admin", "enabled", "breakout", "fec", "tx_fir", "power_mw", "thresholds", ...
  std::string from;    // the running value, spelt as in a document
  std::string to;      // the wanted value
  std::string source;  // the document path asking for it ("ports[2].fec"); "" when implied
  // Typed values for the kinds that use them.
  AdminState admin = AdminState::down;
  BreakoutMode breakout;
  FecMode fec = FecMode::none;
  TxFir tx_fir;
  Milliwatts power;
  std::optional<Decibels> ramp;
  cmis::ElsControlMode control = cmis::ElsControlMode::apc;
  Milliamps bias;
  std::optional<Milliwatts> class_limit;  // class_limit: the limit to set (nullopt: none)
  std::vector<ThresholdRule> rules;       // thresholds: the rules to set
  // False for the settings the SDK keeps (class limit, threshold rules).
  [[nodiscard]] bool touches_device() const noexcept {
    return kind != ConfigOpKind::class_limit && kind != ConfigOpKind::thresholds;
  }
  // "port 12: fec rs544 -> none (ports[2].fec)"
  [[nodiscard]] std::string to_string() const;
};

struct ConfigPlan {
  ConfigState from;  // the running state it was planned against
  ConfigState to;    // the state after a successful apply
  std::vector<ConfigOp> ops;
  [[nodiscard]] std::size_t device_ops() const noexcept;  // ops that touch the device
};

// Validates `config` against the switch (platform, backend capabilities, laser limits, the
// breakout and laser policies, all of it without a device write) and reports every issue.
[[nodiscard]] std::vector<ConfigIssue> validate_config(Switch& sw, const Config& config);
// Validates, then plans against the running state. Errors: issues_status() of the issues
// (also stored in `issues` when given); the errors of reading the running state.
[[nodiscard]] Result<ConfigPlan> plan_config(Switch& sw, const Config& config,
                                             std::vector<ConfigIssue>* issues = nullptr);
// The operations that take a switch from `from` to `to` (both complete states of one
// platform), in apply order. apply_config rolls back with diff_states(now, before).
[[nodiscard]] std::vector<ConfigOp> diff_states(const Platform& platform, const ConfigState& from,
                                                const ConfigState& to);

// --- apply --------------------------------------------------------------------------------

enum class ApplyPhase : std::uint8_t { apply, rollback };
struct ApplyProgress {
  ApplyPhase phase = ApplyPhase::apply;
  std::size_t index = 0;  // 0-based index of the operation about to run
  std::size_t total = 0;
  const ConfigOp* op = nullptr;
};

// Persisting: each step of an atomic file replacement, reported to a hook before it runs.
enum class PersistStep : std::uint8_t {
  open_temp,    // create <file>.tmp.XXXXXX beside the file
  write_first,  // the first half of the bytes
  write_rest,   // the rest
  fsync_temp,   // the data reaches the disk
  close_temp,
  rename,     // atomically replaces <file>
  fsync_dir,  // the rename reaches the disk
  done,
};
[[nodiscard]] std::string_view to_string(PersistStep step) noexcept;
using PersistHook = std::function<void(PersistStep)>;

struct ApplyOptions {
  // Called before each operation (progress displays, tests injecting faults). Runs on the
  // calling thread without any SDK lock held.
  std::function<void(const ApplyProgress&)> progress;
  // After a verified apply, the running state (to_config, YAML) is written here atomically;
  // empty: not persisted.
  std::filesystem::path persist_path;
  PersistHook persist_hook;  // tests: observe (or die at) each step
  // Applies to one switch run one at a time (in this process: threads, and Switch objects
  // opened on the same device URI other than sim://). A second apply waits for the first
  // at most this long (host time), then fails with failed_precondition.
  std::chrono::milliseconds wait_for_other_apply{30000};
};

struct ApplyReport {
  Status status;                    // ok: applied and verified; else why, after the rollback
  std::vector<ConfigIssue> issues;  // validation issues (nothing was done)
  ConfigPlan plan;
  std::size_t applied = 0;                     // operations run before success or failure
  bool rolled_back = false;                    // a failure was rolled back
  Status rollback_status;                      // ok, or why the rollback did not complete
  std::optional<std::uint64_t> device_writes;  // register writes of this call (simulated switches)
  std::chrono::nanoseconds device_time{0};     // device clock time the call took
  bool persisted = false;
};

// Validates, plans, runs the plan through the facade, reads back and compares with the
// plan's target. On any failure (an operation's error or a read-back mismatch) it plans from
// what the switch runs then back to the state before and runs that, then reports the
// failure naming the operation (status; rolled_back, rollback_status). Applying a document
// the switch already runs issues no device write.
[[nodiscard]] ApplyReport apply_config(Switch& sw, const Config& config, const ApplyOptions& options = {});

// Replaces `path` atomically with `text`: writes <path>.tmp.XXXXXX in the same directory,
// fsyncs it, renames it over `path` and fsyncs the directory, so a crash at any moment
// leaves the old file or the new one, never a mix (a crash may leave the temporary file
// behind; it is never read). `hook` runs before each step. Errors: io_error naming the step
// and the path.
Status write_file_atomically(const std::filesystem::path& path, std::string_view text, const PersistHook& hook = {});

}  // namespace cpo::sdk
