#include "warehouse/loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "absl/functional/function_ref.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "fmt/format.h"
#include "model/star_schema.h"
#include "parquet/reader.h"
#include "run/output_listing.h"
#include "run/published_output.h"
#include "warehouse/copy_binary.h"
#include "warehouse/ddl.h"
#include "warehouse/load_state.h"
#include "warehouse/pg_connection.h"
#include "warehouse/schema_state.h"
#include "warehouse/session_pool.h"
#include "warehouse/shared_row_groups.h"
#include "warehouse/sql_text.h"
#include "warehouse/summary_tables.h"
#include "warehouse/table_encoder.h"
#include "warehouse/views.h"

namespace wv::warehouse {
namespace {

using Clock = std::chrono::steady_clock;

// The first key of the loader's advisory locks ("wvld"); the second is
// hashtext(schema name).
constexpr int64_t kAdvisoryLockKey = 0x77766c64;
// COPY data is sent in pieces of about this size.
constexpr size_t kCopyChunkBytes = size_t{1} << 20;
// Rows encoded between two checks of the piece size.
constexpr size_t kEncodeSliceRows = 4096;
// Settings of the parallel sessions: index builds sort in memory up to
// maintenance_work_mem, the foreign keys' checks hash the dimensions in
// work_mem, and the staging commits need not wait for the disk (the swap's
// commit follows them in the WAL, so if it is durable, so are they).
constexpr std::string_view kSessionSetup =
    "SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'; SET synchronous_commit = off";
// The session of `load --append`, whose commit is the one analysts see:
// durable when the loader says so, and synchronous for the VACUUM after it
// too. PostgreSQL sets no hint bit on a row whose inserter's commit is not
// yet flushed, judged by the latest asynchronous commit among its group of
// transaction ids (the commit's and the ANALYZEs' right after it), and
// VACUUM marks no page all-visible without the hint: with asynchronous
// commits the appended pages stayed unfrozen (autovacuum is off for them).
constexpr std::string_view kAppendSessionSetup =
    "SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'; SET synchronous_commit = on";
// maintenance_work_mem of a fact partition's primary key build, and the
// statement that restores kSessionSetup's value after it (RESET would go
// back to the server's default instead).
constexpr std::string_view kFactKeyMemory = "1GB";
constexpr std::string_view kSessionMemory = "SET maintenance_work_mem = '512MB';";

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Runs `attempt` until it succeeds or fails with anything but a lock wait
// (SQLSTATE 55P03), and returns that status. After a lock wait,
// `after_lock_wait` puts the session back as the next attempt needs it (a
// failure there ends the retries with its status); the attempts repeat a
// moment apart, the pause growing, so that the statements queued behind the
// loader's lock request run in between, until `budget_ms` have passed since
// the first; then an output error says `held_what` (what the analysts'
// statements held) for how long, over how many attempts.
Status RetryWhileLockBusy(int64_t budget_ms, std::string_view held_what,
                          absl::FunctionRef<Status()> attempt,
                          absl::FunctionRef<Status()> after_lock_wait) {
  const Clock::time_point begin = Clock::now();
  for (int n = 1;; ++n) {
    const Status s = attempt();
    if (s.ok() || SqlStateOf(s) != "55P03") return s;
    WV_RETURN_IF_ERROR(after_lock_wait());
    if (SecondsSince(begin) * 1000 >= static_cast<double>(budget_ms)) {
      return OutputError(
          fmt::format("statements {} for more than {}s (--lock-timeout) over {} attempts",
                      held_what, static_cast<double>(budget_ms) / 1000.0, n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 10 * std::min(n, 20)));
  }
}

Status NothingToUndo() { return OkStatus(); }

// FNV-1a: a stable name for the sessions of one target schema.
uint64_t NameHash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// One file of the output, copied by one COPY into `relation`: the table, or
// one partition of the fact table (`partition` >= 0: only the file's rows
// that belong to it).
struct CopyItem {
  const model::TableContract* table;
  std::string path;
  int64_t rows;
  std::string relation;
  int partition = -1;
  std::string schema;  // the staging schema, or the target's for an append
  bool freeze = true;  // FREEZE: only into a table truncated in this transaction
};

// A table's (or a partition's) files, copied by one session in one
// transaction (so that the rows can be written frozen, see CopyTable), in
// primary-key order.
struct CopyTask {
  const model::TableContract* table;
  std::string relation;
  std::vector<CopyItem> files;
  int64_t rows = 0;                   // a partition's: its share, estimated
  SharedRowGroups* shared = nullptr;  // a partition's, when the partitions are copied side by side
};

// How many decoded row groups (about 60k rows each) a fact partition's
// session may be ahead of the other's.
constexpr size_t kSharedRowGroupWindow = 8;

// Row group `rg` of `encoder`'s file: decoded here, or for a partition's copy
// taken from `shared` (row group `index` over the table's files), where the
// other partition's session may have decoded it.
StatusOr<std::shared_ptr<const SharedRowGroups::Columns>> ReadRowGroup(const TableEncoder& encoder,
                                                                       int rg,
                                                                       SharedRowGroups* shared,
                                                                       size_t index) {
  if (shared == nullptr) {
    WV_ASSIGN_OR_RETURN(SharedRowGroups::Columns columns, encoder.ReadRowGroup(rg));
    return std::make_shared<const SharedRowGroups::Columns>(std::move(columns));
  }
  return shared->Get(index, [&] { return encoder.ReadRowGroup(rg); });
}

// The relations a table's rows are copied into: itself, or the fact table's
// leaves of the partition of `batch` (none when there are no fact rows).
std::vector<std::pair<std::string, int>> CopyTargets(const model::TableContract& table, int batch,
                                                     bool has_rows) {
  if (!IsPartitioned(table, Dialect::kPostgres)) return {{std::string(table.name), -1}};
  std::vector<std::pair<std::string, int>> out;
  if (!has_rows) return out;
  for (int i = 0; i < kFactPartitions; ++i) out.emplace_back(LeafName(table, batch, i), i);
  return out;
}

// The distinct source_file values of a fact file: from the row groups'
// footer statistics when each holds one value (a file of a run over day
// files), else decoded.
Status AddSourceFiles(const parquet::FileReader& reader, int column,
                      std::set<std::string>* values) {
  for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
    if (reader.row_group_num_rows(rg) == 0) continue;
    WV_ASSIGN_OR_RETURN(const parquet::ColumnChunkStatistics stats, reader.Statistics(rg, column));
    if (stats.has_min_max && stats.min_bytes == stats.max_bytes) {
      values->insert(stats.min_bytes);
      continue;
    }
    WV_ASSIGN_OR_RETURN(const parquet::ColumnVector v, reader.ReadColumn(rg, column));
    for (size_t r = 0; r < v.bytes.size(); ++r) values->emplace(v.bytes[r]);
  }
  return OkStatus();
}

// Indexes 0..n-1 of a row group's rows, or those of `partition`'s rows (by
// the partition key column's values, `keys`).
void SelectRows(size_t n, int partition, const std::vector<int64_t>& keys,
                std::vector<uint32_t>* rows) {
  rows->clear();
  for (size_t r = 0; r < n; ++r) {
    if (partition < 0 || PartitionOf(keys[r]) == partition)
      rows->push_back(static_cast<uint32_t>(r));
  }
}

class Loader {
 public:
  Loader(const LoadOptions& options, const LoadObserver& observer)
      : o_(options), observer_(observer), start_(Clock::now()) {}

