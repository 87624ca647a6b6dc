#include "dist/split_files.h"

#include <charconv>
#include <cstring>

#include "core/crc32.h"
#include "fmt/core.h"
#include "io/byte_source.h"

namespace wv::dist {
namespace {

constexpr size_t kFlushBytes = size_t{1} << 20;
constexpr size_t kReadBytes = size_t{1} << 20;  // ReadDimensionRows' reads

void AppendString(std::string_view s, std::string* out) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  out->append(s);
}

template <typename T>
bool ParseNumber(std::string_view text, T* value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

// Cuts `text` at its next tab: the field before, the rest after.
std::string_view NextField(std::string_view* text) {
  const size_t tab = text->find('\t');
  const std::string_view field = text->substr(0, tab);
  *text = tab == std::string_view::npos ? std::string_view() : text->substr(tab + 1);
  return field;
}

// Reads `n` bytes at *pos of `data`, or false if the data ends first.
bool Take(std::string_view data, size_t* pos, size_t n, std::string_view* out) {
  if (data.size() - *pos < n) return false;
  *out = data.substr(*pos, n);
  *pos += n;
  return true;
}

bool TakeString(std::string_view data, size_t* pos, std::string_view* out) {
  std::string_view len;
  if (!Take(data, pos, sizeof(uint32_t), &len)) return false;
  uint32_t n = 0;
  std::memcpy(&n, len.data(), sizeof n);
  return Take(data, pos, n, out);
}

}  // namespace

SplitHistory::SplitHistory(std::unique_ptr<io::ByteSink> fingerprints)
    : sink_(std::move(fingerprints)) {}

Status SplitHistory::LoadLosers(const std::string& path) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenStoredSource(path));
  WV_ASSIGN_OR_RETURN(const std::string text, io::ReadAll(*source));
  size_t start = 0;
  int64_t line_no = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view rest(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (rest.empty()) continue;
    traces::RowFingerprint key;
    int64_t line = 0;
    const bool ok = ParseNumber(NextField(&rest), &key.hash) &&
                    ParseNumber(NextField(&rest), &key.check) &&
                    ParseNumber(NextField(&rest), &line) && !rest.empty();
    if (!ok) {
      return InputError(fmt::format(
          "{}: line {}: expected 'hash<TAB>check<TAB>line<TAB>path' of a first occurrence", path,
          line_no));
    }
    losers_[key] = fmt::format("line {} in {}", line, rest);
  }
  return OkStatus();
}

StatusOr<std::optional<std::string>> SplitHistory::FindEarlier(
    int64_t, const traces::RowFingerprint& fingerprint) {
  const auto it = losers_.find(fingerprint);
  if (it == losers_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status SplitHistory::Remember(int64_t, const traces::RowFingerprint& fingerprint, uint32_t,
                              int64_t line) {
  if (sink_ == nullptr) return OkStatus();
  const FingerprintRecord r{fingerprint.hash, fingerprint.check, 0, line};
  buffer_.append(reinterpret_cast<const char*>(&r), sizeof r);
  if (buffer_.size() >= kFlushBytes) {
    WV_RETURN_IF_ERROR(sink_->Append(buffer_));
    buffer_.clear();
  }
  return OkStatus();
}

Status SplitHistory::Close() {
  if (sink_ == nullptr) return OkStatus();
  WV_RETURN_IF_ERROR(sink_->Append(buffer_));
  buffer_.clear();
  return sink_->Close();
}

DimensionRowWriter::DimensionRowWriter(std::unique_ptr<io::ByteSink> sink)
    : sink_(std::move(sink)) {}

Status DimensionRowWriter::Add(const traces::TraceBatch& b) {
  for (size_t i = 0; i < b.size(); ++i) {
    const int64_t t = b.timestamp[i];
    buffer_.append(reinterpret_cast<const char*>(&t), sizeof t);
    AppendString(b.user_id[i], &buffer_);
    AppendString(b.learning_language[i], &buffer_);
    AppendString(b.ui_language[i], &buffer_);
    AppendString(b.lexeme_id[i], &buffer_);
    AppendString(b.lexeme_string[i], &buffer_);
  }
  if (buffer_.size() >= kFlushBytes) {
    WV_RETURN_IF_ERROR(sink_->Append(buffer_));
    buffer_.clear();
  }
  return OkStatus();
}

Status DimensionRowWriter::Close() {
  WV_RETURN_IF_ERROR(sink_->Append(buffer_));
  buffer_.clear();
  return sink_->Close();
}

namespace {

// Parses the next DimensionRow of `data` at *pos into `batch`; false (*pos
// unchanged) when `data` ends before the record does.
bool TakeDimensionRow(std::string_view data, size_t* pos, traces::TraceBatch* batch) {
  size_t at = *pos;
  std::string_view t, user, learning, ui, lexeme, lexeme_string;
  if (!Take(data, &at, sizeof(int64_t), &t) || !TakeString(data, &at, &user) ||
      !TakeString(data, &at, &learning) || !TakeString(data, &at, &ui) ||
      !TakeString(data, &at, &lexeme) || !TakeString(data, &at, &lexeme_string)) {
    return false;
  }
  int64_t timestamp = 0;
  std::memcpy(&timestamp, t.data(), sizeof timestamp);
  batch->timestamp.push_back(timestamp);
  batch->user_id.push_back(user);
  batch->learning_language.push_back(learning);
  batch->ui_language.push_back(ui);
  batch->lexeme_id.push_back(lexeme);
  batch->lexeme_string.push_back(lexeme_string);
  *pos = at;
  return true;
}

}  // namespace

Status ReadDimensionRows(const std::string& path, size_t rows_per_batch,
                         const std::function<Status(const traces::TraceBatch&)>& fn,
                         const WrittenFile* expected) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenStoredSource(path));
  uint32_t crc = 0;  // of the bytes read
  // The file is read kReadBytes at a time; `pending` holds what is read and
  // not yet parsed: the read bytes and a record cut by the read's end, so its
  // size stays about kReadBytes plus one record (the batch copies its values).
  std::string pending;
  uint64_t parsed_bytes = 0;  // the file's bytes before `pending`
  traces::TraceBatch batch;
  while (true) {
    const size_t kept = pending.size();
    pending.resize(kept + kReadBytes);
    WV_ASSIGN_OR_RETURN(const size_t n, source->Read(pending.data() + kept, kReadBytes));
    pending.resize(kept + n);
    if (n == 0) break;
    crc = Crc32(std::string_view(pending).substr(kept), crc);
    size_t pos = 0;
    while (TakeDimensionRow(pending, &pos, &batch)) {
      if (batch.size() >= rows_per_batch) {
        WV_RETURN_IF_ERROR(fn(batch));
        batch = traces::TraceBatch();
      }
    }
    pending.erase(0, pos);
    parsed_bytes += pos;
  }
  if (expected != nullptr &&
      (parsed_bytes + pending.size() != expected->bytes || crc != expected->crc32)) {
    return ReportMismatch(path, *expected, parsed_bytes + pending.size(), crc);
  }
  if (!pending.empty()) {
    return InputError(fmt::format("{}: cut short after {} bytes", path, parsed_bytes));
  }
  if (batch.size() > 0) WV_RETURN_IF_ERROR(fn(batch));
  return OkStatus();
}

}  // namespace wv::dist
