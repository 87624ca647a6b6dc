#include "run/verify.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "core/civil_time.h"
#include "core/crc32.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "parquet/reader.h"
#include "quality/star_checks.h"
#include "run/manifest.h"
#include "run/output_listing.h"
#include "run/published_output.h"
#include "run/recount.h"
#include "traces/trace_schema.h"

namespace wv::run {
using quality::CheckResult;
using quality::MakeCheck;

namespace {

// Threads for the fact partitions: each holds one file's bytes and decoded
// columns at a time.
constexpr int kMaxVerifyThreads = 4;

// The stored checks that the files cannot reproduce, and why (docs/PIPELINE.md).
struct NotRecomputable {
  std::string_view name;
  std::string_view why;
};
constexpr NotRecomputable kNotRecomputable[] = {
    {"ingest.rows_reach_model",
     "it compares the input reader's own row counts during the run; the inputs are not in DIR"},
    {"anomaly.lexeme_id_with_several_strings",
     "the fact table stores no lexeme_string (dim_words keeps each lexeme's first only)"},
    {"anomaly.rows_with_conflicting_lexeme",
     "the fact table stores no lexeme_string; the language part is checked as a bound"},
};

std::string_view WhyNotRecomputable(std::string_view name) {
  for (const NotRecomputable& n : kNotRecomputable) {
    if (n.name == name) return n.why;
  }
  return {};
}

void Append(std::vector<CheckResult> more, std::vector<CheckResult>* checks) {
  for (CheckResult& c : more) checks->push_back(std::move(c));
}

bool SchemaMatches(const parquet::Schema& actual, const parquet::Schema* expected) {
  if (expected == nullptr || actual.columns.size() != expected->columns.size()) return false;
  for (size_t c = 0; c < expected->columns.size(); ++c) {
    const auto& a = actual.columns[c];
    const auto& b = expected->columns[c];
    if (a.name != b.name || a.physical != b.physical) return false;
  }
  return true;
}

// Checks one listed file read whole: present, size, CRC-32, readable, rows,
// schema. Returns the opened file when its schema is the table's, else
// nullptr; adds its rows to *table_rows.
std::unique_ptr<parquet::FileReader> VerifyFile(const PublishedOutput& out,
                                                const model::FileRecord& f,
                                                const parquet::Schema* schema, int64_t* table_rows,
                                                std::vector<CheckResult>* checks) {
  StatusOr<std::string> bytes = out.ReadFile(f.path);
  if (!bytes.ok()) {
    checks->push_back(MakeCheck(f.path + ".present", false, 0, 1, bytes.status().message()));
    return nullptr;
  }
  const uint32_t crc = Crc32(*bytes);
  checks->push_back(
      MakeCheck(f.path + ".bytes", bytes->size() == f.bytes, static_cast<int64_t>(bytes->size()),
                static_cast<int64_t>(f.bytes),
                fmt::format("{}: {} bytes, manifest says {}", f.path, bytes->size(), f.bytes)));
  checks->push_back(
      MakeCheck(f.path + ".crc32", crc == f.crc32, crc, f.crc32,
                fmt::format("{}: crc32 {:08x}, manifest says {:08x}", f.path, crc, f.crc32)));
  auto reader = parquet::FileReader::OpenBuffer(std::move(*bytes), out.dir() + "/" + f.path);
  if (!reader.ok()) {
    checks->push_back(MakeCheck(f.path + ".readable", false, 0, 1, reader.status().message()));
    return nullptr;
  }
  const int64_t rows = (*reader)->num_rows();
  *table_rows += rows;
  checks->push_back(MakeCheck(f.path + ".rows", rows == f.rows, rows, f.rows,
                              fmt::format("{}: {} rows, manifest says {}", f.path, rows, f.rows)));
  const bool schema_ok = SchemaMatches((*reader)->schema(), schema);
  checks->push_back(MakeCheck(f.path + ".schema", schema_ok, schema_ok, 1,
                              schema_ok ? "columns as the contract says"
                                        : f.path + ": columns differ from the table's schema"));
  return schema_ok ? std::move(*reader) : nullptr;
}

// The files of a table the recount can use, and whether that is all of them.
struct VerifiedTable {
  OpenedTable opened;
  int64_t rows = 0;       // from the files read
  bool complete = false;  // every listed file opened with the right schema
};

// The previous version's rows of `table` when the new version keeps every
// file of it unchanged (and only those of its files: the others are new):
// they stand in for the kept files. Null otherwise (every file is read).
const model::TableData* KeptDimensionRows(const TableRecord& t, const ReusableCounts* reuse) {
  if (reuse == nullptr || reuse->previous_dims == nullptr) return nullptr;
  const auto files = reuse->previous_dims->files.find(t.name);
  if (files == reuse->previous_dims->files.end() || files->second.empty()) return nullptr;
  const std::set<std::string> previous(files->second.begin(), files->second.end());
  size_t listed = 0;
  for (const FileRecord& f : t.files) {
    if (!reuse->kept.contains(f.path)) continue;
    if (!previous.contains(f.path)) return nullptr;
    ++listed;
  }
  return listed == previous.size() ? &reuse->previous_dims->Of(t.name) : nullptr;
}

// Verifies and opens every listed file of a small table (a dimension or the
// quarantine: held in memory together); with `reuse`, the files a dimension
// kept unchanged are not read, their rows taken as KeptDimensionRows().
VerifiedTable VerifySmallTable(const PublishedOutput& out, const Manifest& m,
                               std::string_view table, const ReusableCounts* reuse,
                               std::vector<CheckResult>* checks) {
  VerifiedTable v;
  const TableRecord* t = m.FindTable(table);
  if (t == nullptr) return v;  // CheckManifestPaths says so
  v.complete = true;
  v.opened.kept = KeptDimensionRows(*t, reuse);
  int64_t kept_rows = 0;
  for (const FileRecord& f : t->files) {
    if (!ListedPathProblem(table, f.path).empty()) {  // refused, never read
      v.complete = false;
      continue;
    }
    if (v.opened.kept != nullptr && reuse->kept.contains(f.path)) {
      kept_rows += f.rows;
      continue;
    }
    auto reader = VerifyFile(out, f, model::SchemaOf(table), &v.rows, checks);
    v.complete = v.complete && reader != nullptr;
    if (reader) v.opened.files.push_back(std::move(reader));
  }
  if (v.opened.kept != nullptr) {
    const int64_t rows = static_cast<int64_t>(v.opened.kept->rows);
    checks->push_back(MakeCheck(
        fmt::format("{}.kept_rows", table), rows == kept_rows, rows, kept_rows,
        fmt::format("{}: {} rows read from the previous version's files, the kept files list {}",
                    table, rows, kept_rows)));
    v.rows += rows;
  }
  checks->push_back(
      MakeCheck(fmt::format("{}.rows", table), v.rows == t->rows, v.rows, t->rows,
                fmt::format("{}: {} rows in its files, manifest says {}", table, v.rows, t->rows)));
  return v;
}

// The fact files grouped by partition folder (fact_wordviews/date=D), in
// manifest order.
std::vector<std::pair<std::string, std::vector<const FileRecord*>>> FactPartitions(
    const TableRecord& t) {
  std::map<std::string, std::vector<const FileRecord*>> by_folder;
  for (const FileRecord& f : t.files) {
    if (!ListedPathProblem(t.name, f.path).empty()) continue;
    by_folder[f.path.substr(0, f.path.rfind('/'))].push_back(&f);
  }
  return {by_folder.begin(), by_folder.end()};
}

// The day of "fact_wordviews/date=YYYY-MM-DD/...", which ListedPathProblem()
// accepted.
int64_t PartitionDay(const std::string& path) {
  const size_t at = path.find("/date=") + 6;
  const StatusOr<int64_t> day = ParseDateString(std::string_view(path).substr(at, 10));
  return day.ok() ? *day : INT64_MIN;
}

std::vector<CountedFile> Counted(const std::vector<const FileRecord*>& files) {
  std::vector<CountedFile> counted;
  for (const FileRecord* f : files) counted.push_back(CountedFile{f->path, f->rows, f->crc32});
  std::sort(counted.begin(), counted.end(),
            [](const CountedFile& a, const CountedFile& b) { return a.path < b.path; });
  return counted;
}

// The recorded counts that may stand for a partition's files: a record of
// exactly these files, every one of them kept from the previous version,
// whose foreign keys all resolved. Null otherwise (the files are read).
const PartitionCounts* ReusablePartition(const ReusableCounts* reuse, const std::string& folder,
                                         const std::vector<const FileRecord*>& files) {
  if (reuse == nullptr || !reuse->recorded) return nullptr;
  const auto it = reuse->recorded->partitions.find(folder);
  if (it == reuse->recorded->partitions.end() || !it->second.FullyCovered()) return nullptr;
  for (const FileRecord* f : files) {
    if (!reuse->kept.contains(f->path)) return nullptr;
  }
  return it->second.files == Counted(files) ? &it->second : nullptr;
}

// What the fact pass leaves: the recount, whether it saw every row, and the
// record of every partition.
struct FactPass {
  std::unique_ptr<FactRecount> recount;
  int64_t rows = 0;
  bool complete = false;
  std::map<std::string, PartitionCounts> partitions;
};

// Verifies and recounts the files of one partition; false when one of them
// could not be read in full with the contract's schema.
bool VerifyPartition(const PublishedOutput& out, const std::vector<const FileRecord*>& files,
                     int column_threads, FactRecount* recount, int64_t* rows,
                     std::vector<CheckResult>* checks) {
  bool complete = true;
  for (const FileRecord* f : files) {
    auto reader = VerifyFile(out, *f, &model::FactSchema(), rows, checks);
    Status added = reader ? recount->AddFile(*reader, PartitionDay(f->path), column_threads)
                          : InputError("not opened");
    if (reader && !added.ok()) {
      checks->push_back(MakeCheck(f->path + ".decodable", false, 0, 1,
                                  fmt::format("{}: {}", f->path, added.message())));
    }
    complete = complete && added.ok();
  }
  recount->FinishPartition();
  return complete;
}

// Verifies every fact file and recounts it, a partition per task; with
// `reuse`, the partitions it may stand for are taken as recorded instead.
FactPass VerifyFacts(const PublishedOutput& out, const Manifest& m, const DimensionIndex& dims,
                     const ReusableCounts* reuse, std::vector<CheckResult>* checks) {
  FactPass pass;
  pass.recount = std::make_unique<FactRecount>(&dims);
  const TableRecord* t = m.FindTable(model::kFactTable);
  if (t == nullptr) return pass;
  const auto partitions = FactPartitions(*t);
  std::vector<size_t> to_read;
  for (size_t p = 0; p < partitions.size(); ++p) {
    const auto& [folder, files] = partitions[p];
    if (const PartitionCounts* r = ReusablePartition(reuse, folder, files)) {
      pass.recount->AddCounts(*r);
      pass.rows += r->profile.rows;
      pass.partitions.emplace(folder, *r);
    } else {
      to_read.push_back(p);
    }
  }
  const int threads = std::min(kMaxVerifyThreads, EffectiveThreads(0));
  std::vector<std::unique_ptr<FactRecount>> workers;
  for (int w = 0; w < EffectiveThreads(threads); ++w) {
    workers.push_back(std::make_unique<FactRecount>(&dims));
  }
  // One partition to read (an append's usual day) decodes its columns on
  // the threads the partitions would have used.
  const int column_threads = to_read.size() == 1 ? threads : 1;
  std::vector<std::vector<CheckResult>> found(to_read.size());
  std::vector<int64_t> rows(to_read.size(), 0);
  std::vector<uint8_t> complete(to_read.size(), 1);
  std::vector<PartitionCounts> counted(to_read.size());
  ParallelFor(to_read.size(), threads, [&](size_t i, int worker) {
    const auto& files = partitions[to_read[i]].second;
    FactRecount partition(&dims);  // one partition's counts, for its record
    complete[i] = VerifyPartition(out, files, column_threads, &partition, &rows[i], &found[i]);
    counted[i] = partition.Counts(Counted(files));
    workers[worker]->AddCounts(counted[i]);  // the counts just built, not built again
  });
  size_t accepted = 0;
  for (const auto& [folder, files] : partitions) accepted += files.size();
  pass.complete = accepted == t->files.size() &&
                  std::all_of(complete.begin(), complete.end(), [](uint8_t c) { return c; });
  for (size_t i = 0; i < to_read.size(); ++i) {
    Append(std::move(found[i]), checks);
    pass.rows += rows[i];
    pass.partitions.emplace(partitions[to_read[i]].first, std::move(counted[i]));
  }
  for (const auto& w : workers) pass.recount->Merge(*w);
  checks->push_back(MakeCheck(
      "fact_wordviews.rows", pass.rows == t->rows, pass.rows, t->rows,
      fmt::format("fact_wordviews: {} rows in its files, manifest says {}", pass.rows, t->rows)));
  return pass;
}

// What the quarantine pass leaves: rows, reasons and batch ids over every
// file, and the record of each.
struct QuarantinePass {
  int64_t rows = 0;
  bool complete = false;  // every file read in full (or taken as recorded)
  std::map<std::string, int64_t> reasons, batches;
  std::map<std::string, QuarantineCounts> files;
};

// The counts of one quarantine file read whole, or nullopt (a failed check
// says why).
std::optional<QuarantineCounts> RecountQuarantineFile(const PublishedOutput& out,
                                                      const FileRecord& f, int64_t* rows,
                                                      std::vector<CheckResult>* checks) {
  auto reader = VerifyFile(out, f, model::SchemaOf(model::kQuarantineTable), rows, checks);
  if (reader == nullptr) return std::nullopt;
  OpenedTable one;
  one.files.push_back(std::move(reader));
  StatusOr<std::map<std::string, int64_t>> reasons = RecountReasons(one);
  if (!reasons.ok()) {
    checks->push_back(MakeCheck("quarantine.decodable", false, 0, 1,
                                fmt::format("{}: {}", f.path, reasons.status().message())));
    return std::nullopt;
  }
  StatusOr<std::map<std::string, int64_t>> batches = RecountBatches(one);
  if (!batches.ok()) {
    checks->push_back(MakeCheck("quarantine.batch_id.decodable", false, 0, 1,
                                fmt::format("{}: {}", f.path, batches.status().message())));
    return std::nullopt;
  }
  return QuarantineCounts{CountedFile{f.path, f.rows, f.crc32}, std::move(*reasons),
                          std::move(*batches)};
}

// Verifies every quarantine file and counts its reasons and batch ids; with
// `reuse`, a kept file with a record of exactly that file is taken as
// recorded instead.
QuarantinePass VerifyQuarantine(const PublishedOutput& out, const Manifest& m,
                                const ReusableCounts* reuse, std::vector<CheckResult>* checks) {
  QuarantinePass pass;
  const TableRecord* t = m.FindTable(model::kQuarantineTable);
  if (t == nullptr) return pass;  // CheckManifestPaths says so
  pass.complete = true;
  for (const FileRecord& f : t->files) {
    if (!ListedPathProblem(model::kQuarantineTable, f.path).empty()) {  // refused, never read
      pass.complete = false;
      continue;
    }
    std::optional<QuarantineCounts> counts;
    if (reuse != nullptr && reuse->recorded && reuse->kept.contains(f.path)) {
      const auto it = reuse->recorded->quarantine.find(f.path);
      if (it != reuse->recorded->quarantine.end() &&
          it->second.file == CountedFile{f.path, f.rows, f.crc32}) {
        counts = it->second;
        pass.rows += f.rows;
      }
    }
    if (!counts) counts = RecountQuarantineFile(out, f, &pass.rows, checks);
    if (!counts) {
      pass.complete = false;
      continue;
    }
    for (const auto& [reason, n] : counts->reasons) pass.reasons[reason] += n;
    for (const auto& [batch, n] : counts->batches) pass.batches[batch] += n;
    pass.files.emplace(f.path, std::move(*counts));
  }
  checks->push_back(MakeCheck(
      "quarantine.rows", pass.rows == t->rows, pass.rows, t->rows,
      fmt::format("quarantine: {} rows in its files, manifest says {}", pass.rows, t->rows)));
  return pass;
}

// The manifest's row totals and rejected rows per reason against the files.
void CheckRowTotals(const Manifest& m, int64_t fact_rows, int64_t quarantine_rows,
                    const std::map<std::string, int64_t>& reasons,
                    std::vector<CheckResult>* checks) {
  checks->push_back(MakeCheck(
      "manifest.accepted_rows", m.accepted_rows == fact_rows, fact_rows, m.accepted_rows,
      fmt::format("{} fact rows in the files, rows.accepted says {}", fact_rows, m.accepted_rows)));
  checks->push_back(MakeCheck("manifest.rejected_rows", m.rejected_rows == quarantine_rows,
                              quarantine_rows, m.rejected_rows,
                              fmt::format("{} quarantine rows in the files, rows.rejected says {}",
                                          quarantine_rows, m.rejected_rows)));
  std::set<std::string> names(traces::kRejectReasonNames.begin(), traces::kRejectReasonNames.end());
  for (const auto& [reason, n] : m.rejected_by_reason) names.insert(reason);
  for (const auto& [reason, n] : reasons) names.insert(reason);
  for (const std::string& reason : names) {
    const auto in_files = reasons.find(reason);
    const auto claimed = m.rejected_by_reason.find(reason);
    const int64_t observed = in_files == reasons.end() ? 0 : in_files->second;
    const int64_t expected = claimed == m.rejected_by_reason.end() ? 0 : claimed->second;
    const bool known = traces::ParseRejectReason(reason).has_value();
    checks->push_back(MakeCheck(
        fmt::format("rejected_by_reason.{}", reason), known && observed == expected, observed,
        expected,
        fmt::format("{} quarantine rows with reason '{}', rejected_by_reason says {}{}", observed,
                    reason, expected, known ? "" : " (not a reason wordviews gives)")));
  }
}

// The stored result `stored` against the recomputed `r`.
CheckResult CompareStored(const CheckResult& stored, const CheckResult& r) {
  auto describe = [](const CheckResult& c) {
    return fmt::format("observed {}, expected {}, {} ({}): \"{}\"", c.observed, c.expected,
                       c.passed ? "passed" : "failed", quality::SeverityName(c.severity), c.detail);
  };
  const bool same = stored.observed == r.observed && stored.expected == r.expected &&
                    stored.passed == r.passed && stored.severity == r.severity &&
                    stored.detail == r.detail;
  return MakeCheck("stored:" + r.name, same, stored.observed, r.observed,
                   same ? fmt::format("the manifest's result is the files': {}", describe(r))
                        : fmt::format("the manifest says {}; recomputed from the files: {}",
                                      describe(stored), describe(r)));
}

// Compares every stored check with its recomputation, by name.
void CompareWithStored(const std::vector<CheckResult>& recomputed,
                       const std::vector<CheckResult>& stored, std::vector<CheckResult>* checks) {
  std::map<std::string, const CheckResult*> by_name;
  for (const CheckResult& s : stored) {
    if (!by_name.emplace(s.name, &s).second) {
      checks->push_back(MakeCheck("stored:" + s.name, false, 2, 1,
                                  "the manifest records this check more than once"));
    }
  }
  for (const CheckResult& r : recomputed) {
    const auto it = by_name.find(r.name);
    const CheckResult* s = it == by_name.end() ? nullptr : it->second;
    if (s != nullptr) by_name.erase(it);
    if (const std::string_view why = WhyNotRecomputable(r.name); !why.empty()) {
      CheckResult note = quality::CountInfo(
          "stored:" + r.name, s ? s->observed : 0,
          fmt::format("(the manifest's observed value) not recomputed: {}", why));
      if (s == nullptr) note = MakeCheck(note.name, false, 0, 1, "missing from the manifest");
      checks->push_back(std::move(note));
      continue;
    }
    checks->push_back(r);  // e.g. a duplicate key fails here, whatever the manifest says
    checks->push_back(s ? CompareStored(*s, r)
                        : MakeCheck("stored:" + r.name, false, 0, 1,
                                    "recomputed from the files, but missing from the manifest"));
  }
  for (const auto& [name, s] : by_name) {
    checks->push_back(MakeCheck("stored:" + name, false, 1, 0,
                                "the manifest records a check that wordviews does not compute"));
  }
}

const CheckResult* FindCheck(const std::vector<CheckResult>& checks, std::string_view name) {
  for (const CheckResult& c : checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int64_t StoredObserved(const Manifest& m, std::string_view name) {
  const CheckResult* c = FindCheck(m.checks, name);
  return c ? c->observed : 0;
}

// The run's --max-bad-ratio, as the manifest records it.
std::optional<double> MaxBadRatio(const Manifest& m) {
  const auto it = m.options.find("max_bad_ratio");
  if (it == m.options.end()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || !(v >= 0.0 && v <= 1.0)) return std::nullopt;
  return v;
}

// The BuildStats of the run, as far as the files tell.
model::BuildStats StatsFromFiles(const Manifest& m, DimensionRecount dims, const FactPass& facts,
                                 int64_t quarantine_rows,
                                 const std::map<std::string, int64_t>& reasons) {
  model::BuildStats s;
  s.input_rows = m.input_rows;  // a claim about the inputs; reconciliation checks it
  s.fact_rows = facts.rows;
  s.quarantine_rows = quarantine_rows;
  for (int r = 0; r < static_cast<int>(traces::RejectReason::kNumReasons); ++r) {
    const auto it = reasons.find(std::string(traces::kRejectReasonNames[r]));
    s.rejected_by_reason[r] = it == reasons.end() ? 0 : it->second;
  }
  s.modelled_rows = dims.user_views;
  s.dimension_keys = std::move(dims.keys);
  s.coverage = facts.recount->coverage();
  s.fact = facts.recount->profile();
  s.anomalies = dims.anomalies;
  s.anomalies.natural_key_collisions = facts.recount->natural_key_collisions();
  s.anomalies.lexemes_with_several_languages = facts.recount->lexemes_with_other_language();
  // Not in the files: the stored values stand in (and are not compared).
  s.anomalies.lexemes_with_several_strings =
      StoredObserved(m, "anomaly.lexeme_id_with_several_strings");
  s.anomalies.rows_with_conflicting_lexeme =
      StoredObserved(m, "anomaly.rows_with_conflicting_lexeme");
  return s;
}

// What the files do tell about the checks not recomputed, and the
// partitioning the natural-key count relies on.
void CheckBounds(const Manifest& m, const FactRecount& facts, std::vector<CheckResult>* checks) {
  const int64_t stored = StoredObserved(m, "anomaly.rows_with_conflicting_lexeme");
  const int64_t other_language = facts.rows_with_other_language();
  const bool exact = StoredObserved(m, "anomaly.lexeme_id_with_several_strings") == 0;
  checks->push_back(MakeCheck(
      "stored:anomaly.rows_with_conflicting_lexeme.bound",
      exact ? stored == other_language : stored >= other_language, stored, other_language,
      fmt::format("the manifest counts {} rows with a conflicting lexeme; {} fact rows have a "
                  "learning_language other than their dim_words.language{}",
                  stored, other_language,
                  exact ? " (no lexeme has several strings: they must be equal)" : "")));
  const int64_t outside = facts.rows_outside_partition();
  checks->push_back(MakeCheck("fact_wordviews.partition_dates", outside == 0, outside, 0,
                              fmt::format("{} fact rows outside their partition's day", outside)));
}

void RecomputeQualityChecks(const Manifest& m, DimensionRecount dims, const FactPass& facts,
                            int64_t quarantine_rows, const std::map<std::string, int64_t>& reasons,
                            std::vector<CheckResult>* checks,
                            std::vector<CheckResult>* recomputed_out) {
  const std::optional<double> ratio = MaxBadRatio(m);
  if (!ratio) {
    checks->push_back(MakeCheck("manifest.options.max_bad_ratio", false, 0, 1,
                                "the manifest records no valid options.max_bad_ratio: "
                                "rejected_share cannot be recomputed"));
  }
  const model::BuildStats stats =
      StatsFromFiles(m, std::move(dims), facts, quarantine_rows, reasons);
  // The reader's counts are not in the files: equal ones make the check pass
  // (it is not compared, see kNotRecomputable).
  const quality::IngestCounts ingest{stats.input_rows, stats.input_rows};
  std::vector<CheckResult> recomputed =
      quality::EvaluateRunChecks(stats, ingest, ratio.value_or(0.0));
  std::vector<CheckResult> stored = m.checks;
  if (!ratio) {
    auto is_share = [](const CheckResult& c) { return c.name == "rejected_share"; };
    std::erase_if(recomputed, is_share);
    std::erase_if(stored, is_share);
  }
  CompareWithStored(recomputed, stored, checks);
  CheckBounds(m, *facts.recount, checks);
  *recomputed_out = std::move(recomputed);
}

// Two input records of the same input: path, stored bytes and CRC-32.
bool SameInput(const InputFileRecord& a, const InputFileRecord& b) {
  return a.path == b.path && a.bytes == b.bytes && a.crc32 == b.crc32;
}

// The batch list against the totals, the inputs and the batch_id columns.
void CheckBatches(const Manifest& m, const std::map<std::string, int64_t>& fact_by_batch,
                  const std::map<std::string, int64_t>& quarantine_by_batch,
                  std::vector<CheckResult>* checks) {
  BatchRecord sum;
  std::vector<InputFileRecord> inputs;
  std::set<std::string> ids;
  for (const BatchRecord& b : m.batches) {
    checks->push_back(MakeCheck(fmt::format("batch:{}.unique", b.id), ids.insert(b.id).second, 1, 1,
                                fmt::format("batch {} is listed once", b.id)));
    sum.input_rows += b.input_rows;
    sum.accepted_rows += b.accepted_rows;
    sum.rejected_rows += b.rejected_rows;
    inputs.insert(inputs.end(), b.inputs.begin(), b.inputs.end());
    const auto count = [&b](const std::map<std::string, int64_t>& by_batch) {
      const auto it = by_batch.find(b.id);
      return it == by_batch.end() ? int64_t{0} : it->second;
    };
    const int64_t facts = count(fact_by_batch), rejected = count(quarantine_by_batch);
    checks->push_back(MakeCheck(
        fmt::format("batch:{}.accepted", b.id), facts == b.accepted_rows, facts, b.accepted_rows,
        fmt::format("batch {}: {} fact rows carry its id, manifest says {} accepted", b.id, facts,
                    b.accepted_rows)));
    checks->push_back(MakeCheck(
        fmt::format("batch:{}.rejected", b.id), rejected == b.rejected_rows, rejected,
        b.rejected_rows,
        fmt::format("batch {}: {} quarantine rows carry its id, manifest says {} rejected", b.id,
                    rejected, b.rejected_rows)));
    checks->push_back(MakeCheck(fmt::format("batch:{}.reconciliation", b.id),
                                b.input_rows == b.accepted_rows + b.rejected_rows, b.input_rows,
                                b.accepted_rows + b.rejected_rows,
                                fmt::format("batch {}: {} input rows, {} accepted + {} rejected",
                                            b.id, b.input_rows, b.accepted_rows, b.rejected_rows)));
  }
  checks->push_back(MakeCheck("batches.listed", !m.batches.empty(),
                              static_cast<int64_t>(m.batches.size()), 1,
                              fmt::format("{} batch(es) listed", m.batches.size())));
  const auto total = [&](std::string_view what, int64_t batches, int64_t manifest) {
    checks->push_back(
        MakeCheck(fmt::format("batches.{}", what), batches == manifest, batches, manifest,
                  fmt::format("the batches' {} rows sum to {}, the manifest's total is {}", what,
                              batches, manifest)));
  };
  total("input", sum.input_rows, m.input_rows);
  total("accepted", sum.accepted_rows, m.accepted_rows);
  total("rejected", sum.rejected_rows, m.rejected_rows);
  const bool same_inputs = inputs.size() == m.inputs.size() &&
                           std::equal(inputs.begin(), inputs.end(), m.inputs.begin(), SameInput);
  checks->push_back(MakeCheck("batches.inputs", same_inputs, static_cast<int64_t>(inputs.size()),
                              static_cast<int64_t>(m.inputs.size()),
                              same_inputs ? "the batches' inputs, in order, are the manifest's"
                                          : "the batches' inputs, in order, are not the "
                                            "manifest's inputs (path, bytes, crc32)"));
  int64_t unknown = 0;
  for (const auto* by_batch : {&fact_by_batch, &quarantine_by_batch}) {
    for (const auto& [id, rows] : *by_batch) {
      if (!ids.contains(id)) unknown += rows;
    }
  }
  checks->push_back(MakeCheck("batches.ids_known", unknown == 0, unknown, 0,
                              fmt::format("{} fact or quarantine rows carry a batch_id no batch "
                                          "of the manifest has",
                                          unknown)));
}

// Every state file whole: size and CRC-32 as listed; with `reuse`, the ones
// kept from the previous version are not read again.
void CheckStateFiles(const PublishedOutput& out, const Manifest& m, const ReusableCounts* reuse,
                     std::vector<CheckResult>* checks) {
  for (const FileRecord& f : m.state_files) {
    if (!StatePathProblem(f.path).empty()) continue;  // refused, never read
    if (reuse != nullptr && reuse->kept.contains(f.path)) continue;
    StatusOr<std::string> bytes = out.ReadFile(f.path);
    if (!bytes.ok()) {
      checks->push_back(MakeCheck(f.path + ".present", false, 0, 1, bytes.status().message()));
      continue;
    }
    const uint32_t crc = Crc32(*bytes);
    checks->push_back(
        MakeCheck(f.path + ".crc32", bytes->size() == f.bytes && crc == f.crc32, crc, f.crc32,
                  fmt::format("{}: {} bytes with CRC-32 {:08x}, manifest says {} bytes, {:08x}",
                              f.path, bytes->size(), crc, f.bytes, f.crc32)));
  }
}

// The stored recount (_state/recount.json, when the manifest lists it)
// against the one just made from the files: what a later append would take
// as recorded must be what the files hold.
void CheckRecordedCounts(const PublishedOutput& out, const Manifest& m, const RecountState& counted,
                         std::vector<CheckResult>* checks) {
  const bool listed = std::any_of(m.state_files.begin(), m.state_files.end(),
                                  [](const FileRecord& f) { return f.path == kRecountStatePath; });
  if (!listed) return;
  const std::string name = fmt::format("{}.matches_files", kRecountStatePath);
  StatusOr<std::string> text = out.ReadFile(std::string(kRecountStatePath));
  StatusOr<RecountState> stored =
      text.ok() ? RecountStateFromJson(*text) : StatusOr<RecountState>(text.status());
  if (!stored.ok()) {
    checks->push_back(MakeCheck(name, false, 0, 1, stored.status().message()));
    return;
  }
  std::vector<std::string> differ;
  for (const auto& [folder, p] : counted.partitions) {
    const auto it = stored->partitions.find(folder);
    if (it == stored->partitions.end() || !SameCounts(it->second, p)) differ.push_back(folder);
  }
  for (const auto& [folder, p] : stored->partitions) {
    if (!counted.partitions.contains(folder)) differ.push_back(folder);
  }
  for (const auto& [path, q] : counted.quarantine) {
    const auto it = stored->quarantine.find(path);
    if (it == stored->quarantine.end() || !SameCounts(it->second, q)) differ.push_back(path);
  }
  for (const auto& [path, q] : stored->quarantine) {
    if (!counted.quarantine.contains(path)) differ.push_back(path);
  }
  std::string examples;
  for (size_t i = 0; i < differ.size() && i < 3; ++i) examples += " " + differ[i];
  checks->push_back(MakeCheck(
      name, differ.empty(), static_cast<int64_t>(differ.size()), 0,
      differ.empty() ? "every recorded partition and quarantine file has the files' counts"
                     : fmt::format("{} recorded partition(s) or quarantine file(s) differ from "
                                   "the files' counts (or are missing on one side):{}",
                                   differ.size(), examples)));
}

// The staged dimensions keep every key of the previous version's (and each
// word its language), so the coverage recorded for the kept partitions holds.
// A dimension whose kept rows the recount took (`kept`: its previous files
// all kept unchanged) holds them by construction: its keys are not looked up.
void CheckDimensionsKept(const PreviousDimensions& previous, const DimensionIndex& now,
                         const std::map<std::string_view, VerifiedTable>& small,
                         std::vector<CheckResult>* checks) {
  const auto kept = [&](std::string_view table) {
    const auto it = small.find(table);
    return it != small.end() && it->second.opened.kept == &previous.Of(table);
  };
  int64_t lost = 0;
  if (!kept(model::kUsersTable)) {
    const auto& ids = previous.users.columns[model::kUserId].bytes;
    for (size_t i = 0; i < ids.size(); ++i) lost += !now.users.contains(ids[i]);
  }
  if (!kept(model::kTimesTable)) {
    for (int64_t epoch : previous.times.columns[model::kTimeEpoch].i64) {
      lost += !now.HasEpoch(epoch);
    }
  }
  if (!kept(model::kLangsTable)) {
    const auto& codes = previous.langs.columns[model::kLangAlpha2].bytes;
    for (size_t i = 0; i < codes.size(); ++i) lost += !now.langs.contains(codes[i]);
  }
  if (!kept(model::kWordsTable)) {
    const auto& ids = previous.words.columns[model::kWordLexemeId].bytes;
    const auto& languages = previous.words.columns[model::kWordLanguage].bytes;
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto it = now.words.find(ids[i]);
      lost += it == now.words.end() || now.word_language[it->second] != languages[i];
    }
  }
  checks->push_back(MakeCheck("dimensions.keep_previous_keys", lost == 0, lost, 0,
                              fmt::format("{} key(s) of the previous version's dimensions are "
                                          "missing from the new ones (or a word's language "
                                          "changed)",
                                          lost)));
}

}  // namespace

StatusOr<ReusableCounts> ReusableCountsOf(const PublishedOutput& previous,
                                          std::set<std::string> kept,
                                          const PreviousDimensions* dims) {
  const Manifest& m = *previous.manifest();
  ReusableCounts reuse;
  reuse.kept = std::move(kept);
  for (const FileRecord& f : m.state_files) {
    if (f.path != kRecountStatePath) continue;
    WV_ASSIGN_OR_RETURN(const std::string text, previous.ReadFile(f.path));
    if (text.size() != f.bytes || Crc32(text) != f.crc32) {
      return InputError(fmt::format(
          "{}/{}: not the file its manifest lists (size or CRC-32 differs); run `wordviews check "
          "{}`",
          previous.dir(), f.path, previous.dir()));
    }
    WV_ASSIGN_OR_RETURN(reuse.recorded, RecountStateFromJson(text));
  }
  reuse.previous_dims = dims;
  return reuse;
}

StatusOr<VerifyReport> VerifyOutput(const std::string& dir) {
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<PublishedOutput> out, PublishedOutput::Open(dir));
  return VerifyOutput(*out);
}

StatusOr<VerifyReport> VerifyOutput(const PublishedOutput& out) {
  if (out.manifest() == nullptr) return out.manifest_status();
  return VerifyOutput(out, *out.manifest());
}

VerifyReport VerifyOutput(const PublishedOutput& out, const Manifest& m,
                          const ReusableCounts* reuse) {
  VerifyReport report;
  auto& checks = report.checks;
  Append(CheckManifestPaths(m), &checks);
  Append(CheckNoUnlistedEntries(out, m), &checks);

  std::map<std::string_view, VerifiedTable> small;
  for (std::string_view t :
       {model::kUsersTable, model::kTimesTable, model::kLangsTable, model::kWordsTable}) {
    small[t] = VerifySmallTable(out, m, t, reuse, &checks);
  }
  const bool dims_complete =
      small[model::kUsersTable].complete && small[model::kTimesTable].complete &&
      small[model::kLangsTable].complete && small[model::kWordsTable].complete;
  const OpenedTable& times = small[model::kTimesTable].opened;
  const SortedKeys* kept_epochs = reuse != nullptr && reuse->previous_dims != nullptr &&
                                          times.kept == &reuse->previous_dims->times
                                      ? &reuse->previous_dims->epochs
                                      : nullptr;
  StatusOr<DimensionRecount> dims =
      RecountDimensions(small[model::kUsersTable].opened, times, small[model::kLangsTable].opened,
                        small[model::kWordsTable].opened, kept_epochs);
  const bool dims_ok = dims.ok();
  if (!dims_ok) {
    checks.push_back(MakeCheck("dimensions.decodable", false, 0, 1, dims.status().message()));
    dims = DimensionRecount{};
  }
  if (reuse != nullptr && dims_ok) {
    if (reuse->previous_dims == nullptr) {
      checks.push_back(MakeCheck("dimensions.keep_previous_keys", false, 0, 1,
                                 "the previous version's dimensions were not given"));
    } else {
      CheckDimensionsKept(*reuse->previous_dims, dims->index, small, &checks);
    }
  }
  const FactPass facts = VerifyFacts(out, m, dims->index, reuse, &checks);
  QuarantinePass quarantine = VerifyQuarantine(out, m, reuse, &checks);
  CheckRowTotals(m, facts.rows, quarantine.rows, quarantine.reasons, &checks);
  CheckBatches(m, facts.recount->rows_by_batch(), quarantine.batches, &checks);
  CheckStateFiles(out, m, reuse, &checks);
  report.recount_complete = facts.complete && quarantine.complete;
  if (report.recount_complete) {
    report.recount.partitions = facts.partitions;
    report.recount.quarantine = std::move(quarantine.files);
    if (reuse == nullptr) CheckRecordedCounts(out, m, report.recount, &checks);
  }

  if (dims_complete && dims_ok && report.recount_complete) {
    RecomputeQualityChecks(m, std::move(dims).value(), facts, quarantine.rows, quarantine.reasons,
                           &checks, &report.recomputed);
  } else {
    checks.push_back(MakeCheck("quality_checks.recomputed", false, 0, 1,
                               "not recomputed: some listed files could not be read in full with "
                               "the contract's schema (see above)"));
  }
  return report;
}

}  // namespace wv::run