  StatusOr<LoadResult> Run();

 private:
  Status OpenOutput();
  Status ConnectAndLock();
  Status EndOrphanSessions();
  Status InspectSchemas();
  Status CreateStaging();
  Status BuildStaging();
  void RemoveStaging();
  Status CopyTables();
  StatusOr<std::vector<std::string>> SourceFiles(const std::vector<model::FileRecord>& files) const;
  std::vector<std::pair<std::string, int>> Targets(const model::TableContract& t) const {
    return CopyTargets(t, fact_batch_, !fact_sources_.empty());
  }
  StatusOr<std::vector<CopyItem>> InKeyOrder(std::vector<CopyItem> files) const;
  Status CopyTable(const CopyTask& task, PgConnection& session);
  // `shared` (a fact partition's copy beside the other partitions'): the
  // decoded row groups come from there, numbered from *row_group on.
  Status CopyFile(const CopyItem& item, PgConnection& session, SharedRowGroups* shared = nullptr,
                  size_t* row_group = nullptr);
  Status Damaged(const Status& status) const;
  std::string PathForMessages(const CopyItem& item) const {
    return fmt::format("{}/{}", o_.dir, item.path);
  }
  Status CopyAndBuildKeys();
  Status BuildKeys();
  void KeyStatements(const model::TableContract& t, std::vector<std::string>* build,
                     std::vector<std::string>* attach) const;
  Status BuildForeignKeys(const std::vector<const model::TableContract*>& tables);
  Status RunStatements(const std::vector<std::string>& statements);
  Status CreateSummaries();
  Status CreateViews();
  Status WriteMetadata();
  Status GrantReaders(const std::string& schema);
  Status VerifyCounts();
  Status VerifyCountsOn(PgConnection& session, const std::string& schema);
  Status Swap();
  StatusOr<int64_t> LockAttemptMs();
  Status LockFactForCommit(PgConnection& session);

  // load --append
  StatusOr<bool> TryAppend();
  Status ApplyAppend(const AppendPlan& plan);
  Status AppendInTransaction(const AppendPlan& plan, PgConnection& session);
  Status CopyAddedFiles(const AppendPlan& plan, PgConnection& session);
  Status AddFactPartition(const std::vector<model::FileRecord>& files, PgConnection& session);
  Status ReplaceTables(const AppendPlan& plan, PgConnection& session);
  Status ReplaceSummaryRows(PgConnection& session);
  std::string UpdateMetadataSql() const;
  void DropOld();

  void Phase(const std::string& name);
  void ReportCopyProgress();
  std::string SchemaComment() const;

  const LoadOptions& o_;
  const LoadObserver& observer_;
  const Clock::time_point start_;
  LoadResult result_;

  SchemaNames names_;
  std::unique_ptr<run::PublishedOutput> out_;
  std::string application_name_;
  std::unique_ptr<PgConnection> main_;  // holds the advisory lock; never runs long work
  std::unique_ptr<SessionPool> pool_;
  SchemaInfo target_;
  // The fact table's partition this load creates: its number (the output's
  // batches) and its source files.
  int fact_batch_ = 1;
  std::vector<std::string> fact_sources_;
  std::string new_partition_;  // load --append: the fact table's partition it adds

  std::optional<StatusOr<std::vector<SummaryTable>>> summaries_;

