#ifndef WV_CORE_STRING_DICTIONARY_H_
#define WV_CORE_STRING_DICTIONARY_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

// Numbering distinct strings in order of first appearance: the dictionary
// encoding of a column of repetitive strings (users, lexemes, languages),
// run once per row by the analytics' fact snapshot and by hlr's training
// set. A general-purpose map costs a string object per key and a hash that
// reads bytes one at a time; this is an open-addressing table of 8-byte
// slots (the hash's upper half as a tag, the code and where the value is) over the distinct
// values stored back to back in one buffer, with a word-at-a-time hash.
namespace wv {

// Byte equality a word at a time (ids are 32 bytes, language codes 2, user
// ids a few): cheaper than memcmp's call for short strings.
inline bool SameBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t u, v;
    std::memcpy(&u, x + i, 8);
    std::memcpy(&v, y + i, 8);
    if (u != v) return false;
  }
  for (; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

// The distinct strings seen, numbered 0, 1, 2, ... in order of first
// appearance. Not thread-safe: one owner at a time.
class StringDictionary {
 public:
  StringDictionary();

  // The code of `value`, adding it when new (then *inserted is true).
  uint32_t Intern(std::string_view value, bool* inserted = nullptr) {
    return InternHashed(value, Hash(value), inserted);
  }
  // As Intern, with hash = Hash(value) computed by the caller, who may have
  // called Prefetch(hash) a few values earlier: a lookup is otherwise two
  // cache misses (its slot, then the stored value) in a large dictionary.
  uint32_t InternHashed(std::string_view value, uint64_t hash, bool* inserted = nullptr);
  void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }
  // The second stage of a prefetch, a few values after Prefetch(hash) brought
  // the slot in: prefetches the stored bytes of the value in the first slot
  // `hash` probes and returns its code when the slot's tag is the hash's
  // (most likely the code of the value hashed, if present; the caller may
  // prefetch what it keeps per code), else UINT32_MAX. Only a hint: the
  // InternHashed that follows decides.
  uint32_t PrefetchProbable(uint64_t hash) const {
    const Slot& slot = slots_[hash & mask_];
    if (slot.code_plus_one == 0 || slot.tag != static_cast<uint32_t>(hash >> 32)) {
      return UINT32_MAX;
    }
    __builtin_prefetch(arena_.data() + slot.offset);
    return slot.code_plus_one - 1;
  }

  size_t size() const { return offsets_.size() - 1; }
  // REQUIRES: code < size()
  std::string_view value(uint32_t code) const {
    return std::string_view(arena_.data() + offsets_[code], offsets_[code + 1] - offsets_[code]);
  }

  // The distinct values back to back and where each starts (size() + 1
  // offsets), handed over; the dictionary is left empty.
  void Release(std::string* arena, std::vector<uint32_t>* offsets);

  static uint64_t Hash(std::string_view s);

 private:
  // The value's place in the arena is in the slot, so that a lookup reads
  // the slot and then the value, nothing in between.
  struct Slot {
    uint32_t tag;
    uint32_t code_plus_one;  // 0: empty
    uint32_t offset;
    uint32_t length;
  };
  void Grow();

  std::string arena_;
  std::vector<uint32_t> offsets_;
  std::vector<Slot> slots_;
  size_t mask_;
};

}  // namespace wv

#endif  // WV_CORE_STRING_DICTIONARY_H_
