// Ingest throughput: CSV row splitting, validation (rules 1-6 + fingerprints)
// of in-memory chunks, and the whole Ingestor (reader + 1 or 2 workers +
// in-order dedup, consume doing nothing) on a plain and a gzip file.
// Rows look like the real learning traces (DATA_PROFILE.md) but are made here,
// independent of the generator. The Ingestor cases read WV_BENCH_DIR/traces.csv
// and traces.csv.gz when bench/generate.sh left them there; otherwise they
// write WV_BENCH_ROWS rows (default 2,000,000) of their own into WV_BENCH_DIR.
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "csv/row_parser.h"
#include "fmt/core.h"
#include "traces/ingest.h"
#include "traces/validator.h"

namespace {

using wv::traces::References;

// About 95 bytes per row, like the real file.
std::string MakeTraces(size_t rows, bool header, uint64_t seed = 42) {
  std::mt19937_64 rng(seed);
  static const char* kPairs[][2] = {{"en", "es"}, {"es", "en"}, {"en", "pt"}, {"fr", "en"},
                                    {"de", "en"}, {"en", "it"}, {"it", "en"}, {"pt", "en"}};
  static const char* kLexemes[] = {"lernt/lernen<vblex><pri><p3><sg>",
                                   "bajo/bajo<pr>",
                                   "blancos/blanco<adj><m><pl>",
                                   "carta/carta<n><f><sg>",
                                   "ellos/prpers<prn><tn><p3><m><pl>",
                                   "es/ser<vbser><pri><p3><sg>",
                                   "escribimos/escribir<vblex><pri><p1><pl>",
                                   "y/y<cnjcoo>",
                                   "<*sf>/ser<vbser><pri><*pers><*numb>",
                                   "\xc3\xa9tant/\xc3\xaatre<vbser><pprs>"};
  static const char* kRecall[] = {"1.0",
                                  "1.0",
                                  "1.0",
                                  "1.0",
                                  "0.5",
                                  "0.0",
                                  "0.666666666666667",
                                  "0.75",
                                  "1.0",
                                  "0.333333333333333"};
  std::string text;
  text.reserve(rows * 100 + 200);
  if (header) text.append(wv::traces::kTraceHeader).push_back('\n');
  for (size_t i = 0; i < rows; ++i) {
    const auto* pair = kPairs[rng() % 8];
    const uint64_t lexeme = rng() % 20000;
    const int seen = 1 + static_cast<int>(rng() % 40);
    const int session_seen = 1 + static_cast<int>(rng() % 3);
    fmt::format_to(std::back_inserter(text),
                   "{},{},{},u:{:x},{},{},{:016x}{:016x},{},{},{},{},{}\n", kRecall[rng() % 10],
                   1362076081 + rng() % 1209600, rng() % 30000000, rng() % 120000, pair[0], pair[1],
                   lexeme * 0x9e3779b97f4a7c15ULL, lexeme, kLexemes[lexeme % 10], seen,
                   rng() % (seen + 1), session_seen, rng() % (session_seen + 1));
  }
  return text;
}

const std::string& Chunk() {
  static const std::string chunk = MakeTraces(44000, false);  // ~4 MiB
  return chunk;
}

void BM_RowParser(benchmark::State& state) {
  const std::string& chunk = Chunk();
  uint64_t rows = 0;
  for (auto _ : state) {
    wv::csv::RowParser parser(chunk);
    wv::csv::Row row;
    while (parser.Next(&row)) {
      benchmark::DoNotOptimize(row.fields[11]);
      ++rows;
    }
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chunk.size()));
}
BENCHMARK(BM_RowParser)->Unit(benchmark::kMillisecond);

void BM_ValidateChunk(benchmark::State& state) {
  const std::string& chunk = Chunk();
  static const References refs;
  wv::traces::ChunkValidator validator(refs);
  uint64_t rows = 0;
  for (auto _ : state) {
    wv::traces::ValidatedChunk out;
    wv::traces::DedupInput dedup;
    validator.Validate(chunk, 0, 2, &out, &dedup);
    rows += out.input_rows;
    if (out.rejected.size() != 0) state.SkipWithError("rows rejected");
    benchmark::DoNotOptimize(out);
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chunk.size()));
}
BENCHMARK(BM_ValidateChunk)->Unit(benchmark::kMillisecond);

std::string BenchFile(bool gzip) {
  const char* dir_env = std::getenv("WV_BENCH_DIR");
  const std::filesystem::path dir = dir_env != nullptr ? dir_env : "/tmp";
  const std::filesystem::path generated = dir / (gzip ? "traces.csv.gz" : "traces.csv");
  if (std::filesystem::exists(generated)) return generated.string();
  const char* rows_env = std::getenv("WV_BENCH_ROWS");
  const size_t rows = rows_env != nullptr ? std::strtoull(rows_env, nullptr, 10) : 2000000;
  const std::string path =
      (dir / fmt::format("ingest_bench_{}.csv{}", rows, gzip ? ".gz" : "")).string();
  if (std::filesystem::exists(path)) return path;
  const std::string tmp = path + ".tmp";
  gzFile gz = gzip ? gzopen(tmp.c_str(), "wb1") : nullptr;
  std::ofstream plain;
  if (!gzip) plain.open(tmp, std::ios::binary);
  constexpr size_t kBlock = 100000;
  for (size_t done = 0; done < rows; done += kBlock) {
    const std::string text = MakeTraces(std::min(kBlock, rows - done), done == 0, done + 1);
    if (gzip) {
      gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    } else {
      plain << text;
    }
  }
  if (gzip) gzclose(gz);
  plain.close();
  std::filesystem::rename(tmp, path);
  return path;
}

void BM_Ingest(benchmark::State& state) {
  const bool gzip = state.range(1) != 0;
  const std::string path = BenchFile(gzip);
  static const References refs;
  uint64_t rows = 0, bytes = 0;
  for (auto _ : state) {
    wv::traces::Ingestor ingestor(wv::traces::IngestOptions{
        .paths = {path}, .refs = refs, .threads = static_cast<int>(state.range(0))});
    const wv::Status status = ingestor.Run([](wv::traces::ValidatedChunk&& chunk) -> wv::Status {
      benchmark::DoNotOptimize(chunk);
      return wv::OkStatus();
    });
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
    rows += ingestor.stats().input_rows;
    bytes += ingestor.stats().bytes;
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.counters["MB/s"] =
      benchmark::Counter(static_cast<double>(bytes) / 1e6, benchmark::Counter::kIsRate);
  state.SetLabel(path);
}
BENCHMARK(BM_Ingest)
    ->ArgNames({"threads", "gzip"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
