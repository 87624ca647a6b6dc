#include <random>
#include <string>
#include <vector>

#include "csv/chunker.h"
#include "csv/row_parser.h"
#include "gtest/gtest.h"

namespace wv::csv {
namespace {

struct Parsed {
  std::vector<std::string> raws;
  std::vector<std::vector<std::string>> fields;
  std::vector<uint64_t> lines;
  std::vector<std::string> errors;
  std::vector<size_t> chunk_sizes;
  uint64_t blank_lines = 0;
};

Parsed ParseChunked(const std::string& text, size_t chunk_bytes, size_t step,
                    size_t expected_fields = 3) {
  auto source = io::OpenMemorySource(std::string(text), "memory", step);
  Chunker chunker(source.get(), chunk_bytes, expected_fields);
  auto header = chunker.ReadFirstLine();
  EXPECT_TRUE(header.ok());
  Parsed parsed;
  ChunkBuffer chunk;
  uint64_t line_base = 2;  // the header is line 1
  for (;;) {
    auto more = chunker.Next(&chunk);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    parsed.chunk_sizes.push_back(chunk.size());
    RowParser parser(chunk.view(), expected_fields);
    Row row;
    while (parser.Next(&row)) {
      parsed.raws.emplace_back(row.raw);
      parsed.fields.emplace_back(row.fields.begin(),
                                 row.fields.begin() + std::min(row.field_count, Row::kMaxFields));
      parsed.lines.push_back(line_base + row.first_line);
      parsed.errors.emplace_back(row.quote_error);
    }
    line_base += parser.lines();
    parsed.blank_lines += parser.blank_lines();
  }
  EXPECT_EQ(chunker.bytes(), text.size());
  return parsed;
}

std::string Sample(unsigned seed, int rows) {
  std::mt19937 rng(seed);
  std::string text = "h1,h2,h3\n";
  for (int i = 0; i < rows; ++i) {
    switch (rng() % 10) {
      case 4:
        text += "stray,\"open quote at a field start," + std::to_string(i) + "\n";
        break;
      case 0:
        text += "\"quoted, with comma\",\"multi\nline\r\nfield\",x" + std::to_string(i) + "\n";
        break;
      case 1:
        text += "a,\"esc\"\"aped\"," + std::to_string(i) + "\r\n";
        break;
      case 2:
        text += "bro\"ken,stray quote," + std::to_string(i) + "\n";
        break;
      case 3:
        text += "\n";
        break;
      default:
        text += "plain,row," + std::string(rng() % 40, 'v') + std::to_string(i) + "\n";
    }
  }
  text += "last,\"row, never closed";
  return text;
}

TEST(ChunkerTest, TinyChunksAndReadsGiveTheSameRowsAsOneBigChunk) {
  for (unsigned seed : {1u, 2u, 3u}) {
    const std::string text = Sample(seed, 400);
    const Parsed whole = ParseChunked(text, 1 << 24, 1 << 24);
    ASSERT_EQ(whole.chunk_sizes.size(), 1u);
    // A stray quote never swallows rows; blank lines are not rows.
    ASSERT_GT(whole.blank_lines, 10u);
    ASSERT_EQ(whole.raws.size() + whole.blank_lines, 401u);
    for (size_t chunk_bytes : {1, 2, 7, 16, 100, 4096}) {
      for (size_t step : {1, 3, 64, 1 << 20}) {
        const Parsed chunked = ParseChunked(text, chunk_bytes, step);
        EXPECT_EQ(chunked.raws, whole.raws) << chunk_bytes << "/" << step;
        EXPECT_EQ(chunked.fields, whole.fields);
        EXPECT_EQ(chunked.lines, whole.lines);
        EXPECT_EQ(chunked.errors, whole.errors);
        EXPECT_EQ(chunked.blank_lines, whole.blank_lines);
      }
    }
  }
}

TEST(ChunkerTest, AQuotedNewlineStraddlingTheBoundaryStaysInOneRow) {
  const std::string text = "h\nab,\"x\ny\",c\nnext,1,2\n";
  // Chunk sizes that cut the stream inside the quoted field.
  for (size_t chunk_bytes = 1; chunk_bytes < text.size(); ++chunk_bytes) {
    const Parsed parsed = ParseChunked(text, chunk_bytes, 5);
    ASSERT_EQ(parsed.raws.size(), 2u) << chunk_bytes;
    EXPECT_EQ(parsed.fields[0], (std::vector<std::string>{"ab", "x\ny", "c"}));
    EXPECT_EQ(parsed.lines, (std::vector<uint64_t>{2, 4}));
    for (size_t size : parsed.chunk_sizes) EXPECT_GT(size, 0u);
  }
}

TEST(ChunkerTest, EmptyHeaderOnlyAndNoNewline) {
  {
    auto source = io::OpenMemorySource(std::string(""), "memory", 10);
    Chunker chunker(source.get(), 16);
    auto header = chunker.ReadFirstLine();
    ASSERT_TRUE(header.ok());
    EXPECT_FALSE(header->has_value());
  }
  {
    auto source = io::OpenMemorySource(std::string("header\r\n"), "memory", 10);
    Chunker chunker(source.get(), 16);
    auto header = chunker.ReadFirstLine();
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(**header, "header\r");
    ChunkBuffer chunk;
    auto more = chunker.Next(&chunk);
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
  }
  {
    auto source = io::OpenMemorySource(std::string("header"), "memory", 10);
    Chunker chunker(source.get(), 16);
    auto header = chunker.ReadFirstLine();
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(**header, "header");
  }
}

TEST(ChunkerTest, AnOverlongLineIsCutToItsStartAndTheRestOfTheStreamKept) {
  const std::string longest(kMaxRowBytes, 'y');
  for (const size_t extra : {size_t{3}, size_t{100000}, size_t{3} << 20}) {
    const std::string text = "h\nfirst,1,2\n" + std::string(kMaxRowBytes + extra, 'x') + "\r\n" +
                             longest + "\nlast,1,2\n";
    for (size_t chunk_bytes : {size_t{100}, size_t{1} << 16, size_t{4} << 20}) {
      for (size_t step : {size_t{4093}, size_t{1} << 20}) {
        const Parsed parsed = ParseChunked(text, chunk_bytes, step);
        ASSERT_EQ(parsed.raws.size(), 4u) << extra << "/" << chunk_bytes << "/" << step;
        EXPECT_EQ(parsed.raws[0], "first,1,2");
        // Cut to kMaxRowBytes + 2 bytes at most: still longer than the limit.
        EXPECT_GT(parsed.raws[1].size(), kMaxRowBytes);
        EXPECT_LE(parsed.raws[1].size(), kMaxRowBytes + extra);
        EXPECT_EQ(parsed.raws[1].find_first_not_of('x'), std::string::npos);
        EXPECT_EQ(parsed.raws[2], longest);  // exactly the limit: whole
        EXPECT_EQ(parsed.raws[3], "last,1,2");
        EXPECT_EQ(parsed.lines, (std::vector<uint64_t>{2, 3, 4, 5}));
        for (size_t size : parsed.chunk_sizes)
          EXPECT_LE(size, std::max(chunk_bytes, 3 * kMaxRowBytes));
      }
    }
  }
}

TEST(ChunkerTest, AnOverlongLastLineWithoutLineEnd) {
  const std::string text = "h\na,1,2\n" + std::string(5 * kMaxRowBytes, 'x');
  const Parsed parsed = ParseChunked(text, 1000, 1 << 20);
  ASSERT_EQ(parsed.raws.size(), 2u);
  EXPECT_GT(parsed.raws[1].size(), kMaxRowBytes);
  EXPECT_LE(parsed.raws[1].size(), kMaxRowBytes + 2);
}

TEST(ChunkerTest, AHeaderLongerThanTheLimitIsAnInputError) {
  auto source = io::OpenMemorySource(std::string(kMaxRowBytes + 5, 'h') + "\nrow\n", "in\x1b[31m");
  Chunker chunker(source.get(), 16);
  auto header = chunker.ReadFirstLine();
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.status().kind(), ErrorKind::kInput);
  EXPECT_EQ(header.status().message(), "in\\x1b[31m: line 1 is longer than 65536 bytes");
  // Exactly at the limit is fine.
  auto fits = io::OpenMemorySource(std::string(kMaxRowBytes, 'h') + "\r\nrow\n");
  Chunker fine(fits.get(), 16);
  auto ok = fine.ReadFirstLine();
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->size(), kMaxRowBytes + 1);  // '\r' kept
}

}  // namespace
}  // namespace wv::csv
