#include "parquet/statistics.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "fmt/core.h"

namespace wv::parquet {
namespace {

template <typename T>
std::string Bytes(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

template <typename T>
void SetMinMax(T min, T max, bool also_deprecated, format::Statistics* out) {
  out->min_value = Bytes(min);
  out->max_value = Bytes(max);
  out->is_min_value_exact = true;
  out->is_max_value_exact = true;
  if (also_deprecated) {
    // Signed order equals the type order here, so old readers may use them.
    out->min = out->min_value;
    out->max = out->max_value;
  }
}

template <typename T>
void IntStats(const std::vector<T>& v, const std::vector<uint8_t>& valid, size_t begin, size_t end,
              format::Statistics* out) {
  T mn = std::numeric_limits<T>::max(), mx = std::numeric_limits<T>::min();
  bool any = false;
  if (valid.empty()) {
    for (size_t i = begin; i < end; ++i) {
      mn = v[i] < mn ? v[i] : mn;
      mx = v[i] > mx ? v[i] : mx;
    }
    any = end > begin;
  } else {
    for (size_t i = begin; i < end; ++i) {
      if (!valid[i]) continue;
      any = true;
      mn = v[i] < mn ? v[i] : mn;
      mx = v[i] > mx ? v[i] : mx;
    }
  }
  if (any) SetMinMax(mn, mx, true, out);
}

template <typename T>
void FloatStats(const std::vector<T>& v, const std::vector<uint8_t>& valid, size_t begin,
                size_t end, format::Statistics* out) {
  T mn = std::numeric_limits<T>::infinity(), mx = -std::numeric_limits<T>::infinity();
  bool any = false;
  int64_t nans = 0;
  for (size_t i = begin; i < end; ++i) {
    if (!valid.empty() && !valid[i]) continue;
    const T x = v[i];
    if (std::isnan(x)) {
      ++nans;
      continue;
    }
    any = true;
    mn = x < mn ? x : mn;
    mx = x > mx ? x : mx;
  }
  out->nan_count = nans;
  if (!any) return;  // all null or NaN: no min/max (spec)
  // -0.0 and +0.0 compare equal; widen so either may be in the chunk.
  if (mn == 0) mn = -T(0);
  if (mx == 0) mx = T(0);
  SetMinMax(mn, mx, true, out);
}

}  // namespace

format::Statistics ComputeStatistics(const ColumnSchema& schema, const ColumnVector& c,
                                     size_t begin, size_t end) {
  format::Statistics s;
  int64_t nulls = 0;
  if (!c.valid.empty()) {
    for (size_t i = begin; i < end; ++i) nulls += c.valid[i] == 0;
  }
  s.null_count = nulls;
  switch (schema.physical) {
    case PhysicalType::kBoolean: {
      bool any = false, has_false = false, has_true = false;
      for (size_t i = begin; i < end; ++i) {
        if (!c.valid.empty() && !c.valid[i]) continue;
        any = true;
        (c.bools[i] ? has_true : has_false) = true;
      }
      if (any) {
        SetMinMax<uint8_t>(has_false ? 0 : 1, has_true ? 1 : 0, true, &s);
      }
      break;
    }
    case PhysicalType::kInt32:
      IntStats(c.i32, c.valid, begin, end, &s);
      break;
    case PhysicalType::kInt64:
      IntStats(c.i64, c.valid, begin, end, &s);
      break;
    case PhysicalType::kFloat:
      FloatStats(c.f32, c.valid, begin, end, &s);
      break;
    case PhysicalType::kDouble:
      FloatStats(c.f64, c.valid, begin, end, &s);
      break;
    case PhysicalType::kByteArray: {
      bool any = false;
      std::string_view mn, mx;
      for (size_t i = begin; i < end; ++i) {
        if (!c.valid.empty() && !c.valid[i]) continue;
        const std::string_view v = c.bytes[i];
        if (!any) {
          mn = mx = v;
          any = true;
          continue;
        }
        // string_view compares with char_traits<char>, i.e. memcmp: unsigned bytes.
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (any && mn.size() <= kMaxStatisticsValueBytes && mx.size() <= kMaxStatisticsValueBytes) {
        s.min_value = std::string(mn);
        s.max_value = std::string(mx);
        s.is_min_value_exact = true;
        s.is_max_value_exact = true;
      }
      break;
    }
  }
  return s;
}

namespace {

template <typename T>
Status DecodeFixed(const std::string& bytes, std::string_view context, T* out) {
  if (bytes.size() != sizeof(T)) {
    return InputError(fmt::format("{}: statistics value is {} bytes, expected {}", context,
                                  bytes.size(), sizeof(T)));
  }
  std::memcpy(out, bytes.data(), sizeof(T));
  return OkStatus();
}

}  // namespace

StatusOr<ColumnChunkStatistics> DecodeStatistics(const ColumnSchema& schema,
                                                 const format::Statistics& stats,
                                                 std::string_view context) {
  ColumnChunkStatistics out;
  out.null_count = stats.null_count;
  const std::string* mn = nullptr;
  const std::string* mx = nullptr;
  if (stats.min_value && stats.max_value) {
    mn = &*stats.min_value;
    mx = &*stats.max_value;
  } else if (stats.min && stats.max && schema.physical != PhysicalType::kByteArray) {
    mn = &*stats.min;
    mx = &*stats.max;
  }
  if (mn == nullptr) return out;
  switch (schema.physical) {
    case PhysicalType::kBoolean: {
      uint8_t a, b;
      WV_RETURN_IF_ERROR(DecodeFixed(*mn, context, &a));
      WV_RETURN_IF_ERROR(DecodeFixed(*mx, context, &b));
      out.min_int = a != 0;
      out.max_int = b != 0;
      break;
    }
    case PhysicalType::kInt32: {
      int32_t a, b;
      WV_RETURN_IF_ERROR(DecodeFixed(*mn, context, &a));
      WV_RETURN_IF_ERROR(DecodeFixed(*mx, context, &b));
      out.min_int = a;
      out.max_int = b;
      break;
    }
    case PhysicalType::kInt64:
      WV_RETURN_IF_ERROR(DecodeFixed(*mn, context, &out.min_int));
      WV_RETURN_IF_ERROR(DecodeFixed(*mx, context, &out.max_int));
      break;
    case PhysicalType::kFloat: {
      float a, b;
      WV_RETURN_IF_ERROR(DecodeFixed(*mn, context, &a));
      WV_RETURN_IF_ERROR(DecodeFixed(*mx, context, &b));
      out.min_double = a;
      out.max_double = b;
      break;
    }
    case PhysicalType::kDouble:
      WV_RETURN_IF_ERROR(DecodeFixed(*mn, context, &out.min_double));
      WV_RETURN_IF_ERROR(DecodeFixed(*mx, context, &out.max_double));
      break;
    case PhysicalType::kByteArray:
      out.min_bytes = *mn;
      out.max_bytes = *mx;
      break;
  }
  if ((schema.physical == PhysicalType::kFloat || schema.physical == PhysicalType::kDouble) &&
      (std::isnan(out.min_double) || std::isnan(out.max_double))) {
    return out;  // NaN bounds are meaningless for pruning: report none
  }
  out.has_min_max = true;
  return out;
}

}  // namespace wv::parquet
