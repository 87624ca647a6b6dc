#include "traces/trace_file_reader.h"

#include <optional>
#include <string_view>
#include <utility>

#include "core/crc32.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "traces/trace_schema.h"
#include "traces/validator.h"

namespace wv::traces {
namespace {

// Checksums the stored bytes on their way to the inflater (the inner source
// counts them: stored_bytes_read()).
// Not thread-safe.
class StoredBytesTap final : public io::ByteSource {
 public:
  explicit StoredBytesTap(std::unique_ptr<io::ByteSource> inner) : inner_(std::move(inner)) {}

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    WV_ASSIGN_OR_RETURN(size_t n, inner_->Read(buffer, capacity));
    crc_ = Crc32(std::string_view(buffer, n), crc_);
    return n;
  }
  const std::string& name() const override { return inner_->name(); }
  std::optional<uint64_t> stored_size() const override { return inner_->stored_size(); }
  uint64_t stored_bytes_read() const override { return inner_->stored_bytes_read(); }
  std::optional<io::FileIdentity> identity() const override { return inner_->identity(); }
  std::optional<io::ObjectIdentity> object_identity() const override {
    return inner_->object_identity();
  }

  uint32_t crc() const { return crc_; }

 private:
  std::unique_ptr<io::ByteSource> inner_;
  uint32_t crc_ = 0;
};

// A range after the file's start must start just after a line end: a cheap
// guard against offsets that were not planned (dist::PlanByteRanges), which
// would otherwise be read from the middle of a row.
Status CheckRangeStart(const std::string& path, const ByteRange& range) {
  if (range.start == 0) return OkStatus();
  WV_ASSIGN_OR_RETURN(auto before, io::OpenFileRangeSource(path, range.start - 1, range.start));
  char c = 0;
  WV_ASSIGN_OR_RETURN(const size_t n, before->Read(&c, 1));
  if (n != 1 || c != '\n' || range.lines_before < 1) {
    return InputError(fmt::format(
        "{}: byte range {}-{} does not start at a row (plan ranges with `wordviews shard --plan`)",
        EscapeForTerminal(path), range.start, range.end));
  }
  return OkStatus();
}

}  // namespace

StatusOr<StoredFileInfo> ReadTraceFile(
    const std::string& path, const std::optional<ByteRange>& range, size_t chunk_bytes,
    ChunkBufferPool* pool, absl::FunctionRef<void(std::unique_ptr<csv::ChunkBuffer>)> emit,
    std::atomic<uint64_t>* stored_bytes_read) {
  // Only this thread writes the counter, so a load-then-store is enough.
  const uint64_t read_before = stored_bytes_read->load(std::memory_order_relaxed);
  std::unique_ptr<io::ByteSource> stored;
  if (range) {
    WV_RETURN_IF_ERROR(CheckRangeStart(path, *range));
    WV_ASSIGN_OR_RETURN(stored, io::OpenFileRangeSource(path, range->start, range->end));
  } else {
    WV_ASSIGN_OR_RETURN(stored, io::OpenStoredSource(path));
  }
  auto tap_owner = std::make_unique<StoredBytesTap>(std::move(stored));
  const StoredBytesTap* tap = tap_owner.get();
  std::unique_ptr<io::ByteSource> source;
  if (range) {
    source = std::move(tap_owner);
  } else {
    WV_ASSIGN_OR_RETURN(source, io::MaybeDecompress(std::move(tap_owner)));
  }
  csv::Chunker chunker(source.get(), chunk_bytes, kNumTraceColumns);
  if (!range || range->start == 0) {
    WV_ASSIGN_OR_RETURN(std::optional<std::string> header, chunker.ReadFirstLine());
    if (!header) {
      return InputError(
          fmt::format("{}: empty file (expected the header line)", EscapeForTerminal(path)));
    }
    WV_RETURN_IF_ERROR(CheckTraceHeader(*header, path));
  }
  for (;;) {
    std::unique_ptr<csv::ChunkBuffer> buffer = pool->Take();
    if (buffer == nullptr) break;  // stopping
    WV_ASSIGN_OR_RETURN(bool more, chunker.Next(buffer.get()));
    stored_bytes_read->store(read_before + tap->stored_bytes_read(), std::memory_order_relaxed);
    if (!more) {
      pool->Return(std::move(buffer));
      break;
    }
    emit(std::move(buffer));
  }
  return StoredFileInfo{.stored_bytes = tap->stored_bytes_read(),
                        .stored_crc32 = tap->crc(),
                        .bytes = chunker.bytes(),
                        .identity = tap->identity(),
                        .object = tap->object_identity()};
}

}  // namespace wv::traces
