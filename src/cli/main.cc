// The `wordviews` binary: one root app with a subcommand per stage of the job.
//
// Every way a command can end goes through here as an exit code from
// core/status.h and at most one line on stderr: parse errors (2), a Status
// from the command, exceptions that only resource exhaustion throws
// (std::system_error: caught here, after the stack unwound and removed the
// run's staging, never an abort), a refused allocation (1, see
// OnOutOfMemory), and standard output that cannot take the output (5, or a
// quiet death by SIGPIPE for a closed pipe, like other Unix tools). Text in
// messages is escaped for the terminal.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <system_error>

#include "CLI/CLI.hpp"
#include "cli/command.h"
#include "cli/option_sources.h"
#include "cli/s3_options.h"
#include "core/status.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "io/signal_cleanup.h"

namespace {

using wv::Status;

// A refused allocation ends the process here, from operator new, instead of
// as a std::bad_alloc that unwinds: third-party containers are not all
// exception-safe when their growth fails (abseil's hash tables, measured:
// destroying one after a refused rehash is a "double free or corruption",
// about one run in three under a 200 MiB address-space limit), so nothing is
// destroyed. What the run created (staging, temporaries, the lock file) is
// removed the way a fatal signal removes it, without allocating, and the
// process exits 1 with one line. Other threads that also run out wait here
// for the first to exit.
void OnOutOfMemory() {
  static std::atomic<bool> exiting{false};
  if (exiting.exchange(true)) {
    for (;;) ::pause();
  }
  static constexpr char kMessage[] =
      "wordviews: error: out of memory (an allocation was refused); nothing was published\n";
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  wv::io::SignalCleanup::RemoveAllRegistered();
  ::_exit(wv::kExitInternal);
}

int Report(const Status& status) {
  wv::cli::PrintStderr("wordviews: error: " + wv::EscapeForTerminalKeepNewlines(status.message()) +
                       "\n");
  return wv::ExitCodeFor(status);
}

// A closed stdout pipe ends the process the way it ends `cat`: killed by
// SIGPIPE (status 141 in a shell), without a message. SIGPIPE is ignored
// while the command runs so that the write fails instead, and everything the
// command created (staging, lock files) is removed by unwinding first.
int DieOfSigpipe() {
  std::signal(SIGPIPE, SIG_DFL);
  std::raise(SIGPIPE);
  return 128 + SIGPIPE;  // not reached
}

int ReportCommandFailure(const Status& status) {
  if (status.kind() == wv::ErrorKind::kOutput && wv::cli::StdoutIsBrokenPipe()) {
    return DieOfSigpipe();
  }
  return Report(status);
}

// Standard output is buffered: what a command printed is only known to have
// been written once it is flushed.
Status FlushStdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    return wv::OutputError(fmt::format("cannot write to standard output{}{}", errno ? ": " : "",
                                       errno ? std::strerror(errno) : ""));
  }
  return wv::OkStatus();
}

// CLI11's own messages (a bad flag, help) rendered, escaped, and printed.
int ReportParseError(const CLI::App& app, const CLI::ParseError& e) {
  std::ostringstream out, err;
  const int code = app.exit(e, out, err);
  if (!out.str().empty()) {
    if (const Status s = wv::cli::WriteStdout(out.str()); !s.ok()) return ReportCommandFailure(s);
  }
  wv::cli::PrintStderr(wv::EscapeForTerminalKeepNewlines(err.str()));
  return code == 0 ? wv::kExitOk : wv::kExitUsage;
}

int Main(int argc, char** argv) {
  CLI::App app{"wordviews: Duolingo learning traces -> validated star schema in Parquet"};
  app.name("wordviews");
  app.set_version_flag("--version", std::string("wordviews ") + WV_VERSION);
  app.require_subcommand(1);

  wv::cli::CommandAction action;
  wv::cli::RegisterGenerateCommand(app, &action);
  wv::cli::RegisterParquetCommand(app, &action);
  wv::cli::RegisterRunCommand(app, &action);
  wv::cli::RegisterShardCommand(app, &action);
  wv::cli::RegisterMergeCommand(app, &action);
  wv::cli::RegisterCheckCommand(app, &action);
  wv::cli::RegisterQueryCommand(app, &action);
  wv::cli::RegisterReportCommand(app, &action);
  wv::cli::RegisterLoadCommand(app, &action);
  wv::cli::RegisterDdlCommand(app, &action);
  wv::cli::RegisterHlrCommand(app, &action);
  wv::cli::OptionSources sources(&app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ReportParseError(app, e);
  } catch (const wv::cli::UsageException& e) {
    return Report(e.status());
  }
  if (const Status s = sources.Apply(); !s.ok()) return Report(s);
  wv::cli::SetConfigAwsKeys(sources.AwsKeys());
  if (!action) return wv::kExitUsage;
  Status status = action();
  if (status.ok()) status = FlushStdout();
  if (!status.ok()) return ReportCommandFailure(status);
  return wv::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::set_new_handler(OnOutOfMemory);
  try {
    return Main(argc, argv);
  } catch (const std::bad_alloc&) {
    return Report(wv::InternalError("out of memory; nothing was published"));
  } catch (const std::system_error& e) {
    // fmt::print throws this when standard output refuses a write.
    if (std::ferror(stdout)) {
      return ReportCommandFailure(
          wv::OutputError(fmt::format("cannot write to standard output: {}", e.code().message())));
    }
    return Report(wv::InternalError(fmt::format("system error: {}", e.what())));
  } catch (const std::exception& e) {
    return Report(wv::InternalError(fmt::format("unexpected exception: {}", e.what())));
  } catch (...) {
    return Report(wv::InternalError("unexpected exception"));
  }
}