  std::string phase_;
  Clock::time_point phase_start_;
  int64_t rows_total_ = 0;
  std::atomic<int64_t> rows_done_{0};
  Mutex progress_mu_;
};

void Loader::Phase(const std::string& name) {
  if (!phase_.empty()) result_.phase_seconds.emplace_back(phase_, SecondsSince(phase_start_));
  phase_ = name;
  phase_start_ = Clock::now();
  if (observer_.on_phase && !name.empty()) observer_.on_phase(name);
}

void Loader::ReportCopyProgress() {
  if (!observer_.on_progress) return;
  MutexLock lock(&progress_mu_);
  observer_.on_progress({phase_, rows_done_.load(), rows_total_, SecondsSince(start_)});
}

Status Loader::OpenOutput() {
  std::string note;
  WV_ASSIGN_OR_RETURN(out_, run::OpenVerifiedOutput(o_.dir, &note));
  if (out_->manifest() == nullptr) {
    return MismatchError(fmt::format("{}; load reads only a wordviews output with its manifest",
                                     out_->manifest_status().message()));
  }
  result_.run_id = out_->manifest()->run_id;
  for (const model::TableRecord& t : out_->manifest()->tables) rows_total_ += t.rows;
  return OkStatus();
}

Status Loader::ConnectAndLock() {
  application_name_ = fmt::format("wordviews load {:016x}", NameHash(names_.target));
  WV_ASSIGN_OR_RETURN(main_, PgConnection::Connect(o_.conninfo, application_name_));
  result_.database = main_->description();
  if (main_->ParameterStatus("server_encoding") != "UTF8") {
    return OutputError(fmt::format(
        "{} has encoding {}; wordviews load needs a UTF8 database (the text columns hold any "
        "Unicode)",
        main_->description(), main_->ParameterStatus("server_encoding")));
  }
  WV_ASSIGN_OR_RETURN(
      const auto locked,
      main_->Query(fmt::format("SELECT pg_try_advisory_lock({}, hashtext($1))", kAdvisoryLockKey),
                   {names_.target}));
  if (locked.empty() || locked[0][0].value_or("f") != "t") {
    return OutputError(
        fmt::format("another wordviews load into schema {} of {} is running; nothing was changed",
                    names_.target, main_->description()));
  }
  return EndOrphanSessions();
}

// Sessions named like ours while we hold the lock belong to a load that was
// killed (a backend may outlive its client while a statement runs): end them
// so that their locks on the staging schema go.
Status Loader::EndOrphanSessions() {
  const std::string others =
      "FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 "
      "AND pid <> pg_backend_pid()";
  WV_RETURN_IF_ERROR(
      main_->Query("SELECT pg_terminate_backend(pid) " + others, {application_name_}).status());
  for (int i = 0; i < 300; ++i) {
    WV_ASSIGN_OR_RETURN(const auto left,
                        main_->Query("SELECT count(*) " + others, {application_name_}));
    if (!left.empty() && left[0][0].value_or("0") == "0") return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return OutputError("sessions of an earlier, killed load would not end; try again later");
}

Status Loader::InspectSchemas() {
  WV_ASSIGN_OR_RETURN(target_, InspectSchema(*main_, names_.target));
  if (target_.exists && !target_.ours() && !target_.relations.empty()) {
    return OutputError(fmt::format(
        "schema {} of {} exists and was not created by wordviews load; nothing was changed "
        "(choose another --schema, or drop it)",
        names_.target, main_->description()));
  }
  const std::vector<std::string> foreign = target_.ForeignRelations();
  if (target_.ours() && !foreign.empty()) {
    std::string list;
    for (const std::string& r : foreign) list += (list.empty() ? "" : ", ") + r;
    return OutputError(fmt::format(
        "schema {} holds relations wordviews load did not create ({}); move them to another "
        "schema first, the load replaces the whole schema; nothing was changed",
        names_.target, list));
  }
  // What an earlier load left: its staging schema, or the old version it
  // could not drop.
  for (const std::string& name : {names_.staging, names_.old}) {
    WV_ASSIGN_OR_RETURN(const SchemaInfo debris, InspectSchema(*main_, name));
    if (!debris.exists) continue;
    if (!debris.ours()) {
      return OutputError(fmt::format(
          "schema {} exists and was not created by wordviews load; the load needs that name "
          "(rename or drop it); nothing was changed",
          name));
    }
    WV_RETURN_IF_ERROR(DropOwnSchema(*main_, debris, o_.lock_timeout_ms));
  }
  return OkStatus();
}

std::string Loader::SchemaComment() const {
  const run::Manifest& m = *out_->manifest();
  return fmt::format("{} the star schema of run {} (created {}), loaded from {}", kSchemaMarker,
                     m.run_id, m.created_at, o_.dir);
}

Status Loader::CreateStaging() {
  std::string sql = "BEGIN; ";
  sql += fmt::format("CREATE SCHEMA {}; COMMENT ON SCHEMA {} IS {}; ",
                     QuoteIdentifier(names_.staging), QuoteIdentifier(names_.staging),
                     QuoteLiteral(fmt::format("{} staging for schema {} (run {})", kSchemaMarker,
                                              names_.target, result_.run_id)));
  // The tables are written once, by the load: autovacuum has nothing to
  // reclaim in them, and would hold locks the index builds and the next
  // load's swap then wait for (it yields only after deadlock_timeout).
  for (const model::TableContract* t : TablesInCreationOrder()) {
    sql += CreateTableSql(*t, names_.staging, Dialect::kPostgres) + " ";
    // (A partitioned table stores nothing and takes no storage parameters.)
    if (IsPartitioned(*t, Dialect::kPostgres) && !fact_sources_.empty()) {
      for (const std::string& p :
           CreateBatchPartitionSqls(*t, names_.staging, fact_batch_, fact_sources_, true)) {
        sql += p + " ";
      }
    }
    for (const auto& [relation, partition] : Targets(*t)) {
      sql += fmt::format(
          "ALTER TABLE {} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false); ",
          QualifiedName(names_.staging, relation));
    }
    for (const std::string& c : CommentSqls(*t, names_.staging, Dialect::kPostgres)) sql += c;
  }
  return main_->Exec(sql + " COMMIT;");
}

// A file that passed the listing checks (size, footer) but does not decode
// disagrees with the manifest's checksum: a damaged output, as `check` says.
Status Loader::Damaged(const Status& status) const {
  return MismatchError(fmt::format(
      "{} ({} disagrees with its manifest: `wordviews check {}` verifies it in full; nothing was "
      "changed)",
      out_->Localize(status).message(), o_.dir, o_.dir));
}

Status Loader::CopyFile(const CopyItem& item, PgConnection& session, SharedRowGroups* shared,
                        size_t* row_group) {
  StatusOr<std::unique_ptr<parquet::FileReader>> opened =
      parquet::FileReader::Open(out_->PathOf(item.path));
  if (!opened.ok()) return Damaged(opened.status());
  const parquet::FileReader& reader = **opened;
  StatusOr<TableEncoder> created = TableEncoder::Create(*item.table, reader);
  if (!created.ok()) return Damaged(Annotate(created.status(), PathForMessages(item)));
  const TableEncoder& encoder = *created;
  std::string columns;
  for (const model::ColumnContract& c : item.table->columns) {
    columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(c.name);
  }
  WV_RETURN_IF_ERROR(session.CopyBegin(fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary{})",
                                                   QualifiedName(item.schema, item.relation),
                                                   columns, item.freeze ? ", FREEZE" : "")));
  const int key_column = item.table->ColumnIndex(PartitionColumn(*item.table));
  CopyBinaryWriter w;
  w.Header();
  std::vector<uint32_t> selected;
  int64_t sent = 0;
  for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
    StatusOr<std::shared_ptr<const SharedRowGroups::Columns>> decoded =
        ReadRowGroup(encoder, rg, shared, row_group == nullptr ? 0 : (*row_group)++);
    if (!decoded.ok()) return Damaged(Annotate(decoded.status(), PathForMessages(item)));
    const SharedRowGroups::Columns& group = **decoded;
    const size_t rows = static_cast<size_t>(reader.row_group_num_rows(rg));
    static const std::vector<int64_t> kNoKeys;
    SelectRows(rows, item.partition,
               item.partition < 0 ? kNoKeys : group[static_cast<size_t>(key_column)].i64,
               &selected);
    for (size_t begin = 0; begin < selected.size(); begin += kEncodeSliceRows) {
      const size_t n = std::min(selected.size() - begin, kEncodeSliceRows);
      encoder.EncodeRows(group, std::span<const uint32_t>(selected).subspan(begin, n), &w);
      rows_done_ += static_cast<int64_t>(n);
      sent += static_cast<int64_t>(n);
      if (w.size() >= kCopyChunkBytes) {
        WV_RETURN_IF_ERROR(session.CopyPut(w.data()));
        w.Clear();
        ReportCopyProgress();
      }
    }
  }
  w.Trailer();
  WV_RETURN_IF_ERROR(session.CopyPut(w.data()));
  WV_ASSIGN_OR_RETURN(const int64_t stored, session.CopyEnd());
  // A partition's share of the file is checked in VerifyCounts, where the
  // partitions' rows add up to the table's.
  const int64_t expected = item.partition < 0 ? item.rows : sent;
  if (stored != expected) {
    return MismatchError(fmt::format("{}/{}: PostgreSQL stored {} rows, the manifest lists {}",
                                     o_.dir, item.path, stored, expected));
  }
  ReportCopyProgress();
  return OkStatus();
}

// The smallest key of a file (footer statistics of its primary key's
// columns), or nullopt when a statistic is missing.
std::optional<std::pair<std::string, int64_t>> FirstKey(const model::TableContract& table,
                                                        const parquet::FileReader& reader) {
  if (table.primary_key.size() != 2) return std::nullopt;
  const int text = reader.ColumnIndex(table.primary_key[0]);
  const int number = reader.ColumnIndex(table.primary_key[1]);
  if (text < 0 || number < 0 || reader.num_row_groups() == 0) return std::nullopt;
  std::optional<std::pair<std::string, int64_t>> first;
  for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
    StatusOr<parquet::ColumnChunkStatistics> t = reader.Statistics(rg, text);
    StatusOr<parquet::ColumnChunkStatistics> n = reader.Statistics(rg, number);
    if (!t.ok() || !n.ok() || !t->has_min_max || !n->has_min_max) return std::nullopt;
    std::pair<std::string, int64_t> key{t->min_bytes, n->min_int};
    if (!first || key < *first) first = std::move(key);
  }
  return first;
}

// `files` of one table ordered by their smallest primary key (bytewise, as
// COLLATE "C" sorts), or as listed when a file lacks the statistics. Rows
// within a file are in input order, and the files of a run over time-ordered
// traces cover successive line ranges: copied in this order by one session,
// the table's heap is in primary-key order, so the key's index build finds
// its input sorted (PostgreSQL's sort checks for that first), and the rows
// are stored in time order (what the BRIN index on "timestamp" relies on).
// Only speed depends on it.
StatusOr<std::vector<CopyItem>> Loader::InKeyOrder(std::vector<CopyItem> files) const {
  if (files.size() < 2) return files;
  std::vector<std::pair<std::pair<std::string, int64_t>, size_t>> keys;
  for (size_t i = 0; i < files.size(); ++i) {
    StatusOr<std::unique_ptr<parquet::FileReader>> opened =
        parquet::FileReader::Open(out_->PathOf(files[i].path));
    if (!opened.ok()) return Damaged(opened.status());
    std::optional<std::pair<std::string, int64_t>> key = FirstKey(*files[i].table, **opened);
    if (!key) return files;
    keys.emplace_back(std::move(*key), i);
  }
  std::stable_sort(keys.begin(), keys.end());
  std::vector<CopyItem> out;
  for (const auto& k : keys) out.push_back(std::move(files[k.second]));
  return out;
}

