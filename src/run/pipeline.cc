#include "run/pipeline.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <set>

#include "core/civil_time.h"
#include "core/crc32.h"
#include "core/heap_retention.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "io/output_store.h"
#include "io/s3_source.h"
#include "model/star_builder.h"
#include "model/star_schema.h"
#include "quality/checks.h"
#include "quality/star_checks.h"
#include "run/append.h"
#include "run/chunk_feed.h"
#include "run/memory_plan.h"
#include "run/published_output.h"
#include "run/recount_state.h"
#include "run/s3_append.h"
#include "run/spill_folder.h"
#include "run/verify.h"
#include "s3/location.h"
#include "traces/ingest.h"
#include "traces/references.h"

namespace wv::run {
using model::BuildOptions;
using model::BuildResult;
using model::StarSchemaBuilder;

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string NewRunId() {
  std::random_device rd;
  return fmt::format("{}-{:08x}", CompactIsoDateTimeString(NowEpochSeconds()), rd());
}

std::string CompressionName(parquet::Compression c) {
  switch (c) {
    case parquet::Compression::kNone:
      return "none";
    case parquet::Compression::kSnappy:
      return "snappy";
    case parquet::Compression::kGzip:
      return "gzip";
    case parquet::Compression::kZstd:
      return "zstd";
  }
  return "?";
}

}  // namespace

StatusOr<parquet::Compression> ParseCompressionName(const std::string& name) {
  if (name == "zstd") return parquet::Compression::kZstd;
  if (name == "snappy") return parquet::Compression::kSnappy;
  if (name == "none") return parquet::Compression::kNone;
  return UsageError(fmt::format("--compression {}: expected zstd, snappy or none", name));
}

StatusOr<uint64_t> ParseByteSize(std::string_view text, std::string_view option) {
  const auto bad = [&] {
    return UsageError(
        fmt::format("{} {}: expected a byte count such as 1073741824, 512M or 2G", option, text));
  };
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 19) return bad();
  uint64_t value = 0;
  for (size_t i = 0; i < digits; ++i) value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  std::string suffix(text.substr(digits));
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.size() > 1 && (suffix.ends_with("IB") || suffix.ends_with("B"))) {
    suffix.resize(suffix.size() - (suffix.ends_with("IB") ? 2 : 1));
  } else if (suffix == "B") {
    suffix.clear();
  }
  int shift = 0;
  if (suffix == "K") {
    shift = 10;
  } else if (suffix == "M") {
    shift = 20;
  } else if (suffix == "G") {
    shift = 30;
  } else if (suffix == "T") {
    shift = 40;
  } else if (!suffix.empty()) {
    return bad();
  }
  if (shift > 0 && value > (UINT64_MAX >> shift)) return bad();
  return value << shift;
}

