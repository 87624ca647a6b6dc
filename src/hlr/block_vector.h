#ifndef WV_HLR_BLOCK_VECTOR_H_
#define WV_HLR_BLOCK_VECTOR_H_

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"

namespace wv::hlr {

// An append-only array kept in blocks of 2^20 elements: growing never copies
// what is there (a std::vector's doubling holds the old and the new buffer
// at once, which for the training set's columns was ~600 MB of the peak on
// the real file's 12.85M rows), and memory is the data plus at most one
// partly filled block. Indexing costs a shift and a mask.
// Thread-compatible: const access from several threads is safe.
template <typename T>
class BlockVector {
 public:
  static constexpr size_t kBlockBits = 20;
  static constexpr size_t kBlockSize = size_t{1} << kBlockBits;

  void push_back(const T& value) {
    if (blocks_.empty() || blocks_.back().size() == kBlockSize) {
      blocks_.emplace_back();
      blocks_.back().reserve(kBlockSize);
    }
    blocks_.back().push_back(value);
    ++size_;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return blocks_[i >> kBlockBits][i & (kBlockSize - 1)]; }

  // Calls fn(span) for the elements [begin, end), one contiguous piece at a
  // time, in order. REQUIRES: begin <= end <= size().
  void ForEachSpan(size_t begin, size_t end, absl::FunctionRef<void(std::span<const T>)> fn) const {
    while (begin < end) {
      const std::vector<T>& block = blocks_[begin >> kBlockBits];
      const size_t offset = begin & (kBlockSize - 1);
      const size_t count = std::min(end - begin, block.size() - offset);
      fn(std::span<const T>(block.data() + offset, count));
      begin += count;
    }
  }

 private:
  std::vector<std::vector<T>> blocks_;
  size_t size_ = 0;
};

}  // namespace wv::hlr

#endif  // WV_HLR_BLOCK_VECTOR_H_