// The source files of fact `files`: the values of their rows' source_file,
// sorted: the list partition's bounds.
StatusOr<std::vector<std::string>> Loader::SourceFiles(
    const std::vector<model::FileRecord>& files) const {
  std::set<std::string> values;
  const model::TableContract* fact = model::FindTable(model::kFactTable);
  for (const model::FileRecord& f : files) {
    if (f.rows == 0) continue;
    StatusOr<std::unique_ptr<parquet::FileReader>> opened =
        parquet::FileReader::Open(out_->PathOf(f.path));
    if (!opened.ok()) return Damaged(opened.status());
    const int column = (*opened)->ColumnIndex(ListColumn(*fact));
    if (column < 0) return Damaged(InputError(fmt::format("{}: no column source_file", f.path)));
    if (Status s = AddSourceFiles(**opened, column, &values); !s.ok()) return Damaged(s);
  }
  return std::vector<std::string>(values.begin(), values.end());
}

// One transaction per table: TRUNCATE then COPY ... FREEZE of its files.
// Rows copied into a table truncated in the same transaction are written
// frozen and their pages marked all-visible (PostgreSQL 14+), so the index
// builds, the foreign keys' checks, ANALYZE and the analysts' first queries
// do not each set hint bits on (and dirty, and write back) the 2.7 GB of
// fact pages again, and an anti-wraparound vacuum skips their pages.
// The rows become visible at COMMIT, which the staging schema hides anyway.
Status Loader::CopyTable(const CopyTask& task, PgConnection& session) {
  WV_RETURN_IF_ERROR(session.Exec(
      fmt::format("BEGIN; TRUNCATE {}", QualifiedName(names_.staging, task.relation))));
  size_t row_group = 0;
  for (const CopyItem& item : task.files) {
    WV_RETURN_IF_ERROR(CopyFile(item, session, task.shared, &row_group));
  }
  return session.Exec("COMMIT");
}

// One task per table or fact leaf: its rows go through one session (the
// price of FREEZE and of key order). The fact table, 92% of the rows, is two
// leaves, so two streams: each session reads every fact file and copies the
// rows of its leaf, the two sharing one decoding of the files
// (SharedRowGroups) when they run side by side.
Status Loader::CopyTables() {
  std::vector<CopyTask> tasks;
  std::vector<std::unique_ptr<SharedRowGroups>> shared;
  for (const model::TableRecord& t : out_->manifest()->tables) {
    const model::TableContract* table = model::FindTable(t.name);
    if (table == nullptr) continue;  // CheckListing refused unknown tables
    std::vector<CopyItem> files;
    int64_t rows = 0;
    for (const model::FileRecord& f : t.files) {
      files.push_back({table, f.path, f.rows, std::string(table->name), -1, names_.staging});
      rows += f.rows;
    }
    WV_ASSIGN_OR_RETURN(files, InKeyOrder(std::move(files)));
    const auto targets = Targets(*table);
    // The partitions share one decoding of the files when they can be
    // copied side by side (with fewer sessions, one would wait for another
    // that has not started).
    if (targets.size() > 1 && pool_->size() >= targets.size()) {
      shared.push_back(std::make_unique<SharedRowGroups>(static_cast<int>(targets.size()),
                                                         kSharedRowGroupWindow));
    }
    for (const auto& [relation, partition] : targets) {
      CopyTask task{table, relation, files, rows / static_cast<int64_t>(targets.size())};
      if (targets.size() > 1 && !shared.empty()) task.shared = shared.back().get();
      for (CopyItem& item : task.files) {
        item.relation = relation;
        item.partition = partition;
      }
      tasks.push_back(std::move(task));
    }
  }
  // Largest first: the streams end close together.
  std::stable_sort(tasks.begin(), tasks.end(),
                   [](const CopyTask& a, const CopyTask& b) { return a.rows > b.rows; });
  // The first error is the one reported: a partition's copy that stops
  // because the other failed (Abort) returns the other's error.
  Mutex mu;
  Status first;
  return pool_->Run(tasks.size(), [&](size_t i, PgConnection& session) {
    Status s = CopyTable(tasks[i], session);
    if (s.ok()) return s;
    {
      MutexLock lock(&mu);
      if (first.ok()) {
        first = s;
      } else {
        s = first;
      }
    }
    for (auto& rg : shared) rg->Abort();
    return s;
  });
}

Status Loader::RunStatements(const std::vector<std::string>& statements) {
  return pool_->Run(statements.size(),
                    [&](size_t i, PgConnection& session) { return session.Exec(statements[i]); });
}

// The statements that build a table's primary key and indexes (the fact
// table's first, each partition's separately: they run side by side), and
// those that then make them the table's (`attach`, in order).
void Loader::KeyStatements(const model::TableContract& t, std::vector<std::string>* build,
                           std::vector<std::string>* attach) const {
  const bool fact = IsPartitioned(t, Dialect::kPostgres);
  std::vector<std::string> keys, others;
  for (const auto& [relation, partition] : Targets(t)) {
    const std::string_view on = partition < 0 ? std::string_view() : std::string_view(relation);
    // A fact partition's key sorts in memory (about 0.65 GB for 6.4M rows;
    // 512MB would spill it to disk runs and merge them).
    const std::string key = PrimaryKeyIndexSql(t, names_.staging, on);
    keys.push_back(fact ? fmt::format("SET maintenance_work_mem = '{}'; {} {}", kFactKeyMemory, key,
                                      kSessionMemory)
                        : key);
    for (const IndexSql& index : SecondaryIndexes(t, names_.staging, o_.indexes, on)) {
      others.push_back(index.create);
    }
    attach->push_back(AttachPrimaryKeySql(t, names_.staging, on));
  }
  if (fact) {
    // The parent's key and indexes adopt the partitions' (no build).
    attach->push_back(PrimaryKeySql(t, names_.staging));
    for (const IndexSql& index : SecondaryIndexes(t, names_.staging, o_.indexes)) {
      attach->push_back(index.create + " " + index.comment);
    }
  } else {
    for (const IndexSql& index : SecondaryIndexes(t, names_.staging, o_.indexes)) {
      attach->push_back(index.comment);
    }
  }
  auto at = fact ? build->begin() : build->end();
  at = build->insert(at, keys.begin(), keys.end()) + static_cast<std::ptrdiff_t>(keys.size());
  build->insert(at, others.begin(), others.end());
}

// The foreign keys. A partitioned fact table's are checked partition by
// partition in parallel sessions: added NOT VALID (instant), then VALIDATE
// CONSTRAINT, which locks the partition SHARE UPDATE EXCLUSIVE and the
// dimension only ROW SHARE, so the partitions' checks do not wait for one
// another (ADD FOREIGN KEY would lock the dimension SHARE ROW EXCLUSIVE,
// which conflicts with itself); the parent's foreign keys then adopt the
// partitions' validated ones without a scan.
Status Loader::BuildForeignKeys(const std::vector<const model::TableContract*>& tables) {
  std::string add, adopt;
  std::vector<std::string> validate;
  for (const model::TableContract* t : tables) {
    if (t->foreign_keys.empty()) continue;
    if (!IsPartitioned(*t, Dialect::kPostgres)) {
      validate.push_back(ForeignKeysSql(*t, names_.staging));
      continue;
    }
    for (const auto& [relation, partition] : Targets(*t)) {
      add += ForeignKeysSql(*t, names_.staging, relation, /*not_valid=*/true) + " ";
      validate.push_back(ValidateForeignKeysSql(*t, names_.staging, relation));
    }
    adopt += ForeignKeysSql(*t, names_.staging) + " ";
  }
  if (!add.empty()) WV_RETURN_IF_ERROR(pool_->session(0).Exec(add));
  WV_RETURN_IF_ERROR(RunStatements(validate));
  return adopt.empty() ? OkStatus() : pool_->session(0).Exec(adopt);
}