namespace {

// The options checked and resolved.
struct RunSettings {
  parquet::Compression compression = parquet::Compression::kZstd;
  bool parquet_delta = false;
  int threads = 1;
  std::vector<std::string> inputs;  // the --traces globs expanded
  traces::DuplicateHistory* split_history = nullptr;
  std::function<Status(const traces::TraceBatch&)> on_accepted;
  std::optional<traces::ByteRange> input_range;
  std::optional<MemoryPlan> memory;  // none: no limit
};

// --run-id, checked, or a new id.
StatusOr<std::string> ChooseRunId(const RunOptions& options) {
  if (options.run_id.empty()) return NewRunId();
  const std::string& id = options.run_id;
  const bool valid_chars = std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (id.size() > 64 || !valid_chars || id.front() == '.') {
    return UsageError(fmt::format(
        "--run-id {}: expected at most 64 letters, digits, '.', '_' or '-' (not starting with '.')",
        id));
  }
  if (options.out_dir.starts_with("s3://")) {
    return UsageError("--run-id: not with an s3:// --out (its object names carry the run id)");
  }
  return id;
}

StatusOr<RunSettings> ResolveOptions(const RunOptions& options) {
  RunSettings settings;
  WV_ASSIGN_OR_RETURN(settings.compression, ParseCompressionName(options.compression));
  settings.parquet_delta = options.parquet_delta;
  if (!(options.max_bad_ratio >= 0.0 && options.max_bad_ratio <= 1.0)) {
    return UsageError(
        fmt::format("--max-bad-ratio {}: expected a number in [0, 1]", options.max_bad_ratio));
  }
  if (options.out_dir.empty()) return UsageError("run: --out is required");
  if (options.memory_limit_bytes != 0 && options.memory_limit_bytes < kMinMemoryLimit) {
    return UsageError(fmt::format("--memory-limit {}: must be at least 1M (or 0: no limit)",
                                  options.memory_limit_bytes));
  }
  settings.threads = EffectiveThreads(options.threads);
  if (options.memory_limit_bytes != 0) {
    MemoryPlanInput plan;
    plan.limit_bytes = options.memory_limit_bytes;
    plan.threads = settings.threads;
    plan.default_chunks = options.input_range.has_value();
    plan.spill_budget_bytes = options.spill_budget_bytes;
    plan.refuse_below_minimum = options.split_history == nullptr;
    WV_ASSIGN_OR_RETURN(settings.memory, PlanMemory(plan));
  }
  if (options.split_history != nullptr && (options.append || options.appendable)) {
    return UsageError("run: a split of a distributed run cannot be --append or --appendable");
  }
  settings.split_history = options.split_history;
  settings.on_accepted = options.on_accepted;
  if (options.traces.empty()) return UsageError("run: at least one --traces input is required");
  io::ConfigureS3(options.s3);  // before the first s3:// path is looked at
  WV_ASSIGN_OR_RETURN(settings.inputs, traces::ExpandTracePaths(options.traces));
  if (options.input_range) {
    if (settings.inputs.size() != 1 || io::IsS3Path(settings.inputs[0]) || options.append ||
        options.appendable) {
      return UsageError("a byte range needs exactly one local input file, without --append");
    }
    settings.input_range = options.input_range;
  }
  return settings;
}

// The manifest's header: who ran what, with which options.
Manifest StartManifest(const RunOptions& options, const RunSettings& settings, std::string run_id) {
  Manifest manifest;
  manifest.run_id = std::move(run_id);
  manifest.program_version = WV_VERSION;
  manifest.created_at = IsoDateTimeString(NowEpochSeconds());
  manifest.arguments = options.arguments;
  manifest.options = {
      {"compression", CompressionName(settings.compression)},
      {"threads", std::to_string(settings.threads)},
      {"max_bad_ratio", fmt::format("{}", options.max_bad_ratio)},
      {"lexemes", options.lexemes_path.empty() ? "(bundled)" : options.lexemes_path},
      {"languages", options.languages_path.empty() ? "(bundled)" : options.languages_path}};
  return manifest;
}

// What ingest and the star-schema build produced.
struct Built {
  BuildResult build;
  traces::IngestStats ingest;
  int64_t rows_consumed = 0;  // rows handed from the reader to the builder
  Clock::time_point dimensions_started;
};

// Reads and validates the traces into the star schema in `store`; records
// the ingest stage's time (the dimension stage ends with the checks).
StatusOr<Built> IngestAndBuild(const RunSettings& settings, const traces::References& refs,
                               const traces::IngestSpill& spill, const model::BuildMemory& memory,
                               io::OutputStore* store, const RunObserver& observer,
                               Clock::time_point start, bool append, bool keep_append_state,
                               BatchState* state, Manifest* manifest) {
  observer.Stage("ingest");
  auto t0 = Clock::now();
  BuildOptions build;
  build.compression = settings.compression;
  build.delta_binary_packed = settings.parquet_delta;
  build.threads = settings.threads;
  build.memory = memory;
  build.batch_id = manifest->run_id;
  // An appended batch's files are named after it, beside the earlier ones.
  if (append) build.file_prefix = fmt::format("part-{}-", manifest->run_id);
  build.merge_dimension = [state](std::string_view table, model::TableData* data) {
    return state->MergeDimension(table, data);
  };
  StarSchemaBuilder builder(store, settings.inputs, &refs, build);

  Built built;
  traces::IngestOptions ingest{settings.inputs, refs, settings.threads, nullptr};
  ingest.spill = spill;
  if (settings.memory) ingest.chunk_bytes = settings.memory->chunk_bytes;
  // The append state is kept for outputs made and grown with --append (an S3
  // one is staged locally: run/s3_append.h). A plain run keeps none: it would cost every run ~24
  // bytes an accepted row on disk and the per-row bookkeeping.
  const bool keep_state = keep_append_state && !store->StagingPath().empty();
  if (keep_state) ingest.history = state;
  if (settings.split_history != nullptr) ingest.history = settings.split_history;
  if (settings.input_range) ingest.ranges = {settings.input_range};
  ingest.dimension_keys = true;  // the workers number the keys the dimension thread looks up
  ingest.progress = [&](const traces::IngestProgress& p) {
    if (!observer.on_progress) return;
    RunProgress rp;
    rp.rows = static_cast<int64_t>(p.rows);
    rp.stored_bytes_read = p.stored_bytes_read;
    rp.stored_bytes_total = p.stored_bytes_total.value_or(0);
    rp.elapsed_seconds = SecondsSince(start);
    observer.on_progress(rp);
  };
  traces::Ingestor ingestor(std::move(ingest));
  // The append state's observation of the accepted rows needs their order
  // only: it runs on a thread of its own, off the in-order stage.
  std::optional<ChunkFeed> observe;
  if (keep_state) {
    observe.emplace([state](const traces::ValidatedChunk& chunk) {
      state->Observe(chunk.accepted);
      return OkStatus();
    });
  }
  WV_RETURN_IF_ERROR(ingestor.Run([&](traces::ValidatedChunk&& chunk) -> Status {
    built.rows_consumed += static_cast<int64_t>(chunk.input_rows);
    if (settings.on_accepted) WV_RETURN_IF_ERROR(settings.on_accepted(chunk.accepted));
    auto shared = std::make_shared<const traces::ValidatedChunk>(std::move(chunk));
    if (observe) WV_RETURN_IF_ERROR(observe->Push(shared));
    return builder.Consume(std::move(shared));
  }));
  if (observe) WV_RETURN_IF_ERROR(observe->Finish());
  manifest->stage_seconds.emplace_back("ingest_and_fact", SecondsSince(t0));
  // The duplicate set, its sorters and the chunks are freed: the dimensions'
  // end is the next peak.
  if (settings.memory) ReleaseFreedMemory();
  WV_RETURN_IF_ERROR(state->PrepareMerge());

  observer.Stage("dimensions");
  built.dimensions_started = Clock::now();
  WV_ASSIGN_OR_RETURN(built.build, builder.Finish());
  if (settings.memory) ReleaseFreedMemory();
  built.ingest = ingestor.stats();
  return built;
}

// Records the inputs, row counts, tables and check results in the manifest.
void RecordBuild(Built&& built, double max_bad_ratio, Manifest* manifest) {
  const model::BuildStats& stats = built.build.stats;
  for (const traces::IngestFileStats& f : built.ingest.files) {
    manifest->inputs.push_back(InputFileRecord{f.path, f.stored_bytes, f.stored_crc32,
                                               f.blank_lines, f.identity, f.object});
  }
  manifest->blank_lines = static_cast<int64_t>(built.ingest.blank_lines);
  manifest->input_rows = stats.input_rows;
  manifest->accepted_rows = stats.fact_rows;
  manifest->rejected_rows = stats.quarantine_rows;
  for (int r = 0; r < static_cast<int>(traces::RejectReason::kNumReasons); ++r) {
    const auto reason = static_cast<traces::RejectReason>(r);
    manifest->rejected_by_reason[std::string(traces::RejectReasonName(reason))] =
        stats.rejected_by_reason[r];
  }
  const quality::IngestCounts ingest{static_cast<int64_t>(built.ingest.input_rows),
                                     built.rows_consumed};
  manifest->checks = quality::EvaluateRunChecks(stats, ingest, max_bad_ratio);
  manifest->tables = std::move(built.build.tables);
  manifest->batches.push_back(BatchRecord{manifest->run_id, manifest->created_at, manifest->inputs,
                                          manifest->input_rows, manifest->accepted_rows,
                                          manifest->rejected_rows});
}

// An appended batch's manifest (*m, of this batch alone) made the whole
// output's: the earlier inputs, batches and totals before this batch's.
void AddPreviousBatches(const Manifest& previous, Manifest* m) {
  std::vector<InputFileRecord> inputs = previous.inputs;
  inputs.insert(inputs.end(), m->inputs.begin(), m->inputs.end());
  m->inputs = std::move(inputs);
  std::vector<BatchRecord> batches = previous.batches;
  batches.insert(batches.end(), m->batches.begin(), m->batches.end());
  m->batches = std::move(batches);
  m->blank_lines += previous.blank_lines;
  m->input_rows += previous.input_rows;
  m->accepted_rows += previous.accepted_rows;
  m->rejected_rows += previous.rejected_rows;
  for (const auto& [reason, n] : previous.rejected_by_reason) m->rejected_by_reason[reason] += n;
}

// Writes _state/recount.json; its state-file record (rows: the records).
StatusOr<FileRecord> WriteRecountRecord(const RecountState& recount, io::OutputStore* store) {
  const std::string text = RecountStateToJson(recount);
  WV_ASSIGN_OR_RETURN(auto sink, store->Create(std::string(kRecountStatePath)));
  WV_RETURN_IF_ERROR(sink->Append(text));
  WV_RETURN_IF_ERROR(sink->Close());
  return FileRecord{std::string(kRecountStatePath),
                    static_cast<int64_t>(recount.partitions.size() + recount.quarantine.size()),
                    text.size(), Crc32(text)};
}

// The staged version verified with `check`'s own code (run/verify.h) before
// its manifest is written, and its recount recorded (_state/recount.json,
// listed among the state files) for the next append. An appended version
// (`reuse` set) reads only what its batch wrote and merges the recorded
// counts of the files it kept; its quality checks, most of which are not
// sums over batches (keys, collisions, coverage), become the recomputed ones
// for the whole output (the two the files cannot give back come from the
// batch state). A first batch is read whole (it is all new) and keeps the
// build's checks. Any failure of the staged version is an internal error:
// nothing is published.
Status CheckStagedVersion(io::OutputStore* store, const BatchState& state,
                          const ReusableCounts* reuse, const AbsentFileSource* absent,
                          Manifest* m) {
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<PublishedOutput> staged,
                      PublishedOutput::OpenUnpublished(store->StagingPath(), absent));
  if (reuse != nullptr) {
    m->checks = {
        quality::MakeCheck("anomaly.lexeme_id_with_several_strings", true,
                           state.lexemes_with_several_strings(), 0, ""),
        quality::MakeCheck("anomaly.rows_with_conflicting_lexeme", true,
                           state.rows_with_conflicting_lexeme(), 0, ""),
    };
  }
  const VerifyReport report = VerifyOutput(*staged, *m, reuse);
  std::string failed;
  for (const quality::CheckResult& c : report.checks) {
    if (c.passed || c.severity != quality::Severity::kError || c.name.starts_with("stored:")) {
      continue;
    }
    failed += fmt::format("\n  {}: {}", c.name, c.detail);
  }
  if (!failed.empty() || report.recomputed.empty() || !report.recount_complete) {
    return InternalError(fmt::format(
        "the version staged for {} does not verify; nothing was published:{}", store->location(),
        failed.empty() ? " its checks could not be recomputed" : failed));
  }
  if (reuse != nullptr) m->checks = report.recomputed;
  WV_ASSIGN_OR_RETURN(FileRecord record, WriteRecountRecord(report.recount, store));
  m->state_files.push_back(std::move(record));
  return OkStatus();
}

