#ifndef WV_PARQUET_THRIFT_COMPACT_H_
#define WV_PARQUET_THRIFT_COMPACT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

// The Thrift compact protocol, hand-written for the Parquet footer and page
// headers (Debian ships no Thrift C++ library suitable for static linking, and
// the subset Parquet needs is small). Spec: thrift/doc/specs/thrift-compact-protocol.md.
namespace wv::parquet::thrift {

// Compact protocol wire types (the low nibble of a field header).
enum class WireType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Serializes into a caller-owned string. Fields must be written in increasing
// id order within a struct (the compact protocol's deltas assume it, and so do
// we, to produce canonical output).
// Not thread-safe.
class CompactWriter {
 public:
  explicit CompactWriter(std::string* out) : out_(out) {}

  void BeginStruct();
  void EndStruct();  // writes the stop byte

  void FieldI32(int16_t id, int32_t v);
  void FieldI64(int16_t id, int64_t v);
  void FieldI16(int16_t id, int16_t v) { FieldI32Typed(id, WireType::kI16, v); }
  void FieldByte(int16_t id, int8_t v);
  void FieldBool(int16_t id, bool v);
  void FieldBinary(int16_t id, std::string_view v);
  // Begins a nested struct field; finish it with EndStruct().
  void FieldStructBegin(int16_t id);
  // Begins a list field; follow with `size` elements of `elem`.
  void FieldListBegin(int16_t id, WireType elem, uint32_t size);

  // List elements.
  void ElemI32(int32_t v) { Varint(ZigZag32(v)); }
  void ElemI64(int64_t v) { Varint(ZigZag64(v)); }
  void ElemBinary(std::string_view v);
  void ElemStructBegin() { BeginStruct(); }

  static uint32_t ZigZag32(int32_t v) {
    return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
  }
  static uint64_t ZigZag64(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }

 private:
  void FieldHeader(int16_t id, WireType type);
  void FieldI32Typed(int16_t id, WireType type, int32_t v);
  void Varint(uint64_t v);

  std::string* out_;
  std::vector<int16_t> last_ids_;  // one per open struct
};

// Parses compact-protocol bytes. Every read is bounds-checked; nesting is
// limited so hostile input cannot exhaust the stack; unknown fields are skipped
// (forward compatibility with newer writers).
// Not thread-safe.
class CompactReader {
 public:
  // `context` names what is being parsed, for error messages.
  CompactReader(std::string_view data, std::string_view context) : data_(data), context_(context) {}

  // Reads the next field header of the current struct. Returns false in *more
  // when the struct's stop byte is reached.
  Status ReadFieldHeader(int16_t* id, WireType* type, bool* more);
  Status BeginStruct();  // REQUIRES: matched by EndStruct after the stop byte
  void EndStruct();

  Status ReadI32(WireType type, int32_t* v);
  Status ReadI64(WireType type, int64_t* v);
  Status ReadBool(WireType type, bool* v);  // from a field header's type
  Status ReadBinary(std::string_view* v);
  Status ReadListHeader(WireType* elem, uint32_t* size);
  // Counts `count` decoded elements of `bytes_each` bytes in memory against
  // kMaxDecodedBytes for the whole parse: an element takes at least one byte
  // on the wire but may take hundreds decoded, so a footer of a few MB of
  // empty structs could otherwise ask for GBs. An error past the budget.
  Status ChargeDecoded(uint64_t count, size_t bytes_each);
  Status ReadListBool(bool* v);  // a bool list element (one byte)
  // Skips a value of `type` (recursively for containers).
  Status Skip(WireType type);

  // Bytes consumed so far.
  size_t position() const { return pos_; }
  Status Error(std::string_view what) const;

 private:
  Status ReadVarint(uint64_t* v);
  Status ReadByte(uint8_t* b);
  Status SkipDepth(WireType type, int depth);

  std::string_view data_;
  std::string_view context_;
  size_t pos_ = 0;
  std::vector<int16_t> last_ids_;
  uint64_t decoded_bytes_ = 0;  // charged by ChargeDecoded
};

// The deepest nesting of structs/containers accepted by the reader. Parquet's
// metadata nests at most ~6 levels; anything far deeper is hostile.
inline constexpr int kMaxNesting = 32;

// The most memory the elements of one parse's lists may take decoded (Arrow
// caps the element count of a Thrift container for the same reason). Our own
// footers take well under 1 MB; a footer of millions of column chunks is not
// one this reader opens.
inline constexpr uint64_t kMaxDecodedBytes = uint64_t{256} << 20;

}  // namespace wv::parquet::thrift

#endif  // WV_PARQUET_THRIFT_COMPACT_H_
