#include "traces/chunk_keys.h"

#include <string_view>

#include "core/string_dictionary.h"
#include "traces/trace_batch.h"

namespace wv::traces {
namespace {

// Splits `b` into runs (keys->run_starts).
void SplitRuns(const TraceBatch& b, ChunkKeys* keys) {
  const size_t n = b.size();
  size_t i = 0;
  while (i < n) {
    const int64_t epoch = b.timestamp[i];
    const std::string_view user = b.user_id[i];
    const std::string_view learning = b.learning_language[i];
    const std::string_view ui = b.ui_language[i];
    size_t j = i + 1;
    // SameBytes, not ==: these keys are a few bytes, and memcmp's call was
    // a tenth of this function's instructions (callgrind).
    while (j < n && b.timestamp[j] == epoch && SameBytes(b.user_id[j], user) &&
           SameBytes(b.learning_language[j], learning) && SameBytes(b.ui_language[j], ui)) {
      ++j;
    }
    keys->run_starts.push_back(static_cast<uint32_t>(i));
    i = j;
  }
  keys->run_starts.push_back(static_cast<uint32_t>(n));
}

// Numbers the chunk's lexeme_ids (keys->row_word, keys->words).
void NumberWords(const TraceBatch& b, ChunkKeys* keys) {
  const size_t n = b.size();
  StringDictionary local;
  keys->row_word.resize(n);
  for (size_t r = 0; r < n; ++r) {
    const std::string_view id = b.lexeme_id[r];
    const uint64_t hash = StringDictionary::Hash(id);
    bool inserted = false;
    const uint32_t code = local.InternHashed(id, hash, &inserted);
    keys->row_word[r] = code;
    if (inserted) {
      keys->words.push_back(ChunkKeys::Word{hash, static_cast<uint32_t>(r), 1, true});
      continue;
    }
    ChunkKeys::Word& w = keys->words[code];
    ++w.rows;
    if (w.uniform) {
      w.uniform = SameBytes(b.lexeme_string[r], b.lexeme_string[w.first_row]) &&
                  SameBytes(b.learning_language[r], b.learning_language[w.first_row]);
    }
  }
}

// Numbers the users of the chunk's runs (keys->run_user, keys->users).
void NumberUsers(const TraceBatch& b, ChunkKeys* keys) {
  const size_t runs = keys->runs();
  StringDictionary local;
  keys->run_user.resize(runs);
  for (size_t run = 0; run < runs; ++run) {
    const std::string_view id = b.user_id[keys->run_starts[run]];
    const uint64_t hash = StringDictionary::Hash(id);
    bool inserted = false;
    keys->run_user[run] = local.InternHashed(id, hash, &inserted);
    if (inserted) keys->users.push_back(ChunkKeys::User{hash});
  }
}

template <typename T>
size_t CapacityBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

void ChunkKeys::Clear() {
  valid = false;
  run_starts.clear();
  run_user.clear();
  row_word.clear();
  words.clear();
  users.clear();
}

size_t ChunkKeys::MemoryBytes() const {
  return CapacityBytes(run_starts) + CapacityBytes(run_user) + CapacityBytes(row_word) +
         CapacityBytes(words) + CapacityBytes(users);
}

void ComputeChunkKeys(const TraceBatch& batch, ChunkKeys* keys) {
  keys->Clear();
  SplitRuns(batch, keys);
  NumberWords(batch, keys);
  NumberUsers(batch, keys);
  keys->valid = true;
}

}  // namespace wv::traces
