#include "run/append.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <set>

#include "core/civil_time.h"
#include "core/crc32.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "model/star_schema.h"
#include "parquet/reader.h"
#include "run/output_listing.h"

namespace wv::run {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr std::string_view kCoursesState = "_state/courses.tsv";
constexpr std::string_view kSeveralStringsState = "_state/lexemes_with_several_strings.tsv";
constexpr std::string_view kDedupPrefix = "_state/dedup/date=";

using traces::FingerprintRecord;  // a _state/dedup file's record

// Flushed to its file past this many bytes.
constexpr size_t kDayBufferBytes = size_t{1} << 20;

int64_t DayOf(int64_t epoch) {
  return epoch >= 0 ? epoch / kSecondsPerDay : (epoch - kSecondsPerDay + 1) / kSecondsPerDay;
}

// The day of "_state/dedup/date=YYYY-MM-DD/NAME.fp", or nullopt.
std::optional<int64_t> StateDay(std::string_view path) {
  if (!path.starts_with(kDedupPrefix)) return std::nullopt;
  const StatusOr<int64_t> day = ParseDateString(path.substr(kDedupPrefix.size(), 10));
  if (!day.ok()) return std::nullopt;
  return *day;
}

// The day of "fact_wordviews/date=YYYY-MM-DD/...", or nullopt.
std::optional<int64_t> FactDay(std::string_view path) {
  const size_t at = path.find("/date=");
  if (at == std::string_view::npos) return std::nullopt;
  const StatusOr<int64_t> day = ParseDateString(path.substr(at + 6, 10));
  if (!day.ok()) return std::nullopt;
  return *day;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t from = 0; from < text.size();) {
    size_t end = text.find('\n', from);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(from, end - from));
    from = end + 1;
  }
  return lines;
}

std::string SessionKey(std::string_view user, int64_t epoch) {
  std::string key(user);
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(&epoch), sizeof epoch);
  return key;
}

// a == b, spelled so that it stays a memcmp in the per-row loops (this file's
// sorts of string_views make GCC emit string_view::compare out of line).
bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

// Whether `course` is "user \t learning \t ui" (compared in place: no
// string is built for the row).
bool IsCourse(std::string_view course, std::string_view user, std::string_view learning,
              std::string_view ui) {
  const size_t u = user.size(), l = learning.size();
  if (course.size() != u + l + ui.size() + 2) return false;
  const char* c = course.data();
  return std::memcmp(c, user.data(), u) == 0 && c[u] == '\t' &&
         std::memcmp(c + u + 1, learning.data(), l) == 0 && c[u + 1 + l] == '\t' &&
         std::memcmp(c + u + l + 2, ui.data(), ui.size()) == 0;
}

// Appends row `row` of `from` to `to` (columns of physical type `type`);
// nullable columns keep one validity entry per row.
void AppendRow(const parquet::ColumnVector& from, size_t row, parquet::PhysicalType type,
               bool nullable, parquet::ColumnVector* to) {
  using parquet::PhysicalType;
  switch (type) {
    case PhysicalType::kBoolean:
      to->bools.push_back(from.bools[row]);
      break;
    case PhysicalType::kInt32:
      to->i32.push_back(from.i32[row]);
      break;
    case PhysicalType::kInt64:
      to->i64.push_back(from.i64[row]);
      break;
    case PhysicalType::kFloat:
      to->f32.push_back(from.f32[row]);
      break;
    case PhysicalType::kDouble:
      to->f64.push_back(from.f64[row]);
      break;
    case PhysicalType::kByteArray:
      to->bytes.push_back(from.bytes[row]);
      break;
  }
  if (nullable) to->valid.push_back(from.is_null(row) ? 0 : 1);
}

size_t ColumnSize(const parquet::ColumnVector& c, parquet::PhysicalType type) {
  using parquet::PhysicalType;
  switch (type) {
    case PhysicalType::kBoolean:
      return c.bools.size();
    case PhysicalType::kInt32:
      return c.i32.size();
    case PhysicalType::kInt64:
      return c.i64.size();
    case PhysicalType::kFloat:
      return c.f32.size();
    case PhysicalType::kDouble:
      return c.f64.size();
    case PhysicalType::kByteArray:
      return c.bytes.size();
  }
  return 0;
}

