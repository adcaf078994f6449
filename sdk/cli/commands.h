// cpoctl's command families. Each family adds its subcommands to the app; a subcommand's
// callback stores the process exit code in `Context::exit_code`. A fresh app is built for
// every command line (a batch file runs many), so option values never leak between lines.
#pragma once

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

}  // namespace cpoctl
