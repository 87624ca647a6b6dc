#include "model/star_builder.h"

#include <algorithm>
#include <array>
#include <initializer_list>

#include "absl/functional/function_ref.h"
#include "core/heap_retention.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "model/star_schema.h"

namespace wv::model {
namespace {

FactWriterOptions FactOptions(const BuildOptions& options,
                              const parquet::WriterOptions& writer_options) {
  FactWriterOptions f;
  f.writer = writer_options;
  f.encode_threads = std::max(1, options.threads);
  // Rows come in time order, so usually one day is open and its jobs run one
  // at a time: a row group's columns are encoded in parallel too.
  f.writer.encode_threads = f.encode_threads;
  f.row_group_rows = std::max<int64_t>(1, options.fact_row_group_rows);
  f.max_jobs_in_flight = 2 * f.encode_threads;
  if (options.memory.fact_bytes > 0) {
    // Row groups as large as the budget allows (a power of two, at least
    // 16 Ki rows; under a small limit the layout changes, never the values),
    // one of them buffered over all open days while one is encoded.
    const int64_t budget_rows = options.memory.fact_bytes / kFactBytesPerRow;
    int64_t rows = std::min<int64_t>(16 << 10, f.row_group_rows);
    while (rows * 2 <= std::min(budget_rows, f.row_group_rows)) rows *= 2;
    f.row_group_rows = rows;
    f.max_rows_in_flight = rows;
  }
  f.max_buffered_rows = f.row_group_rows;
  f.batch_id = options.batch_id;
  f.file_prefix = options.file_prefix;
  return f;
}

// What the Parquet writer holds of dim_users per row of its row group: the
// buffered columns (a ~20-byte id and six integers) and their encoding.
constexpr int64_t kUsersWriterBytesPerRow = 160;

// A spilled dim_users is written as it is merged, and the writer buffers a
// row group: with the default 1 Mi rows that grew with the users up to
// ~160 MB. Under a limit the row group fits the users' share (free again
// once the users spilled): a power of two from 16 Ki rows to the default.
// The values never change, only the layout (the in-memory table is whole anyway).
int64_t SpilledUsersRowGroupRows(int64_t users_bytes,
                                 const parquet::WriterOptions& writer_options) {
  if (users_bytes <= 0) return writer_options.row_group_rows;
  const int64_t fitting = users_bytes / kUsersWriterBytesPerRow;
  int64_t rows = int64_t{16} << 10;
  while (rows * 2 <= std::min(fitting, writer_options.row_group_rows)) rows *= 2;
  return std::min(rows, writer_options.row_group_rows);
}

// Runs every task at once, each on its own thread (the caller's among them),
// and returns when all have.
void RunConcurrently(std::initializer_list<absl::FunctionRef<void()>> tasks) {
  ParallelFor(tasks.size(), static_cast<int>(tasks.size()),
              [&](size_t i, int) { tasks.begin()[i](); });
}

int64_t RowsOf(const std::vector<TableRecord>& tables, std::string_view name) {
  for (const TableRecord& t : tables) {
    if (t.name == name) return t.rows;
  }
  return 0;
}

}  // namespace

// What the dimension tasks of Finish() leave besides their files: the counts
// of each built table (its TableData emptied once written) and its key
// column. Each member is written by exactly one task.
struct StarSchemaBuilder::DimensionOutputs {
  UsersAccumulator::Built users;
  TimesAccumulator::Built times;
  LangsAccumulator::Built langs;
  WordsAccumulator::Built words;
  DimensionKeys users_keys, times_keys, langs_keys, words_keys;
};

StarSchemaBuilder::StarSchemaBuilder(io::OutputStore* store, std::vector<std::string> source_names,
                                     const traces::References* refs, BuildOptions options)
    : store_(store),
      refs_(refs),
      writer_options_([&] {
        parquet::WriterOptions w;
        w.compression = options.compression;
        w.delta_binary_packed = options.delta_binary_packed;
        return w;
      }()),
      fact_(store, source_names, FactOptions(options, writer_options_), &ledger_),
      quarantine_(store, std::move(source_names), writer_options_, &ledger_, options.batch_id,
                  options.file_prefix),
      merge_dimension_(std::move(options.merge_dimension)),
      file_prefix_(options.file_prefix),
      users_bytes_(options.memory.users_bytes),
      bounded_memory_(!options.memory.spill_folder.empty()),
      dimension_feed_(
          DimensionSpill{SessionLogSpill{options.memory.spill_folder,
                                         static_cast<size_t>(options.memory.sessions_bytes)},
                         static_cast<size_t>(options.memory.users_bytes)}) {}

Status StarSchemaBuilder::Consume(traces::ValidatedChunk&& chunk) {
  return Consume(std::make_shared<const traces::ValidatedChunk>(std::move(chunk)));
}

Status StarSchemaBuilder::Consume(std::shared_ptr<const traces::ValidatedChunk> shared) {
  input_rows_ += static_cast<int64_t>(shared->input_rows);
  // The dimension thread reads the chunk while this thread routes its rows
  // to the fact partitions.
  WV_RETURN_IF_ERROR(dimension_feed_.Push(shared));
  WV_RETURN_IF_ERROR(fact_.Append(shared->accepted));
  return quarantine_.Append(shared->rejected);
}

StatusOr<BuildResult> StarSchemaBuilder::Finish() {
  WV_ASSIGN_OR_RETURN(const AccumulatedDimensions dims, dimension_feed_.Finish());
  // The dimensions are built and written on their own threads while the
  // fact table and the quarantine are finished.
  DimensionOutputs dim_out;
  Status fact_status, users_status, times_status, langs_words_status;
  const auto finish_fact = [&] { fact_status = FinishFactAndQuarantine(); };
  const auto write_users = [&] { users_status = WriteUsers(dims, &dim_out); };
  const auto write_times = [&] { times_status = WriteTimes(dims, &dim_out); };
  const auto write_langs_words = [&] { langs_words_status = WriteLangsAndWords(dims, &dim_out); };
  if (bounded_memory_) {
    // Under a limit one at a time: the fact table's last row groups, a
    // dim_users and a dim_times row group each being encoded at once were
    // the run's peak (~+145 MB at 4x under 256M); this phase is a few
    // seconds of a run.
    // Each returns its freed pages before the next.
    for (const auto& step :
         {absl::FunctionRef<void()>(finish_fact), absl::FunctionRef<void()>(write_users),
          absl::FunctionRef<void()>(write_times), absl::FunctionRef<void()>(write_langs_words)}) {
      step();
      ReleaseFreedMemory();
    }
  } else {
    RunConcurrently({finish_fact, write_users, write_times, write_langs_words});
  }
  WV_RETURN_IF_ERROR(fact_status);
  WV_RETURN_IF_ERROR(users_status);
  WV_RETURN_IF_ERROR(times_status);
  WV_RETURN_IF_ERROR(langs_words_status);
  BuildResult result;
  result.tables = TablesFromLedger();
  CollectStats(dims, std::move(dim_out), &result);
  return result;
}

Status StarSchemaBuilder::FinishFactAndQuarantine() {
  WV_RETURN_IF_ERROR(fact_.Finish());
  return quarantine_.Finish();
}

Status StarSchemaBuilder::WriteUsers(const AccumulatedDimensions& dims, DimensionOutputs* out) {
  if (dims.spilled_users != nullptr) return WriteSpilledUsers(*dims.spilled_users, out);
  out->users = dims.BuildUsers();
  return WriteDimension(kUsersTable, std::move(out->users.table), kUserId, &out->users_keys);
}

// dim_times built and written a slice at a time into one file (the writer
// cuts the row groups of the whole table), never whole in memory: at up to
// 86,400 rows a day it is the largest table left in memory at the end. The
// merge hook sees each slice (its rule for dim_times is a predicate on each
// row's key, so slices give the rows the whole table would).
Status StarSchemaBuilder::WriteTimes(const AccumulatedDimensions& dims, DimensionOutputs* out) {
  constexpr size_t kSliceRows = 64 << 10;
  const TimesAccumulator& times = dims.times;
  size_t begin = 0;
  return WriteDimensionSlices(
      kTimesTable, kTimeEpoch,
      [&](TableData* slice) {
        const size_t end = std::min(times.size(), begin + kSliceRows);
        out->times.rows_covered += times.BuildRows(begin, end, slice);
        begin = end;
        return begin < times.size();
      },
      &out->times_keys);
}

Status StarSchemaBuilder::WriteLangsAndWords(const AccumulatedDimensions& dims,
                                             DimensionOutputs* out) {
  // Two small tables: one thread for both.
  out->langs = dims.BuildLangs(*refs_);
  WV_RETURN_IF_ERROR(
      WriteDimension(kLangsTable, std::move(out->langs.table), kLangAlpha2, &out->langs_keys));
  out->words = dims.BuildWords(*refs_);
  return WriteDimension(kWordsTable, std::move(out->words.table), kWordLexemeId, &out->words_keys);
}

// A dimension's file: the whole table's, or this batch's added rows'.
std::string StarSchemaBuilder::DimensionFileName(std::string_view table, bool added) const {
  return fmt::format("{}/{}00000.parquet", table, added ? file_prefix_ : "part-");
}

// A dimension built whole: one slice.
Status StarSchemaBuilder::WriteDimension(std::string_view table, TableData data, int key_index,
                                         DimensionKeys* keys) {
  return WriteDimensionSlices(
      table, key_index,
      [&](TableData* slice) {
        *slice = std::move(data);
        return false;
      },
      keys);
}

Status StarSchemaBuilder::WriteDimensionSlices(std::string_view table, int key_index,
                                               absl::FunctionRef<bool(TableData*)> next_slice,
                                               DimensionKeys* keys) {
  std::unique_ptr<TableFileWriter> writer;
  parquet::ColumnVector key_column;
  TableData slice;
  bool first = true;
  for (bool more = true; more; first = false) {
    more = next_slice(&slice);
    BuildOptions::DimensionRows rows = BuildOptions::DimensionRows::kWhole;
    if (merge_dimension_) {
      WV_ASSIGN_OR_RETURN(rows, merge_dimension_(table, &slice));
    }
    const bool added = rows == BuildOptions::DimensionRows::kAdded;
    if (writer == nullptr && (!added || slice.rows > 0)) {
      WV_ASSIGN_OR_RETURN(writer,
                          TableFileWriter::Open(*store_, DimensionFileName(table, added),
                                                Table(table).schema(), writer_options_, &ledger_));
    }
    if (slice.rows > 0) WV_RETURN_IF_ERROR(writer->WriteBatch(slice.columns, slice.rows));
    if (first) {
      key_column = std::move(slice.columns[key_index]);
    } else {
      parquet::AppendValues(slice.columns[key_index], &key_column);
    }
  }
  if (writer != nullptr) WV_RETURN_IF_ERROR(writer->Close());
  *keys = MakeDimensionKeys(table, key_index, std::move(key_column));
  return OkStatus();
}

// dim_users from its spilled partitions, merged a batch at a time into one
// file (row groups sized from the users' share: WriteSpilledUsersFile). The
// key check counts what the partitions counted. With `merge_dimension`
// (`run --append`) the table is gathered whole first: the merge needs it.
Status StarSchemaBuilder::WriteSpilledUsers(SpilledUsersTable& users, DimensionOutputs* out) {
  if (merge_dimension_) {
    TableData whole;
    WV_RETURN_IF_ERROR(users.Next(SIZE_MAX, &whole).status());
    out->users.rows_covered = users.rows_covered();
    return WriteDimension(kUsersTable, std::move(whole), kUserId, &out->users_keys);
  }
  WV_RETURN_IF_ERROR(
      WriteSpilledUsersFile(users, *store_, writer_options_, users_bytes_, &ledger_));
  out->users.rows_covered = users.rows_covered();
  out->users_keys = MakeDimensionKeys(kUsersTable, kUserId, parquet::ColumnVector());
  out->users_keys.counted = DimensionKeys::Counted{users.users(), users.repeated_keys()};
  return OkStatus();
}

Status WriteSpilledUsersFile(SpilledUsersTable& users, io::OutputStore& store,
                             const parquet::WriterOptions& writer_options, int64_t users_bytes,
                             FileLedger* ledger) {
  constexpr size_t kBatchRows = 64 << 10;
  parquet::WriterOptions options = writer_options;
  options.row_group_rows = SpilledUsersRowGroupRows(users_bytes, writer_options);
  WV_ASSIGN_OR_RETURN(auto writer,
                      TableFileWriter::Open(store, "dim_users/part-00000.parquet",
                                            Table(kUsersTable).schema(), options, ledger));
  TableData batch;
  while (true) {
    WV_ASSIGN_OR_RETURN(const bool more, users.Next(kBatchRows, &batch));
    if (!more) break;
    WV_RETURN_IF_ERROR(writer->WriteBatch(batch.columns, batch.rows));
  }
  return writer->Close();
}

// The written files grouped by table (in kAllTables order); the row counts
// come from the files.
std::vector<TableRecord> StarSchemaBuilder::TablesFromLedger() {
  std::vector<TableRecord> tables;
  for (std::string_view name : kAllTables) tables.push_back(TableRecord{std::string(name), 0, {}});
  for (FileRecord& f : ledger_.Files()) {
    for (TableRecord& t : tables) {
      if (f.path.size() > t.name.size() && f.path.compare(0, t.name.size(), t.name) == 0 &&
          f.path[t.name.size()] == '/') {
        t.rows += f.rows;
        t.files.push_back(std::move(f));
        break;
      }
    }
  }
  return tables;
}

void StarSchemaBuilder::CollectStats(const AccumulatedDimensions& dims, DimensionOutputs&& out,
                                     BuildResult* result) {
  BuildStats& s = result->stats;
  s.input_rows = input_rows_;
  s.fact_rows = RowsOf(result->tables, kFactTable);
  s.quarantine_rows = RowsOf(result->tables, kQuarantineTable);
  s.rejected_by_reason = quarantine_.rejected_by_reason();
  s.modelled_rows = dims.rows;
  s.dimension_keys.push_back(std::move(out.users_keys));
  s.dimension_keys.push_back(std::move(out.times_keys));
  s.dimension_keys.push_back(std::move(out.langs_keys));
  s.dimension_keys.push_back(std::move(out.words_keys));
  s.coverage =
      KeyCoverage{out.users.rows_covered, out.times.rows_covered, out.langs.learning_rows_covered,
                  out.langs.ui_rows_covered, out.words.rows_covered};
  s.fact = fact_.profile();

  DimensionAnomalies& a = s.anomalies;
  const WordsAccumulator::Conflicts& conflicts = dims.words.conflicts();
  a.natural_key_collisions = dims.sessions.natural_key_collisions;
  a.lexemes_with_several_strings = conflicts.lexemes_with_several_strings;
  a.lexemes_with_several_languages = conflicts.lexemes_with_several_languages;
  a.rows_with_conflicting_lexeme = conflicts.rows_with_conflicting_lexeme;
  a.words_with_unknown_tags = out.words.words_with_unknown_tags;
  a.unknown_tag_occurrences = out.words.unknown_tag_occurrences;
  a.words_with_wildcards = out.words.words_with_wildcards;
  a.words_undecodable = out.words.words_undecodable;
  a.languages_missing_from_reference = out.langs.missing_from_reference;
}

}  // namespace wv::model