// Appends row `row` of every column of `from` to `to` (both of `table`).
void AppendTableRow(const model::TableContract& table, const model::TableData& from, size_t row,
                    model::TableData* to) {
  for (size_t c = 0; c < table.columns.size(); ++c) {
    AppendRow(from.columns[c], row, table.columns[c].physical, table.columns[c].nullable(),
              &to->columns[c]);
  }
  ++to->rows;
}

// Appends every value of `from` to `to` (columns of physical type `type`);
// nullable columns keep one validity entry per row.
void AppendColumn(const parquet::ColumnVector& from, size_t rows, parquet::PhysicalType type,
                  bool nullable, parquet::ColumnVector* to) {
  using parquet::PhysicalType;
  const auto append = [](const auto& a, auto* b) { b->insert(b->end(), a.begin(), a.end()); };
  switch (type) {
    case PhysicalType::kBoolean:
      append(from.bools, &to->bools);
      break;
    case PhysicalType::kInt32:
      append(from.i32, &to->i32);
      break;
    case PhysicalType::kInt64:
      append(from.i64, &to->i64);
      break;
    case PhysicalType::kFloat:
      append(from.f32, &to->f32);
      break;
    case PhysicalType::kDouble:
      append(from.f64, &to->f64);
      break;
    case PhysicalType::kByteArray: {
      const uint64_t base = to->bytes.data.size();
      to->bytes.data.append(from.bytes.data);
      for (size_t i = 1; i < from.bytes.offsets.size(); ++i) {
        to->bytes.offsets.push_back(base + from.bytes.offsets[i]);
      }
      break;
    }
  }
  if (!nullable) return;
  if (from.valid.empty()) {
    to->valid.insert(to->valid.end(), rows, 1);
  } else {
    append(from.valid, &to->valid);
  }
}

// The rows of `data` whose key (the table's first column, its primary key)
// `is_previous` does not know, in order.
template <typename IsPrevious>
model::TableData NewKeyRows(const model::TableContract& table, const model::TableData& data,
                            IsPrevious is_previous) {
  model::TableData added;
  added.columns.resize(table.columns.size());
  for (size_t r = 0; r < data.rows; ++r) {
    if (!is_previous(r)) AppendTableRow(table, data, r, &added);
  }
  return added;
}

// Columns `columns` of every file of `name` in `previous`, end to end (the
// others left empty); appends the files' paths to *paths.
StatusOr<model::TableData> ReadPreviousTable(const PublishedOutput& previous, std::string_view name,
                                             const std::vector<int>& columns,
                                             std::vector<std::string>* paths) {
  const model::TableContract& table = model::Table(name);
  model::TableData data;
  data.columns.resize(table.columns.size());
  const TableRecord* listed = previous.manifest()->FindTable(name);
  if (listed == nullptr) return data;
  for (const FileRecord& f : listed->files) {
    if (!ListedPathProblem(name, f.path).empty()) {
      return InputError(
          fmt::format("{}: the manifest lists '{}', not a path of ours", previous.dir(), f.path));
    }
    paths->push_back(f.path);
    WV_RETURN_IF_ERROR(previous.Fetch(f.path));
    WV_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::Open(previous.PathOf(f.path)));
    const parquet::Schema& schema = reader->schema();
    bool same = schema.columns.size() == table.columns.size();
    for (size_t c = 0; same && c < table.columns.size(); ++c) {
      same = schema.columns[c].name == table.columns[c].name &&
             schema.columns[c].physical == table.columns[c].physical;
    }
    if (!same) {
      return InputError(
          fmt::format("{}/{}: columns differ from the table's schema", previous.dir(), f.path));
    }
    for (int g = 0; g < reader->num_row_groups(); ++g) {
      const size_t rows = static_cast<size_t>(reader->row_group_num_rows(g));
      for (int c : columns) {
        WV_ASSIGN_OR_RETURN(const parquet::ColumnVector v, reader->ReadColumn(g, c));
        const model::ColumnContract& column = table.columns[static_cast<size_t>(c)];
        if (ColumnSize(v, column.physical) != rows) {
          return InputError(fmt::format("{}/{}: column {} does not hold {} values", previous.dir(),
                                        f.path, column.name, rows));
        }
        AppendColumn(v, rows, column.physical, column.nullable(),
                     &data.columns[static_cast<size_t>(c)]);
      }
      data.rows += rows;
    }
  }
  return data;
}

}  // namespace

