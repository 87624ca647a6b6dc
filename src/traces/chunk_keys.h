#ifndef WV_TRACES_CHUNK_KEYS_H_
#define WV_TRACES_CHUNK_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

// ChunkKeys: the dimension keys of one chunk's accepted rows, numbered
// within the chunk, so that the dimension thread (model/dimensions.h) looks
// each distinct lexeme_id and user_id up in the run's dictionaries once per
// chunk instead of once per row or run: that thread is one thread for the
// whole run, and its per-row lookups (cache misses in dictionaries larger
// than the core's caches) set the run's wall time (docs/BENCHMARKS.md,
// Session 8). Computed by the validating worker that validated the chunk.
//
// A run is adjacent rows of one user at one timestamp in one course (same
// timestamp, user_id, learning_language and ui_language); local codes are
// 0, 1, ... in order of first appearance within the chunk, so merging them
// into the run's dictionaries chunk by chunk, in input order, numbers the
// keys exactly as one pass over every row would.
//
// Thread-compatible: filled by one thread, then read-only.
namespace wv::traces {

struct TraceBatch;  // traces/trace_batch.h, which holds a ChunkKeys per chunk

struct ChunkKeys {
  // One distinct lexeme_id of the chunk.
  struct Word {
    uint64_t hash = 0;       // StringDictionary::Hash(lexeme_id)
    uint32_t first_row = 0;  // the row where it first appears
    uint32_t rows = 0;       // rows with it
    // Every row with it has the first row's lexeme_string and
    // learning_language (else the dimension thread compares row by row).
    bool uniform = true;
  };
  // One distinct user_id of the chunk.
  struct User {
    uint64_t hash = 0;  // StringDictionary::Hash(user_id)
  };

  // False until computed for the batch's rows as they are: a chunk whose
  // rows change afterwards (duplicates quarantined) is marked not valid, and
  // its keys are computed again by whoever needs them.
  bool valid = false;
  std::vector<uint32_t> run_starts;  // the first row of each run, then size()
  std::vector<uint32_t> run_user;    // per run: its user's local code
  std::vector<uint32_t> row_word;    // per row: its word's local code
  std::vector<Word> words;           // by local code
  std::vector<User> users;           // by local code

  size_t runs() const { return run_starts.empty() ? 0 : run_starts.size() - 1; }

  // Empties the keys (keeping their capacity) and marks them not valid.
  void Clear();

  // Heap bytes held, for the memory plan (run/memory_plan.h counts at most
  // kMaxBytesPerRow a row of a chunk in flight).
  size_t MemoryBytes() const;
  // A row is at most a run, a word and a user of its own.
  static constexpr size_t kMaxBytesPerRow = sizeof(uint32_t) * 3 + sizeof(Word) + sizeof(User);
};

// Computes *keys for `batch`'s rows (replacing what it held) and marks it
// valid. Costs a hash of every row's lexeme_id and every run's user_id and a
// probe of a chunk-sized table each. REQUIRES: batch.size() < 2^32.
void ComputeChunkKeys(const TraceBatch& batch, ChunkKeys* keys);

}  // namespace wv::traces

#endif  // WV_TRACES_CHUNK_KEYS_H_
