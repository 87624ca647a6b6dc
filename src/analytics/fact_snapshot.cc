#include "analytics/fact_snapshot.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "core/string_dictionary.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "parquet/reader.h"

namespace wv::analytics {

namespace fs = std::filesystem;
using parquet::ColumnVector;
using parquet::FileReader;
using parquet::PhysicalType;

std::optional<std::string> FactSnapshot::LanguageName(const std::string& code) const {
  auto it = language_names.find(code);
  if (it == language_names.end()) return std::nullopt;
  return it->second;
}

Status CheckStarSchemaDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return InputError(
        fmt::format("{}: no such directory (expected the output folder of `wordviews run`)", dir));
  }
  if (!fs::is_directory(fs::path(dir) / model::kFactTable, ec)) {
    return InputError(fmt::format(
        "{}: not a wordviews output (no {}/ folder; expected the --out folder of `wordviews run`)",
        dir, model::kFactTable));
  }
  return OkStatus();
}

StatusOr<std::vector<std::string>> ListParquetFiles(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return InputError(fmt::format("{}: missing table folder", folder));
  }
  std::vector<std::string> files;
  fs::recursive_directory_iterator it(folder, ec), end;
  if (ec) return InputError(fmt::format("{}: cannot list: {}", folder, ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) return InputError(fmt::format("{}: cannot list: {}", folder, ec.message()));
    const auto& p = it->path();
    const std::string name = p.filename().string();
    // Hidden and temporary files (".x.parquet.tmp", "_SUCCESS") are not data.
    if (name.empty() || name[0] == '.' || name[0] == '_') continue;
    if (it->is_regular_file(ec) && p.extension() == ".parquet") files.push_back(p.string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

// One string column of one chunk, dictionary-encoded into local codes.
// Encode() runs once per fact row for every string column a query reads
// (core/string_dictionary.h); consecutive repeats (a session's rows share
// user and languages) skip the lookup altogether. Thread-compatible: each
// chunk's dictionaries belong to the worker decoding it.
struct LocalDictionary {
  std::vector<uint32_t> codes;
  // Distinct values back to back (one buffer, not a string per value: a
  // chunk has tens of thousands of distinct users).
  parquet::ByteArrayVector values;

  void Encode(const parquet::ByteArrayVector& column) {
    const size_t n = column.size();
    codes.resize(n);
    StringDictionary dictionary;
    std::string_view prev;
    uint32_t prev_code = UINT32_MAX;
    for (size_t r = 0; r < n; ++r) {
      const std::string_view v = column[r];
      if (prev_code == UINT32_MAX || !SameBytes(v, prev)) {
        prev_code = dictionary.Intern(v);
        prev = v;
      }
      codes[r] = prev_code;
    }
    std::vector<uint32_t> offsets;
    dictionary.Release(&values.data, &offsets);
    values.offsets.assign(offsets.begin(), offsets.end());
  }

  // The same codes from a chunk the file already dictionary-encodes: only the
  // dictionary entries rows use, numbered by first use (as Encode numbers
  // them), through a lookup array: no hashing, no string copies per row. The
  // indices are rewritten in place into the codes (no second row array).
  void FromDictionary(const parquet::ByteArrayVector& dictionary, std::vector<uint32_t> indices) {
    std::vector<uint32_t> local(dictionary.size(), UINT32_MAX);
    const size_t n = indices.size();
    codes = std::move(indices);
    for (size_t r = 0; r < n; ++r) {
      const uint32_t k = codes[r];  // < dictionary.size(), checked by the reader
      uint32_t code = local[k];
      if (code == UINT32_MAX) {
        code = local[k] = static_cast<uint32_t>(values.size());
        values.push_back(dictionary[k]);
      }
      codes[r] = code;
    }
  }
};

// What a worker produces for one (file, row group): the numeric arrays in
// their final form and the string columns as local dictionaries.
struct ChunkResult {
  FactChunk chunk;
  LocalDictionary learning, ui, user, lexeme, source;
};

struct FactFile {
  std::string path;
  std::unique_ptr<FileReader> reader;
};

// Adds the file's path to an error unless the reader's message already names it.
Status WithPath(const Status& status, const std::string& path) {
  if (status.message().find(path) != std::string::npos) return status;
  return Annotate(status, path);
}

Status CheckNoNulls(const ColumnVector& cv, const std::string& path, std::string_view name) {
  if (std::find(cv.valid.begin(), cv.valid.end(), 0) != cv.valid.end()) {
    return InputError(
        fmt::format("{}: column {} has NULL values (the fact table requires it)", path, name));
  }
  return OkStatus();
}

// Index of the column `name`, checked to have one of the `accepted` types.
StatusOr<int> FindColumn(const FactFile& file, std::string_view name,
                         std::initializer_list<PhysicalType> accepted, PhysicalType* physical) {
  const int index = file.reader->ColumnIndex(name);
  if (index < 0) {
    return InputError(
        fmt::format("{}: no column {} (not a wordviews fact table?)", file.path, name));
  }
  *physical = file.reader->schema().columns[index].physical;
  if (std::find(accepted.begin(), accepted.end(), *physical) == accepted.end()) {
    return InputError(
        fmt::format("{}: column {} has an unexpected physical type", file.path, name));
  }
  return index;
}

StatusOr<ColumnVector> ReadNamed(const FactFile& file, int row_group, std::string_view name,
                                 std::initializer_list<PhysicalType> accepted,
                                 PhysicalType* physical) {
  WV_ASSIGN_OR_RETURN(const int index, FindColumn(file, name, accepted, physical));
  auto cv = file.reader->ReadColumn(row_group, index);
  if (!cv.ok()) return WithPath(cv.status(), file.path);
  WV_RETURN_IF_ERROR(CheckNoNulls(*cv, file.path, name));
  return std::move(cv).value();
}

// A numeric column stored as `wide` or as the narrower `narrow` type (other
// writers choose either), widened.
template <typename Wide, typename Narrow>
Status ReadWidened(const FactFile& file, int rg, std::string_view name, PhysicalType wide,
                   std::vector<Wide> ColumnVector::*wide_values, PhysicalType narrow,
                   std::vector<Narrow> ColumnVector::*narrow_values, std::vector<Wide>* out) {
  PhysicalType t;
  WV_ASSIGN_OR_RETURN(ColumnVector cv, ReadNamed(file, rg, name, {wide, narrow}, &t));
  if (t == wide) {
    *out = std::move(cv.*wide_values);
  } else {
    out->assign((cv.*narrow_values).begin(), (cv.*narrow_values).end());
  }
  return OkStatus();
}

Status ReadInt64(const FactFile& file, int rg, std::string_view name, std::vector<int64_t>* out) {
  return ReadWidened(file, rg, name, PhysicalType::kInt64, &ColumnVector::i64, PhysicalType::kInt32,
                     &ColumnVector::i32, out);
}

Status ReadInt32(const FactFile& file, int rg, std::string_view name, std::vector<int32_t>* out) {
  PhysicalType t;
  WV_ASSIGN_OR_RETURN(ColumnVector cv,
                      ReadNamed(file, rg, name, {PhysicalType::kInt64, PhysicalType::kInt32}, &t));
  if (t == PhysicalType::kInt32) {
    *out = std::move(cv.i32);
    return OkStatus();
  }
  out->resize(cv.i64.size());
  for (size_t i = 0; i < cv.i64.size(); ++i) {
    const int64_t v = cv.i64[i];
    if (v < INT32_MIN || v > INT32_MAX) {
      return InputError(fmt::format("{}: column {}: value {} out of range", file.path, name, v));
    }
    (*out)[i] = static_cast<int32_t>(v);
  }
  return OkStatus();
}

Status ReadStrings(const FactFile& file, int rg, std::string_view name, LocalDictionary* out) {
  PhysicalType t;
  // Writers dictionary-encode these repetitive columns; only a chunk whose
  // dictionary overflowed (PLAIN fallback) needs its strings decoded.
  WV_ASSIGN_OR_RETURN(const int index, FindColumn(file, name, {PhysicalType::kByteArray}, &t));
  auto dict = file.reader->ReadDictionaryColumn(rg, index);
  if (!dict.ok()) return WithPath(dict.status(), file.path);
  if (dict->has_value()) {
    parquet::DictionaryColumn& d = **dict;
    if (std::find(d.valid.begin(), d.valid.end(), 0) != d.valid.end()) {
      return InputError(fmt::format("{}: column {} has NULL values (the fact table requires it)",
                                    file.path, name));
    }
    out->FromDictionary(d.dictionary.bytes, std::move(d.indices));
    return OkStatus();
  }
  WV_ASSIGN_OR_RETURN(ColumnVector cv, ReadNamed(file, rg, name, {PhysicalType::kByteArray}, &t));
  out->Encode(cv.bytes);
  return OkStatus();
}

Status ReadDouble(const FactFile& file, int rg, std::string_view name, std::vector<double>* out) {
  return ReadWidened(file, rg, name, PhysicalType::kDouble, &ColumnVector::f64,
                     PhysicalType::kFloat, &ColumnVector::f32, out);
}

// Reads the projected columns of one row group.
Status ReadProjection(const FactFile& file, int rg, uint32_t projection, ChunkResult* out) {
  using model::ColumnName;
  FactChunk& c = out->chunk;
  c.rows = static_cast<size_t>(file.reader->row_group_num_rows(rg));
  if (projection & kLoadPair) {
    WV_RETURN_IF_ERROR(
        ReadStrings(file, rg, ColumnName(model::kFactLearningLanguage), &out->learning));
    WV_RETURN_IF_ERROR(ReadStrings(file, rg, ColumnName(model::kFactUiLanguage), &out->ui));
  }
  if (projection & kLoadUser) {
    WV_RETURN_IF_ERROR(ReadStrings(file, rg, ColumnName(model::kFactUserId), &out->user));
  }
  if (projection & kLoadLexeme) {
    WV_RETURN_IF_ERROR(ReadStrings(file, rg, ColumnName(model::kFactLexemeId), &out->lexeme));
  }
  if (projection & kLoadEpoch) {
    WV_RETURN_IF_ERROR(ReadInt64(file, rg, ColumnName(model::kFactEpoch), &c.epoch));
  }
  if (projection & kLoadDelta) {
    WV_RETURN_IF_ERROR(ReadInt64(file, rg, ColumnName(model::kFactDelta), &c.delta));
  }
  if (projection & kLoadSeen) {
    WV_RETURN_IF_ERROR(ReadInt32(file, rg, ColumnName(model::kFactSessionSeen), &c.seen));
  }
  if (projection & kLoadCorrect) {
    WV_RETURN_IF_ERROR(ReadInt32(file, rg, ColumnName(model::kFactSessionCorrect), &c.correct));
  }
  if (projection & kLoadPRecall) {
    WV_RETURN_IF_ERROR(ReadDouble(file, rg, ColumnName(model::kFactPRecall), &c.p_recall));
  }
  if (projection & kLoadHistory) {
    WV_RETURN_IF_ERROR(ReadInt32(file, rg, ColumnName(model::kFactHistorySeen), &c.history_seen));
    WV_RETURN_IF_ERROR(
        ReadInt32(file, rg, ColumnName(model::kFactHistoryCorrect), &c.history_correct));
  }
  if (projection & kLoadLineage) {
    WV_RETURN_IF_ERROR(ReadStrings(file, rg, ColumnName(model::kFactSourceFile), &out->source));
    WV_RETURN_IF_ERROR(ReadInt64(file, rg, ColumnName(model::kFactLineNumber), &c.line_number));
  }
  return OkStatus();
}

// Every array must have one entry per row: a file whose column chunks
// disagree with its row count is corrupt.
Status CheckRowCounts(const FactFile& file, int rg, uint32_t projection, const ChunkResult& r) {
  const struct {
    uint32_t bit;
    size_t size;
    model::FactColumn column;
  } arrays[] = {
      {kLoadPair, r.learning.codes.size(), model::kFactLearningLanguage},
      {kLoadPair, r.ui.codes.size(), model::kFactUiLanguage},
      {kLoadUser, r.user.codes.size(), model::kFactUserId},
      {kLoadLexeme, r.lexeme.codes.size(), model::kFactLexemeId},
      {kLoadEpoch, r.chunk.epoch.size(), model::kFactEpoch},
      {kLoadDelta, r.chunk.delta.size(), model::kFactDelta},
      {kLoadSeen, r.chunk.seen.size(), model::kFactSessionSeen},
      {kLoadCorrect, r.chunk.correct.size(), model::kFactSessionCorrect},
      {kLoadPRecall, r.chunk.p_recall.size(), model::kFactPRecall},
      {kLoadHistory, r.chunk.history_seen.size(), model::kFactHistorySeen},
      {kLoadHistory, r.chunk.history_correct.size(), model::kFactHistoryCorrect},
      {kLoadLineage, r.source.codes.size(), model::kFactSourceFile},
      {kLoadLineage, r.chunk.line_number.size(), model::kFactLineNumber},
  };
  for (const auto& a : arrays) {
    if ((projection & a.bit) && a.size != r.chunk.rows) {
      return InputError(fmt::format("{}: row group {}: column {} has {} values for {} rows",
                                    file.path, rg, model::ColumnName(a.column), a.size,
                                    r.chunk.rows));
    }
  }
  return OkStatus();
}

Status DecodeChunk(const FactFile& file, int rg, uint32_t projection, ChunkResult* out) {
  WV_RETURN_IF_ERROR(ReadProjection(file, rg, projection, out));
  return CheckRowCounts(file, rg, projection, *out);
}

// Merges per-chunk dictionaries of ids whose numbering does not matter (users,
// lexemes) into dense global ids, assigned in chunk order (deterministic), and
// rewrites the chunk's codes.
template <typename Get>
void MergeDictionary(std::vector<ChunkResult>& results, Get get_dict,
                     std::vector<uint32_t> FactChunk::*codes_out,
                     std::vector<std::string>* global_values) {
  absl::flat_hash_map<std::string, uint32_t> global;
  for (auto& r : results) {
    LocalDictionary& d = get_dict(r);
    std::vector<uint32_t> remap(d.values.size());
    for (size_t i = 0; i < d.values.size(); ++i) {
      const std::string_view v = d.values[i];
      // Heterogeneous lookup: no std::string built for values already known.
      auto it = global.find(absl::string_view(v.data(), v.size()));
      if (it == global.end()) {
        it = global.emplace(std::string(v), static_cast<uint32_t>(global.size())).first;
        global_values->emplace_back(v);
      }
      remap[i] = it->second;
    }
    for (uint32_t& code : d.codes) code = remap[code];
    r.chunk.*codes_out = std::move(d.codes);
  }
}

// The fact files, open, and their row groups: the units of parallel decoding.
struct FactFiles {
  struct RowGroup {
    size_t file;
    int row_group;
  };
  std::vector<FactFile> files;
  std::vector<RowGroup> row_groups;  // in file order, then row-group order
  int64_t num_rows = 0;
};

StatusOr<FactFiles> OpenFactFiles(const std::string& dir) {
  const fs::path folder = fs::path(dir) / model::kFactTable;
  WV_ASSIGN_OR_RETURN(auto paths, ListParquetFiles(folder.string()));
  if (paths.empty())
    return InputError(fmt::format("{}/{}: no Parquet files", dir, model::kFactTable));
  FactFiles out;
  out.files.resize(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    FactFile& f = out.files[i];
    f.path = paths[i];
    auto reader = FileReader::Open(paths[i]);
    if (!reader.ok()) return WithPath(reader.status(), paths[i]);
    f.reader = std::move(reader).value();
    for (int rg = 0; rg < f.reader->num_row_groups(); ++rg) out.row_groups.push_back({i, rg});
    out.num_rows += f.reader->num_rows();
  }
  return out;
}

// The error of the lowest-numbered failed task among several workers, so the
// message does not depend on scheduling once tasks stop being started.
// Thread-safe.
class FirstError {
 public:
  void Record(size_t task, Status status) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    if (task < task_) {
      task_ = task;
      status_ = std::move(status);
    }
    failed_.store(true, std::memory_order_relaxed);
  }
  // True once any task failed: later tasks need not run.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  Status status() const ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return status_;
  }

 private:
  mutable Mutex mu_;
  size_t task_ ABSL_GUARDED_BY(mu_) = SIZE_MAX;
  Status status_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> failed_{false};
};

