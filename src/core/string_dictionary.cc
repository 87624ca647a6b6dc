#include "core/string_dictionary.h"

namespace wv {

namespace {
constexpr size_t kInitialSlots = 1024;
}  // namespace

StringDictionary::StringDictionary()
    : offsets_{0}, slots_(kInitialSlots, Slot{0, 0, 0, 0}), mask_(kInitialSlots - 1) {}

uint64_t StringDictionary::Hash(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0x94d049bb133111ebull;
    h ^= h >> 29;
  }
  return h;
}

uint32_t StringDictionary::InternHashed(std::string_view value, uint64_t h, bool* inserted) {
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot slot = slots_[i];
    if (slot.code_plus_one == 0) {
      const auto code = static_cast<uint32_t>(size());
      slots_[i] = Slot{tag, code + 1, static_cast<uint32_t>(arena_.size()),
                       static_cast<uint32_t>(value.size())};
      arena_.append(value);
      offsets_.push_back(static_cast<uint32_t>(arena_.size()));
      if (offsets_.size() * 2 > slots_.size()) Grow();
      if (inserted != nullptr) *inserted = true;
      return code;
    }
    if (slot.tag == tag &&
        SameBytes(std::string_view(arena_.data() + slot.offset, slot.length), value)) {
      if (inserted != nullptr) *inserted = false;
      return slot.code_plus_one - 1;
    }
  }
}

void StringDictionary::Grow() {
  std::vector<Slot> bigger(slots_.size() * 2, Slot{0, 0, 0, 0});
  const size_t mask = bigger.size() - 1;
  for (uint32_t code = 0; code < size(); ++code) {
    const std::string_view v = value(code);
    const uint64_t h = Hash(v);
    size_t i = h & mask;
    while (bigger[i].code_plus_one != 0) i = (i + 1) & mask;
    bigger[i] = Slot{static_cast<uint32_t>(h >> 32), code + 1, offsets_[code],
                     static_cast<uint32_t>(v.size())};
  }
  slots_.swap(bigger);
  mask_ = mask;
}

void StringDictionary::Release(std::string* arena, std::vector<uint32_t>* offsets) {
  *arena = std::move(arena_);
  *offsets = std::move(offsets_);
  *this = StringDictionary();
}

}  // namespace wv
