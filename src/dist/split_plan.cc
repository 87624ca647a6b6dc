#include "dist/split_plan.h"

#include <algorithm>
#include <optional>

#include "csv/chunker.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "io/s3_source.h"
#include "nlohmann/json.hpp"
#include "traces/trace_schema.h"
#include "traces/validator.h"

namespace wv::dist {
namespace {

// Whether the file starts with the gzip magic (a gzip file is one split).
StatusOr<bool> IsGzip(const std::string& path) {
  WV_ASSIGN_OR_RETURN(auto source, io::OpenFileSource(path));
  char magic[2] = {0, 0};
  size_t have = 0;
  while (have < sizeof magic) {
    WV_ASSIGN_OR_RETURN(const size_t n, source->Read(magic + have, sizeof magic - have));
    if (n == 0) break;
    have += n;
  }
  return have == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
         static_cast<unsigned char>(magic[1]) == 0x8b;
}

}  // namespace

StatusOr<RangePlan> PlanByteRanges(const std::string& path, uint64_t target_bytes,
                                   size_t chunk_bytes) {
  if (io::IsS3Path(path)) {
    return UsageError(
        fmt::format("shard --plan: {}: byte ranges of S3 objects are not supported "
                    "(an object is one split)",
                    path));
  }
  if (target_bytes == 0) return UsageError("shard --plan: the range size must be positive");
  RangePlan plan;
  plan.path = path;
  WV_ASSIGN_OR_RETURN(const bool gzip, IsGzip(path));
  WV_ASSIGN_OR_RETURN(auto source, io::OpenFileSource(path));
  if (gzip) {
    plan.bytes = source->stored_size().value_or(0);
    return plan;
  }
  csv::Chunker chunker(source.get(), chunk_bytes, traces::kNumTraceColumns);
  WV_ASSIGN_OR_RETURN(const std::optional<std::string> header, chunker.ReadFirstLine());
  if (!header) return InputError(fmt::format("{}: empty file (expected the header line)", path));
  WV_RETURN_IF_ERROR(traces::CheckTraceHeader(*header, path));
  uint64_t start = 0;
  uint64_t lines = 1;               // the physical lines read so far: the header ...
  uint64_t lines_before_start = 1;  // ... and those before `start`
  csv::ChunkBuffer chunk;
  for (;;) {
    WV_ASSIGN_OR_RETURN(const bool more, chunker.Next(&chunk));
    if (!more) break;
    // Every chunk but the file's last ends with a line end, so its physical
    // lines are its '\n's (what the validator counts: RowParser::lines()).
    const std::string_view bytes = chunk.view();
    lines += static_cast<uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    if (chunker.bytes() - start >= target_bytes) {
      plan.ranges.push_back(traces::ByteRange{start, chunker.bytes(), lines_before_start});
      start = chunker.bytes();
      lines_before_start = lines;
    }
  }
  plan.bytes = chunker.bytes();
  if (start < plan.bytes || plan.ranges.empty()) {
    plan.ranges.push_back(traces::ByteRange{start, plan.bytes, lines_before_start});
  }
  return plan;
}

std::string RangePlanJson(const RangePlan& plan) {
  nlohmann::json ranges = nlohmann::json::array();
  for (const traces::ByteRange& r : plan.ranges) ranges.push_back({r.start, r.end, r.lines_before});
  return nlohmann::json{{"input", plan.path}, {"bytes", plan.bytes}, {"ranges", ranges}}.dump();
}

StatusOr<std::string> ListInputsJson(const std::string& pattern) {
  WV_ASSIGN_OR_RETURN(const std::vector<std::string> inputs, traces::ExpandTracePaths({pattern}));
  return nlohmann::json{{"inputs", inputs}}.dump();
}

}  // namespace wv::dist
