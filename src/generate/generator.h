#ifndef WV_GENERATE_GENERATOR_H_
#define WV_GENERATE_GENERATOR_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/byte_sink.h"
#include "traces/trace_schema.h"

// `wordviews generate`: synthetic learning traces with the real file's shape
// and statistics (shared/docs/DATA_PROFILE.md), drawn from a known
// half-life-regression process, optionally with defects of every quarantine
// class injected at recorded lines.
//
// How the output is made deterministic and parallel: users are numbered; each
// user's rows depend only on (seed, user number) and the user's row budget,
// which a cheap sequential pre-pass fixes. Users are cut into fixed blocks that
// worker threads generate independently; blocks are written in order. So the
// bytes never depend on the thread count, and memory holds only the blocks in
// flight, whatever the row count.
namespace wv::generate {

struct GenerateOptions {
  uint64_t rows = 12854226;  // data rows written, defect rows included
  uint64_t seed = 1;
  uint64_t users = 0;                // 0: rows / 110 (at least 1 when rows > 0)
  int64_t start_epoch = 1362009600;  // 2013-02-28T00:00:00Z
  int days = 14;
  double dirty_rate = 0.0;  // share of rows that are defects, in [0, 0.5]
  int threads = 2;
};

// REQUIRES-style checks of GenerateOptions, as a UsageError naming the flag.
Status ValidateOptions(const GenerateOptions& options);

// The eight (learning, interface) language pairs of the real file, by share.
struct LanguagePair {
  const char* learning;
  const char* ui;
  double share;  // of users (and so, in expectation, of rows)
};
inline constexpr std::array<LanguagePair, 8> kLanguagePairs = {{
    {"en", "es", 0.28},
    {"es", "en", 0.26},
    {"fr", "en", 0.15},
    {"de", "en", 0.11},
    {"en", "pt", 0.075},
    {"it", "en", 0.06},
    {"en", "it", 0.035},
    {"pt", "en", 0.03},
}};

// The true process behind every clean row (recorded in the truth sidecar),
// calibrated so that the models of Settles & Meeder (2016) score on it about
// as they do on the real file (docs/HLR.md, "The generator's realism").
//
// Memory: a word's half-life is h = 2^(right·√(1+history_correct) +
// wrong·√(1+history_wrong) + bias + difficulty[lexeme] + memory[user]) days,
// and its recall strength after a lag of Δ days is m = 2^(−Δ/h).
// Answers: each planned exposure of the word in a session is first answered
// right with probability q = guess + (1 − guess)·σ(strength·logit(m) +
// base_logit + ability[user] + session effect): memory matters little next to
// the learner's ability and the day's form, as in the real data, where no
// model ranks outcomes much better than chance. A wrong answer is asked again
// (retry_rate) and a retry is right with probability retry_right, at most
// max_retries times per exposure; session_seen = exposures + retries, at most
// 10, and p_recall = session_correct / session_seen is 1 when every first
// answer was right, often 1/2, 2/3 or 3/4 after one slip, rarely 0.
// Lags: sessions come in sittings of a few sessions minutes apart; a session's
// words are reviews of words the user met earlier in the window (review_rate)
// or words met for the first time in the window, last practised together
// before it, a lag log-uniform in [lag_min_seconds, lag_max_days] before the
// window's start. A new word's history is smaller the longer that lag (words
// practised often come back soon): ln(history_seen − 1) ~ Normal(
// history_log_mean + history_lag_slope·ln(lag days), history_log_sd), and
// its accuracy is 1 − history_error·U·U.
struct TrueTheta {
  double right = 0.9;
  double wrong = -0.7;
  double bias = 4.3;
  double difficulty_sd = 0.7;    // per-lexeme difficulty ~ Normal(0, sd), log2 days
  double user_memory_sd = 0.5;   // per-user offset of log2 h ~ Normal(0, sd)
  double user_ability_sd = 1.0;  // per-user logit offset of q ~ Normal(0, sd)
  double session_sd = 1.0;       // per-session logit offset of q ~ Normal(0, sd)
  double strength = 0.08;        // weight of logit(m) in q
  double base_logit = 1.35;      // logit offset of q for every answer
  double guess = 0.1;            // chance of a right first answer regardless of memory
  double retry_rate = 0.85;      // share of wrong answers asked again in the session
  double retry_right = 0.92;     // chance that an answer asked again is right
  int max_retries = 2;           // per exposure
  // Planned exposures of a word in a session: 1, 2, 3, 4, 5+ (5..10 uniform).
  std::array<double, 5> exposures = {0.22, 0.33, 0.24, 0.12, 0.09};
  double sitting_sessions = 3.0;  // mean sessions per sitting (1 to 20 minutes apart)
  double review_rate = 0.75;      // chance that a word of a session is a review
  double lag_min_seconds = 120;   // a new word's lag before the window: log-uniform
  double lag_max_days = 250;
  double history_log_mean = -1.3;
  double history_lag_slope = -0.3;
  double history_log_sd = 1.3;
  double history_error = 0.2;
};

struct PairTotals {
  uint64_t rows = 0;
  uint64_t session_seen = 0;
  uint64_t session_correct = 0;
  double p_recall_sum = 0.0;
};

// What was written, for the summary and the truth sidecar.
struct GenerateResult {
  uint64_t rows_total = 0;  // data rows (lines after the header)
  uint64_t rows_clean = 0;  // rows the pipeline must accept (crlf/quoted included)
  uint64_t users = 0;
  uint64_t lexemes_used = 0;
  uint64_t vocabulary_size = 0;
  uint64_t bytes = 0;  // uncompressed bytes, header included
  std::array<uint64_t, static_cast<int>(traces::RejectReason::kNumReasons)> defects{};
  uint64_t crlf_rows = 0;
  uint64_t quoted_rows = 0;
  std::vector<uint64_t> crlf_lines;    // 1-based physical line numbers
  std::vector<uint64_t> quoted_lines;  // 1-based physical line numbers
  std::array<PairTotals, kLanguagePairs.size()> pairs{};
  double p_recall_sum = 0.0;  // over clean rows
  TrueTheta theta;
};

// The first line of the defect list (PATH.defects.csv).
inline constexpr std::string_view kDefectsHeader = "line_number,reason\n";

// Called from the writing thread now and then: rows and bytes written so far.
using ProgressFn = std::function<void(uint64_t rows, uint64_t bytes)>;

// Writes the header and options.rows data rows to `out` (not closed). When
// `defects_out` is given, writes "line_number,reason" for every injected
// defect row to it, in line order (header line included, not closed).
// REQUIRES: ValidateOptions(options).ok()
StatusOr<GenerateResult> Generate(const GenerateOptions& options, io::ByteSink& out,
                                  io::ByteSink* defects_out, const ProgressFn& progress);

// The truth sidecar (JSON): arguments, θ, per-pair recall, counts, defects.
std::string TruthJson(const GenerateOptions& options, const GenerateResult& result,
                      const std::string& defects_file);

// Python 2's str() of a float, as the real file prints p_recall: "1.0", "0.5",
// "0.333333333333" (12 significant digits, ".0" on whole numbers).
std::string FormatPRecall(double value);

}  // namespace wv::generate

#endif  // WV_GENERATE_GENERATOR_H_
