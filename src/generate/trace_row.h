#ifndef WV_GENERATE_TRACE_ROW_H_
#define WV_GENERATE_TRACE_ROW_H_

#include <cstdint>

// One generated learning-trace row, before it is written as text. Plain data.
namespace wv::generate {

struct Row {
  int64_t timestamp;
  int64_t delta;
  int64_t history_seen;
  int64_t history_correct;
  uint32_t lexeme;  // index into the vocabulary
  uint8_t seen;
  uint8_t correct;
  uint8_t pair;  // index into kLanguagePairs
};

}  // namespace wv::generate

#endif  // WV_GENERATE_TRACE_ROW_H_