// This batch's fingerprints of one day, written as they come.
struct BatchState::DayWriter {
  std::string path;
  std::unique_ptr<io::ByteSink> sink;
  std::string buffer;
  uint32_t crc = 0;
  uint64_t bytes = 0;
  int64_t records = 0;

  Status Flush() {
    crc = Crc32(buffer, crc);
    bytes += buffer.size();
    WV_RETURN_IF_ERROR(sink->Append(buffer));
    buffer.clear();
    return OkStatus();
  }
};

StatusOr<PreviousDimensions> ReadPreviousDimensions(const PublishedOutput& previous) {
  PreviousDimensions d;
  const auto all = [](std::string_view name) {
    std::vector<int> columns(model::Table(name).columns.size());
    for (size_t c = 0; c < columns.size(); ++c) columns[c] = static_cast<int>(c);
    return columns;
  };
  const auto read_all = [&](std::string_view name) {
    return ReadPreviousTable(previous, name, all(name), &d.files[std::string(name)]);
  };
  WV_ASSIGN_OR_RETURN(d.users, read_all(model::kUsersTable));
  WV_ASSIGN_OR_RETURN(d.langs, read_all(model::kLangsTable));
  // Of dim_words, what the merge, the words' state and the recount read.
  WV_ASSIGN_OR_RETURN(d.words,
                      ReadPreviousTable(previous, model::kWordsTable,
                                        {model::kWordLexemeId, model::kWordLanguage,
                                         model::kWordLexemeString, model::kWordSurfaceIsWildcard,
                                         model::kWordHasWildcardTag, model::kWordUnknownTags},
                                        &d.files[std::string(model::kWordsTable)]));
  WV_ASSIGN_OR_RETURN(d.times, ReadPreviousTable(previous, model::kTimesTable, {model::kTimeEpoch},
                                                 &d.files[std::string(model::kTimesTable)]));
  const std::vector<int64_t>& epochs = d.times.columns[model::kTimeEpoch].i64;
  d.epochs.Assign(epochs);
  return d;
}

std::vector<std::string> FilesReadBeforeIngest(const Manifest& previous) {
  std::vector<std::string> paths;
  for (const TableRecord& t : previous.tables) {
    if (t.name == model::kFactTable || t.name == model::kQuarantineTable) continue;
    for (const FileRecord& f : t.files) paths.push_back(f.path);
  }
  for (const FileRecord& f : previous.state_files) {
    if (!StateDay(f.path)) paths.push_back(f.path);
  }
  return paths;
}

StatusOr<std::unique_ptr<PublishedOutput>> OpenPreviousVersion(const std::string& dir,
                                                               const AbsentFileSource* absent) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::unique_ptr<PublishedOutput>();
  } else {
    std::error_code ec;
    if (S_ISDIR(st.st_mode) && std::filesystem::is_empty(dir, ec) && !ec) {
      return std::unique_ptr<PublishedOutput>();
    }
  }
  WV_ASSIGN_OR_RETURN(
      std::unique_ptr<PublishedOutput> out,
      absent == nullptr ? PublishedOutput::Open(dir) : PublishedOutput::OpenPartial(dir, absent));
  if (out->manifest() == nullptr) return out->manifest_status();
  return out;
}

