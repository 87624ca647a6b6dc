#include "csv/chunker.h"

#include <algorithm>
#include <cstring>

#include "core/terminal_text.h"
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
  // One read of at most a whole line: the limit holds for the header too.
  ChunkBuffer buffer;
  WV_RETURN_IF_ERROR(Fill(&buffer, kMaxRowBytes + 2));
  const size_t newline = buffer.view().find('\n');
  if (newline == std::string_view::npos && !eof_) {
    return InputError(fmt::format("{}: line 1 is longer than {} bytes",
                                  EscapeForTerminal(source_->name()), kMaxRowBytes));
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
    // One row is longer than the chunk so far. Past kMaxRowBytes + 2 bytes
    // without a line end (ScanRow has cut any row spanning lines by then),
    // it is an over-long line: keep its start only.
    if (chunk->size() > kMaxRowBytes + 2) {
      WV_RETURN_IF_ERROR(CutOverlongLine(chunk));
      return true;
    }
    want = chunk->size() * 2;
  }
  carry_.assign(chunk->view().substr(split));
  chunk->set_size(split);
  bytes_ += split;
  return split > 0;
}

Status Chunker::CutOverlongLine(ChunkBuffer* chunk) {
  constexpr size_t kKeep = kMaxRowBytes + 2;
  uint64_t consumed = chunk->size();
  chunk->Reserve(kKeep + (size_t{1} << 16));
  // The bytes past kKeep are dropped; the space after kKeep is scratch for
  // reading the rest of the line.
  char* const scratch = chunk->data() + kKeep;
  const size_t scratch_size = chunk->capacity() - kKeep;
  for (;;) {
    WV_ASSIGN_OR_RETURN(size_t n, source_->Read(scratch, scratch_size));
    if (n == 0) {
      eof_ = true;
      break;
    }
    const void* newline = std::memchr(scratch, '\n', n);
    if (newline != nullptr) {
      const size_t line_end = static_cast<const char*>(newline) - scratch + 1;
      carry_.assign(scratch + line_end, n - line_end);
      consumed += line_end;
      break;
    }
    consumed += n;
  }
  chunk->data()[kKeep] = '\n';
  chunk->set_size(kKeep + 1);
  bytes_ += consumed;
  return OkStatus();
}

}  // namespace wv::csv
