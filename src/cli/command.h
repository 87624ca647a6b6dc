#ifndef WV_CLI_COMMAND_H_
#define WV_CLI_COMMAND_H_

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "core/status.h"

// Each subcommand lives in src/cli/<name>_command.cc and exposes one Register
// function. It adds its flags to the root app and, when the subcommand is the
// one parsed, stores the action to run in *selected. main() runs it and maps
// the returned Status to an exit code (core/status.h).
namespace wv::cli {

using CommandAction = std::function<Status()>;

void RegisterGenerateCommand(CLI::App& root, CommandAction* selected);
void RegisterParquetCommand(CLI::App& root, CommandAction* selected);
void RegisterRunCommand(CLI::App& root, CommandAction* selected);
void RegisterCheckCommand(CLI::App& root, CommandAction* selected);
void RegisterQueryCommand(CLI::App& root, CommandAction* selected);
void RegisterReportCommand(CLI::App& root, CommandAction* selected);

// ---- Text for people on the terminal (terminal.cc) ----

// True when standard error is a terminal (progress bars, colours).
bool StderrIsTerminal();

// A byte count for people, in decimal units: "512 B", "1.5 kB", "12.3 MB",
// "1.23 GB".
std::string HumanBytes(double bytes);

}  // namespace wv::cli

#endif  // WV_CLI_COMMAND_H_