StatusOr<std::vector<bool>> AlreadyAppended(const std::vector<std::string>& inputs,
                                            const Manifest& previous) {
  std::set<std::pair<uint64_t, uint32_t>> appended;
  std::set<uint64_t> appended_sizes;
  for (const BatchRecord& b : previous.batches) {
    for (const InputFileRecord& f : b.inputs) {
      appended.emplace(f.bytes, f.crc32);
      appended_sizes.insert(f.bytes);
    }
  }
  std::vector<bool> result;
  std::string buffer(size_t{1} << 20, '\0');
  for (const std::string& path : inputs) {
    struct stat st {};
    // An input missing here is left to the ingest, which says so.
    if (path == "-" || path.starts_with("s3://") || ::stat(path.c_str(), &st) != 0 ||
        !S_ISREG(st.st_mode) || !appended_sizes.contains(static_cast<uint64_t>(st.st_size))) {
      result.push_back(false);
      continue;
    }
    WV_ASSIGN_OR_RETURN(std::unique_ptr<io::ByteSource> source, io::OpenStoredSource(path));
    uint64_t bytes = 0;
    uint32_t crc = 0;
    for (;;) {
      WV_ASSIGN_OR_RETURN(const size_t n, source->Read(buffer.data(), buffer.size()));
      if (n == 0) break;
      crc = Crc32(std::string_view(buffer.data(), n), crc);
      bytes += n;
    }
    result.push_back(appended.contains({bytes, crc}));
  }
  return result;
}

BatchState::BatchState(const PublishedOutput* previous, std::vector<std::string> inputs,
                       std::string batch_id, io::OutputStore* store)
    : previous_(previous), batch_id_(std::move(batch_id)), store_(store) {
  if (previous_ != nullptr) {
    previous_manifest_ = previous_->manifest();
    for (const InputFileRecord& f : previous_manifest_->inputs) all_inputs_.push_back(f.path);
    for (const FileRecord& f : previous_manifest_->state_files) {
      if (const auto day = StateDay(f.path)) previous_state_by_day_[*day].push_back(f.path);
    }
    if (const TableRecord* facts = previous_manifest_->FindTable(model::kFactTable)) {
      for (const FileRecord& f : facts->files) {
        if (const auto day = FactDay(f.path)) previous_days_.insert(*day);
      }
    }
  }
  first_input_ = static_cast<uint32_t>(all_inputs_.size());
  for (std::string& path : inputs) all_inputs_.push_back(std::move(path));
}

BatchState::~BatchState() = default;

Status BatchState::Load() {
  if (previous_ == nullptr) return OkStatus();
  WV_ASSIGN_OR_RETURN(previous_dims_, ReadPreviousDimensions(*previous_));
  WV_RETURN_IF_ERROR(LoadCourses());
  return LoadWords();
}

Status BatchState::LoadCourses() {
  for (const FileRecord& f : previous_manifest_->state_files) {
    if (f.path != kCoursesState) continue;
    WV_ASSIGN_OR_RETURN(previous_courses_text_, previous_->ReadFile(f.path));
    previous_courses_ = Lines(previous_courses_text_);
    // As WriteState() wrote them: sorted (else sorted here, once).
    if (!std::is_sorted(previous_courses_.begin(), previous_courses_.end())) {
      std::sort(previous_courses_.begin(), previous_courses_.end());
    }
    previous_course_set_.reserve(previous_courses_.size());
    previous_course_set_.insert(previous_courses_.begin(), previous_courses_.end());
    return OkStatus();
  }
  return InputError(fmt::format(
      "{} has no {}: it was not made with `run --append` (a plain run keeps no append state); "
      "rebuild it with `wordviews run --appendable` over all its inputs, then append to it",
      previous_->dir(), kCoursesState));
}

