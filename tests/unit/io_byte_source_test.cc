#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "io/byte_source.h"
#include "io_test_util.h"
#include "support/temp_dir.h"

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

// Reads `first` bytes of `path`, calls `change`, then reads to the end.
Status ReadWithChangeInBetween(const std::string& path, size_t first,
                               const std::function<void()>& change) {
  WV_ASSIGN_OR_RETURN(auto source, OpenFileSource(path));
  std::string buffer(first, '\0');
  size_t have = 0;
  while (have < first) {
    WV_ASSIGN_OR_RETURN(size_t n, source->Read(buffer.data() + have, first - have));
    if (n == 0) break;
    have += n;
  }
  change();
  WV_ASSIGN_OR_RETURN(std::string rest, ReadAll(*source));
  return OkStatus();
}

void SetMtime(const std::string& path, int64_t seconds, int64_t nanoseconds) {
  const struct timespec times[2] = {{seconds, nanoseconds}, {seconds, nanoseconds}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST_F(ByteSourceTest, AnUnchangedFileRecordsItsIdentity) {
  const std::string path = Write("same.csv", RandomText(200000, 7));
  SetMtime(path, 1700000000, 123456789);
  auto source = OpenFileSource(path);
  ASSERT_TRUE(source.ok());
  ASSERT_TRUE(ReadAll(**source).ok());
  const std::optional<FileIdentity> id = (*source)->identity();
  ASSERT_TRUE(id.has_value());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(id->size, 200000u);
  EXPECT_EQ(id->mtime_seconds, 1700000000);
  EXPECT_EQ(id->mtime_nanoseconds, 123456789);
  EXPECT_EQ(id->inode, static_cast<uint64_t>(st.st_ino));
  EXPECT_EQ(id->device, static_cast<uint64_t>(st.st_dev));
  // Through gzip detection too.
  auto input = OpenInput(path);
  ASSERT_TRUE(input.ok());
  EXPECT_EQ((*input)->identity(), id);
}

TEST_F(ByteSourceTest, AFileTruncatedWhileReadIsAnInputError) {
  const std::string path = Write("cut.csv", RandomText(300000, 8));
  const Status status = ReadWithChangeInBetween(path, 1000, [&] { fs::resize_file(path, 50000); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), ErrorKind::kInput);
  EXPECT_NE(status.message().find(path + " changed while it was read"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("size 300000 -> 50000 bytes"), std::string::npos);
  EXPECT_NE(status.message().find("50000 bytes read of the 300000"), std::string::npos);
}

TEST_F(ByteSourceTest, AFileGrownWhileReadIsAnInputError) {
  const std::string path = Write("grown.csv", RandomText(1000, 9));
  const Status status = ReadWithChangeInBetween(
      path, 10, [&] { std::ofstream(path, std::ios::binary | std::ios::app) << "more"; });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("size 1000 -> 1004 bytes"), std::string::npos)
      << status.message();
}

TEST_F(ByteSourceTest, AFileRewrittenInPlaceWithTheSameSizeIsAnInputError) {
  const std::string path = Write("rewritten.csv", RandomText(100000, 10));
  SetMtime(path, 1700000000, 1);
  const Status status = ReadWithChangeInBetween(path, 4096, [&] {
    // Same size, new bytes, written through the same inode.
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(50000);
    f << "rewritten";
    f.close();
    SetMtime(path, 1700000000, 2);
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), ErrorKind::kInput);
  EXPECT_NE(status.message().find("modification time 1700000000.000000001 -> 1700000000.000000002"),
            std::string::npos)
      << status.message();
}

TEST_F(ByteSourceTest, AFileReplacedByRenameWhileReadIsAnInputError) {
  const std::string path = Write("replaced.csv", RandomText(100000, 11));
  const std::string other = Write("other.csv", RandomText(100000, 11));  // same bytes even
  const Status status = ReadWithChangeInBetween(path, 10, [&] { fs::rename(other, path); });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("the path now names another file"), std::string::npos)
      << status.message();
  // Removed instead of replaced.
  const std::string gone = Write("gone.csv", "abc");
  const Status removed = ReadWithChangeInBetween(gone, 1, [&] { fs::remove(gone); });
  ASSERT_FALSE(removed.ok());
  EXPECT_NE(removed.message().find("the path no longer names a file"), std::string::npos)
      << removed.message();
}

TEST_F(ByteSourceTest, AFifoHasNoIdentityAndIsReadAsItComes) {
  const std::string path = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(path, std::ios::binary) << "through a pipe\n"; });
  auto source = OpenFileSource(path);
  ASSERT_TRUE(source.ok());
  auto all = ReadAll(**source);
  writer.join();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, "through a pipe\n");
  EXPECT_FALSE((*source)->identity().has_value());
  EXPECT_FALSE((*source)->stored_size().has_value());
}

TEST_F(ByteSourceTest, MessagesEscapeControlCharactersInFileNames) {
  auto missing = OpenInput((dir_ / "bad\x1b[2Jname\x07.csv").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("bad\\x1b[2Jname\\x07.csv"), std::string::npos)
      << missing.status().message();
  EXPECT_EQ(missing.status().message().find('\x1b'), std::string::npos);
}

// A byte range reads exactly bytes [start, end) of the file, in small reads,
// and reports the range's length as its stored size and the file's identity.
TEST_F(ByteSourceTest, FileRangeReadsExactlyItsBytes) {
  const std::string text = RandomText(100000, 7);
  const std::string path = Write("r.csv", text);
  for (const auto& [start, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 100000}, {0, 1}, {12345, 67890}, {99999, 100000}, {500, 500}}) {
    auto source = OpenFileRangeSource(path, start, end);
    ASSERT_TRUE(source.ok()) << source.status().message();
    std::string out, buffer(777, '\0');
    for (;;) {
      auto n = (*source)->Read(buffer.data(), buffer.size());
      ASSERT_TRUE(n.ok()) << n.status().message();
      if (*n == 0) break;
      out.append(buffer.data(), *n);
    }
    EXPECT_EQ(out, text.substr(start, end - start));
    EXPECT_EQ((*source)->stored_size(), end - start);
    ASSERT_TRUE((*source)->identity().has_value());
    EXPECT_EQ((*source)->identity()->size, text.size());
  }
}

TEST_F(ByteSourceTest, FileRangeRefusesAFileTooShortOrChanged) {
  const std::string path = Write("r.csv", RandomText(5000, 8));
  auto too_far = OpenFileRangeSource(path, 10, 5001);
  ASSERT_FALSE(too_far.ok());
  EXPECT_EQ(too_far.status().kind(), ErrorKind::kInput);
  EXPECT_EQ(OpenFileRangeSource(path, 10, 9).status().kind(), ErrorKind::kUsage);
  // Truncated after the open: the range's end is never reached, and that is an error, not an end.
  auto source = OpenFileRangeSource(path, 1000, 4000);
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(::truncate(path.c_str(), 2000), 0);
  auto all = ReadAll(**source);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().kind(), ErrorKind::kInput);
  EXPECT_NE(all.status().message().find("changed while it was read"), std::string::npos)
      << all.status().message();
}

}  // namespace
}  // namespace wv::io
