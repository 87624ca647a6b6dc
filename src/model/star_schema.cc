#include "model/star_schema.h"

namespace wv::model {
namespace {

using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Repetition;
using parquet::Schema;

ColumnSchema Str(const char* name, Repetition rep = Repetition::kRequired) {
  return {name, PhysicalType::kByteArray, LogicalType::kString, rep};
}
ColumnSchema I64(const char* name) {
  return {name, PhysicalType::kInt64, LogicalType::kNone, Repetition::kRequired};
}
ColumnSchema I32(const char* name) {
  return {name, PhysicalType::kInt32, LogicalType::kNone, Repetition::kRequired};
}
ColumnSchema F64(const char* name, Repetition rep = Repetition::kRequired) {
  return {name, PhysicalType::kDouble, LogicalType::kNone, rep};
}
ColumnSchema Ts(const char* name) {
  return {name, PhysicalType::kInt64, LogicalType::kTimestampMicrosUtc, Repetition::kRequired};
}
ColumnSchema Bool(const char* name) {
  return {name, PhysicalType::kBoolean, LogicalType::kNone, Repetition::kRequired};
}

}  // namespace

const Schema& FactSchema() {
  static const Schema* schema = new Schema{{
      Ts("timestamp"),
      I64("epoch"),
      Str("user_id"),
      Str("learning_language"),
      Str("ui_language"),
      Str("lexeme_id"),
      I64("delta"),
      F64("p_recall"),
      I64("session_seen"),
      I64("session_correct"),
      I64("history_seen"),
      I64("history_correct"),
      F64("session_pct"),
      F64("history_pct", Repetition::kOptional),
      Str("source_file"),
      I64("line_number"),
  }};
  return *schema;
}

const Schema& UsersSchema() {
  static const Schema* schema = new Schema{{
      Str("user_id"),
      I64("number_of_sessions"),
      Ts("first_seen"),
      Ts("last_seen"),
      I64("views"),
      I64("courses"),
  }};
  return *schema;
}

const Schema& TimesSchema() {
  static const Schema* schema = new Schema{{
      I64("epoch"),
      Ts("timestamp"),
      I32("hour"),
      I32("day"),
      I32("week"),
      I32("month"),
      I32("year"),
      I32("weekday"),
      {"date", PhysicalType::kInt32, LogicalType::kDate, Repetition::kRequired},
      I32("iso_year"),
  }};
  return *schema;
}

const Schema& LangsSchema() {
  static const Schema* schema = new Schema{{
      Str("alpha2_code"),
      Str("english_name", Repetition::kOptional),
      Str("french_name", Repetition::kOptional),
      Str("alpha3_b", Repetition::kOptional),
      Str("alpha3_t", Repetition::kOptional),
  }};
  return *schema;
}

const Schema& WordsSchema() {
  static const Schema* schema = new Schema{{
      Str("lexeme_id"),
      Str("language"),
      Str("lexeme_string"),
      Str("surface"),
      Str("lemma"),
      Str("part_of_speech"),
      Str("pos_description", Repetition::kOptional),
      Str("modifiers"),
      Str("gender", Repetition::kOptional),
      Str("number", Repetition::kOptional),
      Str("person", Repetition::kOptional),
      Str("tense", Repetition::kOptional),
      Str("case", Repetition::kOptional),
      Str("definiteness", Repetition::kOptional),
      Bool("surface_is_wildcard"),
      Bool("has_wildcard_tag"),
      I64("unknown_tags"),
  }};
  return *schema;
}

const Schema& QuarantineSchema() {
  static const Schema* schema = new Schema{{
      Str("source_file"),
      I64("line_number"),
      Str("reason"),
      Str("detail"),
      // Raw bytes, not STRING: a row rejected as malformed may hold invalid UTF-8.
      {"raw_line", PhysicalType::kByteArray, LogicalType::kNone, Repetition::kRequired},
  }};
  return *schema;
}

const parquet::Schema* SchemaOf(std::string_view table) {
  if (table == kFactTable) return &FactSchema();
  if (table == kUsersTable) return &UsersSchema();
  if (table == kTimesTable) return &TimesSchema();
  if (table == kLangsTable) return &LangsSchema();
  if (table == kWordsTable) return &WordsSchema();
  if (table == kQuarantineTable) return &QuarantineSchema();
  return nullptr;
}

}  // namespace wv::model
