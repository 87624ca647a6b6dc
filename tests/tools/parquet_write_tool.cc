// Test-only tool: writes a Parquet file with wordviews' writer from a JSON spec,
// so end-to-end tests (pytest) can drive the writer with values of their choosing.
//
//   parquet_write_tool SPEC.json OUT.parquet
//
// SPEC:
//   {"columns": [{"name": "a", "type": "INT64", "logical": "TIMESTAMP", "optional": true}, ...],
//    "options": {"compression": "zstd|snappy|gzip|none", "compression_level": 1,
//                "dictionary": true, "dictionary_page_bytes": N, "page_bytes": N,
//                "row_group_rows": N, "row_group_bytes": N, "encode_threads": 2,
//                "created_by": "...", "key_value": {"k": "v"}},
//    "batch_rows": N,                       // optional: feed WriteBatch in batches of N rows
//    "values": {"a": [1, null, ...], ...}}  // column-wise; null = null
// types: BOOLEAN INT32 INT64 FLOAT DOUBLE BYTE_ARRAY; logical: NONE STRING INT8 INT16 INT32
// INT64 TIMESTAMP DATE. Doubles may be "NaN", "Infinity", "-Infinity", "-0.0"; non-STRING
// byte arrays are given as hex.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "fmt/core.h"
#include "nlohmann/json.hpp"
#include "parquet/writer.h"
#include "support/test_sinks.h"

namespace {

using namespace wv::parquet;  // NOLINT: a small tool
using nlohmann::json;

double ToDouble(const json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    return std::stod(s);
  }
  return v.get<double>();
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

wv::Status Run(const std::string& spec_path, const std::string& out_path) {
  std::ifstream in(spec_path);
  if (!in) return wv::InputError("cannot open " + spec_path);
  const json spec = json::parse(in);
  Schema schema;
  for (const json& c : spec.at("columns")) {
    ColumnSchema cs;
    cs.name = c.at("name").get<std::string>();
    const std::string type = c.at("type").get<std::string>();
    if (type == "BOOLEAN")
      cs.physical = PhysicalType::kBoolean;
    else if (type == "INT32")
      cs.physical = PhysicalType::kInt32;
    else if (type == "INT64")
      cs.physical = PhysicalType::kInt64;
    else if (type == "FLOAT")
      cs.physical = PhysicalType::kFloat;
    else if (type == "DOUBLE")
      cs.physical = PhysicalType::kDouble;
    else if (type == "BYTE_ARRAY")
      cs.physical = PhysicalType::kByteArray;
    else
      return wv::UsageError("unknown type " + type);
    const std::string logical = c.value("logical", "NONE");
    if (logical == "NONE")
      cs.logical = LogicalType::kNone;
    else if (logical == "STRING")
      cs.logical = LogicalType::kString;
    else if (logical == "INT8")
      cs.logical = LogicalType::kInt8;
    else if (logical == "INT16")
      cs.logical = LogicalType::kInt16;
    else if (logical == "INT32")
      cs.logical = LogicalType::kInt32;
    else if (logical == "INT64")
      cs.logical = LogicalType::kInt64;
    else if (logical == "TIMESTAMP")
      cs.logical = LogicalType::kTimestampMicrosUtc;
    else if (logical == "DATE")
      cs.logical = LogicalType::kDate;
    else
      return wv::UsageError("unknown logical type " + logical);
    cs.repetition = c.value("optional", false) ? Repetition::kOptional : Repetition::kRequired;
    schema.columns.push_back(cs);
  }
  WriterOptions options;
  const json opts = spec.value("options", json::object());
  const std::string codec = opts.value("compression", "zstd");
  if (codec == "zstd")
    options.compression = Compression::kZstd;
  else if (codec == "snappy")
    options.compression = Compression::kSnappy;
  else if (codec == "gzip")
    options.compression = Compression::kGzip;
  else if (codec == "none")
    options.compression = Compression::kNone;
  else
    return wv::UsageError("unknown compression " + codec);
  options.compression_level = opts.value("compression_level", options.compression_level);
  options.dictionary = opts.value("dictionary", options.dictionary);
  options.delta_binary_packed = opts.value("delta_binary_packed", options.delta_binary_packed);
  options.dictionary_page_bytes =
      opts.value("dictionary_page_bytes", options.dictionary_page_bytes);
  options.page_bytes = opts.value("page_bytes", options.page_bytes);
  options.row_group_rows = opts.value("row_group_rows", options.row_group_rows);
  options.row_group_bytes = opts.value("row_group_bytes", options.row_group_bytes);
  options.encode_threads = opts.value("encode_threads", options.encode_threads);
  options.created_by = opts.value("created_by", std::string());
  const json key_values = opts.value("key_value", json::object());
  for (const auto& [k, v] : key_values.items()) {
    options.key_value_metadata.emplace_back(k, v.get<std::string>());
  }

  std::vector<ColumnVector> cols(schema.columns.size());
  size_t rows = 0;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const ColumnSchema& cs = schema.columns[i];
    const json& values = spec.at("values").at(cs.name);
    if (i == 0) rows = values.size();
    if (values.size() != rows) return wv::UsageError("columns have different lengths");
    ColumnVector& c = cols[i];
    for (const json& v : values) {
      const bool valid = !v.is_null();
      if (!valid && cs.repetition == Repetition::kRequired) {
        return wv::UsageError("null in REQUIRED column " + cs.name);
      }
      if (cs.repetition == Repetition::kOptional) c.valid.push_back(valid ? 1 : 0);
      switch (cs.physical) {
        case PhysicalType::kBoolean:
          c.bools.push_back(valid && v.get<bool>() ? 1 : 0);
          break;
        case PhysicalType::kInt32:
          c.i32.push_back(valid ? v.get<int32_t>() : 0);
          break;
        case PhysicalType::kInt64:
          c.i64.push_back(valid ? v.get<int64_t>() : 0);
          break;
        case PhysicalType::kFloat:
          c.f32.push_back(valid ? static_cast<float>(ToDouble(v)) : 0);
          break;
        case PhysicalType::kDouble:
          c.f64.push_back(valid ? ToDouble(v) : 0);
          break;
        case PhysicalType::kByteArray:
          if (!valid) {
            c.bytes.push_back("");
          } else if (cs.logical == LogicalType::kString) {
            c.bytes.push_back(v.get<std::string>());
          } else {
            c.bytes.push_back(FromHex(v.get<std::string>()));
          }
          break;
      }
    }
  }

