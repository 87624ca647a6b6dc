#include "hlr/load.h"

#include <algorithm>
#include <memory>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "analytics/fact_snapshot.h"
#include "core/stopwatch.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "run/output_listing.h"
#include "run/published_output.h"
#include "traces/references.h"

namespace wv::hlr {

namespace {

std::string JoinPaths(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// Appends the accepted rows of one validated chunk (the lexemes of the
// whole chunk interned first, each lookup prefetched ahead).
Status AddAccepted(const traces::TraceBatch& b, TrainingSetBuilder& builder,
                   std::vector<uint32_t>& lexemes) {
  builder.InternLexemes(
      b.size(), [&](size_t i) { return b.learning_language[i]; },
      [&](size_t i) { return b.lexeme_string[i]; }, lexemes);
  for (size_t i = 0; i < b.size(); ++i) {
    const TrainingSetBuilder::Numbers n{b.p_recall[i], b.timestamp[i], b.delta[i],
                                        b.history_seen[i], b.history_correct[i]};
    WV_RETURN_IF_ERROR(builder.AddRow(n,
                                      builder.InternPair(b.learning_language[i], b.ui_language[i]),
                                      builder.InternUser(b.user_id[i]), lexemes[i]));
  }
  return OkStatus();
}

// ---- the star schema, back in input order ---------------------------------

constexpr int kLineBits = 40;  // line numbers below 2^40 (a trillion lines)

// A row's place in the input: (file position, line number) in one integer.
using InputKey = uint64_t;

// Each source_file's position: its index among the manifest's inputs; names
// the manifest does not list (or all, without a manifest) after them, in
// name order.
std::vector<uint64_t> FileRanks(const analytics::FactTable& facts, const run::Manifest* manifest) {
  std::vector<uint64_t> rank(facts.source_files.size(), UINT64_MAX);
  std::vector<uint32_t> unlisted;
  for (uint32_t f = 0; f < facts.source_files.size(); ++f) {
    if (manifest != nullptr) {
      for (size_t i = 0; i < manifest->inputs.size(); ++i) {
        if (manifest->inputs[i].path == facts.source_files[f]) {
          rank[f] = i;
          break;
        }
      }
    }
    if (rank[f] == UINT64_MAX) unlisted.push_back(f);
  }
  std::sort(unlisted.begin(), unlisted.end(),
            [&](uint32_t a, uint32_t b) { return facts.source_files[a] < facts.source_files[b]; });
  const uint64_t listed = manifest != nullptr ? manifest->inputs.size() : 0;
  for (size_t k = 0; k < unlisted.size(); ++k) rank[unlisted[k]] = listed + k;
  return rank;
}

// The input keys of one chunk and the order of its rows by key (the
// identity for a chunk already in input order, as the fact writer leaves
// every row group).
struct ChunkOrder {
  std::vector<InputKey> keys;  // by row
  std::vector<uint32_t> rows;  // rows in key order; empty = already sorted
  size_t next = 0;             // position in key order of the next row to emit

  size_t size() const { return keys.size(); }
  uint32_t RowAt(size_t position) const {
    return rows.empty() ? static_cast<uint32_t>(position) : rows[position];
  }
  InputKey KeyAt(size_t position) const { return keys[RowAt(position)]; }
};

StatusOr<ChunkOrder> OrderChunk(const analytics::FactChunk& c, const std::vector<uint64_t>& ranks) {
  ChunkOrder o;
  o.keys.resize(c.rows);
  bool sorted = true;
  for (size_t i = 0; i < c.rows; ++i) {
    const int64_t line = c.line_number[i];
    if (line < 0 || line >= (int64_t{1} << kLineBits)) {
      return InputError(fmt::format("a fact row has line_number {}", line));
    }
    o.keys[i] = (ranks[c.source_file[i]] << kLineBits) | static_cast<uint64_t>(line);
    if (i > 0 && o.keys[i] < o.keys[i - 1]) sorted = false;
  }
  if (!sorted) {
    o.rows.resize(c.rows);
    for (uint32_t i = 0; i < c.rows; ++i) o.rows[i] = i;
    std::stable_sort(o.rows.begin(), o.rows.end(),
                     [&](uint32_t a, uint32_t b) { return o.keys[a] < o.keys[b]; });
  }
  return o;
}

// Turns the snapshot's dense ids into the training set's numbers, interning
// each distinct value once (first appearance in input order, as for traces).
class StarEncoder {
 public:
  StarEncoder(const analytics::FactSnapshot& s, TrainingSetBuilder& builder)
      : facts_(s.facts), words_(s.words), builder_(builder) {
    pair_.assign(facts_.pairs.size(), UINT32_MAX);
    user_.assign(facts_.user_ids.size(), UINT32_MAX);
    lexeme_.assign(facts_.lexeme_ids.size(), {UINT16_MAX, UINT32_MAX});
  }

  Status AddRow(const analytics::FactChunk& c, size_t i) {
    const uint16_t pair = c.pair[i];
    if (pair_[pair] == UINT32_MAX) {
      pair_[pair] = builder_.InternPair(facts_.pairs[pair].learning, facts_.pairs[pair].ui);
    }
    if (user_[c.user[i]] == UINT32_MAX)
      user_[c.user[i]] = builder_.InternUser(facts_.user_ids[c.user[i]]);
    WV_ASSIGN_OR_RETURN(const uint32_t lexeme, Lexeme(pair, c.lexeme[i]));
    return builder_.AddRow(
        {c.p_recall[i], c.epoch[i], c.delta[i], c.history_seen[i], c.history_correct[i]},
        pair_[pair], user_[c.user[i]], lexeme);
  }

 private:
  // The feature of (the pair's learning language, the lexeme's string). A
  // lexeme_id normally has one language, so the last one is remembered.
  StatusOr<uint32_t> Lexeme(uint16_t pair, uint32_t lexeme) {
    const uint16_t learning = facts_.pair_learning[pair];
    auto& [cached_learning, cached] = lexeme_[lexeme];
    if (cached_learning == learning) return cached;
    const std::string& id = facts_.lexeme_ids[lexeme];
    const auto word = words_.find(id);
    if (word == words_.end()) {
      return InputError(
          fmt::format("lexeme_id {} of the fact table is not in {}", id, model::kWordsTable));
    }
    cached_learning = learning;
    cached = builder_.InternLexeme(facts_.learning_languages[learning], word->second.lexeme_string);
    return cached;
  }

  const analytics::FactTable& facts_;
  const absl::flat_hash_map<std::string, analytics::WordInfo>& words_;
  TrainingSetBuilder& builder_;
  std::vector<uint32_t> pair_, user_;
  std::vector<std::pair<uint16_t, uint32_t>> lexeme_;
};

// Merges the chunks' rows in input-key order into `builder`, freeing each
// chunk once it is used up.
Status MergeInInputOrder(analytics::FactSnapshot& s, const std::vector<uint64_t>& ranks,
                         TrainingSetBuilder& builder) {
  std::vector<analytics::FactChunk>& chunks = s.facts.chunks;
  std::vector<ChunkOrder> orders(chunks.size());
  using Head = std::pair<InputKey, size_t>;  // (next key, chunk)
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (size_t k = 0; k < chunks.size(); ++k) {
    WV_ASSIGN_OR_RETURN(orders[k], OrderChunk(chunks[k], ranks));
    if (orders[k].size() > 0) heads.emplace(orders[k].KeyAt(0), k);
  }
  StarEncoder encoder(s, builder);
  while (!heads.empty()) {
    const size_t k = heads.top().second;
    heads.pop();
    // Emit from chunk k up to the next chunk's first key (ties: lower chunk first).
    const Head bound = heads.empty() ? Head{UINT64_MAX, SIZE_MAX} : heads.top();
    ChunkOrder& o = orders[k];
    while (o.next < o.size() && Head{o.KeyAt(o.next), k} < bound) {
      WV_RETURN_IF_ERROR(encoder.AddRow(chunks[k], o.RowAt(o.next)));
      ++o.next;
    }
    if (o.next < o.size()) {
      heads.emplace(o.KeyAt(o.next), k);
    } else {
      chunks[k] = analytics::FactChunk();
      o = ChunkOrder();
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<LoadedData> LoadTraces(const TraceInput& input) {
  const Stopwatch watch;
  WV_ASSIGN_OR_RETURN(const std::vector<std::string> paths, traces::ExpandTracePaths(input.paths));
  WV_ASSIGN_OR_RETURN(const traces::References refs,
                      traces::LoadReferences(input.lexemes_path, input.languages_path));
  traces::IngestOptions options{paths, refs, std::max(1, input.threads), input.progress};
  traces::Ingestor ingestor(std::move(options));
  TrainingSetBuilder builder;
  std::vector<uint32_t> lexemes;  // scratch
  WV_RETURN_IF_ERROR(ingestor.Run([&](traces::ValidatedChunk&& chunk) -> Status {
    return AddAccepted(chunk.accepted, builder, lexemes);
  }));
  LoadedData out;
  out.set = builder.Finish();
  out.source = "traces: " + JoinPaths(paths);
  const traces::IngestStats& stats = ingestor.stats();
  out.input_rows = stats.input_rows;
  out.rejected_rows = stats.rejected;
  out.rejected_by_reason = stats.rejected_by_reason;
  out.seconds = watch.Seconds();
  return out;
}

StatusOr<LoadedData> LoadStar(const std::string& dir, int threads) {
  const Stopwatch watch;
  LoadedData out;
  WV_ASSIGN_OR_RETURN(const std::unique_ptr<run::PublishedOutput> published,
                      run::OpenVerifiedOutput(dir, &out.note));
  const uint32_t projection = analytics::kLoadPair | analytics::kLoadUser | analytics::kLoadEpoch |
                              analytics::kLoadDelta | analytics::kLoadPRecall |
                              analytics::kLoadLexeme | analytics::kLoadHistory |
                              analytics::kLoadLineage;
  StatusOr<analytics::FactSnapshot> loaded =
      analytics::LoadFactSnapshot(published->root(), projection, /*load_words=*/true, threads);
  if (!loaded.ok()) return published->Localize(loaded.status());
  analytics::FactSnapshot snapshot = std::move(loaded).value();
  const run::Manifest* manifest = published->manifest();
  const std::vector<uint64_t> ranks = FileRanks(snapshot.facts, manifest);
  TrainingSetBuilder builder;
  if (Status s = MergeInInputOrder(snapshot, ranks, builder); !s.ok()) {
    return published->Localize(Annotate(s, dir));
  }
  out.set = builder.Finish();
  out.source = "star: " + dir;
  out.input_rows = out.set.size();
  if (manifest != nullptr) {
    out.input_rows = static_cast<uint64_t>(manifest->input_rows);
    out.rejected_rows = static_cast<uint64_t>(manifest->rejected_rows);
    for (size_t r = 0; r < out.rejected_by_reason.size(); ++r) {
      const auto it = manifest->rejected_by_reason.find(
          std::string(traces::RejectReasonName(static_cast<traces::RejectReason>(r))));
      if (it != manifest->rejected_by_reason.end()) {
        out.rejected_by_reason[r] = static_cast<uint64_t>(it->second);
      }
    }
  }
  out.seconds = watch.Seconds();
  return out;
}

}  // namespace wv::hlr
