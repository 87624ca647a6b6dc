#include "hlr/training_set.h"

#include "fmt/core.h"

namespace wv::hlr {

namespace {

constexpr int64_t kMaxCount = 2147483647;              // run's limit on delta and counts
constexpr int64_t kTimestampLimit = int64_t{1} << 32;  // TrainingSet stores 32 bits

}  // namespace

size_t TrainingSet::train_size() const {
  // As the reference computes it: int(0.9 * len(instances)).
  return static_cast<size_t>(0.9 * static_cast<double>(rows.size()));
}

uint32_t TrainingSetBuilder::InternPair(std::string_view learning, std::string_view ui) {
  key_.assign(learning);
  key_.push_back('\0');
  key_.append(ui);
  if (last_pair_index_ != UINT32_MAX && key_ == last_pair_) return last_pair_index_;
  bool inserted;
  const uint32_t number = pair_index_.Intern(key_, &inserted);
  if (inserted) set_.pairs.push_back({std::string(learning), std::string(ui)});
  last_pair_ = key_;
  last_pair_index_ = number;
  return number;
}

uint32_t TrainingSetBuilder::InternUser(std::string_view user) {
  if (last_user_index_ != UINT32_MAX && user == last_user_) return last_user_index_;
  bool inserted;
  const uint32_t number = user_index_.Intern(user, &inserted);
  if (inserted) set_.users.emplace_back(user);
  last_user_.assign(user);
  last_user_index_ = number;
  return number;
}

uint32_t TrainingSetBuilder::InternLexeme(std::string_view learning,
                                          std::string_view lexeme_string) {
  key_.assign(learning);
  key_.push_back(':');
  key_.append(lexeme_string);
  return InternLexemeKey(key_, StringDictionary::Hash(key_), learning.size());
}

uint32_t TrainingSetBuilder::InternLexemeKey(std::string_view key, uint64_t hash,
                                             size_t learning_size) {
  bool inserted;
  const uint32_t number = lexeme_index_.InternHashed(key, hash, &inserted);
  if (inserted) {
    set_.lexemes.push_back(
        {std::string(key.substr(0, learning_size)), std::string(key.substr(learning_size + 1))});
  }
  return number;
}

Status TrainingSetBuilder::AddRow(const Numbers& n, uint32_t pair, uint32_t user, uint32_t lexeme) {
  if (n.delta < 0 || n.delta > kMaxCount || n.history_seen < 0 || n.history_seen > kMaxCount ||
      n.history_correct < 0 || n.history_correct > n.history_seen) {
    return InputError(fmt::format(
        "a row has delta {}, history_seen {}, history_correct {}: outside what `run` accepts",
        n.delta, n.history_seen, n.history_correct));
  }
  if (n.timestamp < 0 || n.timestamp >= kTimestampLimit) {
    return InputError(
        fmt::format("a row has timestamp {}: outside what `run` accepts", n.timestamp));
  }
  if (pair > UINT16_MAX) return InputError("more than 65536 language pairs");
  set_.rows.push_back(TraceRow{n.p_recall, static_cast<uint32_t>(n.delta),
                               static_cast<uint32_t>(n.history_correct),
                               static_cast<uint32_t>(n.history_seen - n.history_correct), lexeme});
  set_.pair.push_back(static_cast<uint16_t>(pair));
  set_.user.push_back(user);
  set_.timestamp.push_back(static_cast<uint32_t>(n.timestamp));
  return OkStatus();
}

TrainingSet TrainingSetBuilder::Finish() {
  TrainingSet out = std::move(set_);
  set_ = TrainingSet();
  pair_index_ = StringDictionary();
  user_index_ = StringDictionary();
  lexeme_index_ = StringDictionary();
  last_user_index_ = UINT32_MAX;
  last_pair_index_ = UINT32_MAX;
  return out;
}

}  // namespace wv::hlr