// Decodes every row group on `threads` workers; results in row-group order.
StatusOr<std::vector<ChunkResult>> DecodeRowGroups(const FactFiles& facts, uint32_t projection,
                                                   int threads) {
  std::vector<ChunkResult> results(facts.row_groups.size());
  FirstError error;
  ParallelFor(results.size(), threads, [&](size_t i, int) {
    if (error.failed()) return;
    const auto& item = facts.row_groups[i];
    Status s = DecodeChunk(facts.files[item.file], item.row_group, projection, &results[i]);
    if (!s.ok()) error.Record(i, std::move(s));
  });
  if (error.failed()) return error.status();
  return results;
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Every distinct value of one string column over all chunks, sorted.
std::vector<std::string> SortedDistinct(const std::vector<ChunkResult>& results,
                                        LocalDictionary ChunkResult::*column) {
  std::vector<std::string> values;
  for (const auto& r : results) {
    const LocalDictionary& d = r.*column;
    for (size_t i = 0; i < d.values.size(); ++i) values.emplace_back(d.values[i]);
  }
  SortUnique(values);
  return values;
}

// Per chunk, local code -> index into `sorted` (which holds every value).
std::vector<std::vector<uint32_t>> RemapToSorted(const std::vector<ChunkResult>& results,
                                                 LocalDictionary ChunkResult::*column,
                                                 const std::vector<std::string>& sorted) {
  std::vector<std::vector<uint32_t>> remap(results.size());
  for (size_t k = 0; k < results.size(); ++k) {
    const LocalDictionary& d = results[k].*column;
    for (size_t i = 0; i < d.values.size(); ++i) {
      const auto it = std::lower_bound(sorted.begin(), sorted.end(), d.values[i]);
      remap[k].push_back(static_cast<uint32_t>(it - sorted.begin()));
    }
  }
  return remap;
}

// Replaces the chunks' learning/ui codes by pair ids. Languages and pairs get
// ids in sorted order so that results come out sorted; only the (learning,
// ui) combinations that occur become pairs.
Status AssignPairIds(std::vector<ChunkResult>& results, FactTable* table) {
  std::vector<std::string> learning = SortedDistinct(results, &ChunkResult::learning);
  std::vector<std::string> ui = SortedDistinct(results, &ChunkResult::ui);
  const auto l_remap = RemapToSorted(results, &ChunkResult::learning, learning);
  const auto u_remap = RemapToSorted(results, &ChunkResult::ui, ui);
  const size_t nl = learning.size(), nu = ui.size();
  auto combination = [&](size_t k, size_t i) {
    return l_remap[k][results[k].learning.codes[i]] * nu + u_remap[k][results[k].ui.codes[i]];
  };
  // Pass 1: which (learning, ui) combinations occur.
  std::vector<uint8_t> present(nl * nu, 0);
  for (size_t k = 0; k < results.size(); ++k) {
    for (size_t i = 0; i < results[k].learning.codes.size(); ++i) present[combination(k, i)] = 1;
  }
  std::vector<int32_t> pair_id(nl * nu, -1);
  for (size_t l = 0; l < nl; ++l) {
    for (size_t u = 0; u < nu; ++u) {
      if (!present[l * nu + u]) continue;
      pair_id[l * nu + u] = static_cast<int32_t>(table->pairs.size());
      table->pairs.push_back({learning[l], ui[u]});
      table->pair_learning.push_back(static_cast<uint16_t>(l));
      table->pair_ui.push_back(static_cast<uint16_t>(u));
    }
  }
  if (table->pairs.size() > UINT16_MAX) return InputError("too many language pairs");
  // Pass 2: rewrite each chunk's rows as global pair ids.
  for (size_t k = 0; k < results.size(); ++k) {
    ChunkResult& r = results[k];
    r.chunk.pair.resize(r.learning.codes.size());
    for (size_t i = 0; i < r.chunk.pair.size(); ++i) {
      r.chunk.pair[i] = static_cast<uint16_t>(pair_id[combination(k, i)]);
    }
  }
  for (ChunkResult& r : results) {
    r.learning = {};
    r.ui = {};
  }
  table->learning_languages = std::move(learning);
  table->ui_languages = std::move(ui);
  return OkStatus();
}

Status LoadFacts(const std::string& dir, uint32_t projection, int threads, FactTable* table) {
  table->projection = projection;
  WV_ASSIGN_OR_RETURN(const FactFiles facts, OpenFactFiles(dir));
  table->num_rows = facts.num_rows;
  WV_ASSIGN_OR_RETURN(std::vector<ChunkResult> results,
                      DecodeRowGroups(facts, projection, threads));
  if (projection & kLoadPair) WV_RETURN_IF_ERROR(AssignPairIds(results, table));
  if (projection & kLoadUser) {
    MergeDictionary(
        results, [](ChunkResult& r) -> LocalDictionary& { return r.user; }, &FactChunk::user,
        &table->user_ids);
    table->num_users = table->user_ids.size();
  }
  if (projection & kLoadLineage) {
    MergeDictionary(
        results, [](ChunkResult& r) -> LocalDictionary& { return r.source; },
        &FactChunk::source_file, &table->source_files);
  }
  if (projection & kLoadLexeme) {
    MergeDictionary(
        results, [](ChunkResult& r) -> LocalDictionary& { return r.lexeme; }, &FactChunk::lexeme,
        &table->lexeme_ids);
  }
  table->chunks.reserve(results.size());
  for (auto& r : results) table->chunks.push_back(std::move(r.chunk));
  return OkStatus();
}

// The string columns `names` of every file of a dimension table, in file and
// row order. A missing column is an InputError; NULLs are kept as nullopt.
using StringColumns = std::vector<std::vector<std::optional<std::string>>>;

StatusOr<StringColumns> ReadDimension(const std::string& dir, std::string_view table,
                                      std::initializer_list<std::string_view> names) {
  WV_ASSIGN_OR_RETURN(auto paths, ListParquetFiles((fs::path(dir) / table).string()));
  StringColumns out(names.size());
  for (const auto& path : paths) {
    auto reader_or = FileReader::Open(path);
    if (!reader_or.ok()) return WithPath(reader_or.status(), path);
    const FileReader& reader = **reader_or;
    std::vector<int> idx;
    for (std::string_view n : names) {
      const int i = reader.ColumnIndex(n);
      if (i < 0) return InputError(fmt::format("{}: no column {}", path, n));
      if (reader.schema().columns[i].physical != PhysicalType::kByteArray) {
        return InputError(fmt::format("{}: column {} is not a string column", path, n));
      }
      idx.push_back(i);
    }
    for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
      for (size_t c = 0; c < names.size(); ++c) {
        auto cv = reader.ReadColumn(rg, idx[c]);
        if (!cv.ok()) return WithPath(cv.status(), path);
        for (size_t r = 0; r < cv->bytes.size(); ++r) {
          if (cv->is_null(r)) {
            out[c].emplace_back(std::nullopt);
          } else {
            out[c].emplace_back(std::string(cv->bytes[r]));
          }
        }
      }
    }
  }
  return out;
}