// `run --append` of inputs that were all appended before.
RunSummary AlreadyAppendedSummary(const PublishedOutput& previous, const RunSettings& settings,
                                  Clock::time_point start) {
  RunSummary summary;
  summary.manifest = *previous.manifest();
  summary.no_op = true;
  summary.out_dir = previous.dir();
  summary.seconds = SecondsSince(start);
  summary.commit_note = fmt::format(
      "nothing to append: {} input(s) already appended to {} (same bytes and CRC-32); the output "
      "was left as it was",
      settings.inputs.size(), previous.dir());
  return summary;
}

// Which inputs of an append were appended before: all (a no-op), none, or
// some (refused: appending the rest alone is the operator's decision).
StatusOr<bool> AllAlreadyAppended(const RunSettings& settings, const Manifest& previous,
                                  const std::string& out_dir) {
  WV_ASSIGN_OR_RETURN(const std::vector<bool> appended, AlreadyAppended(settings.inputs, previous));
  std::string which;
  size_t count = 0;
  for (size_t i = 0; i < appended.size(); ++i) {
    if (!appended[i]) continue;
    ++count;
    which += fmt::format(" {}", settings.inputs[i]);
  }
  if (count == 0) return false;
  if (count == appended.size()) return true;
  return UsageError(fmt::format(
      "run --append: {} of the {} inputs were appended to {} before:{}; append the others alone",
      count, appended.size(), out_dir, which));
}

}  // namespace

