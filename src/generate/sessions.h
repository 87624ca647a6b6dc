#ifndef WV_GENERATE_SESSIONS_H_
#define WV_GENERATE_SESSIONS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/random.h"
#include "generate/generator.h"
#include "generate/trace_row.h"
#include "generate/vocabulary.h"

// The generator's users and their sessions. Generation runs in two phases so
// that rows come out in timestamp order, as the real file has them:
//
//  1. ScheduleUsers: every user's courses, session sizes and times, and
//     personal parameters, from the user's own random stream (in parallel
//     over blocks of users); the sessions of all users sorted by time.
//  2. SessionGenerator::Emit, session by session in time order: the words,
//     the answers and the rows. A user's state (random stream, word
//     histories) persists from one of their sessions to the next, and each
//     user's draws happen in the order of their sessions, so a user's rows
//     never depend on how sessions of different users are interleaved or on
//     the thread count.
namespace wv::generate {

constexpr int kMaxSessionSeen = 10;
constexpr int64_t kSecondsPerDay = 86400;

// Read-only state shared by all workers.
struct Model {
  const Vocabulary* vocabulary;
  std::array<std::vector<double>, kNumLanguages> zipf_cdf;
  std::vector<double> difficulty;  // per lexeme, in log2 days of half-life
  std::array<std::array<std::string, kMaxSessionSeen + 1>, kMaxSessionSeen + 1> p_recall_text;
  std::array<Language, kLanguagePairs.size()> pair_language;
  TrueTheta theta;
  GenerateOptions options;
  // The earliest last view a word can have (401 days before the window):
  // WordState::last_view counts from here, so it fits 32 bits.
  int64_t time_origin = 0;
  uint64_t users = 0;
  uint64_t budget_rows = 0;  // rows beyond the one every user gets
  double total_weight = 0;
  std::vector<double> block_weight_prefix;  // cumulative weight before each block of users
};

std::unique_ptr<Model> BuildModel(const GenerateOptions& options);

// A word's history with one user. 12 bytes (16 with its key in the user's
// table): there is one per distinct (user, word) pair, ~45% of the rows.
struct WordState {
  uint32_t history_seen;
  uint32_t history_correct;
  uint32_t last_view;  // seconds since Model::time_origin
};

// The last clean rows of a user, copied into defect rows (dirty output only).
struct RecentRows {
  std::array<Row, 8> rows{};
  uint64_t count = 0;
};

// Everything about one user that lasts from session to session. Not
// thread-safe: one worker at a time handles a given user.
struct UserState {
  Rng rng{0, 0};
  std::array<int, 2> courses{-1, -1};  // indices into kLanguagePairs; -1 for none
  uint64_t slots = 0;                  // rows still to write
  double memory = 0;                   // log2 half-life offset
  double ability = 0;                  // logit offset of recall
  absl::flat_hash_map<uint32_t, WordState> words;
  std::array<std::vector<uint32_t>, 2> reviewed;  // per course, in first-view order
  std::array<uint32_t, 2> review_cursor{};
  std::unique_ptr<RecentRows> recent;
};

// One session of one user. Plain data.
struct SessionRef {
  int64_t time;
  uint32_t user;
  uint32_t size;  // words

  bool operator<(const SessionRef& o) const {
    return time != o.time ? time < o.time : user < o.user;
  }
};

// Phase 1: the users' states and all sessions sorted by (time, user).
struct Schedule {
  std::vector<UserState> users;
  std::vector<SessionRef> sessions;
};
Schedule ScheduleUsers(const Model& model, int threads);

// What sessions produce: rows as text and what the writer counts. Each
// session's rows are contiguous; `marks` says where each session ends, so
// the writer can put sessions of several outputs in time order. Not
// thread-safe: one worker fills it, then the writer reads it.
struct SessionOutput {
  struct Mark {
    size_t text_end;
    uint32_t lines_end;
    uint32_t defects_end;
    uint32_t crlf_end;
    uint32_t quoted_end;
  };
  std::string text;
  uint32_t lines = 0;
  std::vector<Mark> marks;
  // Lines relative to the first line of the output.
  std::vector<std::pair<uint32_t, traces::RejectReason>> defects;
  std::vector<uint32_t> crlf;
  std::vector<uint32_t> quoted;
  uint64_t clean = 0;
  std::array<PairTotals, kLanguagePairs.size()> pairs{};
  double p_recall_sum = 0;
  std::vector<uint64_t> lexeme_bits;

  void Reset(size_t vocabulary_size);
};

// Phase 2: writes sessions' rows. Keeps scratch memory between sessions so
// the hot path does not allocate. Not thread-safe: one worker uses it.
class SessionGenerator {
 public:
  explicit SessionGenerator(const Model& model) : model_(model) {}

  // Appends the rows of `session` (of user `user`) to `out` and adds a mark.
  void Emit(const SessionRef& session, UserState& user, SessionOutput& out);

 private:
  uint32_t PickWord(Rng& rng, UserState& user, Language language, int course);
  WordState& WordStateFor(Rng& rng, UserState& user, uint32_t lexeme, int course);
  Row Review(Rng& rng, const UserState& user, WordState& state, int pair, uint32_t lexeme,
             int64_t t) const;
  void Answer(Rng& rng, double q, Row& row) const;
  void EmitClean(Rng& rng, UserState& user, int pair, int course, uint32_t lexeme, int64_t t,
                 SessionOutput& out);
  void EmitDefect(Rng& rng, UserState& user, SessionOutput& out);
  void AppendRow(const Row& row, bool quoted, std::string_view line_end, std::string& text) const;

  const Model& model_;
  std::string token_;
  std::vector<uint32_t> session_;
  double session_before_ = 0;  // the lag shared by the session's new words, seconds
  double session_effect_ = 0;  // logit offset of the session's answers
};

// --users, or by default the real file's 110 rows per user (rounded, at
// least one).
uint64_t UserCount(const GenerateOptions& options);

// A user's id token ("u:" and a few letters, digits, '_' or '-').
std::string UserToken(uint64_t seed, uint64_t user, uint64_t users);

}  // namespace wv::generate

#endif  // WV_GENERATE_SESSIONS_H_