Status BatchState::LoadWords() {
  for (const FileRecord& f : previous_manifest_->state_files) {
    if (f.path != kSeveralStringsState) continue;
    WV_ASSIGN_OR_RETURN(const std::string text, previous_->ReadFile(f.path));
    for (std::string_view line : Lines(text)) several_strings_.emplace(std::string(line));
  }
  const model::TableData& words = previous_dims_.words;
  for (size_t i = 0; i < words.rows; ++i) {
    const std::string_view id = words.columns[model::kWordLexemeId].bytes[i];
    bool inserted = false;
    word_ids_.Intern(id, &inserted);
    if (!inserted) continue;
    AddWord(words.columns[model::kWordLexemeString].bytes[i],
            words.columns[model::kWordLanguage].bytes[i],
            several_strings_.contains(std::string(id)));
  }
  for (const quality::CheckResult& c : previous_manifest_->checks) {
    if (c.name == "anomaly.rows_with_conflicting_lexeme") previous_conflicting_rows_ = c.observed;
  }
  return OkStatus();
}

StatusOr<const BatchState::DayFingerprints*> BatchState::LoadDay(int64_t day) {
  auto [it, inserted] = loaded_days_.try_emplace(day);
  if (!inserted) return &it->second;
  const auto files = previous_state_by_day_.find(day);
  if (files == previous_state_by_day_.end()) return &it->second;
  for (const std::string& path : files->second) {
    WV_ASSIGN_OR_RETURN(const std::string bytes, previous_->ReadFile(path));
    if (bytes.size() % sizeof(FingerprintRecord) != 0) {
      return InputError(fmt::format("{}/{}: {} bytes, not a whole number of records",
                                    previous_->dir(), path, bytes.size()));
    }
    const size_t n = bytes.size() / sizeof(FingerprintRecord);
    it->second.reserve(it->second.size() + n);
    for (size_t i = 0; i < n; ++i) {
      FingerprintRecord r;
      std::memcpy(&r, bytes.data() + i * sizeof r, sizeof r);
      if (r.input >= first_input_) {
        return InputError(fmt::format("{}/{}: record {} names input {} of {}", previous_->dir(),
                                      path, i, r.input, first_input_));
      }
      it->second.try_emplace(traces::RowFingerprint{r.hash, r.check}, Earlier{r.input, r.line});
    }
  }
  return &it->second;
}

StatusOr<std::optional<std::string>> BatchState::FindEarlier(
    int64_t epoch, const traces::RowFingerprint& fingerprint) {
  if (previous_ == nullptr) return std::optional<std::string>();
  // Rows come in runs of one day: the day's set is looked up once a run.
  const int64_t day_number = DayOf(epoch);
  if (last_loaded_ == nullptr || last_loaded_day_ != day_number) {
    WV_ASSIGN_OR_RETURN(last_loaded_, LoadDay(day_number));
    last_loaded_day_ = day_number;
  }
  const DayFingerprints* day = last_loaded_;
  if (day->empty()) return std::optional<std::string>();
  const auto it = day->find(fingerprint);
  if (it == day->end()) return std::optional<std::string>();
  return std::optional<std::string>(
      fmt::format("line {} in {}", it->second.line, all_inputs_[it->second.input]));
}

Status BatchState::Remember(int64_t epoch, const traces::RowFingerprint& fingerprint, uint32_t file,
                            int64_t line) {
  const int64_t day = DayOf(epoch);
  if (last_writer_ == nullptr || last_writer_day_ != day) {
    std::unique_ptr<DayWriter>& created = writers_[day];
    if (created == nullptr) {
      created = std::make_unique<DayWriter>();
      created->path = fmt::format("{}{}/{}.fp", kDedupPrefix, DateString(day), batch_id_);
      WV_ASSIGN_OR_RETURN(created->sink, store_->Create(created->path));
    }
    last_writer_ = created.get();
    last_writer_day_ = day;
  }
  DayWriter* w = last_writer_;
  const FingerprintRecord r{fingerprint.hash, fingerprint.check, first_input_ + file, line};
  w->buffer.append(reinterpret_cast<const char*>(&r), sizeof r);
  ++w->records;
  if (w->buffer.size() >= kDayBufferBytes) WV_RETURN_IF_ERROR(w->Flush());
  return OkStatus();
}

