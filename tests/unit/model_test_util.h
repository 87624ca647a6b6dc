#ifndef WV_TESTS_UNIT_MODEL_TEST_UTIL_H_
#define WV_TESTS_UNIT_MODEL_TEST_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.h"
#include "traces/trace_batch.h"

// Traces and folders for the tests of the star-schema build and of what the
// run layer does with its output (manifest, verify).
namespace wv::testing {

// A fresh folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = UniqueTestPath("wv_model_test_");
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline constexpr int64_t kDay0 = 1362009600;  // 2013-02-28T00:00:00Z

inline void AddRow(traces::TraceBatch* b, int64_t ts, std::string_view user, int64_t hs,
                   int64_t line) {
  b->p_recall.push_back(0.5);
  b->timestamp.push_back(ts);
  b->delta.push_back(100);
  b->user_id.push_back(user);
  b->learning_language.push_back("es");
  b->ui_language.push_back("en");
  b->lexeme_id.push_back(std::string(32, 'a' + static_cast<char>(line % 3)));
  b->lexeme_string.push_back(line % 3 == 0 ? "es/ser<vbser><pri><p3><sg>" : "casa/casa<n><f><sg>");
  b->history_seen.push_back(hs);
  b->history_correct.push_back(hs / 2);
  b->session_seen.push_back(2);
  b->session_correct.push_back(1);
  b->source_file.push_back(0);
  b->line_number.push_back(line);
}

// Two chunks over three UTC days (with a row group of 3 rows, so several
// row groups and encoding jobs per day), plus two rejected rows.
inline std::vector<traces::ValidatedChunk> MakeChunks() {
  std::vector<traces::ValidatedChunk> chunks(2);
  int64_t line = 2;
  for (int c = 0; c < 2; ++c) {
    traces::ValidatedChunk& ch = chunks[c];
    ch.sequence = c;
    for (int i = 0; i < 20; ++i) {
      const int64_t day = (i + c) % 3;
      AddRow(&ch.accepted, kDay0 + day * 86400 + i * 60, i % 2 ? "u:a" : "u:b", i % 4, line++);
    }
    ch.rejected.source_file.push_back(0);
    ch.rejected.line_number.push_back(line++);
    ch.rejected.reason.push_back(c == 0 ? traces::RejectReason::kBadNumber
                                        : traces::RejectReason::kDuplicate);
    ch.rejected.detail.push_back("field 1 (p_recall): 'x' \xff is not a number");
    ch.rejected.raw_line.push_back("x,\xff,raw");
    ch.input_rows = ch.accepted.size() + ch.rejected.size();
  }
  return chunks;
}

}  // namespace wv::testing

#endif  // WV_TESTS_UNIT_MODEL_TEST_UTIL_H_
