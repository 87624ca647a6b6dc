// `wordviews generate`: realistic synthetic learning traces (src/generate).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/command.h"
#include "core/civil_time.h"
#include "core/parallel.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "generate/generator.h"
#include "io/atomic_file.h"
#include "io/byte_sink.h"
#include "io/gzip_sink.h"
#include "io/local_files.h"

namespace wv::cli {
namespace {

struct GenerateFlags {
  generate::GenerateOptions options;
  std::string out;
  std::string start = "2013-02-28";
  int gzip_level = 1;
  bool quiet = false;
};

// The files of one run. Each file is staged beside its final path and
// renamed into place only when everything was written: a failed run leaves
// no partial file. With --out -, only `sink` (standard output) is set.
struct GenerateOutputs {
  std::unique_ptr<io::StagedFile> data_file;
  std::unique_ptr<io::StagedFile> defects_file;  // with --dirty-rate > 0 only
  std::unique_ptr<io::ByteSink> sink;            // the CSV, through gzip for .gz
  std::unique_ptr<io::ByteSink> defects_sink;
};

std::string TruthPath(const GenerateFlags& flags) { return flags.out + ".truth.json"; }
std::string DefectsPath(const GenerateFlags& flags) { return flags.out + ".defects.csv"; }
bool ToStdout(const GenerateFlags& flags) { return flags.out == "-"; }
bool Gzipped(const GenerateFlags& flags) { return !ToStdout(flags) && flags.out.ends_with(".gz"); }
bool Dirty(const GenerateFlags& flags) { return flags.options.dirty_rate > 0; }

StatusOr<GenerateOutputs> OpenOutputs(const GenerateFlags& flags) {
  GenerateOutputs outputs;
  if (ToStdout(flags)) {
    WV_ASSIGN_OR_RETURN(outputs.sink, io::OpenFileSink("-"));
  } else {
    WV_ASSIGN_OR_RETURN(outputs.data_file, io::StagedFile::Create(flags.out));
    outputs.sink = outputs.data_file->TakeSink();
  }
  if (Gzipped(flags)) {
    WV_ASSIGN_OR_RETURN(outputs.sink, io::OpenGzipSink(std::move(outputs.sink), flags.gzip_level,
                                                       flags.options.threads));
  }
  if (Dirty(flags) && !ToStdout(flags)) {
    WV_ASSIGN_OR_RETURN(outputs.defects_file, io::StagedFile::Create(DefectsPath(flags)));
    outputs.defects_sink = outputs.defects_file->TakeSink();
  }
  return outputs;
}

// The progress line on a terminal: redrawn in place at most four times a
// second, and once more at the end. Called from the writing thread only.
class ProgressLine {
 public:
  ProgressLine(bool shown, uint64_t total_rows) : shown_(shown), total_rows_(total_rows) {}

  void Update(uint64_t rows, uint64_t bytes) {
    if (!shown_) return;
    const double now = SecondsSinceStart();
    if (now - last_drawn_ < 0.25 && rows < total_rows_) return;
    last_drawn_ = now;
    PrintStderr(fmt::format("\rgenerate: {:>11}/{} rows ({:3.0f}%), {}, {:.0f} MB/s   ", rows,
                            total_rows_, total_rows_ > 0 ? 100.0 * rows / total_rows_ : 100.0,
                            HumanBytes(static_cast<double>(bytes)),
                            bytes / 1e6 / std::max(now, 1e-9)));
  }

  // Ends the line so that what follows starts on its own.
  void Finish() const {
    if (shown_) PrintStderr("\n");
  }

  double SecondsSinceStart() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

