#include "dist/merge.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>

#include "core/civil_time.h"
#include "core/crc32.h"
#include "dist/split_files.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "io/output_store.h"
#include "io/s3_source.h"
#include "io/temp_folder.h"
#include "model/dimensions.h"
#include "model/star_builder.h"
#include "model/star_schema.h"
#include "model/table_files.h"
#include "quality/checks.h"
#include "run/manifest.h"
#include "run/memory_plan.h"
#include "run/output_listing.h"
#include "run/published_output.h"
#include "run/s3_append.h"
#include "run/spill_folder.h"
#include "run/verify.h"
#include "traces/references.h"

namespace wv::dist {
namespace {

using run::FileRecord;
using run::Manifest;
using run::TableRecord;

constexpr size_t kRowsPerBatch = 64 * 1024;

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct OpenedSplit {
  std::string dir;                            // the attempt folder or s3:// prefix
  std::unique_ptr<run::PublishedOutput> out;  // its out/ (an S3 attempt's: fetched)
  std::optional<SplitReport> report;          // what the attempt reported, when given

  // The report's entry of `path` (relative to the attempt), or an InputError.
  StatusOr<const WrittenFile*> Reported(std::string_view path) const {
    for (const WrittenFile& f : report->files) {
      if (f.path == path) return &f;
    }
    return InputError(fmt::format("merge: {} is not in the report of attempt {}", path, dir));
  }
};

// The split's out/_manifest.json against its report: fetched from an S3
// attempt into `folder` (checked as it is copied), or read and checked in a
// local one. Returns the local out/ folder.
StatusOr<std::string> CheckedSplitManifest(const OpenedSplit& s, const std::string& folder) {
  const std::string path = fmt::format("{}/{}", kSplitOutputName, run::kManifestName);
  WV_ASSIGN_OR_RETURN(const WrittenFile* reported, s.Reported(path));
  if (io::IsS3Path(s.dir)) {
    WV_RETURN_IF_ERROR(FetchAttemptFile(s.dir, *reported, folder));
    return fmt::format("{}/{}", folder, kSplitOutputName);
  }
  WV_ASSIGN_OR_RETURN(auto source, io::OpenFileSource(s.dir + "/" + path));
  WV_ASSIGN_OR_RETURN(const std::string text, io::ReadAll(*source));
  if (text.size() != reported->bytes || Crc32(text) != reported->crc32) {
    return ReportMismatch(s.dir + "/" + path, *reported, text.size(), Crc32(text));
  }
  return s.dir + "/" + std::string(kSplitOutputName);
}

// The fact and quarantine files the split's manifest lists, each as its
// attempt's report lists it (same size and CRC-32: the staged output's
// verification then reads the linked file against that record); an S3
// attempt's fetched into `folder`, checked as they are copied.
Status CheckSplitTables(const OpenedSplit& s, const std::string& folder) {
  for (std::string_view name : {model::kFactTable, model::kQuarantineTable}) {
    const TableRecord* t = s.out->manifest()->FindTable(name);
    if (t == nullptr) continue;
    for (const FileRecord& f : t->files) {
      const std::string problem = run::ListedPathProblem(std::string(name), f.path);
      if (!problem.empty()) {
        return InputError(fmt::format("merge: {} lists '{}', which {}", s.dir, f.path, problem));
      }
      WV_ASSIGN_OR_RETURN(const WrittenFile* reported,
                          s.Reported(fmt::format("{}/{}", kSplitOutputName, f.path)));
      if (reported->bytes != f.bytes || reported->crc32 != f.crc32) {
        return ReportMismatch(fmt::format("{}/{}/{}", s.dir, kSplitOutputName, f.path), *reported,
                              f.bytes, f.crc32);
      }
      if (io::IsS3Path(s.dir)) WV_RETURN_IF_ERROR(FetchAttemptFile(s.dir, *reported, folder));
    }
  }
  return OkStatus();
}

// The splits of `options`, in input order: their attempt folders (--split,
// trusted as they are) or their reports (--reports: every file merge uses
// checked against them; an S3 attempt's files fetched into fetch_folder).
StatusOr<std::vector<OpenedSplit>> OpenSplits(const MergeOptions& options,
                                              const std::string& fetch_folder) {
  std::vector<OpenedSplit> splits;
  for (const std::string& dir : options.splits) splits.push_back(OpenedSplit{dir, nullptr, {}});
  for (const SplitReport& r : options.reports)
    splits.push_back(OpenedSplit{r.attempt_dir, nullptr, r});
  for (size_t i = 0; i < splits.size(); ++i) {
    OpenedSplit& s = splits[i];
    const std::string folder = fmt::format("{}/split-{:05}", fetch_folder, i);
    std::string out_dir = s.dir + "/" + std::string(kSplitOutputName);
    if (s.report) {
      WV_ASSIGN_OR_RETURN(out_dir, CheckedSplitManifest(s, folder));
    } else if (io::IsS3Path(s.dir)) {
      return UsageError(
          fmt::format("merge: {}: an s3:// attempt is merged by its report (--reports)", s.dir));
    }
    WV_ASSIGN_OR_RETURN(s.out, run::PublishedOutput::Open(out_dir));
    const Manifest* m = s.out->manifest();
    if (m == nullptr) return s.out->manifest_status();
    if (m->run_id != options.run_id || m->inputs.size() != 1) {
      return InputError(
          fmt::format("merge: {} is not a split of run {} (its run id is {}, with {} input(s))",
                      s.dir, options.run_id, m->run_id, m->inputs.size()));
    }
    if (s.report) WV_RETURN_IF_ERROR(CheckSplitTables(s, folder));
  }
  if (splits.empty()) return UsageError("merge: at least one --split or report is required");
  return splits;
}

// split 3's "fact_wordviews/date=D/part-00000.parquet" ->
// "fact_wordviews/date=D/part-s00003-00000.parquet".
std::string SplitFileName(std::string_view path, size_t split) {
  const size_t slash = path.rfind('/');
  std::string_view name = path.substr(slash + 1);
  if (name.starts_with("part-")) name.remove_prefix(5);
  return fmt::format("{}/part-s{:05}-{}", path.substr(0, slash), split, name);
}

// Links the fact and quarantine files of every split into the store. Files
// without rows are kept only when the whole table has none (one of them).
Status LinkSplitTables(const std::vector<OpenedSplit>& splits, io::OutputStore* store,
                       TableRecord* fact, TableRecord* quarantine) {
  for (TableRecord* table : {fact, quarantine}) {
    int64_t total = 0;
    for (const OpenedSplit& s : splits) {
      const TableRecord* t = s.out->manifest()->FindTable(table->name);
      if (t != nullptr) total += t->rows;
    }
    for (size_t i = 0; i < splits.size(); ++i) {
      const TableRecord* t = splits[i].out->manifest()->FindTable(table->name);
      if (t == nullptr) continue;
      for (const FileRecord& f : t->files) {
        if (f.rows == 0 && (total > 0 || !table->files.empty())) continue;
        const std::string problem = run::ListedPathProblem(table->name, f.path);
        if (!problem.empty()) {
          return InputError(
              fmt::format("merge: {} lists '{}', which {}", splits[i].dir, f.path, problem));
        }
        WV_ASSIGN_OR_RETURN(const io::UniqueFd fd, splits[i].out->OpenFile(f.path));
        FileRecord linked = f;
        linked.path = SplitFileName(f.path, i);
        WV_RETURN_IF_ERROR(store->LinkFile(fd.get(), linked.path));
        table->rows += f.rows;
        table->files.push_back(std::move(linked));
      }
    }
    std::sort(table->files.begin(), table->files.end(),
              [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
  }
  return OkStatus();
}

// The four dimensions from the splits' dims.bin, in input order, written
// into the store; their file records go to *ledger. The session log and the
// users spill as `spill` says (dim_users is then written from its spilled
// partitions, as a run writes it).
StatusOr<model::AccumulatedDimensions> BuildDimensions(const std::vector<OpenedSplit>& splits,
                                                       const traces::References& refs,
                                                       const parquet::WriterOptions& writer,
                                                       io::OutputStore* store,
                                                       model::FileLedger* ledger,
                                                       model::DimensionSpill spill) {
  const size_t users_bytes = spill.users_bytes;
  model::DimensionBuilder builder(std::move(spill));
  for (const OpenedSplit& s : splits) {
    const WrittenFile* reported = nullptr;
    if (s.report) {
      WV_ASSIGN_OR_RETURN(reported, s.Reported(kDimsName));
    }
    WV_RETURN_IF_ERROR(ReadDimensionRows(
        s.dir + "/" + std::string(kDimsName), kRowsPerBatch,
        [&builder](const traces::TraceBatch& b) { return builder.Add(b); }, reported));
  }
  WV_ASSIGN_OR_RETURN(model::AccumulatedDimensions dims, std::move(builder).Finish());
  const auto write = [&](std::string_view table, const model::TableData& data) {
    return model::WriteTableFile(*store, fmt::format("{}/part-00000.parquet", table),
                                 model::Table(table).schema(), writer, data.columns, data.rows,
                                 ledger);
  };
  if (dims.spilled_users != nullptr) {
    WV_RETURN_IF_ERROR(model::WriteSpilledUsersFile(*dims.spilled_users, *store, writer,
                                                    static_cast<int64_t>(users_bytes), ledger));
    dims.spilled_users.reset();  // its partitions are read: their space is freed now
  } else {
    WV_RETURN_IF_ERROR(write(model::kUsersTable, dims.BuildUsers().table));
  }
  WV_RETURN_IF_ERROR(write(model::kTimesTable, dims.BuildTimes().table));
  WV_RETURN_IF_ERROR(write(model::kLangsTable, dims.BuildLangs(refs).table));
  WV_RETURN_IF_ERROR(write(model::kWordsTable, dims.BuildWords(refs).table));
  return dims;
}

// The run's inputs from the splits' (one each), in order, as one run lists
// them: consecutive byte-range splits of one file (each read fewer bytes than
// the file had at open) become that file's one input, their bytes summed,
// CRC-32s combined and blank lines summed. They must be of the same file (its
// identity at open) and together cover all of it: an InputError otherwise.
StatusOr<std::vector<run::InputFileRecord>> JoinInputs(const std::vector<OpenedSplit>& splits) {
  std::vector<run::InputFileRecord> inputs;
  bool open_group = false;  // the last input is a file still missing bytes
  for (const OpenedSplit& s : splits) {
    const run::InputFileRecord& in = s.out->manifest()->inputs.front();
    if (open_group) {
      run::InputFileRecord& file = inputs.back();
      if (in.path != file.path || in.identity != file.identity) {
        return InputError(fmt::format(
            "merge: the byte-range splits of {} cover {} of its {} bytes (the next split, {}, is "
            "of another file or of the file changed)",
            file.path, file.bytes, file.identity->size, s.dir));
      }
      file.crc32 = Crc32Combine(file.crc32, in.crc32, in.bytes);
      file.bytes += in.bytes;
      file.blank_lines += in.blank_lines;
    } else {
      inputs.push_back(in);
    }
    const run::InputFileRecord& last = inputs.back();
    open_group = last.identity && last.bytes < last.identity->size;
  }
  if (open_group) {
    return InputError(fmt::format("merge: the byte-range splits of {} cover {} of its {} bytes",
                                  inputs.back().path, inputs.back().bytes,
                                  inputs.back().identity->size));
  }
  return inputs;
}

// The manifest's header and totals from the splits' manifests.
StatusOr<Manifest> StartManifest(const MergeOptions& options,
                                 const std::vector<OpenedSplit>& splits) {
  Manifest m;
  m.run_id = options.run_id;
  m.program_version = WV_VERSION;
  m.created_at = IsoDateTimeString(NowEpochSeconds());
  m.arguments = options.arguments;
  m.options = {{"compression", options.compression},
               {"threads", "distributed"},
               {"max_bad_ratio", fmt::format("{}", options.max_bad_ratio)},
               {"lexemes", options.lexemes_path.empty() ? "(bundled)" : options.lexemes_path},
               {"languages", options.languages_path.empty() ? "(bundled)" : options.languages_path},
               {"splits", std::to_string(splits.size())}};
  WV_ASSIGN_OR_RETURN(m.inputs, JoinInputs(splits));
  for (const OpenedSplit& s : splits) {
    const Manifest& sm = *s.out->manifest();
    m.input_rows += sm.input_rows;
    m.accepted_rows += sm.accepted_rows;
    m.rejected_rows += sm.rejected_rows;
    m.blank_lines += sm.blank_lines;
    for (const auto& [reason, n] : sm.rejected_by_reason) m.rejected_by_reason[reason] += n;
  }
  m.batches.push_back(run::BatchRecord{m.run_id, m.created_at, m.inputs, m.input_rows,
                                       m.accepted_rows, m.rejected_rows});
  return m;
}

// The checks of the whole staged output, recomputed from its files (the two
// the files cannot give back from the dimension build), as `run --append`
// checks the version it staged. This read is also what checks a linked
// split file (never read by the link) against its split manifest's record,
// which OpenSplits matched to the attempt's report: an InputError when one
// differs.
Status CheckStaged(const io::OutputStore& store, const model::AccumulatedDimensions& dims,
                   Manifest* m) {
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<run::PublishedOutput> staged,
                      run::PublishedOutput::OpenUnpublished(store.StagingPath()));
  const model::WordsAccumulator::Conflicts& c = dims.words.conflicts();
  m->checks = {
      quality::MakeCheck("anomaly.lexeme_id_with_several_strings", true,
                         c.lexemes_with_several_strings, 0, ""),
      quality::MakeCheck("anomaly.rows_with_conflicting_lexeme", true,
                         c.rows_with_conflicting_lexeme, 0, ""),
  };
  const run::VerifyReport report = run::VerifyOutput(*staged, *m);
  // A failed quality check is the gate's business (QualityGate); any other
  // failure means the staged files are not what was written.
  std::set<std::string> quality_checks;
  for (const quality::CheckResult& r : report.recomputed) quality_checks.insert(r.name);
  std::string failed;
  bool split_file_changed = false;  // a linked split file is not what its record (= report) says
  for (const quality::CheckResult& r : report.checks) {
    if (r.passed || r.severity != quality::Severity::kError || r.name.starts_with("stored:") ||
        quality_checks.contains(r.name)) {
      continue;
    }
    failed += fmt::format("\n  {}: {}", r.name, r.detail);
    if ((r.name.ends_with(".crc32") || r.name.ends_with(".bytes")) &&
        r.name.find("/part-s") != std::string::npos) {
      split_file_changed = true;
    }
  }
  if (split_file_changed) {
    return InputError(fmt::format(
        "merge: a split's file changed after its attempt reported it (the output staged for {} "
        "does not verify); nothing was published:{}",
        store.location(), failed));
  }
  if (!failed.empty() || report.recomputed.empty()) {
    return InternalError(fmt::format(
        "merge: the output staged for {} does not verify; nothing was published:{}",
        store.location(), failed.empty() ? " its checks could not be recomputed" : failed));
  }
  m->checks = report.recomputed;
  return OkStatus();
}

}  // namespace

Status CheckOutputLocation(const std::string& out_dir, const std::vector<std::string>& inputs,
                           double wait_seconds) {
  WV_ASSIGN_OR_RETURN(
      const std::unique_ptr<io::OutputStore> store,
      io::OpenOutputStore(out_dir, run::RunOutputStoreOptions(inputs, wait_seconds, "preflight",
                                                              /*grace_seconds=*/900)));
  return OkStatus();
}

namespace {

// The inputs of the run the splits are of, in input order.
std::vector<std::string> SplitInputs(const std::vector<OpenedSplit>& splits) {
  std::vector<std::string> inputs;
  for (const OpenedSplit& s : splits) {
    for (const run::InputFileRecord& in : s.out->manifest()->inputs) inputs.push_back(in.path);
  }
  return inputs;
}

// `status` with every mention of the local staging folder replaced by the
// output's URL (the user named the URL, not our work folder).
Status Localize(const Status& status, const std::string& local, const std::string& url) {
  std::string text = status.message();
  for (size_t at; (at = text.find(local)) != std::string::npos;)
    text.replace(at, local.size(), url);
  return Status(status.kind(), text);
}

// OUT in a local (or shared) folder: staged and published by the local
// output store.
StatusOr<run::RunSummary> MergeLocally(const MergeOptions& options,
                                       const std::vector<OpenedSplit>& splits) {
  const auto start = std::chrono::steady_clock::now();
  WV_ASSIGN_OR_RETURN(const parquet::Compression compression,
                      run::ParseCompressionName(options.compression));
  WV_ASSIGN_OR_RETURN(Manifest m, StartManifest(options, splits));
  std::vector<std::string> inputs;
  for (const run::InputFileRecord& in : m.inputs) inputs.push_back(in.path);
  WV_ASSIGN_OR_RETURN(
      const std::unique_ptr<io::OutputStore> store,
      io::OpenOutputStore(options.out_dir, run::RunOutputStoreOptions(inputs, options.wait_seconds,
                                                                      options.run_id, 900)));
  WV_ASSIGN_OR_RETURN(const traces::References refs,
                      traces::LoadReferences(options.lexemes_path, options.languages_path));

  parquet::WriterOptions writer;
  writer.compression = compression;
  model::FileLedger ledger;
  // The session log and the users get the shares a one-thread run's memory
  // plan gives them (run/memory_plan.h); the other shares are the splits'. A
  // limit below a run's minimum is the budget whole, as for a split.
  std::unique_ptr<run::SpillFolder> spill_folder;
  model::DimensionSpill spill;
  if (options.memory_limit_bytes != 0) {
    WV_ASSIGN_OR_RETURN(
        spill_folder,
        run::SpillFolder::Create(options.tmp_dir.empty() ? run::DefaultSpillParent(options.out_dir)
                                                         : options.tmp_dir));
    run::MemoryPlanInput input;
    input.limit_bytes = options.memory_limit_bytes;
    input.default_chunks = true;
    input.refuse_below_minimum = false;
    WV_ASSIGN_OR_RETURN(const run::MemoryPlan plan, run::PlanMemory(input));
    spill.sessions = {spill_folder->path(), static_cast<size_t>(plan.sessions_bytes)};
    spill.users_bytes = static_cast<size_t>(plan.users_bytes);
  }
  WV_ASSIGN_OR_RETURN(const model::AccumulatedDimensions dims,
                      BuildDimensions(splits, refs, writer, store.get(), &ledger, spill));
  spill_folder.reset();  // its runs are read and removed; the folder goes now
  TableRecord fact{std::string(model::kFactTable), 0, {}};
  TableRecord quarantine{std::string(model::kQuarantineTable), 0, {}};
  WV_RETURN_IF_ERROR(LinkSplitTables(splits, store.get(), &fact, &quarantine));
  std::vector<FileRecord> dimension_files = ledger.Files();
  for (std::string_view name : model::kAllTables) {
    if (name == model::kFactTable) {
      m.tables.push_back(fact);
    } else if (name == model::kQuarantineTable) {
      m.tables.push_back(quarantine);
    } else {
      TableRecord t{std::string(name), 0, {}};
      for (const FileRecord& f : dimension_files) {
        if (f.path.starts_with(std::string(name) + "/")) {
          t.rows += f.rows;
          t.files.push_back(f);
        }
      }
      m.tables.push_back(std::move(t));
    }
  }
  WV_RETURN_IF_ERROR(CheckStaged(*store, dims, &m));
  if (!quality::AllErrorChecksPassed(m.checks)) {
    return run::QualityGateFailure(m, options.out_dir, "merge");
  }
  m.stage_seconds.emplace_back("merge", SecondsSince(start));
  m.peak_rss_bytes = run::PeakRssBytes();  // the merge's own
  WV_RETURN_IF_ERROR(run::WriteManifestAndCommit(m, store.get()));

  run::RunSummary summary;
  summary.manifest = std::move(m);
  summary.seconds = SecondsSince(start);
  summary.out_dir = store->location();
  summary.commit_note = store->CommitNote();
  return summary;
}

// The folder an S3 attempt's files are fetched into, under `parent`: null
// when every split is local (nothing to fetch).
StatusOr<std::unique_ptr<run::SpillFolder>> FetchFolder(const MergeOptions& options,
                                                        const std::string& parent) {
  const bool any_s3 = std::any_of(options.reports.begin(), options.reports.end(),
                                  [](const SplitReport& r) { return io::IsS3Path(r.attempt_dir); });
  if (!any_s3) return std::unique_ptr<run::SpillFolder>();
  return run::SpillFolder::Create(parent);
}

// OUT under an s3:// prefix: the splits opened (an S3 attempt's out/ files
// fetched and checked), the S3 store opened (the prefix must be ours; the
// manifest's ETag is what the commit replaces), the output staged locally
// by MergeLocally in a private work folder (under --tmp-dir, by default the
// folder holding the first split's attempt, so that the splits' files can be
// hard-linked; $TMPDIR for an S3 attempt), then published as one new
// version, manifest last (run/s3_append.h). Nothing is visible under OUT
// before that manifest is written; on failure the uncommitted store removes
// what it uploaded and the work folder goes.
StatusOr<run::RunSummary> MergeToS3(const MergeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::string parent = options.tmp_dir;
  if (parent.empty()) {
    const std::string first =
        options.splits.empty() ? options.reports.front().attempt_dir : options.splits.front();
    parent = io::IsS3Path(first) ? io::TemporaryRoot()
                                 : std::filesystem::path(first).parent_path().string();
  }
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<run::SpillFolder> work,
                      run::SpillFolder::Create(parent.empty() ? "." : parent));
  WV_ASSIGN_OR_RETURN(const std::vector<OpenedSplit> splits,
                      OpenSplits(options, work->path() + "/splits"));
  WV_ASSIGN_OR_RETURN(
      const std::unique_ptr<io::OutputStore> store,
      io::OpenOutputStore(options.out_dir,
                          run::RunOutputStoreOptions(SplitInputs(splits), options.wait_seconds,
                                                     options.run_id, 900)));
  MergeOptions local = options;
  local.out_dir = work->path() + "/out";
  local.tmp_dir = work->path();
  StatusOr<run::RunSummary> merged = MergeLocally(local, splits);
  if (!merged.ok()) return Localize(merged.status(), local.out_dir, store->location());
  run::RunSummary summary = std::move(merged).value();
  StatusOr<run::Manifest> published = run::PublishStagedToS3(local.out_dir, store.get());
  if (!published.ok()) return Localize(published.status(), local.out_dir, store->location());
  summary.manifest = std::move(published).value();
  summary.out_dir = store->location();
  summary.commit_note = store->CommitNote();
  summary.seconds = SecondsSince(start);
  return summary;
}

// OUT in a local (or shared) folder: an S3 attempt's files fetched into a
// private folder beside OUT (or under --tmp-dir), removed however the merge
// ends (the staged output keeps hard links to them).
StatusOr<run::RunSummary> MergeIntoFolder(const MergeOptions& options) {
  WV_ASSIGN_OR_RETURN(
      const std::unique_ptr<run::SpillFolder> fetched,
      FetchFolder(options, options.tmp_dir.empty() ? run::DefaultSpillParent(options.out_dir)
                                                   : options.tmp_dir));
  WV_ASSIGN_OR_RETURN(const std::vector<OpenedSplit> splits,
                      OpenSplits(options, fetched ? fetched->path() : std::string()));
  return MergeLocally(options, splits);
}

}  // namespace

StatusOr<run::RunSummary> MergeSplits(const MergeOptions& options) {
  if (options.out_dir.empty()) return UsageError("merge: --out is required");
  if (options.run_id.empty()) return UsageError("merge: --run-id is required");
  if (options.splits.empty() == options.reports.empty()) {
    return UsageError("merge: give the splits either as --split folders or as --reports");
  }
  if (options.out_dir.starts_with("s3://")) return MergeToS3(options);
  return MergeIntoFolder(options);
}

}  // namespace wv::dist
