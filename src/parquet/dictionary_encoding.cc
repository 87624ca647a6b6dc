#include "parquet/dictionary_encoding.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "core/string_dictionary.h"

namespace wv::parquet {
namespace {

// A column whose values are nearly all distinct gains nothing from a
// dictionary but costs a hash insert per value until the dictionary page
// overflows (a run's line_number, say: 131,072 inserts per row group before
// the 1 MiB fallback). So at these counts of values seen, a dictionary that
// holds too large a share of them gives up at once: the chunk is written
// PLAIN. (Checked from 4,096 values on, so small chunks keep their
// dictionary.)
constexpr size_t kDistinctCheckpoints[] = {4096, 65536};
// Byte arrays keep a dictionary up to 3/4 distinct: readers take its indices
// as codes (analytics' FactSnapshot), and PLAIN strings repeat their bytes.
bool MostlyDistinct(size_t seen, size_t distinct) { return 4 * distinct > 3 * seen; }
// Fixed-width values give up past 1/4 distinct: zstd over their PLAIN bytes
// is then smaller than the dictionary page plus its indices, and far cheaper
// to make. Measured on a day's file of the fact table's `delta` (39%
// distinct in a 153,509-row group): PLAIN + zstd 2.98 MB, dictionary 3.89 MB,
// and the dictionary's hash inserts were its largest encoding cost.
bool ManyDistinct(size_t seen, size_t distinct) { return 4 * distinct > seen; }

// Integer columns spanning fewer than this many values (counts, a day's
// epoch seconds) are indexed by value - min in a flat table instead of a
// hash map: one load per value, and the same first-seen order.
constexpr uint64_t kMaxDirectSpan = uint64_t{1} << 17;

template <typename T, typename Key>
bool BuildFixed(const std::vector<T>& v, const std::vector<uint8_t>& valid, size_t begin,
                size_t end, size_t max_plain_bytes, std::vector<T>* dict, Dictionary* out);

// The dictionary of an integer column whose non-null values in [begin, end)
// lie in [lo, lo + span): a direct table of span entries.
template <typename T>
bool BuildDirect(const std::vector<T>& v, const std::vector<uint8_t>& valid, size_t begin,
                 size_t end, T lo, uint64_t span, size_t max_plain_bytes, std::vector<T>* dict,
                 Dictionary* out) {
  const size_t max_entries = max_plain_bytes / sizeof(T);
  std::vector<uint32_t> slot(span, UINT32_MAX);
  out->indices.reserve(end - begin);
  size_t seen = 0;
  size_t checkpoint = 0;
  for (size_t i = begin; i < end; ++i) {
    if (!valid.empty() && !valid[i]) continue;
    const uint64_t at = static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(lo);
    uint32_t index = slot[at];
    if (index == UINT32_MAX) {
      if (dict->size() >= max_entries) return false;
      index = slot[at] = static_cast<uint32_t>(dict->size());
      dict->push_back(v[i]);
    }
    out->indices.push_back(index);
    if (++seen == kDistinctCheckpoints[checkpoint]) {
      if (ManyDistinct(seen, dict->size())) return false;
      checkpoint = std::min(checkpoint + 1, std::size(kDistinctCheckpoints) - 1);
    }
  }
  out->num_values = dict->size();
  out->plain_bytes = dict->size() * sizeof(T);
  return true;
}

// An integer column: direct when its values span little, else hashed.
template <typename T, typename Key>
bool BuildInteger(const std::vector<T>& v, const std::vector<uint8_t>& valid, size_t begin,
                  size_t end, size_t max_plain_bytes, std::vector<T>* dict, Dictionary* out) {
  T lo = std::numeric_limits<T>::max();
  T hi = std::numeric_limits<T>::min();
  for (size_t i = begin; i < end; ++i) {
    if (!valid.empty() && !valid[i]) continue;
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  if (lo <= hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
    if (span != 0 && span <= kMaxDirectSpan) {
      return BuildDirect(v, valid, begin, end, lo, span, max_plain_bytes, dict, out);
    }
  }
  return BuildFixed<T, Key>(v, valid, begin, end, max_plain_bytes, dict, out);
}

template <typename T, typename Key>
bool BuildFixed(const std::vector<T>& v, const std::vector<uint8_t>& valid, size_t begin,
                size_t end, size_t max_plain_bytes, std::vector<T>* dict, Dictionary* out) {
  absl::flat_hash_map<Key, uint32_t> index;
  const size_t max_entries = max_plain_bytes / sizeof(T);
  out->indices.reserve(end - begin);
  // Repeats of the previous value (sessions, sorted data) skip the hash lookup.
  bool have_prev = false;
  Key prev_key = 0;
  uint32_t prev_index = 0;
  size_t seen = 0;
  size_t checkpoint = 0;
  for (size_t i = begin; i < end; ++i) {
    if (!valid.empty() && !valid[i]) continue;
    if (++seen == kDistinctCheckpoints[checkpoint]) {
      if (ManyDistinct(seen - 1, dict->size())) return false;
      checkpoint = std::min(checkpoint + 1, std::size(kDistinctCheckpoints) - 1);
    }
    Key key;
    std::memcpy(&key, &v[i], sizeof(Key));
    if (have_prev && key == prev_key) {
      out->indices.push_back(prev_index);
      continue;
    }
    auto [it, inserted] = index.try_emplace(key, static_cast<uint32_t>(dict->size()));
    if (inserted) {
      if (dict->size() >= max_entries) return false;
      dict->push_back(v[i]);
    }
    out->indices.push_back(it->second);
    have_prev = true;
    prev_key = key;
    prev_index = it->second;
  }
  out->num_values = dict->size();
  out->plain_bytes = dict->size() * sizeof(T);
  return true;
}

// Byte arrays are interned in a StringDictionary (core/string_dictionary.h):
// a word-at-a-time hash and compare over values kept in one arena.
bool BuildBytes(const ByteArrayVector& v, const std::vector<uint8_t>& valid, size_t begin,
                size_t end, size_t max_plain_bytes, Dictionary* out) {
  StringDictionary index;
  ByteArrayVector& dict = out->values.bytes;
  size_t plain_bytes = 0;
  out->indices.reserve(end - begin);
  const uint64_t* off = v.offsets.data();
  const char* data = v.data.data();
  std::string_view prev;
  uint32_t prev_index = UINT32_MAX;
  size_t seen = 0;
  size_t checkpoint = 0;
  for (size_t i = begin; i < end; ++i) {
    if (!valid.empty() && !valid[i]) continue;
    if (++seen == kDistinctCheckpoints[checkpoint]) {
      if (MostlyDistinct(seen - 1, dict.size())) return false;
      checkpoint = std::min(checkpoint + 1, std::size(kDistinctCheckpoints) - 1);
    }
    const std::string_view s(data + off[i], off[i + 1] - off[i]);
    if (prev_index != UINT32_MAX && SameBytes(s, prev)) {
      out->indices.push_back(prev_index);
      continue;
    }
    bool inserted = false;
    const uint32_t code = index.Intern(s, &inserted);
    if (inserted) {
      plain_bytes += 4 + s.size();
      if (plain_bytes > max_plain_bytes) return false;
      dict.push_back(s);
    }
    out->indices.push_back(code);
    prev = s;
    prev_index = code;
  }
  out->num_values = dict.size();
  out->plain_bytes = plain_bytes;
  return true;
}

}  // namespace

bool BuildDictionary(PhysicalType type, const ColumnVector& c, size_t begin, size_t end,
                     size_t max_plain_bytes, Dictionary* out) {
  switch (type) {
    case PhysicalType::kInt32:
      return BuildInteger<int32_t, uint32_t>(c.i32, c.valid, begin, end, max_plain_bytes,
                                             &out->values.i32, out);
    case PhysicalType::kInt64:
      return BuildInteger<int64_t, uint64_t>(c.i64, c.valid, begin, end, max_plain_bytes,
                                             &out->values.i64, out);
    case PhysicalType::kFloat:
      return BuildFixed<float, uint32_t>(c.f32, c.valid, begin, end, max_plain_bytes,
                                         &out->values.f32, out);
    case PhysicalType::kDouble:
      return BuildFixed<double, uint64_t>(c.f64, c.valid, begin, end, max_plain_bytes,
                                          &out->values.f64, out);
    case PhysicalType::kByteArray:
      return BuildBytes(c.bytes, c.valid, begin, end, max_plain_bytes, out);
    case PhysicalType::kBoolean:
      return false;
  }
  return false;
}

}  // namespace wv::parquet
