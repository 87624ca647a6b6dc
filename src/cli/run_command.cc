// `wordviews run`: flags, progress display and summary around run::RunPipeline.
#include <chrono>
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/s3_options.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "report/report.h"
#include "run/pipeline.h"

namespace wv::cli {
namespace {

struct RunFlags {
  run::RunOptions options;
  S3Flags s3;
  bool quiet = false;
  bool report = false;
  std::string memory_limit = "1G";
  std::string spill_budget;  // empty: from the limit
};

// Draws progress on stderr: a redrawn bar on a terminal, a log line every
// few seconds otherwise, nothing when quiet.
class ProgressDisplay {
 public:
  ProgressDisplay(bool quiet, bool terminal) : line_(quiet, terminal) {}

  void Stage(const std::string& name) {
    if (line_.terminal()) {
      line_.EndBar();
    } else {
      line_.Log(fmt::format("wordviews run: {}", name));
    }
  }

  void Update(const run::RunProgress& p) {
    if (!line_.Due(p.elapsed_seconds)) return;
    const double mb = static_cast<double>(p.stored_bytes_read) / 1e6;
    const double rate = p.elapsed_seconds > 0 ? mb / p.elapsed_seconds : 0;
    std::string eta = "?";
    double fraction = 0;
    if (p.stored_bytes_total > 0 && p.stored_bytes_read > 0) {
      fraction =
          static_cast<double>(p.stored_bytes_read) / static_cast<double>(p.stored_bytes_total);
      const double left = p.elapsed_seconds * (1 - fraction) / fraction;
      eta = fmt::format("{:.0f}s", left);
    }
    if (line_.terminal()) {
      line_.DrawBar(fraction, fmt::format("{:>11} rows  {:>7.1f} MB/s  {:>6.1f}s elapsed  ETA {}",
                                          p.rows, rate, p.elapsed_seconds, eta));
    } else {
      line_.Log(fmt::format(
          "wordviews run: {} rows, {:.1f} MB read ({:.1f} MB/s), {:.1f}s elapsed, ETA {}", p.rows,
          mb, rate, p.elapsed_seconds, eta));
    }
  }

  void EndBar() { line_.EndBar(); }