Status QualityGateFailure(const Manifest& manifest, const std::string& out_dir,
                          std::string_view command) {
  std::string failed;
  for (const quality::CheckResult& c : manifest.checks) {
    if (c.severity == quality::Severity::kError && !c.passed) {
      failed += fmt::format("\n  {}: {}", c.name, c.detail);
    }
  }
  std::string reasons;
  for (const auto& [reason, n] : manifest.rejected_by_reason) {
    if (n > 0) reasons += fmt::format(" {}={}", reason, n);
  }
  return QualityGateError(
      fmt::format("{} failed its quality gate; nothing was published ({} was left as it was).{}\n  "
                  "rejected by reason:{}",
                  command, out_dir, failed, reasons.empty() ? " none" : reasons));
}

Status WriteManifestAndCommit(const Manifest& manifest, io::OutputStore* store) {
  WV_ASSIGN_OR_RETURN(auto sink, store->Create(std::string(kManifestName)));
  WV_RETURN_IF_ERROR(sink->Append(ManifestToJson(manifest)));
  WV_RETURN_IF_ERROR(sink->Close());
  return store->Commit();
}

int64_t PeakRssBytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<int64_t>(u.ru_maxrss) * 1024;
}

void RunObserver::Stage(const std::string& name) const {
  if (on_stage) on_stage(name);
}

