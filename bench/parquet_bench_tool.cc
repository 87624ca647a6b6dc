// Benchmark tool: writes a fact_wordviews-like table (12.85M rows by default)
// with wordviews' Parquet writer and reports the time spent in the writer and
// the file size as JSON. bench/parquet.sh runs it, then times pyarrow writing
// the same data (read back from this file) for comparison.
//
//   parquet_bench_tool OUT.parquet [rows] [compression] [encode_threads] [batch_rows]
//
// Data is generated batch by batch outside the timed region (only
// WriteBatch/Close are timed), with the shapes of the real learning traces:
// sessions of adjacent rows sharing user and timestamp, Zipf-distributed users
// (~115k) and lexemes (~20k, 32-hex ids), eight language pairs, heavy-tailed
// delta and history counts, p_recall mostly 1.0.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "fmt/core.h"
#include "parquet/reader.h"
#include "parquet/writer.h"
#include "support/test_sinks.h"

namespace {

// CPU seconds used by all threads of this process so far.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

using namespace wv::parquet;  // NOLINT: a small tool

// Draws ranks 0..n-1 with probability ~ 1/(rank+1)^s via a precomputed CDF.
class Zipf {
 public:
  Zipf(size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / std::pow(static_cast<double>(i + 1), s));
    for (double& c : cdf_) c /= sum;
  }
  size_t operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<size_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin()) %
           cdf_.size();
  }

 private:
  std::vector<double> cdf_;
};

Schema FactSchema() {
  auto col = [](const char* name, PhysicalType p, LogicalType l,
                Repetition r = Repetition::kRequired) {
    return ColumnSchema{name, p, l, r};
  };
  Schema s;
  s.columns = {
      col("timestamp", PhysicalType::kInt64, LogicalType::kTimestampMicrosUtc),
      col("epoch", PhysicalType::kInt64, LogicalType::kInt64),
      col("user_id", PhysicalType::kByteArray, LogicalType::kString),
      col("learning_language", PhysicalType::kByteArray, LogicalType::kString),
      col("ui_language", PhysicalType::kByteArray, LogicalType::kString),
      col("lexeme_id", PhysicalType::kByteArray, LogicalType::kString),
      col("delta", PhysicalType::kInt64, LogicalType::kInt64),
      col("p_recall", PhysicalType::kDouble, LogicalType::kNone),
      col("session_seen", PhysicalType::kInt64, LogicalType::kInt64),
      col("session_correct", PhysicalType::kInt64, LogicalType::kInt64),
      col("history_seen", PhysicalType::kInt64, LogicalType::kInt64),
      col("history_correct", PhysicalType::kInt64, LogicalType::kInt64),
      col("session_pct", PhysicalType::kDouble, LogicalType::kNone),
      col("history_pct", PhysicalType::kDouble, LogicalType::kNone, Repetition::kOptional),
      col("source_file", PhysicalType::kInt32, LogicalType::kInt32),
      col("line", PhysicalType::kInt64, LogicalType::kInt64),
  };
  return s;
}

class FactGenerator {
 public:
  FactGenerator() : rng_(20130228), users_(115000, 1.05), lexemes_(20000, 1.0) {
    std::mt19937_64 names(7);
    const char* alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    for (size_t i = 0; i < 115000; ++i) {
      std::string u = "u:";
      const int len = 2 + static_cast<int>(names() % 4);
      for (int k = 0; k < len; ++k) u.push_back(alphabet[names() % 64]);
      user_names_.push_back(u);
    }
    for (size_t i = 0; i < 20000; ++i) {
      lexeme_ids_.push_back(fmt::format("{:016x}{:016x}", names(), names()));
    }
  }

