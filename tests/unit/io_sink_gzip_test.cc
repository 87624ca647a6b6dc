#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "generate/generator.h"
#include "generate_test_util.h"
#include "gtest/gtest.h"
#include "io/byte_sink.h"
#include "io/gzip_sink.h"

namespace wv::io {
namespace {

using testing::NewStringSink;

// Inflates every gzip member in `data` with zlib (an independent decoder).
std::string Gunzip(const std::string& data, int* members) {
  std::string out;
  *members = 0;
  size_t offset = 0;
  while (offset < data.size()) {
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + offset));
    z.avail_in = static_cast<uInt>(data.size() - offset);
    char buf[1 << 16];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof(buf);
      rc = inflate(&z, Z_NO_FLUSH);
      EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END) << "zlib error " << rc;
      if (rc != Z_OK && rc != Z_STREAM_END) {
        inflateEnd(&z);
        return out;
      }
      out.append(buf, sizeof(buf) - z.avail_out);
    }
    offset = data.size() - z.avail_in;
    inflateEnd(&z);
    ++*members;
  }
  return out;
}

std::string Compress(const std::string& input, int threads, size_t block, size_t piece) {
  std::string compressed;
  auto sink = OpenGzipSink(NewStringSink(&compressed), 1, threads, block);
  EXPECT_TRUE(sink.ok());
  for (size_t i = 0; i < input.size(); i += piece) {
    EXPECT_TRUE((*sink)->Append(std::string_view(input).substr(i, piece)).ok());
  }
  EXPECT_EQ((*sink)->bytes_written(), input.size());
  EXPECT_TRUE((*sink)->Close().ok());
  return compressed;
}

std::string SampleText(size_t bytes) {
  std::string s;
  uint64_t x = 1;
  while (s.size() < bytes) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s += "1.0,1362076081," + std::to_string(x >> 40) + ",u:FO,de,en,lernt/lernen<vblex>\n";
  }
  s.resize(bytes);
  return s;
}

TEST(IoSinkGzipTest, RoundTripsAndIsIdenticalForAnyThreadCountAndAppendPattern) {
  const std::string input = SampleText(3'000'000);
  const std::string one = Compress(input, 1, 256 << 10, 1 << 20);
  int members = 0;
  EXPECT_TRUE(Gunzip(one, &members) == input);
  EXPECT_EQ(members, 12);  // ceil(3e6 / 256 KiB): fixed-size blocks
  EXPECT_LT(one.size(), input.size() / 2);
  EXPECT_TRUE(Compress(input, 2, 256 << 10, 777) == one);
  EXPECT_TRUE(Compress(input, 4, 256 << 10, 100'000) == one);
}

TEST(IoSinkGzipTest, EmptyInputIsStillValidGzip) {
  const std::string compressed = Compress("", 2, 64 << 10, 1);
  int members = 0;
  EXPECT_EQ(Gunzip(compressed, &members), "");
  EXPECT_EQ(members, 1);
}

TEST(IoSinkGzipTest, RejectsBadParameters) {
  std::string s;
  EXPECT_EQ(OpenGzipSink(NewStringSink(&s), 9).status().kind(), ErrorKind::kUsage);
  EXPECT_EQ(OpenGzipSink(NewStringSink(&s), 1, 0).status().kind(), ErrorKind::kUsage);
}

TEST(IoSinkGzipTest, GeneratedGzipDecompressesToExactlyThePlainCsv) {
  generate::GenerateOptions o;
  o.rows = 40000;
  o.dirty_rate = 0.02;
  std::string plain;
  const std::unique_ptr<ByteSink> plain_sink = NewStringSink(&plain);
  ASSERT_TRUE(generate::Generate(o, *plain_sink, nullptr, nullptr).ok());
  std::string compressed;
  auto gz = OpenGzipSink(NewStringSink(&compressed), 1, 2, 1 << 20);
  ASSERT_TRUE(gz.ok());
  ASSERT_TRUE(generate::Generate(o, **gz, nullptr, nullptr).ok());
  ASSERT_TRUE((*gz)->Close().ok());
  int members = 0;
  EXPECT_TRUE(Gunzip(compressed, &members) == plain);
}

TEST(IoSinkFileTest, WritesSmallAndLargeAppendsInOrder) {
  const std::string path = ::testing::TempDir() + "/wv_file_sink_test.bin";
  const std::string big = SampleText(3 << 20);
  {
    auto sink = OpenFileSink(path);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    ASSERT_TRUE((*sink)->Append("head\n").ok());
    ASSERT_TRUE((*sink)->Append(big).ok());
    ASSERT_TRUE((*sink)->Append("tail\n").ok());
    EXPECT_EQ((*sink)->bytes_written(), big.size() + 10);
    ASSERT_TRUE((*sink)->Close().ok());
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_TRUE(content.str() == "head\n" + big + "tail\n");
  std::remove(path.c_str());
}

TEST(IoSinkFileTest, UnwritablePathIsAnOutputError) {
  auto sink = OpenFileSink("/nonexistent-dir-wv/x.csv");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().kind(), ErrorKind::kOutput);
  EXPECT_NE(sink.status().message().find("/nonexistent-dir-wv/x.csv"), std::string::npos);
}

}  // namespace
}  // namespace wv::io