StatusOr<RunSummary> RunPipeline(const RunOptions& options, const RunObserver& observer) {
  const auto start = Clock::now();
  WV_ASSIGN_OR_RETURN(const RunSettings settings, ResolveOptions(options));
  // Under a limit the RSS counts, not what is live: the allocator keeps
  // little freed memory (process-wide; harmless to a later unlimited run).
  if (settings.memory) LimitHeapRetention();
  // Before any input is read: a location that is not ours is refused here,
  // and the writer lock is held from here until the store is destroyed.
  WV_ASSIGN_OR_RETURN(std::string run_id, ChooseRunId(options));
  // An S3 output that keeps the append state is staged as a local append
  // and published as a new version (run/s3_append.h).
  if ((options.append || options.appendable) && s3::IsS3Url(options.out_dir)) {
    return RunS3Append(options, settings.inputs, run_id, observer);
  }
  WV_ASSIGN_OR_RETURN(
      std::unique_ptr<io::OutputStore> store,
      io::OpenOutputStore(options.out_dir,
                          RunOutputStoreOptions(settings.inputs, options.wait_seconds, run_id,
                                                options.s3_grace_seconds)));
  std::unique_ptr<PublishedOutput> previous;
  if (options.append) {
    // Under the writer lock: no other writer publishes while we read it.
    WV_ASSIGN_OR_RETURN(previous, OpenPreviousVersion(options.out_dir, options.previous_files));
    if (previous != nullptr) {
      for (const BatchRecord& b : previous->manifest()->batches) {
        if (b.id == run_id) {
          return UsageError(fmt::format("--run-id {}: {} already has a batch of that id", run_id,
                                        options.out_dir));
        }
      }
      WV_ASSIGN_OR_RETURN(const bool all,
                          AllAlreadyAppended(settings, *previous->manifest(), options.out_dir));
      if (all) return AlreadyAppendedSummary(*previous, settings, start);
    }
  }
  Manifest manifest = StartManifest(options, settings, std::move(run_id));
  BatchState state(previous.get(), settings.inputs, manifest.run_id, store.get());
  WV_RETURN_IF_ERROR(state.Load());

  observer.Stage("references");
  auto t0 = Clock::now();
  WV_ASSIGN_OR_RETURN(const traces::References refs,
                      traces::LoadReferences(options.lexemes_path, options.languages_path));
  manifest.stage_seconds.emplace_back("references", SecondsSince(t0));

  // The spill folder and the memory split (see docs/ARCHITECTURE.md, Memory).
  std::unique_ptr<SpillFolder> spill_folder;
  traces::IngestSpill spill;
  model::BuildMemory memory;
  if (settings.memory) {
    WV_ASSIGN_OR_RETURN(spill_folder, SpillFolder::Create(options.tmp_dir.empty()
                                                              ? DefaultSpillParent(options.out_dir)
                                                              : options.tmp_dir));
    spill.folder = spill_folder->path();
    spill.duplicate_memory_bytes = settings.memory->duplicate_bytes;
    memory.spill_folder = spill.folder;
    memory.fact_bytes = settings.memory->fact_bytes;
    memory.sessions_bytes = settings.memory->sessions_bytes;
    memory.users_bytes = settings.memory->users_bytes;
    spill.on_spill = [&observer] { observer.Stage("ingest (spilling to disk: --memory-limit)"); };
  }
  WV_ASSIGN_OR_RETURN(
      Built built,
      IngestAndBuild(settings, refs, spill, memory, store.get(), observer, start, options.append,
                     options.append || options.appendable, &state, &manifest));
  spill_folder.reset();  // its files are gone once read; the folder goes now
  const Clock::time_point dimensions_started = built.dimensions_started;
  RecordBuild(std::move(built), options.max_bad_ratio, &manifest);
  // The batch's own checks gate it (an appended batch's rejected share is its own).
  if (!quality::AllErrorChecksPassed(manifest.checks)) {
    return QualityGateFailure(manifest, options.out_dir, "run");
  }
  const bool keep_state = (options.append || options.appendable) && !store->StagingPath().empty();
  if (keep_state) {
    WV_ASSIGN_OR_RETURN(manifest.state_files, state.WriteState());
  }
  const auto verify_started = Clock::now();
  std::optional<ReusableCounts> reuse;
  std::optional<AbsentKeptFiles> absent_kept;  // a partial previous version's, not linked
  if (previous != nullptr) {
    std::set<std::string> kept, absent;
    WV_RETURN_IF_ERROR(KeepPreviousFiles(*previous, store.get(), &manifest.tables,
                                         &manifest.state_files, &kept, &absent));
    absent_kept.emplace(previous.get(), store.get(), std::move(absent));
    AddPreviousBatches(*previous->manifest(), &manifest);
    WV_ASSIGN_OR_RETURN(reuse,
                        ReusableCountsOf(*previous, std::move(kept), state.previous_dimensions()));
  }
  if (keep_state) {
    WV_RETURN_IF_ERROR(CheckStagedVersion(store.get(), state, reuse ? &*reuse : nullptr,
                                          absent_kept ? &*absent_kept : nullptr, &manifest));
    manifest.stage_seconds.emplace_back("verify_staged_version", SecondsSince(verify_started));
    if (!quality::AllErrorChecksPassed(manifest.checks)) {
      return QualityGateFailure(manifest, options.out_dir, "run");
    }
  }
  absent_kept.reset();
  previous.reset();  // its shared lock would keep the commit from removing it
  std::sort(manifest.state_files.begin(), manifest.state_files.end(),
            [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
  manifest.stage_seconds.emplace_back("dimensions_and_checks", SecondsSince(dimensions_started));

  observer.Stage("commit");
  t0 = Clock::now();
  manifest.peak_rss_bytes = PeakRssBytes();
  manifest.stage_seconds.emplace_back("total_before_commit", SecondsSince(start));
  WV_RETURN_IF_ERROR(WriteManifestAndCommit(manifest, store.get()));

  RunSummary summary;
  summary.manifest = std::move(manifest);
  summary.manifest.stage_seconds.emplace_back("commit", SecondsSince(t0));
  summary.seconds = SecondsSince(start);
  summary.out_dir = store->location();
  summary.commit_note = store->CommitNote();
  summary.s3 = io::SharedS3Counters();
  return summary;
}

std::string FormatRunSummary(const RunSummary& s) {
  const Manifest& m = s.manifest;
  std::string out;
  if (s.no_op) {
    return fmt::format(
        "wordviews run --append: {}\n  the output's last batch: {} ({} batch(es), {} rows)\n",
        s.commit_note, m.batches.empty() ? m.run_id : m.batches.back().id, m.batches.size(),
        m.input_rows);
  }
  out += fmt::format("wordviews run {} finished in {:.2f} s (peak memory {:.0f} MiB)\n", m.run_id,
                     s.seconds, static_cast<double>(m.peak_rss_bytes) / (1 << 20));
  out += fmt::format("  rows in:   {:>12}\n  accepted:  {:>12}\n  rejected:  {:>12}\n",
                     m.input_rows, m.accepted_rows, m.rejected_rows);
  for (const auto& [reason, n] : m.rejected_by_reason) {
    if (n > 0) out += fmt::format("    {:<17} {:>10}\n", reason, n);
  }
  out += fmt::format("  tables written to {}:\n", s.out_dir);
  for (const TableRecord& t : m.tables) {
    uint64_t bytes = 0;
    for (const FileRecord& f : t.files) bytes += f.bytes;
    out += fmt::format("    {:<16} {:>12} rows  {:>4} file(s)  {:>10.1f} MiB\n", t.name, t.rows,
                       t.files.size(), static_cast<double>(bytes) / (1 << 20));
  }
  int passed = 0, warnings = 0;
  std::string notes;
  for (const quality::CheckResult& c : m.checks) {
    if (c.passed) {
      ++passed;
    } else {
      ++warnings;
    }
    if (!c.passed || c.severity == quality::Severity::kInfo) {
      notes +=
          fmt::format("    [{}] {}: {}\n", quality::SeverityName(c.severity), c.name, c.detail);
    }
  }
  out += fmt::format("  quality checks: {} passed, {} anomalies counted\n", passed, warnings);
  out += notes;
  out += fmt::format("  manifest: {}/{}\n", s.out_dir, kManifestName);
  if (!s.commit_note.empty()) out += fmt::format("  {}\n", s.commit_note);
  if (s.s3.has_value()) {
    out +=
        fmt::format("  s3 traffic: {} requests ({} retried), {:.1f} MB received, {:.1f} MB sent\n",
                    s.s3->requests, s.s3->retries, static_cast<double>(s.s3->bytes_received) / 1e6,
                    static_cast<double>(s.s3->bytes_sent) / 1e6);
  }
  return out;
}

}  // namespace wv::run
