// `wordviews generate`: realistic synthetic learning traces (src/generate).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "fmt/core.h"
#include "io/atomic_file.h"
#include "generate/generator.h"
#include "io/byte_sink.h"
#include "io/gzip_sink.h"

namespace wv::cli {
namespace {

struct GenerateFlags {
  generate::GenerateOptions options;
  std::string out;
  std::string start = "2013-02-28";
  int gzip_level = 1;
  bool quiet = false;
};

StatusOr<int64_t> ParseDate(const std::string& text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || text.size() != 10) {
    return UsageError(fmt::format("--start must be YYYY-MM-DD, got '{}'", text));
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return UsageError(fmt::format("--start is not a calendar date: '{}'", text));
  return static_cast<int64_t>(std::chrono::sys_days(ymd).time_since_epoch().count()) * 86400;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string HumanBytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{} B", bytes);
}

Status RunGenerate(GenerateFlags flags) {
  WV_ASSIGN_OR_RETURN(flags.options.start_epoch, ParseDate(flags.start));
  WV_RETURN_IF_ERROR(generate::ValidateOptions(flags.options));
  if (flags.out.empty()) return UsageError("generate: --out is required");
  const bool to_stdout = flags.out == "-";
  const bool gzip = !to_stdout && EndsWith(flags.out, ".gz");
  const bool dirty = flags.options.dirty_rate > 0;
  const std::string truth_path = flags.out + ".truth.json";
  const std::string defects_path = flags.out + ".defects.csv";

  // Each file is staged beside its final path and renamed into place only
  // when everything was written: a failed run leaves no partial file.
  std::unique_ptr<io::StagedFile> data_file, defects_file, truth_file;
  std::unique_ptr<io::ByteSink> sink;
  if (to_stdout) {
    WV_ASSIGN_OR_RETURN(sink, io::OpenFileSink("-"));
  } else {
    WV_ASSIGN_OR_RETURN(data_file, io::StagedFile::Create(flags.out));
    sink = data_file->TakeSink();
  }
  if (gzip) {
    WV_ASSIGN_OR_RETURN(sink, io::OpenGzipSink(std::move(sink), flags.gzip_level,
                                               flags.options.threads));
  }
  std::unique_ptr<io::ByteSink> defects_sink;
  if (dirty && !to_stdout) {
    WV_ASSIGN_OR_RETURN(defects_file, io::StagedFile::Create(defects_path));
    defects_sink = defects_file->TakeSink();
  }

  const auto started = std::chrono::steady_clock::now();
  auto seconds_since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  const bool show_progress = !flags.quiet && StderrIsTerminal();
  double last_progress = -1;
  const uint64_t total_rows = flags.options.rows;
  generate::ProgressFn progress = [&](uint64_t rows, uint64_t bytes) {
    if (!show_progress) return;
    const double now = seconds_since_start();
    if (now - last_progress < 0.25 && rows < total_rows) return;
    last_progress = now;
    fmt::print(stderr, "\rgenerate: {:>11}/{} rows ({:3.0f}%), {}, {:.0f} MB/s   ", rows,
               total_rows, total_rows > 0 ? 100.0 * rows / total_rows : 100.0,
               HumanBytes(static_cast<double>(bytes)), bytes / 1e6 / std::max(now, 1e-9));
  };

  WV_ASSIGN_OR_RETURN(generate::GenerateResult result,
                      generate::Generate(flags.options, *sink, defects_sink.get(), progress));
  if (show_progress) fmt::print(stderr, "\n");
  WV_RETURN_IF_ERROR(sink->Close());
  if (defects_sink) WV_RETURN_IF_ERROR(defects_sink->Close());

  if (!to_stdout) {
    // Sidecars first, the data last: once PATH exists, its sidecars do too.
    const size_t slash = defects_path.rfind('/');
    const std::string defects_name =
        dirty ? (slash == std::string::npos ? defects_path : defects_path.substr(slash + 1)) : "";
    WV_RETURN_IF_ERROR(io::CheckReplaceableFile(truth_path));
    if (dirty) {
      WV_RETURN_IF_ERROR(defects_file->Commit());
    } else if (io::CheckReplaceableFile(defects_path).ok()) {
      ::unlink(defects_path.c_str());  // a stale list from an earlier dirty run would mislead
    }
    WV_RETURN_IF_ERROR(io::PublishFileAtomically(
        truth_path, generate::TruthJson(flags.options, result, defects_name)));
    WV_RETURN_IF_ERROR(data_file->Commit());
  }

  if (!flags.quiet) {
    const double seconds = seconds_since_start();
    struct stat st {};
    std::string stored;
    if (gzip && ::stat(flags.out.c_str(), &st) == 0) {
      stored = fmt::format(" ({} gzip)", HumanBytes(static_cast<double>(st.st_size)));
    }
    uint64_t defects = 0;
    for (uint64_t n : result.defects) defects += n;
    fmt::print(stderr,
               "generate: {} rows ({} clean, {} defects) from {} users over {} lexemes -> {}\n"
               "generate: {}{} in {:.2f} s, {:.0f} MB/s, {:.0f} rows/s, {} threads\n",
               result.rows_total, result.rows_clean, defects, result.users, result.lexemes_used,
               to_stdout ? "<stdout>" : flags.out, HumanBytes(static_cast<double>(result.bytes)),
               stored, seconds, result.bytes / 1e6 / std::max(seconds, 1e-9),
               result.rows_total / std::max(seconds, 1e-9), flags.options.threads);
  }
  return OkStatus();
}

}  // namespace

void RegisterGenerateCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<GenerateFlags>();
  flags->options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto* sub = root.add_subcommand(
      "generate",
      "Generate realistic synthetic learning traces (same columns, scale and statistics as the "
      "real Duolingo file), with a ground-truth sidecar");
  sub->footer(
      "Output: PATH gets the CSV (gzip when PATH ends in .gz; '-' = standard output).\n"
      "Beside it, PATH.truth.json records the arguments, the true model (theta), per-pair\n"
      "recall, row counts (rows_total includes defect rows; rows_clean are the rows a\n"
      "pipeline must accept) and, with --dirty-rate, the exact count of each injected defect\n"
      "by quarantine reason plus the CRLF and quoted rows that must be accepted (and their\n"
      "line numbers). With --dirty-rate > 0, PATH.defects.csv lists line_number,reason for\n"
      "every defect row (line 1 = header). With --out - no sidecar is written.\n"
      "Files appear atomically (hidden temp file + rename): a failed or killed run leaves no\n"
      "partial PATH. The same arguments give byte-identical output for any --threads.\n"
      "Example: wordviews generate --rows 200000 --out sample.csv.gz --dirty-rate 0.01");
  sub->add_option("--rows", flags->options.rows,
                  "Data rows to write, defect rows included (default: the real file's 12854226)")
      ->capture_default_str();
  sub->add_option("--out", flags->out, "Output path; .gz compresses; '-' is standard output")
      ->required();
  sub->add_option("--seed", flags->options.seed, "Random seed")->capture_default_str();
  sub->add_option("--users", flags->options.users,
                  "Number of users (default: rows/110, the real file's rows per user)");
  sub->add_option("--start", flags->start, "First day of the time window, YYYY-MM-DD (UTC)")
      ->capture_default_str();
  sub->add_option("--days", flags->options.days, "Length of the time window in days")
      ->capture_default_str();
  sub->add_option("--dirty-rate", flags->options.dirty_rate,
                  "Share of rows that are defects (0..0.5): duplicates, empty fields, bad\n"
                  "numbers, out-of-range values, unknown languages, bad lexemes, malformed rows\n"
                  "(wrong field count, invalid UTF-8, a stray quote or text after a closing\n"
                  "quote; every defect stays within its own line)")
      ->capture_default_str();
  sub->add_option("--threads", flags->options.threads,
                  "Worker threads (the output does not depend on it; default: all cores)")
      ->capture_default_str()
      ->envname("WV_THREADS");
  sub->add_option("--gzip-level", flags->gzip_level, "ISA-L compression level for .gz (0..3)")
      ->capture_default_str();
  sub->add_flag("--quiet,-q", flags->quiet, "No progress line and no summary on stderr");
  sub->callback([selected, flags] { *selected = [flags] { return RunGenerate(*flags); }; });
}

}  // namespace wv::cli