// Primary keys and indexes side by side (the fact table's largest first),
// then the constraints adopting them, the foreign keys, and ANALYZE.
Status Loader::BuildKeys() {
  const auto tables = TablesInCreationOrder();
  std::vector<std::string> indexes, attach, analyze;
  for (const model::TableContract* t : tables) {
    KeyStatements(*t, &indexes, &attach);
    // A partitioned table's ANALYZE samples its partitions, then analyzes
    // each: the longest, so it goes first, beside the others.
    const std::string sql = fmt::format("ANALYZE {}", QualifiedName(names_.staging, t->name));
    if (IsPartitioned(*t, Dialect::kPostgres)) {
      analyze.insert(analyze.begin(), sql);
    } else {
      analyze.push_back(sql);
    }
  }
  Phase("building primary keys and indexes");
  WV_RETURN_IF_ERROR(RunStatements(indexes));
  std::string adopt;
  for (const std::string& s : attach) adopt += s + " ";
  WV_RETURN_IF_ERROR(pool_->session(0).Exec(adopt));
  Phase("checking foreign keys");
  WV_RETURN_IF_ERROR(BuildForeignKeys(tables));
  Phase("analyzing");
  return RunStatements(analyze);
}

// The summary tables are computed from the files by analytics while the
// server copies and builds the keys (the copy leaves a core to spare: the
// fact table is one stream).
Status Loader::CopyAndBuildKeys() {
  ThreadPool compute(1);
  compute.Schedule([this] {
    try {
      summaries_.emplace(
          ComputeSummaries(out_->root(), std::max(1, EffectiveThreads(o_.jobs) / 2)));
    } catch (...) {
      summaries_.emplace(StatusFromCurrentException("computing the summary tables"));
    }
  });
  Phase("copying");
  Status s = CopyTables();
  if (s.ok()) s = BuildKeys();
  compute.Wait();
  WV_RETURN_IF_ERROR(s);
  if (!summaries_->ok()) return out_->Localize(summaries_->status());
  return OkStatus();
}

Status Loader::CreateSummaries() {
  Phase("writing summary tables");
  for (const SummaryTable& s : summaries_->value()) {
    std::string sql = CreateSummaryTableSql(*s.query, s.result, names_.staging, Dialect::kPostgres);
    for (const std::string& c :
         SummaryCommentSqls(*s.query, s.result, names_.staging, Dialect::kPostgres)) {
      sql += " " + c;
    }
    WV_RETURN_IF_ERROR(main_->Exec(sql));
    WV_RETURN_IF_ERROR(main_->CopyBegin(
        fmt::format("COPY {} FROM STDIN (FORMAT binary)",
                    QualifiedName(names_.staging, SummaryTableName(s.query->name)))));
    WV_RETURN_IF_ERROR(main_->CopyPut(EncodeSummaryRows(s.result)));
    WV_RETURN_IF_ERROR(main_->CopyEnd().status());
    WV_RETURN_IF_ERROR(main_->Exec(
        fmt::format("ANALYZE {}", QualifiedName(names_.staging, SummaryTableName(s.query->name)))));
  }
  return OkStatus();
}

Status Loader::CreateViews() {
  Phase("creating views");
  std::string sql;
  for (const ViewSql& v : ResearchViews(names_.staging, Dialect::kPostgres)) {
    sql += v.create + "\n" + v.comment + "\n";
  }
  return main_->Exec(sql);
}

Status Loader::WriteMetadata() {
  const run::Manifest& m = *out_->manifest();
  const std::string table = QualifiedName(names_.staging, kMetadataTable);
  return main_->Exec(
      fmt::format(
          "CREATE TABLE {0} (run_id text NOT NULL, run_created_at text NOT NULL, "
          "run_program_version text NOT NULL, source text NOT NULL, fact_rows bigint NOT NULL, "
          "loaded_at timestamp with time zone NOT NULL DEFAULT now(), loader_version text NOT "
          "NULL);"
          "COMMENT ON TABLE {0} IS {1};"
          "INSERT INTO {0} (run_id, run_created_at, run_program_version, source, fact_rows, "
          "loader_version) VALUES ({2}, {3}, {4}, {5}, {6}, {7});",
          table,
          QuoteLiteral("The run this schema holds (loading the same run again is a no-op) and when "
                       "it was loaded: one row"),
          QuoteLiteral(m.run_id), QuoteLiteral(m.created_at), QuoteLiteral(m.program_version),
          QuoteLiteral(o_.dir),
          m.FindTable(model::kFactTable) ? m.FindTable(model::kFactTable)->rows : 0,
          QuoteLiteral(WV_VERSION)) +
      CreateStateSql(names_.staging, m));
}

// USAGE and SELECT on `schema` for the --grant-read roles and for every role
// that could read the version being replaced.
Status Loader::GrantReaders(const std::string& schema) {
  std::vector<std::string> roles = target_.readers;
  for (const std::string& r : o_.read_roles) {
    WV_ASSIGN_OR_RETURN(const auto exists,
                        main_->Query("SELECT 1 FROM pg_roles WHERE rolname = $1", {r}));
    if (exists.empty()) {
      WV_RETURN_IF_ERROR(main_->Exec(fmt::format("CREATE ROLE {} NOLOGIN", QuoteIdentifier(r))));
      result_.notes.push_back(fmt::format(
          "created role {} (NOLOGIN): grant it to analysts' logins (GRANT {} TO alice)", r, r));
    }
    WV_RETURN_IF_ERROR(
        main_->Exec(fmt::format("ALTER ROLE {} SET statement_timeout = '{}s'", QuoteIdentifier(r),
                                o_.read_statement_timeout_seconds)));
    if (std::find(roles.begin(), roles.end(), r) == roles.end()) roles.push_back(r);
  }
  std::string sql;
  for (const std::string& r : roles) {
    const std::string role = QuoteIdentifier(r), s = QuoteIdentifier(schema);
    sql += fmt::format(
        "GRANT USAGE ON SCHEMA {1} TO {0}; GRANT SELECT ON ALL TABLES IN SCHEMA {1} TO {0}; "
        "ALTER DEFAULT PRIVILEGES IN SCHEMA {1} GRANT SELECT ON TABLES TO {0}; ",
        role, s);
  }
  return sql.empty() ? OkStatus() : main_->Exec(sql);
}

Status Loader::VerifyCounts() {
  Phase("verifying row counts");
  return pool_->Run(
      1, [&](size_t, PgConnection& session) { return VerifyCountsOn(session, names_.staging); });
}

