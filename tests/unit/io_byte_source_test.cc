#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "io/byte_source.h"
#include "io_test_util.h"

namespace wv::io {
namespace {

namespace fs = std::filesystem;

// One gzip member made by zlib (an independent implementation).
std::string GzipMember(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string RandomText(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, ' ');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 7 + (rng() % 13 == 0 ? 10 : 0));
  return s;
}

class ByteSourceTest : public testing::TempDirTest {
 protected:
  ByteSourceTest() : TempDirTest("wv_io_source_") {}

  std::string Write(const std::string& name, const std::string& bytes) {
    testing::WriteFileBytes(Path(name), bytes);
    return Path(name);
  }

  // Reads through OpenInput with a deliberately odd buffer size.
  StatusOr<std::string> ReadThrough(const std::string& path, size_t buffer = 4093) {
    WV_ASSIGN_OR_RETURN(auto source, OpenInput(path));
    std::string out;
    std::string chunk(buffer, '\0');
    for (;;) {
      WV_ASSIGN_OR_RETURN(size_t n, source->Read(chunk.data(), chunk.size()));
      if (n == 0) break;
      out.append(chunk.data(), n);
    }
    return out;
  }
};

TEST_F(ByteSourceTest, PlainFilePassesThroughWithSizeAndProgress) {
  const std::string text = RandomText(300000, 1);
  const std::string path = Write("plain.csv.gz", text);  // the name lies; the bytes decide
  auto source = OpenInput(path);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ((*source)->stored_size(), text.size());
  EXPECT_EQ((*source)->name(), path);
  auto all = ReadAll(**source);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, text);
  EXPECT_EQ((*source)->stored_bytes_read(), text.size());
}

TEST_F(ByteSourceTest, TinyAndEmptyFilesPassThrough) {
  for (const std::string text : {"", "x", "\x1f", "\x1f\x8a rest"}) {
    auto read = ReadThrough(Write("tiny", text), 1);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, text);
  }
}

TEST_F(ByteSourceTest, GzipIsDetectedFromTheBytesAndInflated) {
  const std::string text = RandomText(3 << 20, 2);
  const std::string path = Write("data.csv", GzipMember(text));  // no .gz in the name
  for (size_t buffer : {size_t{1}, size_t{4093}, size_t{1} << 22}) {
    if (buffer == 1) {
      auto small = ReadThrough(Write("small", GzipMember("hello, world\n")), 1);
      ASSERT_TRUE(small.ok()) << small.status().ToString();
      EXPECT_EQ(*small, "hello, world\n");
      continue;
    }
    auto read = ReadThrough(path, buffer);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, text);
  }
  auto source = OpenInput(path);
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(ReadAll(**source).ok());
  EXPECT_EQ((*source)->stored_bytes_read(), fs::file_size(path));
}

TEST_F(ByteSourceTest, MultiMemberGzipIsConcatenated) {
  const std::string a = RandomText(2'500'000, 3), b = "", c = RandomText(1000, 4);
  const std::string path = Write("multi.gz", GzipMember(a) + GzipMember(b) + GzipMember(c));
  auto read = ReadThrough(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, a + b + c);
}

TEST_F(ByteSourceTest, TruncatedGzipIsAnInputErrorNamingTheFile) {
  const std::string gz = GzipMember(RandomText(1 << 20, 5));
  for (size_t keep : {size_t{5}, size_t{20}, gz.size() / 2, gz.size() - 4, gz.size() - 1}) {
    const std::string path = Write("cut" + std::to_string(keep) + ".gz", gz.substr(0, keep));
    auto read = ReadThrough(path);
    ASSERT_FALSE(read.ok()) << "kept " << keep << " of " << gz.size();
    EXPECT_EQ(read.status().kind(), ErrorKind::kInput);
    EXPECT_NE(read.status().message().find(path), std::string::npos) << read.status().message();
  }
}

TEST_F(ByteSourceTest, CorruptCrcLengthOrDataIsAnInputError) {
  const std::string text = RandomText(100000, 6);
  const std::string gz = GzipMember(text);
  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] ^= 0x01;
  std::string bad_size = gz;
  bad_size[gz.size() - 4] ^= 0x01;
  std::string bad_data = gz;
  for (size_t i = 20; i < 60; ++i) bad_data[i] = static_cast<char>(0xff);
  std::string garbage_after = gz + "garbage";
  for (const auto& [name, bytes] : {std::pair{"crc", bad_crc},
                                    {"size", bad_size},
                                    {"data", bad_data},
                                    {"tail", garbage_after}}) {
    auto read = ReadThrough(Write(std::string(name) + ".gz", bytes));
    ASSERT_FALSE(read.ok()) << name;
    EXPECT_EQ(read.status().kind(), ErrorKind::kInput) << name;
  }
}

TEST_F(ByteSourceTest, MissingFileAndDirectoryAreInputErrors) {
  auto missing = OpenInput((dir_ / "nope.csv").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kInput);
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  auto directory = OpenInput(dir_.string());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().kind(), ErrorKind::kInput);
}

TEST_F(ByteSourceTest, DashIsStandardInput) {
  auto source = OpenFileSource("-");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ((*source)->name(), "<stdin>");
  EXPECT_FALSE((*source)->stored_size().has_value());
}

}  // namespace
}  // namespace wv::io
