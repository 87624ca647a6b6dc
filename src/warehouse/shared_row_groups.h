#ifndef WV_WAREHOUSE_SHARED_ROW_GROUPS_H_
#define WV_WAREHOUSE_SHARED_ROW_GROUPS_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "parquet/column_vector.h"

// The decoded row groups of a table's files, shared by the sessions that
// copy its partitions (each session sends the rows of its partition): every
// row group, numbered in copy order over all the files, is decoded once, by
// whichever session asks for it first, and dropped once all `consumers` have
// taken it. A session `window` row groups ahead of the slowest waits for it,
// so that at most about `window` decoded row groups are held.
//
// Thread-safe. Every consumer must ask for 0, 1, 2, ... in order and keep
// asking until it is done or Abort() is called; a consumer that stops early
// (it failed) must call Abort(), which wakes every waiting consumer with an
// error, or the others could wait for it forever.
namespace wv::warehouse {

class SharedRowGroups {
 public:
  using Columns = std::vector<parquet::ColumnVector>;

  SharedRowGroups(int consumers, size_t window);

  // Row group `index`: decoded by `decode` (outside the lock) when no
  // consumer has asked for it yet, otherwise the other's result (its error
  // included), waited for if need be. Aborted when Abort() was called.
  StatusOr<std::shared_ptr<const Columns>> Get(size_t index,
                                               const std::function<StatusOr<Columns>()>& decode);

  void Abort();

 private:
  StatusOr<std::shared_ptr<const Columns>> TakeLocked(size_t index)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct Entry {
    bool ready = false;
    Status status;
    std::shared_ptr<const Columns> columns;
    int taken = 0;
  };

  const int consumers_;
  const size_t window_;
  Mutex mu_;
  std::map<size_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Every index below it has been taken by all consumers (and dropped).
  size_t released_ ABSL_GUARDED_BY(mu_) = 0;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_SHARED_ROW_GROUPS_H_
