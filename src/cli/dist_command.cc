// `wordviews shard` and `wordviews merge`: the steps of a distributed run
// (docs/DISTRIBUTED.md) that a scheduler (spark/wordviews_spark.py, a shell
// loop) runs; `shard` prints its report as one JSON line on stdout.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/s3_options.h"
#include "dist/attempt_store.h"
#include "dist/merge.h"
#include "dist/split_plan.h"
#include "dist/split_step.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "io/s3_connection.h"
#include "run/pipeline.h"

namespace wv::cli {
namespace {

struct ShardFlags {
  dist::SplitOptions split;
  std::string memory_limit = "1G";
  S3Flags s3;
  std::string byte_range;  // "START-END"
  uint64_t lines_before = 0;
  std::string plan;         // --plan BYTES
  bool list = false;        // --list
  std::string fetch;        // --fetch URL
  std::string remove_work;  // --remove-work URL
};

// "START-END" -> the range, with its lines before.
StatusOr<traces::ByteRange> ParseByteRange(const std::string& text, uint64_t lines_before) {
  traces::ByteRange range;
  range.lines_before = lines_before;
  const size_t dash = text.find('-');
  const auto number = [](std::string_view s, uint64_t* v) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  if (dash == std::string::npos || !number(std::string_view(text).substr(0, dash), &range.start) ||
      !number(std::string_view(text).substr(dash + 1), &range.end) || range.end < range.start) {
    return UsageError(
        fmt::format("--byte-range {}: expected START-END (bytes, START <= END)", text));
  }
  if (range.start > 0 && lines_before == 0) {
    return UsageError("--byte-range: a range after the file's start needs --lines-before");
  }
  return range;
}

struct MergeFlags {
  dist::MergeOptions merge;
  std::string memory_limit = "1G";
  bool preflight = false;
  S3Flags s3;
  std::vector<std::string> inputs;  // --preflight only
  std::string reports;              // --reports FILE
};

// The chosen attempts' reports: one JSON line each, in input order.
StatusOr<std::vector<dist::SplitReport>> ReadReports(const std::string& path) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenFileSource(path));
  WV_ASSIGN_OR_RETURN(const std::string text, io::ReadAll(*source));
  std::vector<dist::SplitReport> reports;
  size_t line = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    const std::string_view row(text.data() + start, end - start);
    start = end + 1;
    if (row.empty()) continue;
    WV_ASSIGN_OR_RETURN(dist::SplitReport r,
                        dist::ParseSplitReportJson(row, fmt::format("{}: line {}", path, line)));
    reports.push_back(std::move(r));
  }
  return reports;
}

// `shard --fetch URL`: the stored file's bytes on stdout (what a scheduler
// reads an attempt's fingerprints with when they are S3 objects).
Status Fetch(const std::string& url) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenStoredSource(url));
  std::string buffer(size_t{1} << 20, '\0');
  while (true) {
    WV_ASSIGN_OR_RETURN(const size_t n, source->Read(buffer.data(), buffer.size()));
    if (n == 0) return OkStatus();
    if (std::fwrite(buffer.data(), 1, n, stdout) != n) {
      return OutputError(fmt::format("{}: cannot write to stdout", url));
    }
  }
}

Status Shard(ShardFlags flags) {
  if (!flags.fetch.empty()) {
    io::ConfigureS3(flags.split.s3);
    return Fetch(flags.fetch);
  }
  if (!flags.remove_work.empty()) {
    io::ConfigureS3(flags.split.s3);
    WV_ASSIGN_OR_RETURN(const size_t removed, dist::RemoveS3WorkPrefix(flags.remove_work));
    fmt::print("{{\"removed_objects\": {}}}\n", removed);
    return OkStatus();
  }
  if (flags.list) {
    io::ConfigureS3(flags.split.s3);
    WV_ASSIGN_OR_RETURN(const std::string listed, dist::ListInputsJson(flags.split.input));
    fmt::print("{}\n", listed);
    return OkStatus();
  }
  if (!flags.plan.empty()) {
    WV_ASSIGN_OR_RETURN(const uint64_t target, run::ParseByteSize(flags.plan, "--plan"));
    WV_ASSIGN_OR_RETURN(const dist::RangePlan plan,
                        dist::PlanByteRanges(flags.split.input, target));
    fmt::print("{}\n", dist::RangePlanJson(plan));
    return OkStatus();
  }
  if (!flags.byte_range.empty()) {
    WV_ASSIGN_OR_RETURN(flags.split.range, ParseByteRange(flags.byte_range, flags.lines_before));
  }
  WV_ASSIGN_OR_RETURN(flags.split.memory_limit_bytes,
                      run::ParseByteSize(flags.memory_limit, "--memory-limit"));
  WV_ASSIGN_OR_RETURN(const dist::SplitReport report, dist::RunSplit(flags.split));
  fmt::print("{}\n", dist::SplitReportJson(report));
  return OkStatus();
}

Status Merge(const MergeFlags& flags) {
  if (flags.preflight) {
    WV_RETURN_IF_ERROR(
        dist::CheckOutputLocation(flags.merge.out_dir, flags.inputs, flags.merge.wait_seconds));
    fmt::print("merge --preflight: {} may be written\n", flags.merge.out_dir);
    return OkStatus();
  }
  dist::MergeOptions options = flags.merge;
  if (!flags.reports.empty()) {
    WV_ASSIGN_OR_RETURN(options.reports, ReadReports(flags.reports));
  }
  WV_ASSIGN_OR_RETURN(options.memory_limit_bytes,
                      run::ParseByteSize(flags.memory_limit, "--memory-limit"));
  WV_ASSIGN_OR_RETURN(const run::RunSummary summary, dist::MergeSplits(options));
  fmt::print("{}", run::FormatRunSummary(summary));
  return OkStatus();
}

