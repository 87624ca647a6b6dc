// `wordviews load DIR --postgres CONNINFO`: the star schema into PostgreSQL
// (warehouse/loader.h), with progress and a summary.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/s3_options.h"
#include "core/number_format.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "fmt/ranges.h"
#include "warehouse/loader.h"

namespace wv::cli {
namespace {

struct LoadFlags {
  warehouse::LoadOptions options;
  int lock_timeout_seconds = 60;
  bool quiet = false;
  S3Flags s3;
};

// Progress on stderr: each phase on its own line, and during COPY a redrawn
// bar on a terminal (a line every 5 seconds otherwise). Not thread-safe: the
// loader serialises its calls.
class LoadProgressDisplay {
 public:
  LoadProgressDisplay(bool quiet, bool terminal) : line_(quiet, terminal) {}

  void Phase(const std::string& name) { line_.Log(fmt::format("wordviews load: {}", name)); }

  void Update(const warehouse::LoadProgress& p) {
    if (!line_.Due(p.elapsed_seconds)) return;
    const double fraction =
        p.rows_total > 0 ? static_cast<double>(p.rows_done) / static_cast<double>(p.rows_total) : 0;
    const double rate = p.elapsed_seconds > 0 ? p.rows_done / p.elapsed_seconds : 0;
    if (line_.terminal()) {
      line_.DrawBar(fraction, fmt::format("{:>11} of {} rows  {:>9.0f} rows/s  {:>6.1f}s",
                                          Thousands(p.rows_done), Thousands(p.rows_total), rate,
                                          p.elapsed_seconds));
    } else {
      line_.Log(fmt::format("wordviews load: {} of {} rows copied, {:.1f}s elapsed", p.rows_done,
                            p.rows_total, p.elapsed_seconds));
    }
  }

  void EndBar() { line_.EndBar(); }

 private:
  ProgressLine line_;
};

std::string Summary(const warehouse::LoadResult& r) {
  if (r.skipped) {
    return EscapeForTerminal(fmt::format(
               "load: schema {} of {} already holds run {}; nothing to do (--force reloads it)",
               r.schema, r.database, r.run_id)) +
           "\n";
  }
  std::string out = EscapeForTerminal(
      r.appended
          ? fmt::format(
                "load: appended {} batch(es) to schema {} of {}, now run {}{}", r.appended_batches,
                r.schema, r.database, r.run_id,
                r.replaced_tables.empty()
                    ? std::string()
                    : " (merged: " + fmt::format("{}", fmt::join(r.replaced_tables, ", ")) + ")")
          : fmt::format("load: run {} is now schema {} of {}", r.run_id, r.schema, r.database));
  out += "\n";
  for (const auto& [table, rows] : r.table_rows) {
    out += fmt::format("  {:<16} {:>14} rows\n", table, Thousands(rows));
  }
  std::string phases;
  for (const auto& [phase, seconds] : r.phase_seconds) {
    phases += fmt::format("{}{} {:.1f}s", phases.empty() ? "" : ", ", phase, seconds);
  }
  out += fmt::format("  {:.1f}s ({})\n", r.seconds, phases);
  return out;
}

Status RunLoad(LoadFlags flags) {
  flags.options.lock_timeout_ms = flags.lock_timeout_seconds * 1000;
  LoadProgressDisplay display(flags.quiet, StderrIsTerminal());
  warehouse::LoadObserver observer;
  observer.on_phase = [&](const std::string& phase) { display.Phase(phase); };
  observer.on_progress = [&](const warehouse::LoadProgress& p) { display.Update(p); };
  StatusOr<warehouse::LoadResult> result = warehouse::LoadIntoPostgres(flags.options, observer);
  display.EndBar();
  if (!result.ok()) return result.status();
  for (const std::string& note : result->notes) {
    PrintStderr(EscapeForTerminal("wordviews load: note: " + note) + "\n");
  }
  if (flags.quiet) return OkStatus();
  return WriteStdout(Summary(*result));
}

}  // namespace

void RegisterLoadCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<LoadFlags>();
  auto* sub = root.add_subcommand(
      "load", "Load an output folder's star schema into PostgreSQL, atomically");
  sub->add_option("DIR", flags->options.dir,
                  "Output folder of `wordviews run`, local or s3://BUCKET/PREFIX")
      ->required();
  sub->add_option("--postgres", flags->options.conninfo,
                  "libpq connection string or URI (host=... dbname=... user=..., or "
                  "postgresql://user@host:port/db); the password may also come from PGPASSWORD "
                  "or ~/.pgpass, and is never printed")
      ->required();
  sub->add_option("--schema", flags->options.schema,
                  "Target schema; replaced as a whole by each load (S_wv_staging and S_wv_old "
                  "are used on the way)")
      ->capture_default_str();
  sub->add_option("--jobs", flags->options.jobs,
                  "Parallel COPY streams and index builds, one connection each (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  sub->add_flag("--force", flags->options.force,
                "Reload even when the schema already holds this run");
  sub->add_flag("--append", flags->options.append,
                "Load only what DIR added (run --append batches) since the version the schema "
                "holds: the new fact and quarantine files and the changed dimensions, in one "
                "transaction; a full load when the schema holds no earlier version of DIR (for "
                "example after a rebuild), with a note saying why");
  sub->add_option("--grant-read", flags->options.read_roles,
                  "Give ROLE read-only access (USAGE, SELECT, also on tables created later) and "
                  "a default statement_timeout; created NOLOGIN if missing. Repeatable. Roles "
                  "that could read the previous version keep their access")
      ->type_name("ROLE");
  AddIndexOption(sub, &flags->options.indexes);
  sub->add_option("--read-timeout", flags->options.read_statement_timeout_seconds,
                  "statement_timeout in seconds set for the --grant-read roles")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400 * 7));
  sub->add_option("--lock-timeout", flags->lock_timeout_seconds,
                  "Seconds the swap may wait in all for statements still running on the previous "
                  "version (it retries in steps shorter than the server's deadlock_timeout)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  sub->add_flag("--quiet,-q", flags->quiet, "No progress on stderr and no summary on stdout");
  sub->footer(
      "Exit codes: 0 loaded (or already loaded), 2 usage, 3 DIR unreadable, 5 the database is "
      "missing or a statement failed or another load runs, 6 DIR disagrees with its manifest, "
      "7 the server cannot be reached, 8 authentication or a permission refused.\n"
      "See docs/WAREHOUSE.md.");
  AddS3Flags(sub, &flags->s3);
  sub->callback([selected, flags] {
    *selected = [flags] {
      ApplyS3Flags(flags->s3);
      return RunLoad(*flags);
    };
  });
}

}  // namespace wv::cli
