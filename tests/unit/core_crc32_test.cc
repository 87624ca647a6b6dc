#include <zlib.h>

#include <random>
#include <string>

#include "core/crc32.h"
#include "gtest/gtest.h"

namespace wv {
namespace {

// zlib's crc32(), the independent oracle (the same CRC-32/ISO-HDLC).
uint32_t ZlibCrc32(std::string_view bytes, uint32_t crc = 0) {
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(Crc32Test, KnownCheckValues) {
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the catalogue's check value
  EXPECT_EQ(Crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

TEST(Crc32Test, MatchesZlibOnRandomDataOfEveryShortLengthAndSomeLongOnes) {
  std::mt19937_64 rng(42);
  // Every length up to 300 covers ISA-L's short-input and tail paths; the long
  // ones its folded SIMD loop (and an odd tail after it).
  for (size_t n = 0; n <= 300; ++n) {
    const std::string bytes = RandomBytes(rng, n);
    ASSERT_EQ(Crc32(bytes), ZlibCrc32(bytes)) << "length " << n;
  }
  for (size_t n : {size_t{4095}, size_t{4096}, size_t{65537}, size_t{1} << 20}) {
    const std::string bytes = RandomBytes(rng, n);
    EXPECT_EQ(Crc32(bytes), ZlibCrc32(bytes)) << "length " << n;
  }
}

TEST(Crc32Test, ChainedPiecesEqualTheWholeAndZlibsChaining) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    const std::string whole = RandomBytes(rng, rng() % 20000);
    uint32_t ours = 0;
    uint32_t zlib = 0;
    for (size_t at = 0; at < whole.size();) {
      const size_t take = std::min<size_t>(whole.size() - at, rng() % 700);
      const std::string_view piece = std::string_view(whole).substr(at, take);
      ours = Crc32(piece, ours);
      zlib = ZlibCrc32(piece, zlib);
      ASSERT_EQ(ours, zlib);
      at += take;
    }
    EXPECT_EQ(ours, Crc32(whole));
    EXPECT_EQ(ours, ZlibCrc32(whole));
  }
}

TEST(Crc32Test, EmptyPieceLeavesTheChecksumAlone) {
  const uint32_t crc = Crc32("abc");
  EXPECT_EQ(Crc32("", crc), crc);
  EXPECT_EQ(Crc32(std::string_view(), crc), crc);  // a null data pointer too
}

TEST(Crc32Test, CombineEqualsTheChecksumOfTheConcatenation) {
  std::string whole;
  for (int i = 0; i < 50000; ++i) whole.push_back(static_cast<char>((i * 7919) % 251));
  for (size_t cut : {size_t{0}, size_t{1}, size_t{4096}, size_t{33333}, whole.size()}) {
    const std::string_view a = std::string_view(whole).substr(0, cut);
    const std::string_view b = std::string_view(whole).substr(cut);
    EXPECT_EQ(Crc32Combine(Crc32(a), Crc32(b), b.size()), ZlibCrc32(whole)) << "cut " << cut;
  }
}

}  // namespace
}  // namespace wv