void AddReferenceFlags(CLI::App* sub, std::string* lexemes, std::string* languages) {
  sub->add_option("--lexemes", *lexemes, "Lexeme tag reference (default: bundled)");
  sub->add_option("--languages", *languages, "Language code reference (default: bundled)");
}

}  // namespace

void RegisterShardCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<ShardFlags>();
  auto* sub = root.add_subcommand(
      "shard",
      "One split of a distributed run (one input file): validate it, write its fingerprints, "
      "tables and dimension rows under a new attempt folder; print a JSON report");
  sub->add_option("--input", flags->split.input,
                  "The split's input file or s3:// object, named exactly as the whole run names it "
                  "(required but with --fetch or --remove-work)");
  sub->add_option("--attempt-dir", flags->split.attempt_dir,
                  "Folder to create for this attempt (must not exist), or an s3:// prefix holding "
                  "no object (required but with --plan, --list, --fetch or --remove-work)");
  sub->add_option("--tmp-dir", flags->split.tmp_dir,
                  "With an s3:// --attempt-dir: where the attempt's local folder goes (default "
                  "$TMPDIR), removed however the shard ends");
  sub->add_option("--fetch", flags->fetch,
                  "Only write the bytes of this file or s3:// object to stdout, then exit");
  sub->add_option(
      "--remove-work", flags->remove_work,
      "Only remove a distributed run's s3:// work prefix (its last segment .wv-dist-...): "
      "every object and open upload under it, nothing else; then exit");
  sub->add_option("--byte-range", flags->byte_range,
                  "Only bytes START-END of the plain --input file, a range printed by --plan");
  sub->add_option("--lines-before", flags->lines_before,
                  "With --byte-range: the file's physical lines before START (header included), "
                  "as --plan printed it");
  sub->add_option("--plan", flags->plan,
                  "Only print, as JSON, the row-aligned byte ranges of about BYTES (e.g. 256M) "
                  "--input may be split into (none for a gzip file), then exit");
  sub->add_flag("--list", flags->list,
                "Only print, as JSON, the inputs one run reads for --input (a local glob, an "
                "s3:// prefix ending in '/' or a key glob expanded, in order), then exit");
  sub->add_option("--losers", flags->split.losers_path,
                  "TSV of this split's cross-split duplicates (hash, check, line, path of the "
                  "first occurrence), from the scheduler's dedup; omit for the first step");
  sub->add_option(
      "--run-id", flags->split.run_id,
      "The distributed run's id (required but with --plan, --list, --fetch or --remove-work)");
  sub->add_option("--compression", flags->split.compression, "zstd | snappy | none");
  sub->add_option("--threads", flags->split.threads, "Worker threads (default 1)")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--memory-limit", flags->memory_limit, "As for run (default 1G)")
      ->check(MemoryLimitValidator());
  AddReferenceFlags(sub, &flags->split.lexemes_path, &flags->split.languages_path);
  AddS3Flags(sub, &flags->s3);
  sub->callback([=] {
    *selected = [=] {
      ShardFlags f = *flags;
      f.split.s3 = S3SettingsFrom(f.s3);
      return Shard(f);
    };
  });
}

void RegisterMergeCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<MergeFlags>();
  auto* sub = root.add_subcommand(
      "merge",
      "Last step of a distributed run: build the dimensions from the splits' chosen attempts, "
      "check the whole, write the manifest and publish OUT atomically as run does");
  sub->add_option("--out", flags->merge.out_dir,
                  "Output folder, or s3://bucket/prefix (staged locally, published as one version)")
      ->required();
  sub->add_option(
      "--split", flags->merge.splits,
      "The chosen attempt folder of each split, in input order (repeat), its files taken "
      "as they are");
  sub->add_option(
      "--reports", flags->reports,
      "Instead of --split: a file of the chosen attempts' shard reports, one JSON line "
      "each in input order (folders or s3:// prefixes; every file merge uses is checked "
      "against its report)");
  sub->add_option("--run-id", flags->merge.run_id, "The id the splits were run with");
  sub->add_option("--compression", flags->merge.compression, "zstd | snappy | none");
  sub->add_option("--max-bad-ratio", flags->merge.max_bad_ratio,
                  "Fail when more than this share of all rows is rejected (default 0.05)");
  sub->add_option("--wait", flags->merge.wait_seconds,
                  "Seconds to wait for another writer of OUT (default 0)");
  sub->add_option("--memory-limit", flags->memory_limit,
                  "Memory for the dimensions' session log before it spills to disk, as for run "
                  "(a tenth of it; 0: no limit; default 1G)")
      ->check(MemoryLimitValidator());
  sub->add_option("--tmp-dir", flags->merge.tmp_dir,
                  "Folder for the spill folder (default: beside --out; for an s3:// --out the "
                  "local staging too, default the first split's folder); removed however the "
                  "merge ends");
  sub->add_flag("--preflight", flags->preflight,
                "Only check that OUT may be written (ours or absent, holds no --input), then exit");
  sub->add_option("--input", flags->inputs, "With --preflight: the run's inputs (repeat)");
  AddReferenceFlags(sub, &flags->merge.lexemes_path, &flags->merge.languages_path);
  AddS3Flags(sub, &flags->s3);
  sub->callback([=] {
    *selected = [=] {
      MergeFlags f = *flags;
      f.merge.arguments = {"merge", "--out", f.merge.out_dir};
      ApplyS3Flags(f.s3);
      return Merge(f);
    };
  });
}

}  // namespace wv::cli
