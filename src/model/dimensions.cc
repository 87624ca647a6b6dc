#include "model/dimensions.h"

namespace wv::model {

template <typename Lookup>
uint32_t DimensionBuilder::CachedIndex(std::string_view key, LastKey* last, Lookup&& lookup) {
  if (last->index == UINT32_MAX || key != last->key) {
    last->index = lookup();
    last->key.assign(key);
  }
  return last->index;
}

namespace {
// How far ahead the lookups are prefetched: the dictionary slot first, then
// (once it is in the cache) what it points to. Rows for the words, runs (of
// ~5 rows in the generated data) for the users and times.
constexpr size_t kWordSlotRowsAhead = 16;
constexpr size_t kWordEntryRowsAhead = 6;
constexpr size_t kUserSlotRunsAhead = 8;
constexpr size_t kUserEntryRunsAhead = 3;
}  // namespace

Status DimensionBuilder::Add(const traces::TraceBatch& b, const traces::ChunkKeys* keys) {
  if (keys == nullptr || !keys->valid || keys->row_word.size() != b.size()) {
    traces::ComputeChunkKeys(b, &own_keys_);
    keys = &own_keys_;
  }
  rows_ += static_cast<int64_t>(b.size());
  word_index_.assign(keys->words.size(), UINT32_MAX);
  user_index_.assign(keys->users.size(), UINT32_MAX);
  const size_t runs = keys->runs();
  for (size_t run = 0; run < runs; ++run) {
    PrefetchAhead(b, *keys, run);
    AddRun(b, *keys, run);
    if (!status_.ok()) return status_;
  }
  return sessions_.status();
}

void DimensionBuilder::PrefetchAhead(const traces::TraceBatch& b, const traces::ChunkKeys& keys,
                                     size_t run) const {
  const size_t runs = keys.runs();
  if (run + kUserSlotRunsAhead < runs) {
    const uint32_t code = keys.run_user[run + kUserSlotRunsAhead];
    const uint32_t user = user_index_[code];
    if (user == UINT32_MAX) {
      users_.PrefetchSlot(keys.users[code].hash);
    } else if (users_spill_ == nullptr) {
      users_.PrefetchStats(user);
    }
    times_.Prefetch(b.timestamp[keys.run_starts[run + kUserSlotRunsAhead]]);
  }
  if (run + kUserEntryRunsAhead < runs) {
    const uint32_t code = keys.run_user[run + kUserEntryRunsAhead];
    if (user_index_[code] == UINT32_MAX) users_.PrefetchEntry(keys.users[code].hash);
  }
}

Status DimensionBuilder::StartSpillingUsers() {
  auto spill =
      std::make_unique<UsersSpill>(sessions_.spill().folder, sessions_.spill().memory_bytes);
  WV_RETURN_IF_ERROR(spill->Start(users_, &sessions_));
  users_spill_ = std::move(spill);
  users_ = UsersAccumulator();
  // The indices into the users moved out are void: the spill takes runs
  // by user id from now on.
  user_index_.assign(user_index_.size(), UINT32_MAX);
  return OkStatus();
}

void DimensionBuilder::AddRunWords(const traces::TraceBatch& b, const traces::ChunkKeys& keys,
                                   size_t begin, size_t end, uint32_t learning) {
  const size_t n = b.size();
  run_words_.clear();
  for (size_t r = begin; r < end; ++r) {
    // Only a word's first row in the batch looks it up: prefetch for those.
    if (r + kWordSlotRowsAhead < n) {
      const uint32_t ahead = keys.row_word[r + kWordSlotRowsAhead];
      if (word_index_[ahead] == UINT32_MAX) words_.PrefetchSlot(keys.words[ahead].hash);
    }
    if (r + kWordEntryRowsAhead < n) {
      const uint32_t ahead = keys.row_word[r + kWordEntryRowsAhead];
      if (word_index_[ahead] == UINT32_MAX) words_.PrefetchEntry(keys.words[ahead].hash);
    }
    const uint32_t code = keys.row_word[r];
    const traces::ChunkKeys::Word& local = keys.words[code];
    uint32_t& word = word_index_[code];
    if (word == UINT32_MAX) {
      word = words_.Intern(b.lexeme_id[r], local.hash, b.lexeme_string[r], learning);
      // Its rows of the batch all as this one: counted at once.
      if (local.uniform) words_.AddRows(word, b.lexeme_string[r], learning, local.rows);
    }
    if (!local.uniform) words_.AddRows(word, b.lexeme_string[r], learning, 1);
    run_words_.push_back(word);
  }
}

void DimensionBuilder::AddRun(const traces::TraceBatch& b, const traces::ChunkKeys& keys,
                              size_t run) {
  const size_t begin = keys.run_starts[run];
  const size_t end = keys.run_starts[run + 1];
  const int64_t epoch = b.timestamp[begin];
  const int64_t rows = static_cast<int64_t>(end - begin);
  const std::string_view learning_code = b.learning_language[begin];
  const std::string_view ui_code = b.ui_language[begin];
  const uint32_t learning =
      CachedIndex(learning_code, &last_learning_, [&] { return langs_.Index(learning_code); });
  const uint32_t ui = CachedIndex(ui_code, &last_ui_, [&] { return langs_.Index(ui_code); });
  times_.Add(epoch, rows);
  langs_.AddRows(learning, ui, rows);
  AddRunWords(b, keys, begin, end, learning);
  if (users_spill_ != nullptr) {
    status_ = users_spill_->AddRun(b.user_id[begin], epoch, learning, ui, run_words_);
    return;
  }
  const uint32_t code = keys.run_user[run];
  uint32_t& user = user_index_[code];
  if (user == UINT32_MAX) user = users_.IndexHashed(b.user_id[begin], keys.users[code].hash);
  users_.AddRun(user, epoch, learning, ui, rows);
  sessions_.AddRun(user, epoch, run_words_);
  if (users_bytes_ > 0 && !sessions_.spill().folder.empty() &&
      users_.MemoryBytes() >= users_bytes_ && sessions_.status().ok()) {
    status_ = StartSpillingUsers();
  }
}

StatusOr<AccumulatedDimensions> DimensionBuilder::Finish() && {
  WV_RETURN_IF_ERROR(status_);
  AccumulatedDimensions d;
  d.rows = rows_;
  if (users_spill_ != nullptr) {
    WV_ASSIGN_OR_RETURN(UsersSpill::Result spilled, std::move(*users_spill_).Finish());
    users_spill_.reset();
    d.spilled_users = std::move(spilled.table);
    d.sessions.distinct_sessions = spilled.distinct_sessions;
    d.sessions.natural_key_collisions = spilled.natural_key_collisions;
  } else {
    WV_ASSIGN_OR_RETURN(d.sessions, sessions_.Count(users_.size()));
  }
  d.users = std::move(users_);
  d.times = std::move(times_);
  d.langs = std::move(langs_);
  d.words = std::move(words_);
  return d;
}

}  // namespace wv::model