// Every table's count(*) in `schema` against the manifest's row count.
Status Loader::VerifyCountsOn(PgConnection& session, const std::string& schema) {
  std::string sql;
  for (const model::TableRecord& t : out_->manifest()->tables) {
    sql += fmt::format("{}SELECT {}, count(*) FROM {}", sql.empty() ? "" : " UNION ALL ",
                       QuoteLiteral(t.name), QualifiedName(schema, t.name));
  }
  WV_ASSIGN_OR_RETURN(const std::vector<PgRow> rows, session.Query(sql));
  for (const PgRow& r : rows) {
    const std::string name = r[0].value_or("");
    const int64_t count = std::stoll(r[1].value_or("-1"));
    const model::TableRecord* t = out_->manifest()->FindTable(name);
    if (t == nullptr || t->rows != count) {
      return MismatchError(fmt::format("table {}: {} rows loaded, the manifest lists {}", name,
                                       count, t ? t->rows : -1));
    }
    result_.table_rows.emplace_back(name, count);
  }
  return OkStatus();
}

// One transaction: lock every relation of the current version (so that no
// statement reads across the swap), rename it away, rename staging in.
//
// Analysts' statements hold the old relations' locks while they run, so the
// locks wait for them, and statements arriving meanwhile queue behind. The
// views are locked before the tables, in the order a statement on a view
// takes its locks (the view, then what it reads), so such statements cannot
// deadlock with the swap; a statement joining tables directly in another
// order could, and so each attempt gives up before the server's
// deadlock_timeout: the swap, never an analyst's statement, is the one that
// backs off. Attempts repeat, a moment apart so that the queued statements
// run, until lock_timeout_ms in all.
Status Loader::Swap() {
  Phase("swapping in the new version");
  WV_ASSIGN_OR_RETURN(const int64_t attempt_ms, LockAttemptMs());
  std::string sql = fmt::format("BEGIN; SET LOCAL lock_timeout = {}; ", attempt_ms);
  if (target_.exists) {
    std::vector<std::string> order = target_.relations;
    std::stable_partition(order.begin(), order.end(),
                          [](const std::string& r) { return IsResearchView(r); });
    std::string relations;
    for (const std::string& r : order) {
      relations += (relations.empty() ? "" : ", ") + QualifiedName(names_.target, r);
    }
    if (!relations.empty()) sql += "LOCK TABLE " + relations + " IN ACCESS EXCLUSIVE MODE; ";
    sql += fmt::format("ALTER SCHEMA {} RENAME TO {}; ", QuoteIdentifier(names_.target),
                       QuoteIdentifier(names_.old));
  }
  sql += fmt::format("ALTER SCHEMA {} RENAME TO {}; COMMENT ON SCHEMA {} IS {}; COMMIT;",
                     QuoteIdentifier(names_.staging), QuoteIdentifier(names_.target),
                     QuoteIdentifier(names_.target), QuoteLiteral(SchemaComment()));
  const Status s = RetryWhileLockBusy(
      o_.lock_timeout_ms, "running on the previous version held its tables",
      [&] {
        Status attempt = main_->Exec(sql);
        if (!attempt.ok()) (void)main_->Exec("ROLLBACK");
        return attempt;
      },
      NothingToUndo);
  return Annotate(
      s, fmt::format("swapping in schema {} (the previous version is unchanged)", names_.target));
}

// How long one attempt at a lock that analysts' statements may hold waits:
// under the server's deadlock_timeout, so that the loader, never an
// analyst's statement, is the one that backs off.
StatusOr<int64_t> Loader::LockAttemptMs() {
  WV_ASSIGN_OR_RETURN(const auto deadlock, main_->Query("SELECT setting::bigint FROM pg_settings "
                                                        "WHERE name = 'deadlock_timeout'"));
  const int64_t deadlock_ms = deadlock.empty() ? 1000 : std::stoll(deadlock[0][0].value_or("1000"));
  return std::max<int64_t>(20, std::min<int64_t>(o_.lock_timeout_ms, deadlock_ms / 2));
}

// READ COMMITTED plans a statement -- which partitions the fact table has --
// before it takes the snapshot it executes with, so a statement planned just
// before an append's commit and executed just after would read the new
// dimensions and the fact table without its new partition. Holding the fact
// table ACCESS EXCLUSIVE over the commit puts every statement wholly before
// or after it: statements that began wait for nothing and finish first, the
// ones arriving queue for the moment of the commit. Each attempt runs in a
// savepoint and gives up before deadlock_timeout (an analyst's long
// transaction then costs a retry, not a deadlock or a long queue of blocked
// readers), until lock_timeout_ms in all.
Status Loader::LockFactForCommit(PgConnection& session) {
  if (new_partition_.empty()) return OkStatus();  // no partition attached: plans do not change
  WV_ASSIGN_OR_RETURN(const int64_t attempt_ms, LockAttemptMs());
  const std::string lock = fmt::format(
      "SAVEPOINT wv_commit_lock; SET LOCAL lock_timeout = {}; LOCK TABLE {} IN ACCESS EXCLUSIVE "
      "MODE; RELEASE SAVEPOINT wv_commit_lock",
      attempt_ms, QualifiedName(names_.target, model::kFactTable));
  return RetryWhileLockBusy(
      o_.lock_timeout_ms, "reading the fact table held it", [&] { return session.Exec(lock); },
      [&] { return session.Exec("ROLLBACK TO SAVEPOINT wv_commit_lock"); });
}

void Loader::DropOld() {
  if (!target_.exists) return;
  Phase("dropping the previous version");
  // Only statements that began on the old version still use it: wait for
  // them as the swap did, in attempts shorter than deadlock_timeout.
  const Status s = RetryWhileLockBusy(
      o_.lock_timeout_ms, "running on the previous version held it",
      [&] {
        WV_ASSIGN_OR_RETURN(const SchemaInfo old, InspectSchema(*main_, names_.old));
        return DropOwnSchema(*main_, old, std::min(o_.lock_timeout_ms, 400));
      },
      NothingToUndo);
  if (!s.ok()) {
    result_.notes.push_back(
        fmt::format("the previous version stays as schema {} until the next load removes it: {}",
                    names_.old, s.message()));
  }
}

Status Loader::BuildStaging() {
  WV_ASSIGN_OR_RETURN(pool_,
                      SessionPool::Open(o_.conninfo, application_name_, EffectiveThreads(o_.jobs),
                                        std::string(kSessionSetup)));
  WV_RETURN_IF_ERROR(CopyAndBuildKeys());
  WV_RETURN_IF_ERROR(CreateSummaries());
  WV_RETURN_IF_ERROR(CreateViews());
  WV_RETURN_IF_ERROR(WriteMetadata());
  WV_RETURN_IF_ERROR(GrantReaders(names_.staging));
  WV_RETURN_IF_ERROR(VerifyCounts());
  pool_.reset();
  return OkStatus();
}

// After a failure: the staging schema goes now rather than at the next load
// (best effort: the next load removes whatever is left).
void Loader::RemoveStaging() {
  pool_.reset();  // its statements were cancelled; the sessions end
  StatusOr<SchemaInfo> staging = InspectSchema(*main_, names_.staging);
  if (staging.ok() && staging->ours()) {
    (void)DropOwnSchema(*main_, *staging, o_.lock_timeout_ms);
  }
}

// The tables `run --append` only adds rows to (each batch's rows are new
// files): the fact table and the quarantine. The others (the dimensions,
// which each batch merges into) are replaced when their files change.
std::vector<std::string> AppendOnlyTables() {
  return {std::string(model::kFactTable), std::string(model::kQuarantineTable)};
}

