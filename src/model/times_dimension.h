#ifndef WV_MODEL_TIMES_DIMENSION_H_
#define WV_MODEL_TIMES_DIMENSION_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/table_data.h"

// TimesAccumulator: the rows of dim_times, one per distinct epoch second in
// order of first appearance, with the calendar columns derived (UTC, ISO
// weeks) when the table is built. Memory: one entry per distinct epoch.
//
// Thread-compatible: one thread adds; after the last add, the const members
// may be called from several threads at once.
namespace wv::model {

class TimesAccumulator {
 public:
  // Counts `rows` fact rows at `epoch` (UNIX seconds).
  void Add(int64_t epoch, int64_t rows);
  // Brings the entry of `epoch` into the cache some runs before its Add (a
  // day has up to 86,400 seconds: the map outgrows the caches).
  void Prefetch(int64_t epoch) const { index_.prefetch(epoch); }

  size_t size() const { return order_.size(); }

  struct Built {
    TableData table;
    int64_t rows_covered = 0;  // fact rows at the emitted epochs
  };
  Built Build() const;
  // The rows [begin, end) of Build()'s table into *table (replacing it),
  // and the fact rows at their epochs: the table in slices, so that it is
  // never whole in memory (StarSchemaBuilder writes dim_times so).
  // REQUIRES: begin <= end <= size().
  int64_t BuildRows(size_t begin, size_t end, TableData* table) const;

 private:
  absl::flat_hash_map<int64_t, uint32_t> index_;  // epoch -> its place in order_
  std::vector<int64_t> order_;                    // epochs in first-appearance order
  std::vector<int64_t> rows_;                     // fact rows, by place in order_
  // Time-ordered input repeats the previous run's second for a third of the
  // runs (the generated traces): those skip the map, a cache miss otherwise.
  int64_t last_epoch_ = 0;
  uint32_t last_index_ = UINT32_MAX;
};

}  // namespace wv::model

#endif  // WV_MODEL_TIMES_DIMENSION_H_