void BatchState::Observe(const traces::TraceBatch& b) {
  for (size_t i = 0; i < b.size(); ++i) {
    const std::string_view user = b.user_id[i], learning = b.learning_language[i],
                           ui = b.ui_language[i];
    // Rows come in runs of one course (a session's).
    if (!IsCourse(last_course_, user, learning, ui)) {
      last_course_.assign(user);
      last_course_.push_back('\t');
      last_course_.append(learning);
      last_course_.push_back('\t');
      last_course_.append(ui);
      // A course the earlier batches did not have adds one to its user's
      // dim_users.courses (the previous version's count, MergeUsers).
      if (!previous_course_set_.contains(last_course_) &&
          new_courses_.insert(last_course_).second && previous_ != nullptr) {
        ++new_courses_per_user_[user];
      }
    }
    const int64_t day = DayOf(b.timestamp[i]);
    if (day != last_day_) {
      last_day_ = day;
      last_day_is_previous_ = previous_days_.contains(day);
      if (last_day_is_previous_) touched_previous_days_.insert(day);
    }
    if (last_day_is_previous_) batch_sessions_.insert(SessionKey(user, b.timestamp[i]));
  }
  ObserveWords(b);
}

void BatchState::AddWord(std::string_view text, std::string_view language, bool several_strings) {
  words_.push_back(Word{word_strings_.size(), static_cast<uint32_t>(text.size()),
                        std::string(language), several_strings, false});
  word_strings_.append(text);
}

void BatchState::ObserveWords(const traces::TraceBatch& b) {
  // By model::LexemeConflicts, the build's rule, against the first
  // occurrence over every batch. The dictionary's slots are prefetched a
  // few rows ahead (a lookup is otherwise two cache misses).
  constexpr size_t kAhead = 8;
  std::vector<uint64_t> hashes(b.size());
  for (size_t i = 0; i < b.size(); ++i) hashes[i] = StringDictionary::Hash(b.lexeme_id[i]);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i + kAhead < b.size()) word_ids_.Prefetch(hashes[i + kAhead]);
    const std::string_view id = b.lexeme_id[i], text = b.lexeme_string[i];
    const std::string_view language = b.learning_language[i];
    bool inserted = false;
    const uint32_t code = word_ids_.InternHashed(id, hashes[i], &inserted);
    if (inserted) {
      AddWord(text, language, false);
      continue;
    }
    Word& w = words_[code];
    const bool other_string =
        !SameBytes(std::string_view(word_strings_.data() + w.string_offset, w.string_length), text);
    conflicts_.Add(other_string, !SameBytes(w.language, language), &w.several_strings,
                   &w.several_languages);
    if (other_string) several_strings_.emplace(std::string(id));
  }
}

Status BatchState::PrepareMerge() {
  if (previous_ == nullptr || touched_previous_days_.empty()) return OkStatus();
  const TableRecord* facts = previous_manifest_->FindTable(model::kFactTable);
  absl::flat_hash_set<std::string> previous_sessions;
  for (const FileRecord& f : facts->files) {
    const auto day = FactDay(f.path);
    if (!day || !touched_previous_days_.contains(*day)) continue;
    WV_RETURN_IF_ERROR(previous_->Fetch(f.path));
    WV_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::Open(previous_->PathOf(f.path)));
    for (int g = 0; g < reader->num_row_groups(); ++g) {
      WV_ASSIGN_OR_RETURN(const auto users, reader->ReadColumn(g, model::kFactUserId));
      WV_ASSIGN_OR_RETURN(const auto epochs, reader->ReadColumn(g, model::kFactEpoch));
      for (size_t i = 0; i < epochs.i64.size(); ++i) {
        previous_sessions.insert(SessionKey(users.bytes[i], epochs.i64[i]));
      }
    }
  }
  for (const std::string& session : batch_sessions_) {
    if (previous_sessions.contains(session)) {
      ++repeated_sessions_[session.substr(0, session.find('\0'))];
    }
  }
  return OkStatus();
}