// load --append: applies what the output added since the version the target
// holds (ApplyAppend); false, with a note saying why, when the target holds
// no earlier version of this output, so that the caller loads it in full.
StatusOr<bool> Loader::TryAppend() {
  const auto in_full = [&](const std::string& why) {
    result_.notes.push_back(why + "; loaded in full");
    return false;
  };
  if (!target_.ours()) {
    return in_full(fmt::format("schema {} held no earlier version", names_.target));
  }
  WV_ASSIGN_OR_RETURN(const std::optional<LoadedState> state,
                      ReadLoadedState(*main_, names_.target));
  if (!state) {
    return in_full(fmt::format(
        "schema {} records no batches (loaded by an earlier version of wordviews)", names_.target));
  }
  StatusOr<AppendPlan> plan = PlanAppend(*state, *out_->manifest(), AppendOnlyTables());
  if (!plan.ok()) {
    return in_full(fmt::format("schema {} does not hold an earlier version of {}: {}",
                               names_.target, o_.dir, plan.status().message()));
  }
  const std::vector<std::string>& has = target_.optional_indexes;
  if (!o_.indexes.empty() && has != InIndexOrder(o_.indexes)) {
    result_.notes.push_back(fmt::format(
        "the fact table keeps its optional indexes ({}); a full load (--force) builds those "
        "--index asks for",
        has.empty() ? "none" : fmt::format("{}", fmt::join(has, ", "))));
  }
  WV_RETURN_IF_ERROR(ApplyAppend(*plan));
  return true;
}

// One transaction on the target schema (AppendInTransaction): its rows
// become visible at the commit, all at once (MVCC), so every analyst's
// statement reads the version before or after it whole, blocked at most for
// the moment of the commit (LockFactForCommit; until then the transaction
// takes locks that do not conflict with reads), and a failure or kill before
// the commit leaves the previous version as it was. The summary tables are computed from the files
// meanwhile. Then ANALYZE of the tables that changed.
Status Loader::ApplyAppend(const AppendPlan& plan) {
  result_.appended = true;
  result_.appended_batches = static_cast<int>(plan.new_batches.size());
  result_.replaced_tables = plan.replaced;
  rows_total_ = 0;
  for (const AppendPlan::Added& a : plan.added) {
    for (const model::FileRecord& f : a.files) rows_total_ += f.rows;
  }
  for (const std::string& t : plan.replaced) rows_total_ += out_->manifest()->FindTable(t)->rows;
  ThreadPool compute(1);
  compute.Schedule([this] {
    try {
      summaries_.emplace(ComputeSummaries(out_->root(), EffectiveThreads(o_.jobs)));
    } catch (...) {
      summaries_.emplace(StatusFromCurrentException("computing the summary tables"));
    }
  });
  StatusOr<std::unique_ptr<SessionPool>> pool =
      SessionPool::Open(o_.conninfo, application_name_, 1, std::string(kAppendSessionSetup));
  Status s = pool.status();
  if (s.ok()) {
    pool_ = std::move(*pool);
    s = pool_->Run(1, [&](size_t, PgConnection& session) -> Status {
      WV_RETURN_IF_ERROR(AppendInTransaction(plan, session));
      compute.Wait();
      if (!summaries_->ok()) return out_->Localize(summaries_->status());
      WV_RETURN_IF_ERROR(ReplaceSummaryRows(session));
      Phase("verifying row counts");
      WV_RETURN_IF_ERROR(VerifyCountsOn(session, names_.target));
      Phase("committing");
      WV_RETURN_IF_ERROR(LockFactForCommit(session));
      return session.Exec("COMMIT");
    });
  }
  compute.Wait();
  if (!s.ok()) {
    pool_.reset();  // closing the session rolls the transaction back
    return Annotate(s, fmt::format("appending to schema {} (the previous version is unchanged)",
                                   names_.target));
  }
  Phase("analyzing");
  // The fact table's new partition, not the whole table (whose ANALYZE
  // would sample every partition again): the table's own statistics, used
  // for estimates across its partitions, are those of the last full load.
  // VACUUM (FREEZE) too: autovacuum is off for the loader's tables (written
  // once by a full load, CreateStaging), but an append's merges leave dead
  // rows in the dimensions and its copies are not frozen; this puts every
  // table it wrote back to all-visible and all-frozen, as a full load leaves
  // them.
  std::vector<std::string> analyze = plan.replaced;
  for (const AppendPlan::Added& a : plan.added) {
    const bool fact = IsPartitioned(*model::FindTable(a.table), Dialect::kPostgres);
    if (!fact || !new_partition_.empty()) analyze.push_back(fact ? new_partition_ : a.table);
  }
  for (std::string& t : analyze) {
    t = "VACUUM (FREEZE, ANALYZE) " + QualifiedName(names_.target, t);
  }
  WV_RETURN_IF_ERROR(RunStatements(analyze));
  pool_.reset();
  return GrantReaders(names_.target);
}

// BEGIN, the replaced tables merged, the added files copied, the metadata
// and the state tables updated; the caller adds the summaries and commits.
Status Loader::AppendInTransaction(const AppendPlan& plan, PgConnection& session) {
  WV_RETURN_IF_ERROR(session.Exec(fmt::format(
      "BEGIN; SET LOCAL lock_timeout = {}; COMMENT ON SCHEMA {} IS {}", o_.lock_timeout_ms,
      QuoteIdentifier(names_.target), QuoteLiteral(SchemaComment()))));
  WV_RETURN_IF_ERROR(ReplaceTables(plan, session));
  WV_RETURN_IF_ERROR(CopyAddedFiles(plan, session));
  return session.Exec(UpdateMetadataSql() +
                      RecordAppendSql(names_.target, plan, *out_->manifest()));
}

// The replaced tables' new rows, copied into tables of S_wv_staging (created
// and dropped in the transaction), then merged into the target's: rows that
// differ updated, new ones inserted, those no longer there deleted (a
// dimension row a fact row refers to cannot go: its foreign key refuses).
// Before the added files, whose fact rows refer to the new dimension rows.
Status Loader::ReplaceTables(const AppendPlan& plan, PgConnection& session) {
  if (plan.replaced.empty()) return OkStatus();
  Phase("merging the changed dimensions");
  WV_RETURN_IF_ERROR(session.Exec(fmt::format(
      "CREATE SCHEMA {0}; COMMENT ON SCHEMA {0} IS {1}", QuoteIdentifier(names_.staging),
      QuoteLiteral(fmt::format("{} staging for schema {} (append of run {})", kSchemaMarker,
                               names_.target, result_.run_id)))));
  std::string drop;
  for (const std::string& name : plan.replaced) {
    const model::TableContract* t = model::FindTable(name);
    WV_RETURN_IF_ERROR(session.Exec(CreateTableSql(*t, names_.staging, Dialect::kPostgres)));
    for (const model::FileRecord& f : out_->manifest()->FindTable(name)->files) {
      WV_RETURN_IF_ERROR(CopyFile({t, f.path, f.rows, name, -1, names_.staging, true}, session));
    }
    // Statistics, so that the merge's joins are planned for its size.
    WV_RETURN_IF_ERROR(
        session.Exec(fmt::format("ANALYZE {}; {}", QualifiedName(names_.staging, name),
                                 MergeRowsSql(*t, names_.staging, names_.target))));
    drop += (drop.empty() ? "" : ", ") + QualifiedName(names_.staging, name);
  }
  return session.Exec(
      fmt::format("DROP TABLE {}; DROP SCHEMA {}", drop, QuoteIdentifier(names_.staging)));
}