Status LoadLanguageNames(const std::string& dir, FactSnapshot* snapshot) {
  using model::ColumnName;
  WV_ASSIGN_OR_RETURN(
      const StringColumns langs,
      ReadDimension(dir, model::kLangsTable,
                    {ColumnName(model::kLangAlpha2), ColumnName(model::kLangEnglishName)}));
  for (size_t i = 0; i < langs[0].size(); ++i) {
    if (langs[0][i] && langs[1][i]) snapshot->language_names[*langs[0][i]] = *langs[1][i];
  }
  return OkStatus();
}

Status LoadWords(const std::string& dir, FactSnapshot* snapshot) {
  using model::ColumnName;
  WV_ASSIGN_OR_RETURN(
      const StringColumns words,
      ReadDimension(dir, model::kWordsTable,
                    {ColumnName(model::kWordLexemeId), ColumnName(model::kWordLexemeString),
                     ColumnName(model::kWordPartOfSpeech)}));
  for (size_t i = 0; i < words[0].size(); ++i) {
    if (!words[0][i]) continue;
    snapshot->words[*words[0][i]] = WordInfo{words[1][i].value_or(""), words[2][i]};
  }
  snapshot->words_loaded = true;
  return OkStatus();
}

}  // namespace

StatusOr<FactSnapshot> LoadFactSnapshot(const std::string& dir, uint32_t projection,
                                        bool load_words, int threads) {
  WV_RETURN_IF_ERROR(CheckStarSchemaDir(dir));
  FactSnapshot snapshot;
  snapshot.dir = dir;
  WV_RETURN_IF_ERROR(LoadFacts(dir, projection, threads, &snapshot.facts));
  WV_RETURN_IF_ERROR(LoadLanguageNames(dir, &snapshot));
  if (load_words) WV_RETURN_IF_ERROR(LoadWords(dir, &snapshot));
  return snapshot;
}

}  // namespace wv::analytics