 private:
  const bool shown_;
  const uint64_t total_rows_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  double last_drawn_ = -1;
};

// Moves the staged files into place: the sidecars first and the data last,
// so that once PATH exists its sidecars do too.
Status PublishOutputs(const GenerateFlags& flags, GenerateOutputs& outputs,
                      const generate::GenerateResult& result) {
  const std::string defects_path = DefectsPath(flags);
  WV_RETURN_IF_ERROR(io::CheckReplaceableFile(TruthPath(flags)));
  if (Dirty(flags)) {
    WV_RETURN_IF_ERROR(outputs.defects_file->Commit());
  } else {
    // A stale list from an earlier dirty run would mislead; a file of that
    // name that is not a list generate wrote is someone else's and stays.
    io::RemoveFileIfItBegins(defects_path, generate::kDefectsHeader);
  }
  // The truth names its defect list relative to itself (they share a folder).
  const std::string defects_name =
      Dirty(flags) ? std::filesystem::path(defects_path).filename().string() : "";
  WV_RETURN_IF_ERROR(io::PublishFileAtomically(
      TruthPath(flags), generate::TruthJson(flags.options, result, defects_name)));
  return outputs.data_file->Commit();
}

void PrintSummary(const GenerateFlags& flags, const generate::GenerateResult& result,
                  double seconds) {
  struct stat st {};
  std::string stored;
  if (Gzipped(flags) && ::stat(flags.out.c_str(), &st) == 0) {
    stored = fmt::format(" ({} gzip)", HumanBytes(static_cast<double>(st.st_size)));
  }
  uint64_t defects = 0;
  for (uint64_t n : result.defects) defects += n;
  PrintStderr(
      fmt::format("generate: {} rows ({} clean, {} defects) from {} users over {} lexemes -> {}\n"
                  "generate: {}{} in {:.2f} s, {:.0f} MB/s, {:.0f} rows/s, {} threads\n",
                  result.rows_total, result.rows_clean, defects, result.users, result.lexemes_used,
                  ToStdout(flags) ? "<stdout>" : EscapeForTerminal(flags.out),
                  HumanBytes(static_cast<double>(result.bytes)), stored, seconds,
                  result.bytes / 1e6 / std::max(seconds, 1e-9),
                  result.rows_total / std::max(seconds, 1e-9), flags.options.threads));
}

Status RunGenerate(GenerateFlags flags) {
  flags.options.threads = ResolveThreads(flags.options.threads, "generate");
  StatusOr<int64_t> start_day = ParseDateString(flags.start);
  if (!start_day.ok()) return UsageError("--start " + start_day.status().message());
  flags.options.start_epoch = *start_day * 86400;
  WV_RETURN_IF_ERROR(generate::ValidateOptions(flags.options));
  if (flags.out.empty()) return UsageError("generate: --out is required");
  WV_ASSIGN_OR_RETURN(GenerateOutputs outputs, OpenOutputs(flags));

  ProgressLine progress(!flags.quiet && StderrIsTerminal(), flags.options.rows);
  WV_ASSIGN_OR_RETURN(
      generate::GenerateResult result,
      generate::Generate(flags.options, *outputs.sink, outputs.defects_sink.get(),
                         [&](uint64_t rows, uint64_t bytes) { progress.Update(rows, bytes); }));
  progress.Finish();
  WV_RETURN_IF_ERROR(outputs.sink->Close());
  if (outputs.defects_sink) WV_RETURN_IF_ERROR(outputs.defects_sink->Close());
  if (!ToStdout(flags)) WV_RETURN_IF_ERROR(PublishOutputs(flags, outputs, result));
  if (!flags.quiet) PrintSummary(flags, result, progress.SecondsSinceStart());
  return OkStatus();
}

}  // namespace

void RegisterGenerateCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<GenerateFlags>();
  flags->options.threads = EffectiveThreads(0);
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
                  "Worker threads (the output does not depend on it; 0: all cores; at most 256)")
      ->capture_default_str()
      ->check(ThreadsValidator());
  sub->add_option("--gzip-level", flags->gzip_level, "ISA-L compression level for .gz (0..3)")
      ->capture_default_str();
  sub->add_flag("--quiet,-q", flags->quiet, "No progress line and no summary on stderr");
  sub->callback([selected, flags] { *selected = [flags] { return RunGenerate(*flags); }; });
}

}  // namespace wv::cli