Status BatchState::MergeUsers(const model::TableData& previous, model::TableData* data) const {
  const model::TableContract& table = model::Table(model::kUsersTable);
  const auto& batch = data->columns;
  // The batch's users indexed (a day's), not the history's: each previous
  // row is looked up once, in order, and updated in place.
  absl::flat_hash_map<std::string_view, size_t, model::StringViewHash, model::StringViewEq>
      batch_row;  // views into *data
  batch_row.reserve(data->rows);
  for (size_t r = 0; r < data->rows; ++r) batch_row.emplace(batch[model::kUserId].bytes[r], r);
  model::TableData merged = previous;
  auto& cols = merged.columns;
  std::vector<uint8_t> known(data->rows, 0);  // the batch's users the previous version has
  for (size_t m = 0; m < merged.rows; ++m) {
    const auto it = batch_row.find(cols[model::kUserId].bytes[m]);
    if (it == batch_row.end()) continue;
    const size_t r = it->second;
    known[r] = 1;
    const std::string_view user = it->first;
    const auto repeated = repeated_sessions_.find(user);
    cols[model::kUserNumberOfSessions].i64[m] +=
        batch[model::kUserNumberOfSessions].i64[r] -
        (repeated == repeated_sessions_.end() ? 0 : repeated->second);
    cols[model::kUserFirstSeen].i64[m] =
        std::min(cols[model::kUserFirstSeen].i64[m], batch[model::kUserFirstSeen].i64[r]);
    cols[model::kUserLastSeen].i64[m] =
        std::max(cols[model::kUserLastSeen].i64[m], batch[model::kUserLastSeen].i64[r]);
    cols[model::kUserViews].i64[m] += batch[model::kUserViews].i64[r];
    const auto courses = new_courses_per_user_.find(user);
    if (courses != new_courses_per_user_.end()) cols[model::kUserCourses].i64[m] += courses->second;
  }
  // The new users after the previous ones, in the batch's order.
  for (size_t r = 0; r < data->rows; ++r) {
    if (!known[r]) AppendTableRow(table, *data, r, &merged);
  }
  *data = std::move(merged);
  return OkStatus();
}

StatusOr<model::BuildOptions::DimensionRows> BatchState::MergeDimension(
    std::string_view name, model::TableData* data) const {
  using Rows = model::BuildOptions::DimensionRows;
  if (previous_ == nullptr) return Rows::kWhole;
  if (name == model::kUsersTable) {
    WV_RETURN_IF_ERROR(MergeUsers(previous_dims_.users, data));
    return Rows::kWhole;
  }
  // Times, languages and words: a key the previous version has keeps its
  // row (the first occurrence, which came in an earlier batch) in the
  // previous version's files, which the new version keeps; the new keys are
  // this batch's file.
  const model::TableContract& table = model::Table(name);
  if (name == model::kTimesTable) {
    const std::vector<int64_t>& epochs = data->columns[model::kTimeEpoch].i64;
    *data = NewKeyRows(table, *data,
                       [&](size_t r) { return previous_dims_.epochs.contains(epochs[r]); });
    return Rows::kAdded;
  }
  const model::TableData& previous = previous_dims_.Of(name);
  absl::flat_hash_set<std::string_view> keys;
  keys.reserve(previous.rows);
  for (size_t r = 0; r < previous.rows; ++r) keys.insert(previous.columns[0].bytes[r]);
  const parquet::ColumnVector& ids = data->columns[0];
  *data = NewKeyRows(table, *data, [&](size_t r) { return keys.contains(ids.bytes[r]); });
  return Rows::kAdded;
}

