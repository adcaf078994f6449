// cpoctl's command families. Each family adds its subcommands to the app; a subcommand's
// callback stores the process exit code in `Context::exit_code`. A fresh app is built for
// every command line (a batch file runs many), so option values never leak between lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "output.h"

namespace cpoctl {

void add_platform_commands(CLI::App& app, Context& ctx);
void add_cmis_commands(CLI::App& app, Context& ctx);
void add_pci_commands(CLI::App& app, Context& ctx);
void add_port_commands(CLI::App& app, Context& ctx);     // port, lane
void add_optics_commands(CLI::App& app, Context& ctx);   // oe, els, laser
void add_monitor_commands(CLI::App& app, Context& ctx);  // telemetry, events
void add_config_commands(CLI::App& app, Context& ctx);
void add_sim_commands(CLI::App& app, Context& ctx);
void add_hostif_commands(CLI::App& app, Context& ctx);  // hostif up|down|show

// "Examples:\n  cpoctl ..." for a command's --help footer.
std::string examples(std::initializer_list<std::string_view> lines);

// Object arguments, parsed by the SDK's one object parser against the open switch. An empty
// text selects every object of the kind. Errors name the text and the accepted forms.
cpo::Result<std::vector<cpo::PortId>> ports_arg(cpo::Switch& sw, const std::string& text);
// Ports and sub-ports ("59", "59/2", "Ethernet237").
cpo::Result<std::vector<cpo::sdk::ObjectRef>> port_objects_arg(cpo::Switch& sw, const std::string& text);
// Lanes ("lane148", "lane0-7"); a port stands for its lanes.
cpo::Result<std::vector<cpo::LaneId>> lanes_arg(cpo::Switch& sw, const std::string& text);
cpo::Result<std::vector<cpo::OeId>> oes_arg(cpo::Switch& sw, const std::string& text);
cpo::Result<std::vector<cpo::ElsId>> els_arg(cpo::Switch& sw, const std::string& text);
// Lasers ("els7/3", "els7/0-3"); an ELS stands for its lasers.
cpo::Result<std::vector<cpo::LaserRef>> lasers_arg(cpo::Switch& sw, const std::string& text);
// Exactly one laser.
cpo::Result<cpo::LaserRef> laser_arg(cpo::Switch& sw, const std::string& text);

// "5s", "100ms", "2m", "1h", "250us", or plain seconds ("1.5"). Errors: invalid_argument.
cpo::Result<std::chrono::nanoseconds> parse_duration(std::string_view text);
// A decimal number. Errors: invalid_argument naming `what`.
cpo::Result<double> parse_number(std::string_view text, std::string_view what);

// The one parser of whole-number arguments: decimal digits only (no sign, blank, leading zero,
// 0x or octal), in min..max. Errors: invalid_argument (not a decimal number) or out_of_range,
// both naming `what`, the text and the allowed range.
cpo::Result<std::uint64_t> parse_unsigned(std::string_view text, std::string_view what, std::uint64_t min,
                                          std::uint64_t max);
// The same for signed values: an optional '-' then decimal digits, in min..max.
cpo::Result<std::int64_t> parse_signed(std::string_view text, std::string_view what, std::int64_t min,
                                       std::int64_t max);

// A bad option value found while CLI11 parses: cpoctl reports its Status (exit 3), like any
// other invalid input, rather than as a usage error.
class InvalidOptionValue : public CLI::ParseError {
 public:
  explicit InvalidOptionValue(cpo::Status status)
      : CLI::ParseError("InvalidOptionValue", status.message(), 3), status_(std::move(status)) {}
  [[nodiscard]] const cpo::Status& status() const noexcept { return status_; }

 private:
  cpo::Status status_;
};

// Whole-number options through parse_unsigned / parse_signed.
CLI::Option* add_unsigned_option(CLI::App* app, const std::string& name, std::optional<std::uint32_t>& target,
                                 const std::string& description, std::uint32_t max = UINT32_MAX);
CLI::Option* add_unsigned_option(CLI::App* app, const std::string& name, std::uint32_t& target,
                                 const std::string& description, std::uint32_t min = 0, std::uint32_t max = UINT32_MAX);
CLI::Option* add_unsigned_option(CLI::App* app, const std::string& name, std::optional<std::uint64_t>& target,
                                 const std::string& description, std::uint64_t min, std::uint64_t max);
// A decimal number with an optional fraction (parse_number): no hex floats, inf or nan.
CLI::Option* add_decimal_option(CLI::App* app, const std::string& name, std::optional<double>& target,
                                const std::string& description);
CLI::Option* add_signed_option(CLI::App* app, const std::string& name, std::optional<int>& target,
                               const std::string& description, int min, int max);

}  // namespace cpoctl