 private:
  ProgressLine line_;
};

// --report: the HTML report of the published output, written beside it
// (after the commit, so a failed report never costs the tables).
Status RunReport(const std::string& out_dir, int threads, bool quiet) {
  report::ReportOptions options;
  if (threads > 0) options.threads = threads;
  const std::string path = out_dir + "/report.html";
  WV_RETURN_IF_ERROR(report::WriteReport(out_dir, path, options));
  if (!quiet) return WriteStdout(EscapeForTerminal("  report: " + path) + "\n");
  return OkStatus();
}

// Out of memory must unwind (destroying the output store removes its
// staging folder), not end in an uncaught exception's abort().
StatusOr<run::RunSummary> RunCatchingBadAlloc(const run::RunOptions& options,
                                              const run::RunObserver& observer) {
  try {
    return run::RunPipeline(options, observer);
  } catch (const std::bad_alloc&) {
    return InternalError(fmt::format(
        "run: out of memory; nothing was published ({} was left as it was)", options.out_dir));
  }
}

// The effective options, as the manifest records them: "--name value" for
// every option that has a value, from whichever source.
std::vector<std::string> RecordedArguments(const CLI::App& sub) {
  std::vector<std::string> arguments = {"wordviews", "run"};
  for (const auto* opt : sub.get_options()) {
    if (opt->count() == 0 || opt->get_name() == "--help") continue;
    for (const std::string& v : opt->results()) {
      arguments.push_back(opt->get_name());
      if (opt->get_expected_max() != 0) arguments.push_back(v);  // a flag has no value
    }
  }
  return arguments;
}

Status Run(RunFlags flags) {
  flags.options.threads = ResolveThreads(flags.options.threads, "run");
  WV_ASSIGN_OR_RETURN(flags.options.memory_limit_bytes,
                      run::ParseByteSize(flags.memory_limit, "--memory-limit"));
  if (!flags.spill_budget.empty()) {
    WV_ASSIGN_OR_RETURN(flags.options.spill_budget_bytes,
                        run::ParseByteSize(flags.spill_budget, "--spill-budget"));
  }
  ProgressDisplay display(flags.quiet, StderrIsTerminal());
  run::RunObserver observer;
  observer.on_stage = [&](const std::string& s) { display.Stage(s); };
  observer.on_progress = [&](const run::RunProgress& p) { display.Update(p); };
  StatusOr<run::RunSummary> summary = RunCatchingBadAlloc(flags.options, observer);
  display.EndBar();
  if (!summary.ok()) return summary.status();
  if (!flags.quiet) {
    WV_RETURN_IF_ERROR(WriteStdout(EscapeForTerminalKeepNewlines(run::FormatRunSummary(*summary))));
  }
  if (summary->no_op) return OkStatus();
  if (flags.report) return RunReport(summary->out_dir, flags.options.threads, flags.quiet);
  return OkStatus();
}

}  // namespace

void RegisterRunCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<RunFlags>();
  auto* sub = root.add_subcommand(
      "run", "Validate learning traces and write the star schema (Parquet) with quality checks");
  sub->add_option("--traces", flags->options.traces,
                  "Learning-traces CSV files or globs (plain or gzip, detected from the bytes); "
                  "or s3://bucket/key, s3://bucket/prefix/ (every object under it), "
                  "s3://bucket/prefix/*.csv.gz")
      ->required()
      ->expected(1, -1);
  sub->add_option("--lexemes", flags->options.lexemes_path,
                  "Lexeme tag reference, a file or s3:// object (default: the bundled "
                  "lexeme_reference.txt)");
  sub->add_option("--languages", flags->options.languages_path,
                  "Language-code reference, JSON or CSV, a file or s3:// object (default: the "
                  "bundled one)");
  sub->add_option("--out", flags->options.out_dir,
                  "Output folder, or s3://bucket/prefix; replaced atomically only when the run "
                  "succeeds")
      ->required();
  sub->add_option("--threads", flags->options.threads,
                  "Worker threads (0, the default: all cores; at most 256)")
      ->check(ThreadsValidator());
  sub->add_option("--compression", flags->options.compression, "Parquet codec: zstd|snappy|none")
      ->check(CLI::IsMember({"zstd", "snappy", "none"}))
      ->capture_default_str();
  sub->add_flag("--parquet-delta", flags->options.parquet_delta,
                "Write nearly sorted 64-bit columns (line_number, epoch) DELTA_BINARY_PACKED: "
                "smaller files, less CPU; read by pyarrow, DuckDB, Spark 3.3+, Trino, not "
                "verified for Redshift (docs/PIPELINE.md)");
  sub->add_option("--max-bad-ratio", flags->options.max_bad_ratio,
                  "Fail when more than this share of rows is rejected (duplicates not counted)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--wait", flags->options.wait_seconds,
                  "If another run is writing the same --out, wait up to SECONDS for it "
                  "(default: fail at once)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option(
         "--memory-limit", flags->memory_limit,
         "Memory (peak RSS) the run may use, spilling to disk to keep to it: bytes or 512M, "
         "2G, ... (0: no limit; a limit below what the run needs whatever the input, ~115M "
         "with 2 threads, is refused); the duplicate detection, the session log and the users "
         "spill past their shares, the fact row groups and the chunks are sized from it; the "
         "tables' values do not depend on it")
      ->check(MemoryLimitValidator())
      ->capture_default_str();
  // For tests (hidden): tiny shares under a limit the run accepts.
  sub->add_option("--spill-budget", flags->spill_budget,
                  "What the duplicate set, fact writer, session log and users share before they "
                  "spill, instead of what --memory-limit leaves them (testing)")
      ->check(MemoryLimitValidator())
      ->group("");
  sub->add_option("--tmp-dir", flags->options.tmp_dir,
                  "Folder for the spill folder (default: beside --out); removed when the run "
                  "ends, however it ends");
  sub->add_option("--s3-grace", flags->options.s3_grace_seconds,
                  "S3 --out: keep objects of replaced versions (and of failed runs) this many "
                  "SECONDS before a run removes them; readers of an old version finish within it")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_flag(
      "--append", flags->options.append,
      "Add the --traces to the output in --out as a new batch (duplicates found against "
      "every earlier batch; the earlier files kept as they are) instead of replacing "
      "it; an input appended before is skipped (exit 0). On s3:// the current version is "
      "copied to --tmp-dir (default $TMPDIR), appended there, and only the new files uploaded; a "
      "concurrent append that commits first makes this one fail (exit 5)");
  sub->add_flag("--appendable", flags->options.appendable,
                "Keep the state later --append runs need (~24 bytes an accepted row in _state/), "
                "which a plain run does not; --append implies it (e.g. rebuilding a daily output "
                "from all its inputs); local or s3:// --out");
  sub->add_option("--run-id", flags->options.run_id,
                  "The run's id (manifest run_id, every row's batch_id) instead of a new one: "
                  "letters, digits, '.', '_', '-' (e.g. the day of a daily batch); local --out "
                  "only");
  sub->add_flag("--quiet", flags->quiet, "Print nothing but errors");
  sub->add_flag("--report", flags->report, "Also write report.html into the output folder");
  AddS3Flags(sub, &flags->s3);
  sub->callback([flags, selected, sub] {
    // The arguments are recorded when the command runs, after the values from
    // the environment and the config file joined those of the command line.
    *selected = [flags, sub] {
      flags->options.arguments = RecordedArguments(*sub);
      flags->options.s3 = S3SettingsFrom(flags->s3);
      return Run(*flags);
    };
  });
}

}  // namespace wv::cli
