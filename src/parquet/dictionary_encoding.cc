#include "parquet/dictionary_encoding.h"

#include <cstring>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace wv::parquet {
namespace {

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
  for (size_t i = begin; i < end; ++i) {
    if (!valid.empty() && !valid[i]) continue;
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

bool BuildBytes(const ByteArrayVector& v, const std::vector<uint8_t>& valid, size_t begin,
                size_t end, size_t max_plain_bytes, Dictionary* out) {
  absl::flat_hash_map<std::string_view, uint32_t> index;
  ByteArrayVector& dict = out->values.bytes;
  size_t plain_bytes = 0;
  out->indices.reserve(end - begin);
  const uint64_t* off = v.offsets.data();
  const char* data = v.data.data();
  std::string_view prev;
  uint32_t prev_index = UINT32_MAX;
  for (size_t i = begin; i < end; ++i) {
    if (!valid.empty() && !valid[i]) continue;
    const std::string_view s(data + off[i], off[i + 1] - off[i]);
    if (prev_index != UINT32_MAX && s == prev) {
      out->indices.push_back(prev_index);
      continue;
    }
    auto [it, inserted] = index.try_emplace(s, static_cast<uint32_t>(dict.size()));
    if (inserted) {
      plain_bytes += 4 + s.size();
      if (plain_bytes > max_plain_bytes) return false;
      dict.push_back(s);
    }
    out->indices.push_back(it->second);
    prev = s;
    prev_index = it->second;
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
      return BuildFixed<int32_t, uint32_t>(c.i32, c.valid, begin, end, max_plain_bytes,
                                           &out->values.i32, out);
    case PhysicalType::kInt64:
      return BuildFixed<int64_t, uint64_t>(c.i64, c.valid, begin, end, max_plain_bytes,
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
