#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "fmt/core.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"
#include "traces/ingest.h"

namespace wv::traces {
namespace {

namespace fs = std::filesystem;

// One row as the test expects it to come out.
struct Expected {
  std::string file;
  int64_t line;
  std::string reason;        // "" = accepted
  std::string duplicate_of;  // "line N in F" for duplicates
};

std::string GoodRow(int i) {
  return fmt::format("{},{},{},u:user{},es,en,{:032x},casa/casa<n><f><sg>,{},{},{},{}",
                     (i % 3) / 2.0, 1362076081 + i, 1000 + i, i % 17, i, 5 + i % 4, 3, 2,
                     1 + i % 2);
}

// Writes a traces file mixing good rows, bad rows and duplicates, and records
// what should happen to each line. Duplicates repeat rows of this or earlier
// files (from `pool`).
class TraceWriter {
 public:
  std::string Make(const fs::path& path, int rows, unsigned seed, std::vector<Expected>* expected,
                   bool crlf = false) {
    std::mt19937 rng(seed);
    const std::string name = path.string();
    const char* eol = crlf ? "\r\n" : "\n";
    std::string text = std::string(kTraceHeader) + eol;
    int64_t line = 2;
    for (int r = 0; r < rows; ++r, ++line) {
      const unsigned kind = rng() % 10;
      if (kind == 0 && !pool_.empty()) {
        const auto& [row, first] = pool_[rng() % pool_.size()];
        text += row + eol;
        expected->push_back({name, line, "duplicate", first});
        line += std::count(row.begin(), row.end(), '\n');  // a copy of a multi-line row
      } else if (kind == 1) {
        text += GoodRow(next_++) + ",extra" + eol;
        expected->push_back({name, line, "malformed", ""});
      } else if (kind == 2) {
        std::string row = GoodRow(next_++);
        row.replace(row.find(",es,"), 4, ",xx,");
        text += row + eol;
        expected->push_back({name, line, "unknown_language", ""});
      } else if (kind == 3) {
        // Quoted, with a newline inside a quoted field: one row, two lines,
        // rejected (a line break is a control character).
        const int i = next_++;
        const std::string good = GoodRow(i);
        const size_t user = good.find("u:user"), lang = good.find(",es,");
        const std::string row = good.substr(0, user) + "\"u:us\ner" +
                                good.substr(user + 6, lang - user - 6) + "\"" + good.substr(lang);
        text += row + eol;
        expected->push_back({name, line, "malformed", ""});
        ++line;
      } else if (kind == 4) {
        // Quoted without a line break: accepted, and a duplicate of its unquoted form.
        const int i = next_++;
        const std::string good = GoodRow(i);
        const size_t user = good.find("u:user"), lang = good.find(",es,");
        const std::string row =
            good.substr(0, user) + "\"" + good.substr(user, lang - user) + "\"" + good.substr(lang);
        text += row + eol;
        expected->push_back({name, line, "", ""});
        pool_.emplace_back(row, fmt::format("line {} in {}", line, name));
      } else if (kind == 5) {
        text += eol;  // a blank line: not a row, no expectation
        ++blank_lines_;
        --r;
      } else {
        const std::string row = GoodRow(next_++);
        text += row + eol;
        expected->push_back({name, line, "", ""});
        pool_.emplace_back(row, fmt::format("line {} in {}", line, name));
      }
    }
    std::ofstream(path, std::ios::binary) << text;
    return text;
  }
  uint64_t blank_lines() const { return blank_lines_; }

