#ifndef WV_WAREHOUSE_COPY_BINARY_H_
#define WV_WAREHOUSE_COPY_BINARY_H_

#include <cstdint>
#include <string>
#include <string_view>

// PostgreSQL's binary COPY format (COPY ... FROM STDIN WITH (FORMAT binary)):
// a signature and header, then per row a 16-bit field count and per field a
// 32-bit length (-1 for NULL) and the value in the type's binary send
// format, big-endian; a 16-bit -1 ends the data. Values are written as the
// server's *recv functions read them: int8/int4 two's complement, float8 IEEE
// 754, bool one byte, text/bytea raw bytes, timestamptz microseconds and date
// days since 2000-01-01.
// Not thread-safe: one writer per buffer.
namespace wv::warehouse {

class CopyBinaryWriter {
 public:
  // Microseconds / days between the UNIX epoch and PostgreSQL's (2000-01-01).
  static constexpr int64_t kPostgresEpochMicros = 946684800LL * 1000000;
  static constexpr int32_t kPostgresEpochDays = 10957;

  // The signature, flags and header extension: once, before the first row.
  void Header();
  // The end-of-data marker: once, after the last row.
  void Trailer();

  void BeginRow(int16_t fields);
  void Int64(int64_t v);
  void Int32(int32_t v);
  void Float64(double v);
  void Float32(float v);
  void Bool(bool v);
  void Bytes(std::string_view v);
  void Null();
  // A TIMESTAMP(MICROS) of the UNIX epoch, as timestamptz.
  void TimestampMicros(int64_t unix_micros) { Int64(unix_micros - kPostgresEpochMicros); }
  // A DATE (days since 1970-01-01), as date.
  void Date(int32_t unix_days) { Int32(unix_days - kPostgresEpochDays); }

  const std::string& data() const { return data_; }
  size_t size() const { return data_.size(); }
  void Clear() { data_.clear(); }

 private:
  void Put16(uint16_t v);
  void Put32(uint32_t v);
  void Put64(uint64_t v);

  std::string data_;
};

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_COPY_BINARY_H_