StatusOr<std::vector<FileRecord>> BatchState::WriteState() {
  std::vector<FileRecord> files;
  for (auto& [day, w] : writers_) {
    WV_RETURN_IF_ERROR(w->Flush());
    WV_RETURN_IF_ERROR(w->sink->Close());
    files.push_back(FileRecord{w->path, w->records, w->bytes, w->crc});
  }
  // REQUIRES: `lines` sorted.
  const auto write_lines = [&](std::string_view path,
                               const std::vector<std::string_view>& lines) -> Status {
    std::string text;
    for (std::string_view line : lines) text.append(line).push_back('\n');
    WV_ASSIGN_OR_RETURN(auto sink, store_->Create(path));
    WV_RETURN_IF_ERROR(sink->Append(text));
    WV_RETURN_IF_ERROR(sink->Close());
    files.push_back(FileRecord{std::string(path), static_cast<int64_t>(lines.size()), text.size(),
                               Crc32(text)});
    return OkStatus();
  };
  // The earlier batches' courses come sorted: merged with this batch's new
  // ones, not sorted again.
  std::vector<std::string_view> added(new_courses_.begin(), new_courses_.end());
  std::sort(added.begin(), added.end());
  std::vector<std::string_view> courses;
  courses.reserve(previous_courses_.size() + added.size());
  std::merge(previous_courses_.begin(), previous_courses_.end(), added.begin(), added.end(),
             std::back_inserter(courses));
  WV_RETURN_IF_ERROR(write_lines(kCoursesState, courses));
  std::vector<std::string_view> several(several_strings_.begin(), several_strings_.end());
  std::sort(several.begin(), several.end());
  WV_RETURN_IF_ERROR(write_lines(kSeveralStringsState, several));
  return files;
}

AbsentKeptFiles::AbsentKeptFiles(const PublishedOutput* previous, io::OutputStore* store,
                                 std::set<std::string> absent)
    : previous_(previous), store_(store), absent_(absent.begin(), absent.end()) {}

bool AbsentKeptFiles::Knows(std::string_view relative) const { return absent_.contains(relative); }

Status AbsentKeptFiles::Fetch(std::string_view relative, const std::string& root) const {
  (void)root;  // the store's staging folder
  MutexLock lock(&mu_);
  if (!linked_.insert(std::string(relative)).second) return OkStatus();
  StatusOr<io::UniqueFd> fd = previous_->OpenFile(relative);
  Status linked = fd.ok() ? store_->LinkFile(fd->get(), relative) : fd.status();
  if (!linked.ok()) linked_.erase(std::string(relative));
  return linked;
}

Status KeepPreviousFiles(const PublishedOutput& previous, io::OutputStore* store,
                         std::vector<TableRecord>* tables, std::vector<FileRecord>* state,
                         std::set<std::string>* kept, std::set<std::string>* absent) {
  const Manifest& m = *previous.manifest();
  const auto keep = [&](const FileRecord& f) -> Status {
    kept->insert(f.path);
    // A partial copy's absent file stays where it is, known by its record.
    if (previous.IsAbsent(f.path)) {
      absent->insert(f.path);
      return OkStatus();
    }
    WV_ASSIGN_OR_RETURN(const io::UniqueFd fd, previous.OpenFile(f.path));
    return store->LinkFile(fd.get(), f.path);
  };
  for (const TableRecord& t : m.tables) {
    if (t.name == model::kUsersTable) continue;  // rewritten whole
    TableRecord* into = nullptr;
    for (TableRecord& n : *tables) {
      if (n.name == t.name) into = &n;
    }
    if (into == nullptr) return InternalError(fmt::format("no table {} to add to", t.name));
    for (const FileRecord& f : t.files) {
      if (!ListedPathProblem(t.name, f.path).empty()) {
        return InputError(
            fmt::format("{}: the manifest lists '{}', not a path of ours", previous.dir(), f.path));
      }
      WV_RETURN_IF_ERROR(keep(f));
      into->files.push_back(f);
      into->rows += f.rows;
    }
    std::sort(into->files.begin(), into->files.end(),
              [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
  }
  for (const FileRecord& f : m.state_files) {
    if (!StateDay(f.path)) continue;  // the others are written anew
    if (!StatePathProblem(f.path).empty()) {
      return InputError(
          fmt::format("{}: the manifest lists '{}', not a path of ours", previous.dir(), f.path));
    }
    WV_RETURN_IF_ERROR(keep(f));
    state->push_back(f);
  }
  return OkStatus();
}

}  // namespace wv::run