 private:
  int next_ = 0;
  uint64_t blank_lines_ = 0;
  std::vector<std::pair<std::string, std::string>> pool_;
};

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Everything a run handed over, flattened in order.
struct Collected {
  std::vector<Expected> rows;  // accepted and rejected, sorted by (file, line)
  std::vector<std::string> accepted_user_ids;
  std::vector<std::string> rejected_raw;
  std::vector<std::string> rejected_detail;
  uint64_t chunks = 0;
  IngestStats stats;
};

StatusOr<Collected> RunIngest(const std::vector<std::string>& paths, int threads,
                              size_t chunk_bytes) {
  static const References refs;
  IngestOptions options{
      .paths = paths, .refs = refs, .threads = threads, .progress = {}, .chunk_bytes = chunk_bytes};
  uint64_t progress_calls = 0;
  options.progress = [&](const IngestProgress&) { ++progress_calls; };
  Ingestor ingestor(options);
  Collected collected;
  std::atomic<int> inside{0};
  std::map<std::pair<uint32_t, int64_t>, Expected> by_position;
  const Status status = ingestor.Run([&](ValidatedChunk&& chunk) -> Status {
    if (inside.fetch_add(1) != 0) return InternalError("consume called concurrently");
    if (chunk.sequence != collected.chunks) return InternalError("chunk out of order");
    ++collected.chunks;
    for (size_t i = 0; i < chunk.accepted.size(); ++i) {
      const auto key = std::pair{chunk.accepted.source_file[i], chunk.accepted.line_number[i]};
      by_position[key] = {paths[key.first], key.second, "", ""};
      collected.accepted_user_ids.emplace_back(chunk.accepted.user_id[i]);
    }
    for (size_t i = 0; i < chunk.rejected.size(); ++i) {
      if (i > 0 && chunk.rejected.line_number[i] <= chunk.rejected.line_number[i - 1]) {
        return InternalError("rejected rows out of line order");
      }
      const auto key = std::pair{chunk.rejected.source_file[i], chunk.rejected.line_number[i]};
      std::string detail(chunk.rejected.detail[i]);
      std::string dup_of;
      if (chunk.rejected.reason[i] == RejectReason::kDuplicate) {
        dup_of = detail.substr(detail.find("line "));
      }
      by_position[key] = {paths[key.first], key.second,
                          std::string(RejectReasonName(chunk.rejected.reason[i])), dup_of};
      collected.rejected_raw.emplace_back(chunk.rejected.raw_line[i]);
      collected.rejected_detail.push_back(detail);
    }
    inside.fetch_sub(1);
    return OkStatus();
  });
  if (!status.ok()) return status;
  for (auto& [key, row] : by_position) collected.rows.push_back(row);
  collected.stats = ingestor.stats();
  if (progress_calls != collected.chunks) return InternalError("progress not called per chunk");
  return collected;
}

bool operator==(const Expected& a, const Expected& b) {
  return a.file == b.file && a.line == b.line && a.reason == b.reason &&
         a.duplicate_of == b.duplicate_of;
}
std::ostream& operator<<(std::ostream& os, const Expected& e) {
  return os << e.file << ":" << e.line << " '" << e.reason << "' " << e.duplicate_of;
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::UniqueTestPath("wv_ingest_");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(IngestTest, MultipleFilesDedupAcrossFilesLineNumbersAndEveryRowAccounted) {
  TraceWriter writer;
  std::vector<Expected> expected;
  writer.Make(Path("a.csv"), 3000, 1, &expected);
  writer.Make(Path("b.csv"), 2000, 2, &expected, /*crlf=*/true);
  writer.Make(Path("c.csv"), 1500, 3, &expected);
  auto run = RunIngest({Path("a.csv"), Path("b.csv"), Path("c.csv")}, 2, 10000);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->rows.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(run->rows[i], expected[i]) << i;
  const IngestStats& stats = run->stats;
  EXPECT_EQ(stats.input_rows, 6500u);
  EXPECT_EQ(stats.accepted + stats.rejected, stats.input_rows);
  uint64_t duplicates = 0;
  for (const auto& e : expected) duplicates += e.reason == "duplicate";
  EXPECT_GT(duplicates, 100u);
  EXPECT_EQ(stats.rejected_by_reason[static_cast<size_t>(RejectReason::kDuplicate)], duplicates);
  ASSERT_EQ(stats.files.size(), 3u);
  EXPECT_EQ(stats.files[0].rows, 3000u);
  EXPECT_EQ(stats.files[1].rows, 2000u);
  EXPECT_EQ(stats.files[2].rows, 1500u);
  EXPECT_GT(run->chunks, 10u);
  for (const auto& file : stats.files) {
    EXPECT_EQ(file.stored_bytes, fs::file_size(file.path));
    EXPECT_EQ(file.bytes, fs::file_size(file.path));
    std::ifstream in(file.path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(file.stored_crc32,
              crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
    EXPECT_EQ(file.physical_lines,
              static_cast<uint64_t>(std::count(bytes.begin(), bytes.end(), '\n')));
  }
  // Rejected rows keep their raw bytes (a multi-line row its line break), not the '\r'.
  bool multi_line_kept = false;
  for (size_t i = 0; i < run->rejected_raw.size(); ++i) {
    EXPECT_EQ(run->rejected_raw[i].find('\r'), std::string::npos);
    multi_line_kept |= run->rejected_raw[i].find("\"u:us\ner") != std::string::npos;
  }
  EXPECT_TRUE(multi_line_kept);
  // Quoted values are unquoted.
  EXPECT_EQ(std::count_if(run->accepted_user_ids.begin(), run->accepted_user_ids.end(),
                          [](const std::string& id) { return id.find('"') != std::string::npos; }),
            0);
  // Blank lines are counted, per file and in all, and are not rows.
  EXPECT_GT(writer.blank_lines(), 100u);
  EXPECT_EQ(stats.blank_lines, writer.blank_lines());
  EXPECT_EQ(stats.files[0].blank_lines + stats.files[1].blank_lines + stats.files[2].blank_lines,
            writer.blank_lines());
  for (const auto& file : stats.files) {
    ASSERT_TRUE(file.identity.has_value());
    EXPECT_EQ(file.identity->size, fs::file_size(file.path));
  }
}

TEST_F(IngestTest, ThreadCountsAndChunkSizesGiveIdenticalResults) {
  TraceWriter writer;
  std::vector<Expected> expected;
  writer.Make(Path("a.csv"), 4000, 7, &expected);
  writer.Make(Path("b.csv"), 1000, 8, &expected);
  const std::vector<std::string> paths = {Path("a.csv"), Path("b.csv")};
  auto reference = RunIngest(paths, 1, size_t{1} << 22);
  ASSERT_TRUE(reference.ok());
  for (int threads : {1, 2, 3}) {
    for (size_t chunk_bytes : {size_t{1}, size_t{500}, size_t{65536}}) {
      auto run = RunIngest(paths, threads, chunk_bytes);
      ASSERT_TRUE(run.ok()) << run.status().ToString();
      EXPECT_EQ(run->rows, reference->rows) << threads << " " << chunk_bytes;
      EXPECT_EQ(run->accepted_user_ids, reference->accepted_user_ids);
      EXPECT_EQ(run->rejected_raw, reference->rejected_raw);
      EXPECT_EQ(run->rejected_detail, reference->rejected_detail);
    }
  }
}

TEST_F(IngestTest, GzipInputGivesTheSameRowsAsPlain) {
  TraceWriter writer;
  std::vector<Expected> expected;
  const std::string text = writer.Make(Path("plain.csv"), 3000, 11, &expected);
  // Two gzip members, the split inside a row.
  const size_t cut = text.size() / 2;
  std::ofstream(Path("zipped.csv"), std::ios::binary)
      << Gzip(text.substr(0, cut)) + Gzip(text.substr(cut));
  auto plain = RunIngest({Path("plain.csv")}, 2, 8192);
  auto zipped = RunIngest({Path("zipped.csv")}, 2, 8192);
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(zipped.ok()) << zipped.status().ToString();
  ASSERT_EQ(zipped->rows.size(), plain->rows.size());
  EXPECT_EQ(zipped->accepted_user_ids, plain->accepted_user_ids);
  EXPECT_EQ(zipped->stats.files[0].bytes, text.size());
  EXPECT_EQ(zipped->stats.files[0].stored_bytes, fs::file_size(Path("zipped.csv")));
}

TEST_F(IngestTest, HeaderOnlyBomAndNoFinalNewline) {
  std::ofstream(Path("header_only.csv")) << kTraceHeader << "\n";
  std::ofstream(Path("bom.csv")) << "\xEF\xBB\xBF" << kTraceHeader << "\r\n" << GoodRow(1);
  auto run = RunIngest({Path("header_only.csv"), Path("bom.csv")}, 2, 4096);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->rows.size(), 1u);
  EXPECT_EQ(run->rows[0], (Expected{Path("bom.csv"), 2, "", ""}));
  EXPECT_EQ(run->stats.files[0].rows, 0u);
  EXPECT_EQ(run->stats.files[0].physical_lines, 1u);
}

TEST_F(IngestTest, InputErrorsNameTheFile) {
  std::ofstream(Path("good.csv")) << kTraceHeader << "\n" << GoodRow(1) << "\n";
  std::ofstream(Path("empty.csv")) << "";
  std::ofstream(Path("wrong_header.csv")) << "a,b,c\n1,2,3\n";
  const std::string gz = Gzip(std::string(kTraceHeader) + "\n" + GoodRow(1) + "\n" + GoodRow(2));
  std::ofstream(Path("truncated.csv.gz"), std::ios::binary) << gz.substr(0, gz.size() - 6);
  for (const std::string name :
       {"empty.csv", "wrong_header.csv", "truncated.csv.gz", "missing.csv"}) {
    auto run = RunIngest({Path("good.csv"), Path(name)}, 2, 4096);
    ASSERT_FALSE(run.ok()) << name;
    EXPECT_EQ(run.status().kind(), ErrorKind::kInput) << name;
    EXPECT_NE(run.status().message().find(Path(name)), std::string::npos) << run.status().message();
  }
  auto empty = RunIngest({Path("empty.csv")}, 1, 4096);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty file"), std::string::npos);
  auto header = RunIngest({Path("wrong_header.csv")}, 1, 4096);
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.status().message().find("unexpected header"), std::string::npos);
}

TEST_F(IngestTest, ConsumeErrorStopsTheRun) {
  TraceWriter writer;
  std::vector<Expected> expected;
  writer.Make(Path("a.csv"), 5000, 5, &expected);
  static const References refs;
  Ingestor ingestor(IngestOptions{
      .paths = {Path("a.csv")}, .refs = refs, .threads = 2, .progress = {}, .chunk_bytes = 1000});
  int calls = 0;
  const Status status = ingestor.Run([&](ValidatedChunk&&) -> Status {
    return ++calls == 3 ? OutputError("disk full") : OkStatus();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), ErrorKind::kOutput);
  EXPECT_EQ(status.message(), "disk full");
  EXPECT_EQ(calls, 3);
}

TEST_F(IngestTest, BadAllocInTheConsumerOnAWorkerIsReturnedAsAStatus) {
  TraceWriter writer;
  std::vector<Expected> expected;
  writer.Make(Path("a.csv"), 5000, 5, &expected);
  static const References refs;
  Ingestor ingestor(IngestOptions{
      .paths = {Path("a.csv")}, .refs = refs, .threads = 3, .progress = {}, .chunk_bytes = 1000});
  std::atomic<int> calls{0};
  // The consumer runs on the ingest's workers: the exception must stop the
  // reader and the other workers (no hang) rather than call std::terminate.
  const Status status = ingestor.Run([&](ValidatedChunk&&) -> Status {
    if (++calls == 3) throw std::bad_alloc();
    return OkStatus();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.kind(), ErrorKind::kInternal);
  EXPECT_EQ(status.message(), "out of memory in the ingest workers");
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(IngestTest, ExpandTracePaths) {
  std::ofstream(Path("t1.csv")) << "x";
  std::ofstream(Path("t2.csv")) << "x";
  std::ofstream(Path("other.txt")) << "x";
  auto expanded = ExpandTracePaths({Path("t*.csv"), "-", Path("other.txt")});
  ASSERT_TRUE(expanded.ok()) << expanded.status().ToString();
  EXPECT_EQ(*expanded,
            (std::vector<std::string>{Path("t1.csv"), Path("t2.csv"), "-", Path("other.txt")}));
  auto no_match = ExpandTracePaths({Path("nothing*.csv")});
  ASSERT_FALSE(no_match.ok());
  EXPECT_EQ(no_match.status().kind(), ErrorKind::kInput);
  auto missing = ExpandTracePaths({Path("missing.csv")});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kInput);
  EXPECT_NE(missing.status().message().find("missing.csv"), std::string::npos);
}

}  // namespace
}  // namespace wv::traces
