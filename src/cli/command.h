#ifndef WV_CLI_COMMAND_H_
#define WV_CLI_COMMAND_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

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

// The progress of a long command on stderr: on a terminal one bar redrawn in
// place (at most every 0.1 s), otherwise a log line every 5 seconds, nothing
// when quiet. Not thread-safe: callers serialise their calls.
class ProgressLine {
 public:
  ProgressLine(bool quiet, bool terminal) : quiet_(quiet), terminal_(terminal) {}

  bool quiet() const { return quiet_; }
  bool terminal() const { return terminal_; }

  // True when a redraw is due at `elapsed_seconds` (a terminal's 0.1 s or a
  // log's 5 s since the last), which it then records as drawn.
  // False when quiet.
  bool Due(double elapsed_seconds);
  // Redraws the bar, filled to `fraction` (clamped to [0, 1]), followed by
  // `text`. REQUIRES: terminal().
  void DrawBar(double fraction, std::string_view text);
  // Ends a drawn bar with its newline, then prints `line` and a newline;
  // nothing when quiet.
  void Log(std::string_view line);
  // Ends a drawn bar with its newline.
  void EndBar();

 private:
  bool quiet_, terminal_;
  double last_draw_ = -1e9;
  bool bar_drawn_ = false;
};

// True when standard output is a pipe (or socket) whose reading end is
// closed: `wordviews query ... | head -1` once head has exited.
bool StdoutIsBrokenPipe();

// The validator of every --threads flag: a whole number >= 0.
CLI::Validator ThreadsValidator();

// The validator of every --memory-limit flag: a byte size (run::ParseByteSize)
// of at least 1M, or 0 for no limit.
CLI::Validator MemoryLimitValidator();

// Adds `--index COLUMN` (repeatable) to `sub`: the optional secondary
// indexes of the warehouse (warehouse::OptionalIndexColumns()), for `load`
// and `ddl`.
void AddIndexOption(CLI::App* sub, std::vector<std::string>* columns);

// The thread count a subcommand uses for --threads `requested`: 0 is every
// core, above kMaxThreads (core/parallel.h) is capped to it with a note on
// stderr ("wordviews run: --threads 100000 capped at 256").
// REQUIRES: requested >= 0 (the flag's validator rejects negatives).
int ResolveThreads(int requested, std::string_view command);

}  // namespace wv::cli

#endif  // WV_CLI_COMMAND_H_
