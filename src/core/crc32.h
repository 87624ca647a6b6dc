#ifndef WV_CORE_CRC32_H_
#define WV_CORE_CRC32_H_

#include <cstdint>
#include <string_view>

// CRC-32/ISO-HDLC (IEEE 802.3 polynomial, reflected): the value zlib's
// crc32(), Python's zlib.crc32, gzip trailers and Parquet page CRCs use.
// Computed with ISA-L. The one CRC-32 of the project (manifest checksums,
// input checksums, Parquet pages). Pure; thread-safe.
namespace wv {

// CRC-32 of `bytes`; pass the previous result as `crc` to continue a
// checksum over several pieces (Crc32(b, Crc32(a)) == Crc32(a + b)).
uint32_t Crc32(std::string_view bytes, uint32_t crc = 0);

// The CRC-32 of a + b from Crc32(a), Crc32(b) and b's length (zlib's
// crc32_combine): the checksum of a file read as consecutive byte ranges.
uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t bytes_b);

}  // namespace wv

#endif  // WV_CORE_CRC32_H_
