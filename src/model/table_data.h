#ifndef WV_MODEL_TABLE_DATA_H_
#define WV_MODEL_TABLE_DATA_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "parquet/column_vector.h"

// What the dimension accumulators share: the in-memory shape of a built
// table, and a string-keyed map probed with string_views. Plain data;
// thread-compatible.
namespace wv::model {

// A built table: one ColumnVector per schema column.
struct TableData {
  std::vector<parquet::ColumnVector> columns;
  size_t rows = 0;
};

// Transparent string hashing so maps keyed by std::string can be probed with
// a std::string_view without building a string.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return absl::Hash<absl::string_view>()(absl::string_view(s.data(), s.size()));
  }
};
struct StringViewEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};
template <typename V>
using StringMap = absl::flat_hash_map<std::string, V, StringViewHash, StringViewEq>;

}  // namespace wv::model

#endif  // WV_MODEL_TABLE_DATA_H_
