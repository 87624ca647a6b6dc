#ifndef WV_CLI_COMMAND_H_
#define WV_CLI_COMMAND_H_

#include <functional>
#include <string>
#include <string_view>

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
void RegisterShardCommand(CLI::App& root, CommandAction* selected);
void RegisterMergeCommand(CLI::App& root, CommandAction* selected);
void RegisterCheckCommand(CLI::App& root, CommandAction* selected);
void RegisterQueryCommand(CLI::App& root, CommandAction* selected);
void RegisterReportCommand(CLI::App& root, CommandAction* selected);
void RegisterLoadCommand(CLI::App& root, CommandAction* selected);
void RegisterDdlCommand(CLI::App& root, CommandAction* selected);
void RegisterHlrCommand(CLI::App& root, CommandAction* selected);

// ---- Text for people on the terminal (terminal.cc) ----

// True when standard error is a terminal (progress bars, colours).
bool StderrIsTerminal();

// A byte count for people, in decimal units: "512 B", "1.5 kB", "12.3 MB",
// "1.23 GB".
std::string HumanBytes(double bytes);

// Writes `text` to standard output and flushes it. A failure is an output
// error ("cannot write to standard output: No space left on device"); a
// closed pipe is one too, which main() turns into a quiet exit.
Status WriteStdout(std::string_view text);

// Writes `text` to standard error, best effort: progress and notes must not
// fail a command because nobody reads them (a closed or full stderr).
void PrintStderr(std::string_view text);

// True when standard output is a pipe (or socket) whose reading end is
// closed: `wordviews query ... | head -1` once head has exited.
bool StdoutIsBrokenPipe();

// The validator of every --threads flag: a whole number >= 0.
CLI::Validator ThreadsValidator();

// The thread count a subcommand uses for --threads `requested`: 0 is every
// core, above kMaxThreads (core/parallel.h) is capped to it with a note on
// stderr ("wordviews run: --threads 100000 capped at 256").
// REQUIRES: requested >= 0 (the flag's validator rejects negatives).
int ResolveThreads(int requested, std::string_view command);

}  // namespace wv::cli

#endif  // WV_CLI_COMMAND_H_
