#include "model/star_schema.h"

#include <cstdlib>

#include "fmt/core.h"

namespace wv::model {
namespace {

using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Repetition;

constexpr Repetition kRequired = Repetition::kRequired;
constexpr Repetition kOptional = Repetition::kOptional;

constexpr ColumnContract Str(std::string_view name, std::string_view description,
                             Repetition rep = kRequired) {
  return {name, PhysicalType::kByteArray, LogicalType::kString, rep, description};
}
constexpr ColumnContract I64(std::string_view name, std::string_view description) {
  return {name, PhysicalType::kInt64, LogicalType::kNone, kRequired, description};
}
constexpr ColumnContract I32(std::string_view name, std::string_view description) {
  return {name, PhysicalType::kInt32, LogicalType::kNone, kRequired, description};
}
constexpr ColumnContract F64(std::string_view name, std::string_view description,
                             Repetition rep = kRequired) {
  return {name, PhysicalType::kDouble, LogicalType::kNone, rep, description};
}
constexpr ColumnContract Ts(std::string_view name, std::string_view description) {
  return {name, PhysicalType::kInt64, LogicalType::kTimestampMicrosUtc, kRequired, description};
}
constexpr ColumnContract Date(std::string_view name, std::string_view description) {
  return {name, PhysicalType::kInt32, LogicalType::kDate, kRequired, description};
}
constexpr ColumnContract Bool(std::string_view name, std::string_view description) {
  return {name, PhysicalType::kBoolean, LogicalType::kNone, kRequired, description};
}
// Raw bytes, not STRING: for values that may hold invalid UTF-8.
constexpr ColumnContract Bytes(std::string_view name, std::string_view description) {
  return {name, PhysicalType::kByteArray, LogicalType::kNone, kRequired, description};
}

// ---- fact_wordviews --------------------------------------------------------

constexpr std::array<ColumnContract, kNumFactColumns> kFactColumns = {{
    Ts("timestamp", "time of the session, UTC (epoch as a timestamp)"),
    I64("epoch", "UNIX seconds of the session, the trace's timestamp (key of dim_times)"),
    Str("user_id", "anonymised student, as in the trace (key of dim_users)"),
    Str("learning_language", "language being learned, ISO 639-1 (key of dim_langs)"),
    Str("ui_language", "language of the app's interface, ISO 639-1 (key of dim_langs)"),
    Str("lexeme_id", "the word: 32 lowercase hex digits (key of dim_words)"),
    I64("delta", "seconds since the user last saw this word, >= 0"),
    F64("p_recall",
        "share of the session's exercises on the word answered correctly, in [0, 1], as in the "
        "trace"),
    I64("session_seen", "times the word was seen in the session, >= 1"),
    I64("session_correct", "times it was answered correctly in the session, 0..session_seen"),
    I64("history_seen", "times the user saw the word before the session, >= 0"),
    I64("history_correct", "times correct before the session, 0..history_seen"),
    F64("session_pct",
        "session_correct / session_seen, computed by the pipeline (never null: session_seen >= "
        "1); agrees with p_recall"),
    F64("history_pct", "history_correct / history_seen; null when history_seen = 0", kOptional),
    Str("source_file", "lineage: the input file of the row, as given to `wordviews run`"),
    I64("line_number", "lineage: the row's line in its input file (1-based; the header is line 1)"),
    Str("batch_id",
        "lineage: the batch that added the row (the run id of its `run` or `run --append`; the "
        "manifest's batches)"),
}};

constexpr std::array<std::string_view, 2> kLineagePrimaryKey = {"source_file", "line_number"};

constexpr std::array<ForeignKey, 5> kFactForeignKeys = {{
    {"user_id", kUsersTable, "user_id"},
    {"epoch", kTimesTable, "epoch"},
    {"learning_language", kLangsTable, "alpha2_code"},
    {"ui_language", kLangsTable, "alpha2_code"},
    {"lexeme_id", kWordsTable, "lexeme_id"},
}};

// ---- dim_users -------------------------------------------------------------

constexpr std::array<ColumnContract, kNumUsersColumns> kUsersColumns = {{
    Str("user_id", "key: anonymised student, as in the traces"),
    I64("number_of_sessions", "distinct session times (epoch) of the user, over all courses"),
    Ts("first_seen", "time of the user's first session, UTC"),
    Ts("last_seen", "time of the user's last session, UTC"),
    I64("views", "fact rows (word views) of the user"),
    I64("courses", "distinct language pairs (learning_language, ui_language) of the user"),
}};

// ---- dim_times -------------------------------------------------------------

constexpr std::array<ColumnContract, kNumTimesColumns> kTimesColumns = {{
    I64("epoch", "key: UNIX seconds of a session time"),
    Ts("timestamp", "the same instant as a timestamp, UTC"),
    I32("hour", "hour of the day, 0-23, UTC"),
    I32("day", "day of the month, 1-31, UTC"),
    I32("week", "ISO 8601 week number, 1-53 (a week of iso_year)"),
    I32("month", "month, 1-12, UTC"),
    I32("year", "calendar year, UTC"),
    I32("weekday", "ISO 8601 day of the week: 1 = Monday ... 7 = Sunday, UTC"),
    Date("date", "calendar date, UTC"),
    I32("iso_year",
        "the ISO 8601 year that week belongs to (differs from year for days near 1 January)"),
}};

// ---- dim_langs -------------------------------------------------------------

constexpr std::array<ColumnContract, kNumLangsColumns> kLangsColumns = {{
    Str("alpha2_code", "key: ISO 639-1 code of a language that occurs in accepted traces"),
    Str("english_name",
        "English name from the language reference (e.g. \"Spanish; Castilian\"); null when the "
        "reference has none",
        kOptional),
    Str("french_name", "French name from the language reference; null when it has none", kOptional),
    Str("alpha3_b", "ISO 639-2/B (bibliographic) code; null when the reference has none",
        kOptional),
    Str("alpha3_t",
        "ISO 639-2/T (terminological) code; null when the reference has none (it differs from "
        "alpha3_b for a few languages only)",
        kOptional),
}};

// ---- dim_words -------------------------------------------------------------

constexpr std::array<ColumnContract, kNumWordsColumns> kWordsColumns = {{
    Str("lexeme_id", "key: 32 lowercase hex digits"),
    Str("language", "learning language of the word's first accepted row, ISO 639-1"),
    Str("lexeme_string",
        "the lexeme tag of the word's first accepted row: surface/lemma<pos><modifiers...>"),
    Str("surface", "text before the first / (the word form seen)"),
    Str("lemma", "text between that / and the first <"),
    Str("part_of_speech", "the first tag (e.g. vblex, n, adj)"),
    Str("pos_description",
        "the lexeme reference's description of part_of_speech (e.g. \"Verb\"); null when the "
        "reference does not know the tag",
        kOptional),
    Str("modifiers",
        "the tags after the part of speech, each in <>, e.g. <pri><p3><sg>; empty "
        "when none"),
    Str("gender", "first tag of category gender (e.g. m, f, nt); null when none", kOptional),
    Str("number", "first tag of category number (e.g. sg, pl); null when none", kOptional),
    Str("person", "first tag of category person (e.g. p1, p3); null when none", kOptional),
    Str("tense", "first tag of category tense (e.g. pri, past); null when none", kOptional),
    Str("case", "first tag of category case (e.g. nom, gen); null when none", kOptional),
    Str("definiteness", "first tag of category def (e.g. def, ind); null when none", kOptional),
    Bool("surface_is_wildcard", "the surface is <*sf> (any surface form)"),
    Bool("has_wildcard_tag", "some tag starts with * (e.g. <*numb>): left unspecified"),
    I64("unknown_tags",
        "number of tags (wildcards excepted) the lexeme reference does not know; 0 = all known"),
}};

// ---- quarantine ------------------------------------------------------------

constexpr std::array<ColumnContract, kNumQuarantineColumns> kQuarantineColumns = {{
    Str("source_file", "the input file of the rejected row, as given to `wordviews run`"),
    I64("line_number", "the row's line in its input file (1-based; the header is line 1)"),
    Str("reason",
        "the first failing rule: malformed, missing_value, bad_number, out_of_range, "
        "unknown_language, bad_lexeme or duplicate"),
    Str("detail", "what exactly failed, e.g. the field and its value"),
    Bytes("raw_line", "the input line as read, without its line end (bytes: may be invalid UTF-8)"),
    Str("batch_id",
        "the batch that read the row (the run id of its `run` or `run --append`; the manifest's "
        "batches)"),
}};

// ---- the tables ------------------------------------------------------------

constexpr std::array<std::string_view, 1> kUsersKey = {"user_id"};
constexpr std::array<std::string_view, 1> kTimesKey = {"epoch"};
constexpr std::array<std::string_view, 1> kLangsKey = {"alpha2_code"};
constexpr std::array<std::string_view, 1> kWordsKey = {"lexeme_id"};

constexpr std::array<TableContract, kAllTables.size()> kTables = {{
    {kFactTable,
     "One row per accepted learning trace (a word seen in a session). Hive-partitioned by UTC "
     "day (date=YYYY-MM-DD).",
     kFactColumns, kLineagePrimaryKey, kFactForeignKeys},
    {kUsersTable, "One row per student.", kUsersColumns, kUsersKey, {}},
    {kTimesTable,
     "One row per distinct session time, all calendar fields in UTC.",
     kTimesColumns,
     kTimesKey,
     {}},
    {kLangsTable,
     "One row per language that occurs in accepted traces (learning or interface).",
     kLangsColumns,
     kLangsKey,
     {}},
    {kWordsTable,
     "One row per lexeme (a word form with its tags), decoded.",
     kWordsColumns,
     kWordsKey,
     {}},
    {kQuarantineTable,
     "Every rejected input row with the first failing reason.",
     kQuarantineColumns,
     kLineagePrimaryKey,
     {}},
}};

parquet::Schema DeriveSchema(const TableContract& table) {
  parquet::Schema schema;
  schema.columns.reserve(table.columns.size());
  for (const ColumnContract& c : table.columns) {
    schema.columns.push_back({std::string(c.name), c.physical, c.logical, c.repetition});
  }
  return schema;
}

// The derived schemas, built once (a function-local static: thread-safe).
const std::array<parquet::Schema, kTables.size()>& DerivedSchemas() {
  static const auto* schemas = [] {
    auto* s = new std::array<parquet::Schema, kTables.size()>;
    for (size_t i = 0; i < kTables.size(); ++i) (*s)[i] = DeriveSchema(kTables[i]);
    return s;
  }();
  return *schemas;
}

}  // namespace

int TableContract::ColumnIndex(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

const parquet::Schema& TableContract::schema() const {
  return DerivedSchemas()[static_cast<size_t>(this - kTables.data())];
}

std::span<const TableContract> AllTableContracts() { return kTables; }

const TableContract* FindTable(std::string_view name) {
  for (const TableContract& t : kTables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const TableContract& Table(std::string_view name) {
  const TableContract* t = FindTable(name);
  if (t == nullptr) {
    fmt::print(stderr, "internal error: no table {} in the star schema\n", name);
    std::abort();
  }
  return *t;
}

int ColumnIndex(std::string_view table, std::string_view column) {
  const TableContract* t = FindTable(table);
  return t == nullptr ? -1 : t->ColumnIndex(column);
}

std::string_view ColumnName(FactColumn c) { return kFactColumns[c].name; }
std::string_view ColumnName(UsersColumn c) { return kUsersColumns[c].name; }
std::string_view ColumnName(TimesColumn c) { return kTimesColumns[c].name; }
std::string_view ColumnName(LangsColumn c) { return kLangsColumns[c].name; }
std::string_view ColumnName(WordsColumn c) { return kWordsColumns[c].name; }
std::string_view ColumnName(QuarantineColumn c) { return kQuarantineColumns[c].name; }

const parquet::Schema& FactSchema() { return Table(kFactTable).schema(); }
const parquet::Schema& UsersSchema() { return Table(kUsersTable).schema(); }
const parquet::Schema& TimesSchema() { return Table(kTimesTable).schema(); }
const parquet::Schema& LangsSchema() { return Table(kLangsTable).schema(); }
const parquet::Schema& WordsSchema() { return Table(kWordsTable).schema(); }
const parquet::Schema& QuarantineSchema() { return Table(kQuarantineTable).schema(); }

const parquet::Schema* SchemaOf(std::string_view table) {
  const TableContract* t = FindTable(table);
  return t == nullptr ? nullptr : &t->schema();
}

}  // namespace wv::model