  WV_ASSIGN_OR_RETURN(auto sink, wv::testing::NewTestFileSink(out_path));
  WV_ASSIGN_OR_RETURN(auto writer, FileWriter::Open(schema, std::move(sink), options));
  const size_t batch = spec.value("batch_rows", size_t{0});
  if (batch == 0 || rows == 0) {
    WV_RETURN_IF_ERROR(writer->WriteBatch(cols, rows));
  } else {
    for (size_t start = 0; start < rows; start += batch) {
      const size_t end = std::min(rows, start + batch);
      std::vector<ColumnVector> part(cols.size());
      for (size_t i = 0; i < cols.size(); ++i) {
        const ColumnVector& s = cols[i];
        ColumnVector& d = part[i];
        auto slice = [&](const auto& from, auto& to) {
          if (!from.empty()) to.assign(from.begin() + start, from.begin() + end);
        };
        slice(s.bools, d.bools);
        slice(s.i32, d.i32);
        slice(s.i64, d.i64);
        slice(s.f32, d.f32);
        slice(s.f64, d.f64);
        slice(s.valid, d.valid);
        if (schema.columns[i].physical == PhysicalType::kByteArray) {
          for (size_t r = start; r < end; ++r) d.bytes.push_back(s.bytes[r]);
        }
      }
      WV_RETURN_IF_ERROR(writer->WriteBatch(part, end - start));
    }
  }
  return writer->Close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: parquet_write_tool SPEC.json OUT.parquet\n");
    return 2;
  }
  try {
    const wv::Status s = Run(argv[1], argv[2]);
    if (!s.ok()) {
      std::fprintf(stderr, "parquet_write_tool: %s\n", s.ToString().c_str());
      return wv::ExitCodeFor(s);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parquet_write_tool: %s\n", e.what());
    return 2;
  }
  return 0;
}