// The added files into the target's tables: the fact table's as a new
// partition (AddFactPartition), the others' copied in key order (not
// FREEZE: the tables hold the previous version's rows).
Status Loader::CopyAddedFiles(const AppendPlan& plan, PgConnection& session) {
  for (const AppendPlan::Added& a : plan.added) {
    const model::TableContract* t = model::FindTable(a.table);
    if (IsPartitioned(*t, Dialect::kPostgres)) {
      WV_RETURN_IF_ERROR(AddFactPartition(a.files, session));
      continue;
    }
    Phase("copying the new files");
    std::vector<CopyItem> files;
    for (const model::FileRecord& f : a.files) {
      files.push_back({t, f.path, f.rows, a.table, -1, names_.target, false});
    }
    WV_ASSIGN_OR_RETURN(files, InKeyOrder(std::move(files)));
    for (const CopyItem& item : files) WV_RETURN_IF_ERROR(CopyFile(item, session));
  }
  return OkStatus();
}

// The new fact rows as a partition of their own, "<fact>_b<K>" (K: the
// output's batches now) holding their source files, built beside the table
// and then attached: copied into it (routed by the server to its hash
// leaves), its primary key and indexes built on its rows alone, then ATTACH
// PARTITION, which checks its rows against the bounds, makes its indexes
// the table's and adds the table's foreign keys to it, checked with one
// join per key over the new rows (instead of a check per row, as rows
// copied into the table itself would be). It locks the fact table SHARE
// UPDATE EXCLUSIVE, which reads do not wait for. Source files already in
// another partition make the attach fail (their rows would collide).
Status Loader::AddFactPartition(const std::vector<model::FileRecord>& files,
                                PgConnection& session) {
  const model::TableContract* fact = model::FindTable(model::kFactTable);
  WV_ASSIGN_OR_RETURN(const std::vector<std::string> sources, SourceFiles(files));
  if (sources.empty()) return OkStatus();  // no rows
  const int batch = static_cast<int>(out_->manifest()->batches.size());
  const std::string partition = BatchPartitionName(*fact, batch);
  new_partition_ = partition;
  Phase("copying the new files");
  std::string create;
  for (const std::string& c :
       CreateBatchPartitionSqls(*fact, names_.target, batch, sources, /*attached=*/false)) {
    create += c + " ";
  }
  for (int i = 0; i < kFactPartitions; ++i) {
    create += fmt::format(
        "ALTER TABLE {} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false); ",
        QualifiedName(names_.target, LeafName(*fact, batch, i)));
  }
  WV_RETURN_IF_ERROR(session.Exec(create));
  std::vector<CopyItem> items;
  for (const model::FileRecord& f : files) {
    items.push_back({fact, f.path, f.rows, partition, -1, names_.target, false});
  }
  WV_ASSIGN_OR_RETURN(items, InKeyOrder(std::move(items)));
  for (const CopyItem& item : items) WV_RETURN_IF_ERROR(CopyFile(item, session));
  Phase("building the new partition's keys");
  std::string keys =
      fmt::format("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({}); ",
                  QualifiedName(names_.target, partition), QuoteIdentifier(partition + "_pkey"),
                  fmt::format("{}, {}", QuoteIdentifier(ListColumn(*fact)),
                              QuoteIdentifier(PartitionColumn(*fact))));
  // The new partition gets the indexes the fact table has (ATTACH would build
  // the missing ones itself, one after the other, after the copy).
  for (const IndexSql& index :
       SecondaryIndexes(*fact, names_.target, target_.optional_indexes, partition)) {
    keys += index.create + " ";
  }
  WV_RETURN_IF_ERROR(session.Exec(keys));
  Phase("attaching the new partition");
  return session.Exec(AttachBatchPartitionSql(*fact, names_.target, batch, sources));
}

// Every summary table's rows replaced by the new answers (DELETE, not
// TRUNCATE: readers keep reading the old rows until the commit).
Status Loader::ReplaceSummaryRows(PgConnection& session) {
  Phase("writing summary tables");
  for (const SummaryTable& s : summaries_->value()) {
    const std::string table = QualifiedName(names_.target, SummaryTableName(s.query->name));
    WV_RETURN_IF_ERROR(session.Exec("DELETE FROM " + table));
    WV_RETURN_IF_ERROR(session.CopyBegin(fmt::format("COPY {} FROM STDIN (FORMAT binary)", table)));
    WV_RETURN_IF_ERROR(session.CopyPut(EncodeSummaryRows(s.result)));
    WV_RETURN_IF_ERROR(session.CopyEnd().status());
  }
  return OkStatus();
}

std::string Loader::UpdateMetadataSql() const {
  const run::Manifest& m = *out_->manifest();
  return fmt::format(
      "UPDATE {} SET run_id = {}, run_created_at = {}, run_program_version = {}, source = {}, "
      "fact_rows = {}, loaded_at = now(), loader_version = {}; ",
      QualifiedName(names_.target, kMetadataTable), QuoteLiteral(m.run_id),
      QuoteLiteral(m.created_at), QuoteLiteral(m.program_version), QuoteLiteral(o_.dir),
      m.FindTable(model::kFactTable) ? m.FindTable(model::kFactTable)->rows : 0,
      QuoteLiteral(WV_VERSION));
}

StatusOr<LoadResult> Loader::Run() {
  WV_ASSIGN_OR_RETURN(names_, NamesFor(o_.schema));
  WV_RETURN_IF_ERROR(PgConnection::CheckConninfo(o_.conninfo));
  result_.schema = names_.target;
  Phase("verifying the output");
  WV_RETURN_IF_ERROR(OpenOutput());
  Phase("connecting");
  WV_RETURN_IF_ERROR(ConnectAndLock());
  WV_RETURN_IF_ERROR(InspectSchemas());
  const bool same_indexes = !target_.ours() || target_.optional_indexes == InIndexOrder(o_.indexes);
  if (target_.ours() && target_.run_id == result_.run_id && !o_.force && !same_indexes) {
    result_.notes.push_back(
        fmt::format("schema {} holds this run with other optional indexes (--index); loaded again",
                    names_.target));
  } else if (target_.ours() && target_.run_id == result_.run_id && !o_.force) {
    WV_RETURN_IF_ERROR(GrantReaders(names_.target));
    result_.skipped = true;
    Phase("");
    result_.seconds = SecondsSince(start_);
    return result_;
  }
  if (o_.append && !o_.force) {
    WV_ASSIGN_OR_RETURN(const bool appended, TryAppend());
    if (appended) {
      Phase("");
      result_.seconds = SecondsSince(start_);
      return result_;
    }
  }
  fact_batch_ = std::max<int>(1, static_cast<int>(out_->manifest()->batches.size()));
  if (const model::TableRecord* fact = out_->manifest()->FindTable(model::kFactTable)) {
    WV_ASSIGN_OR_RETURN(fact_sources_, SourceFiles(fact->files));
  }
  WV_RETURN_IF_ERROR(CreateStaging());
  // A swap that gave up (analysts held the tables past --lock-timeout) leaves
  // the staging schema as a failed build does: removed now, not at the next
  // load. A swap whose commit went through has no staging schema left.
  Status s = BuildStaging();
  if (s.ok()) s = Swap();
  if (!s.ok()) {
    RemoveStaging();
    return s;
  }
  DropOld();
  Phase("");
  result_.seconds = SecondsSince(start_);
  return result_;
}

}  // namespace

StatusOr<LoadResult> LoadIntoPostgres(const LoadOptions& options, const LoadObserver& observer) {
  Loader loader(options, observer);
  return loader.Run();
}

}  // namespace wv::warehouse
