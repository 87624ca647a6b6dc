#include "csv/chunker.h"

#include <algorithm>
#include <cstring>

#include "csv/row_parser.h"
#include "fmt/core.h"

namespace wv::csv {

void ChunkBuffer::Reserve(size_t n) {
  if (n <= capacity_) return;
  auto bigger = std::make_unique_for_overwrite<char[]>(n);
  if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  capacity_ = n;
}

Chunker::Chunker(io::ByteSource* source, size_t chunk_bytes, size_t expected_fields)
    : source_(source),
      chunk_bytes_(std::max<size_t>(1, chunk_bytes)),
      expected_fields_(expected_fields) {}

Status Chunker::Fill(ChunkBuffer* buffer, size_t want) {
  buffer->Reserve(want);
  while (!eof_ && buffer->size() < want) {
    WV_ASSIGN_OR_RETURN(size_t n,
                        source_->Read(buffer->data() + buffer->size(), want - buffer->size()));
    if (n == 0) {
      eof_ = true;
      break;
    }
    buffer->set_size(buffer->size() + n);
  }
  return OkStatus();
}

StatusOr<std::optional<std::string>> Chunker::ReadFirstLine() {
  ChunkBuffer buffer;
  size_t newline = std::string_view::npos;
  for (size_t want = 64 * 1024;; want *= 2) {
    WV_RETURN_IF_ERROR(Fill(&buffer, want));
    newline = buffer.view().find('\n');
    if (newline != std::string_view::npos || eof_) break;
    if (want > kMaxLineBytes) {
      return InputError(fmt::format("{}: line 1 is longer than {} MiB", source_->name(),
                                    kMaxLineBytes >> 20));
    }
  }
  if (buffer.size() == 0) return std::optional<std::string>();
  const size_t end = newline == std::string_view::npos ? buffer.size() : newline + 1;
  carry_.assign(buffer.view().substr(end));
  bytes_ += end;
  return std::optional<std::string>(std::string(buffer.view().substr(0, std::min(end, newline))));
}

StatusOr<bool> Chunker::Next(ChunkBuffer* chunk) {
  chunk->Reserve(std::max(chunk_bytes_, carry_.size() + 1));
  std::memcpy(chunk->data(), carry_.data(), carry_.size());
  chunk->set_size(carry_.size());
  carry_.clear();
  size_t want = std::max(chunk_bytes_, chunk->size() + 1);
  size_t split = 0;
  for (;;) {
    WV_RETURN_IF_ERROR(Fill(chunk, want));
    if (eof_) {
      split = chunk->size();
      break;
    }
    split = CompleteRowsPrefix(chunk->view(), expected_fields_);
    if (split > 0) break;
    // One row is longer than the chunk so far: read on.
    if (chunk->size() > kMaxLineBytes) {
      return InputError(fmt::format("{}: a line is longer than {} MiB (near byte {})",
                                    source_->name(), kMaxLineBytes >> 20, bytes_));
    }
    want = chunk->size() * 2;
  }
  carry_.assign(chunk->view().substr(split));
  chunk->set_size(split);
  bytes_ += split;
  return split > 0;
}

}  // namespace wv::csv