  // Fills `cols` (cleared first) with the next `n` rows.
  void Next(size_t n, std::vector<ColumnVector>* cols) {
    static const char* kPairs[8][2] = {{"en", "pt"}, {"en", "it"}, {"pt", "en"}, {"it", "en"},
                                       {"fr", "en"}, {"es", "en"}, {"de", "en"}, {"en", "es"}};
    static const double kPairWeight[8] = {0.08, 0.05, 0.05, 0.06, 0.14, 0.25, 0.12, 0.25};
    std::discrete_distribution<int> pair_dist(kPairWeight, kPairWeight + 8);
    std::uniform_real_distribution<double> unit(0, 1);
    for (auto& c : *cols) c.clear();
    auto& c = *cols;
    for (size_t i = 0; i < n; ++i) {
      if (session_left_ == 0) {
        session_left_ = 1 + rng_() % 8;
        user_ = users_(rng_);
        pair_ = pair_dist(rng_);
        epoch_ += static_cast<int64_t>(rng_() % 3);  // ~10 rows per second over two weeks
      }
      --session_left_;
      const int64_t delta = static_cast<int64_t>(std::exp(std::log(60.0) + unit(rng_) * 13.0));
      const int64_t seen = 1 + static_cast<int64_t>(unit(rng_) < 0.7 ? 0 : rng_() % 4);
      const int64_t correct = unit(rng_) < 0.8 ? seen : static_cast<int64_t>(rng_() % (seen + 1));
      const int64_t hseen = static_cast<int64_t>(std::exp(unit(rng_) * unit(rng_) * 7.0));
      const int64_t hcorrect =
          hseen == 0 ? 0 : hseen - static_cast<int64_t>(rng_() % (1 + hseen / 4));
      const double p = static_cast<double>(correct) / static_cast<double>(seen);
      c[0].i64.push_back(epoch_ * 1000000);
      c[1].i64.push_back(epoch_);
      c[2].bytes.push_back(user_names_[user_]);
      c[3].bytes.push_back(kPairs[pair_][0]);
      c[4].bytes.push_back(kPairs[pair_][1]);
      c[5].bytes.push_back(lexeme_ids_[lexemes_(rng_)]);
      c[6].i64.push_back(delta);
      c[7].f64.push_back(p);
      c[8].i64.push_back(seen);
      c[9].i64.push_back(correct);
      c[10].i64.push_back(hseen);
      c[11].i64.push_back(hcorrect);
      c[12].f64.push_back(100.0 * p);
      const bool has_history = hseen > 0 && unit(rng_) > 0.02;
      c[13].valid.push_back(has_history ? 1 : 0);
      c[13].f64.push_back(has_history ? static_cast<double>(hcorrect) / static_cast<double>(hseen)
                                      : 0.0);
      c[14].i32.push_back(0);
      c[15].i64.push_back(line_++);
    }
  }

 private:
  std::mt19937_64 rng_;
  Zipf users_, lexemes_;
  std::vector<std::string> user_names_, lexeme_ids_;
  size_t session_left_ = 0, user_ = 0;
  int pair_ = 0;
  int64_t epoch_ = 1362076081;
  int64_t line_ = 2;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: parquet_bench_tool OUT.parquet [rows] [compression] [threads] [batch]\n");
    return 2;
  }
  const std::string out = argv[1];
  const size_t rows = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 12854226;
  const std::string codec = argc > 3 ? argv[3] : "zstd";
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2;
  const size_t batch = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 1 << 18;

  WriterOptions options;
  options.compression = codec == "snappy" ? Compression::kSnappy
                        : codec == "gzip" ? Compression::kGzip
                        : codec == "none" ? Compression::kNone
                                          : Compression::kZstd;
  options.encode_threads = threads;
  const Schema schema = FactSchema();
  auto sink = wv::testing::NewTestFileSink(out);
  if (!sink.ok()) {
    std::fprintf(stderr, "%s\n", sink.status().ToString().c_str());
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  Clock::duration in_writer{};
  double cpu_in_writer = 0;
  auto t0 = Clock::now();
  double c0 = ProcessCpuSeconds();
  auto writer = FileWriter::Open(schema, std::move(*sink), options);
  in_writer += Clock::now() - t0;
  cpu_in_writer += ProcessCpuSeconds() - c0;
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", writer.status().ToString().c_str());
    return 1;
  }
  FactGenerator gen;
  std::vector<ColumnVector> cols(schema.columns.size());
  for (size_t done = 0; done < rows;) {
    const size_t n = std::min(batch, rows - done);
    gen.Next(n, &cols);
    t0 = Clock::now();
    c0 = ProcessCpuSeconds();
    const wv::Status s = (*writer)->WriteBatch(cols, n);
    in_writer += Clock::now() - t0;
    cpu_in_writer += ProcessCpuSeconds() - c0;
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    done += n;
  }
  t0 = Clock::now();
  c0 = ProcessCpuSeconds();
  const wv::Status s = (*writer)->Close();
  in_writer += Clock::now() - t0;
  cpu_in_writer += ProcessCpuSeconds() - c0;
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(in_writer).count();

  // Read every column back (what `check` and `query` do), single-threaded.
  t0 = Clock::now();
  auto reader = FileReader::Open(out);
  if (!reader.ok()) {
    std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
    return 1;
  }
  size_t rows_read = 0;
  for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      auto column = (*reader)->ReadColumn(g, static_cast<int>(c));
      if (!column.ok()) {
        std::fprintf(stderr, "%s\n", column.status().ToString().c_str());
        return 1;
      }
      if (c == 0) rows_read += column->i64.size();
    }
  }
  const double read_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (rows_read != rows) {
    std::fprintf(stderr, "read back %zu rows, wrote %zu\n", rows_read, rows);
    return 1;
  }
  std::printf(
      "{\"rows\": %zu, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"bytes\": %lld, "
      "\"threads\": %d, \"read_seconds\": %.3f}\n",
      rows, seconds, cpu_in_writer, static_cast<long long>((*writer)->bytes_written()), threads,
      read_seconds);
  return 0;
}
