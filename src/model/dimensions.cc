#include "model/dimensions.h"

namespace wv::model {

template <typename Accumulator>
uint32_t DimensionBuilder::CachedIndex(Accumulator& acc, std::string_view key, LastKey* last) {
  if (last->index == UINT32_MAX || key != last->key) {
    last->index = acc.Index(key);
    last->key.assign(key);
  }
  return last->index;
}

Status DimensionBuilder::Add(const traces::TraceBatch& b) {
  const size_t n = b.size();
  rows_ += static_cast<int64_t>(n);
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
    AddRun(b, i, j);
    if (!status_.ok()) return status_;
    i = j;
  }
  return sessions_.status();
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

void DimensionBuilder::AddRun(const traces::TraceBatch& b, size_t begin, size_t end) {
  const int64_t epoch = b.timestamp[begin];
  const int64_t rows = static_cast<int64_t>(end - begin);
  const uint32_t learning = CachedIndex(langs_, b.learning_language[begin], &last_learning_);
  const uint32_t ui = CachedIndex(langs_, b.ui_language[begin], &last_ui_);
  times_.Add(epoch, rows);
  langs_.AddRows(learning, ui, rows);
  run_words_.clear();
  for (size_t r = begin; r < end; ++r) {
    run_words_.push_back(words_.Add(b.lexeme_id[r], b.lexeme_string[r], learning));
  }
  if (users_spill_ != nullptr) {
    status_ = users_spill_->AddRun(b.user_id[begin], epoch, learning, ui, run_words_);
    return;
  }
  const uint32_t user = CachedIndex(users_, b.user_id[begin], &last_user_);
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
