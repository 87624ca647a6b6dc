#include "model/session_log.h"

#include <algorithm>
#include <utility>

#include "core/parallel.h"
#include "traces/trace_schema.h"

namespace wv::model {
namespace {

constexpr size_t kLogBlock = size_t{1} << 20;

template <typename T>
void AppendToBlocks(std::vector<std::vector<T>>* blocks, T value) {
  if (blocks->empty() || blocks->back().size() == kLogBlock) {
    blocks->emplace_back();
    blocks->back().reserve(kLogBlock);
  }
  blocks->back().push_back(value);
}

// Sorts with two threads: halves in parallel, then a merge.
void ParallelSort(std::vector<uint64_t>* v) {
  const auto mid = v->begin() + static_cast<ptrdiff_t>(v->size() / 2);
  ParallelFor(2, 2, [&](size_t half, int) {
    if (half == 0) {
      std::sort(v->begin(), mid);
    } else {
      std::sort(mid, v->end());
    }
  });
  std::inplace_merge(v->begin(), mid, v->end());
}

}  // namespace

void SessionLog::AddRun(uint32_t user, int64_t epoch, const std::vector<uint32_t>& words) {
  if (!status_.ok()) return;
  const uint64_t offset = static_cast<uint64_t>(epoch - traces::kMinTimestamp) & 0xffffffffu;
  const uint64_t session = (static_cast<uint64_t>(user) << 32) | offset;
  if (sorter_ == nullptr && spill_.memory_bytes > 0 && !spill_.folder.empty() &&
      LoggedBytes() >= spill_.memory_bytes) {
    status_ = StartSpilling();
    if (!status_.ok()) return;
  }
  if (sorter_ != nullptr) {
    for (uint32_t w : words) {
      status_ = sorter_->Add(Row{session, w, 0});
      if (!status_.ok()) return;
    }
    return;
  }
  AppendToBlocks(&run_log_, session);
  int64_t collisions = 0;
  for (size_t r = 0; r < words.size(); ++r) {
    // A run is a few rows: a linear scan finds repeats within it.
    for (size_t s = 0; s < r; ++s) {
      if (words[s] == words[r]) {
        ++collisions;
        break;
      }
    }
    AppendToBlocks(&word_log_, r == 0 ? (words[r] | kRunStart) : words[r]);
  }
  if (collisions > 0) {
    run_collisions_ += collisions;
    run_collisions_by_session_[session] += collisions;
  }
}

size_t SessionLog::LoggedBytes() const {
  // Blocks are reserved whole: count their capacity.
  return run_log_.size() * kLogBlock * sizeof(uint64_t) +
         word_log_.size() * kLogBlock * sizeof(uint32_t);
}

Status SessionLog::StartSpilling() {
  // Half the budget for the sorter's buffer, so that the logs and the buffer
  // together stay within about 1.5 times the budget while they are moved.
  sorter_ = std::make_unique<Sorter>(spill_.folder, spill_.name, spill_.memory_bytes / 2);
  size_t run = 0;
  uint64_t session = 0;
  bool first = true;
  for (auto& block : word_log_) {
    for (uint32_t w : block) {
      if (w & kRunStart) {
        if (!first) ++run;
        first = false;
        session = run_log_[run / kLogBlock][run % kLogBlock];
      }
      WV_RETURN_IF_ERROR(sorter_->Add(Row{session, w & ~kRunStart, 0}));
    }
    std::vector<uint32_t>().swap(block);
  }
  std::vector<std::vector<uint64_t>>().swap(run_log_);
  std::vector<std::vector<uint32_t>>().swap(word_log_);
  // Counted again from the records.
  run_collisions_ = 0;
  absl::flat_hash_map<uint64_t, int64_t>().swap(run_collisions_by_session_);
  return OkStatus();
}

Status SessionLog::Drain(
    absl::FunctionRef<void(uint32_t, int64_t, const std::vector<uint32_t>&)> fn) {
  WV_RETURN_IF_ERROR(status_);
  std::vector<uint32_t> words;
  auto emit = [&](uint64_t session) {
    if (!words.empty()) {
      fn(static_cast<uint32_t>(session >> 32),
         static_cast<int64_t>(session & 0xffffffffu) + traces::kMinTimestamp, words);
    }
    words.clear();
  };
  uint64_t session = 0;
  if (sorter_ != nullptr) {
    WV_RETURN_IF_ERROR(sorter_->Finish());
    Row row;
    while (true) {
      WV_ASSIGN_OR_RETURN(const bool more, sorter_->Next(&row));
      if (!more) break;
      if (row.session != session) emit(session);
      session = row.session;
      words.push_back(row.word);
    }
    emit(session);
    sorter_.reset();
    return OkStatus();
  }
  size_t run = 0;
  bool first = true;
  for (const auto& block : word_log_) {
    for (uint32_t w : block) {
      if (w & kRunStart) {
        if (!first) {
          emit(session);
          ++run;
        }
        first = false;
        session = run_log_[run / kLogBlock][run % kLogBlock];
      }
      words.push_back(w & ~kRunStart);
    }
  }
  emit(session);
  std::vector<std::vector<uint64_t>>().swap(run_log_);
  std::vector<std::vector<uint32_t>>().swap(word_log_);
  run_collisions_ = 0;
  absl::flat_hash_map<uint64_t, int64_t>().swap(run_collisions_by_session_);
  return OkStatus();
}

StatusOr<SessionLog::Counts> SessionLog::Count(size_t num_users) {
  WV_RETURN_IF_ERROR(status_);
  if (sorter_ != nullptr) return CountSpilled(num_users);
  return CountInMemory(num_users);
}

StatusOr<SessionLog::Counts> SessionLog::CountSpilled(size_t num_users) {
  WV_RETURN_IF_ERROR(sorter_->Finish());
  Counts counts;
  counts.sessions_per_user.assign(num_users, 0);
  Row row, previous;
  bool first = true;
  while (true) {
    WV_ASSIGN_OR_RETURN(const bool more, sorter_->Next(&row));
    if (!more) break;
    if (first || row.session != previous.session) {
      ++counts.distinct_sessions;
      ++counts.sessions_per_user[row.session >> 32];
    } else if (row.word == previous.word) {
      ++counts.natural_key_collisions;
    }
    previous = row;
    first = false;
  }
  sorter_.reset();
  return counts;
}

SessionLog::Counts SessionLog::CountInMemory(size_t num_users) const {
  std::vector<uint64_t> sessions;
  size_t runs = 0;
  for (const auto& block : run_log_) runs += block.size();
  sessions.reserve(runs);
  for (const auto& block : run_log_) sessions.insert(sessions.end(), block.begin(), block.end());
  ParallelSort(&sessions);

  // Distinct sessions per user; sessions split over several runs.
  Counts counts;
  counts.sessions_per_user.assign(num_users, 0);
  std::vector<uint64_t> split_sessions;
  for (size_t k = 0; k < sessions.size(); ++k) {
    if (k > 0 && sessions[k] == sessions[k - 1]) {
      if (split_sessions.empty() || split_sessions.back() != sessions[k]) {
        split_sessions.push_back(sessions[k]);
      }
      continue;
    }
    ++counts.distinct_sessions;
    ++counts.sessions_per_user[sessions[k] >> 32];
  }
  std::vector<uint64_t>().swap(sessions);

  counts.natural_key_collisions = run_collisions_;
  if (!split_sessions.empty()) {
    counts.natural_key_collisions += CountSplitSessionCollisions(split_sessions);
  }
  return counts;
}

// Recounts the split sessions from all their rows, which also covers the
// repeats inside their runs: those are taken out of the result, as they are
// already in run_collisions_. `split_sessions` is sorted.
int64_t SessionLog::CountSplitSessionCollisions(const std::vector<uint64_t>& split_sessions) const {
  std::vector<std::pair<uint64_t, uint32_t>> keys;
  size_t run = 0;
  uint64_t session = 0;
  bool wanted = false;
  bool first = true;
  for (const auto& block : word_log_) {
    for (uint32_t w : block) {
      if (w & kRunStart) {
        if (!first) ++run;
        first = false;
        session = run_log_[run / kLogBlock][run % kLogBlock];
        wanted = std::binary_search(split_sessions.begin(), split_sessions.end(), session);
      }
      if (wanted) keys.emplace_back(session, w & ~kRunStart);
    }
  }
  std::sort(keys.begin(), keys.end());
  int64_t total = 0;
  for (size_t k = 1; k < keys.size(); ++k) total += keys[k] == keys[k - 1];
  for (uint64_t s : split_sessions) {
    if (auto it = run_collisions_by_session_.find(s); it != run_collisions_by_session_.end()) {
      total -= it->second;
    }
  }
  return total;
}

}  // namespace wv::model
