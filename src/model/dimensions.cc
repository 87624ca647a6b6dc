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

Status DimensionBuilder::Add(const traces::TraceBatch& b) {
  rows_ += static_cast<int64_t>(b.size());
  PrepareBatch(b);
  const size_t runs = run_starts_.size() - 1;
  for (size_t run = 0; run < runs; ++run) {
    PrefetchAhead(b, run);
    AddRun(b, run);
    if (!status_.ok()) return status_;
  }
  return sessions_.status();
}

void DimensionBuilder::PrepareBatch(const traces::TraceBatch& b) {
  const size_t n = b.size();
  run_starts_.clear();
  user_hashes_.clear();
  size_t i = 0;
  while (i < n) {
    const int64_t epoch = b.timestamp[i];
    const std::string_view user = b.user_id[i];
    const std::string_view learning = b.learning_language[i];
    const std::string_view ui = b.ui_language[i];
    size_t j = i + 1;
    while (j < n && b.timestamp[j] == epoch && b.user_id[j] == user &&
           b.learning_language[j] == learning && b.ui_language[j] == ui) {
      ++j;
    }
    run_starts_.push_back(i);
    user_hashes_.push_back(UsersAccumulator::HashId(user));
    i = j;
  }
  run_starts_.push_back(n);
  word_hashes_.resize(n);
  for (size_t r = 0; r < n; ++r) word_hashes_[r] = WordsAccumulator::HashId(b.lexeme_id[r]);
}

void DimensionBuilder::PrefetchAhead(const traces::TraceBatch& b, size_t run) const {
  const size_t runs = run_starts_.size() - 1;
  if (run + kUserSlotRunsAhead < runs) {
    users_.PrefetchSlot(user_hashes_[run + kUserSlotRunsAhead]);
    times_.Prefetch(b.timestamp[run_starts_[run + kUserSlotRunsAhead]]);
  }
  if (run + kUserEntryRunsAhead < runs)
    users_.PrefetchEntry(user_hashes_[run + kUserEntryRunsAhead]);
}

Status DimensionBuilder::StartSpillingUsers() {
  auto spill =
      std::make_unique<UsersSpill>(sessions_.spill().folder, sessions_.spill().memory_bytes);
  WV_RETURN_IF_ERROR(spill->Start(users_, &sessions_));
  users_spill_ = std::move(spill);
  users_ = UsersAccumulator();
  last_user_ = LastKey();
  return OkStatus();
}

void DimensionBuilder::AddRun(const traces::TraceBatch& b, size_t run) {
  const size_t begin = run_starts_[run];
  const size_t end = run_starts_[run + 1];
  const size_t n = b.size();
  const int64_t epoch = b.timestamp[begin];
  const int64_t rows = static_cast<int64_t>(end - begin);
  const std::string_view learning_code = b.learning_language[begin];
  const std::string_view ui_code = b.ui_language[begin];
  const uint32_t learning =
      CachedIndex(learning_code, &last_learning_, [&] { return langs_.Index(learning_code); });
  const uint32_t ui = CachedIndex(ui_code, &last_ui_, [&] { return langs_.Index(ui_code); });
  times_.Add(epoch, rows);
  langs_.AddRows(learning, ui, rows);
  run_words_.clear();
  for (size_t r = begin; r < end; ++r) {
    if (r + kWordSlotRowsAhead < n) words_.PrefetchSlot(word_hashes_[r + kWordSlotRowsAhead]);
    if (r + kWordEntryRowsAhead < n) words_.PrefetchEntry(word_hashes_[r + kWordEntryRowsAhead]);
    run_words_.push_back(
        words_.AddHashed(b.lexeme_id[r], word_hashes_[r], b.lexeme_string[r], learning));
  }
  if (users_spill_ != nullptr) {
    status_ = users_spill_->AddRun(b.user_id[begin], epoch, learning, ui, run_words_);
    return;
  }
  const std::string_view user_id = b.user_id[begin];
  const uint32_t user = CachedIndex(user_id, &last_user_,
                                    [&] { return users_.IndexHashed(user_id, user_hashes_[run]); });
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
