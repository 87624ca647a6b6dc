#include "model/users_spill.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "core/string_dictionary.h"
#include "fmt/core.h"
#include "model/star_schema.h"

namespace wv::model {
namespace {

constexpr size_t kWriteBuffer = size_t{64} << 10;
constexpr size_t kReadBuffer = size_t{64} << 10;

std::string PartitionPath(const std::string& folder, size_t p) {
  return fmt::format("{}/users-{:03}.part", folder, p);
}
std::string BuiltPath(const std::string& folder, size_t p) {
  return fmt::format("{}/users-{:03}.built", folder, p);
}

// The heap's top is the smallest key (keys are distinct: a user each).
struct KeyAfter {
  template <typename Head>
  bool operator()(const Head& a, const Head& b) const {
    return a.key > b.key;
  }
};

}  // namespace

UsersSpill::UsersSpill(std::string folder, size_t partition_sessions_bytes)
    : folder_(std::move(folder)), partition_sessions_bytes_(partition_sessions_bytes) {}

size_t UsersSpill::PartitionOf(std::string_view user_id) {
  // The top bits of a remixed hash: the partition's own dictionary then
  // still sees well-spread low bits.
  return (StringDictionary::Hash(user_id) * 0x9E3779B97F4A7C15ull) >> 56;
}

Status UsersSpill::Write(std::string_view user_id, const Header& h, const uint32_t* values) {
  if (user_id.size() > UINT16_MAX) {
    return InternalError(fmt::format("a user_id of {} bytes cannot spill", user_id.size()));
  }
  traces::SpillWriter& w = *writers_[PartitionOf(user_id)];
  WV_RETURN_IF_ERROR(w.Append(&h, sizeof h));
  WV_RETURN_IF_ERROR(w.Append(user_id));
  return w.Append(values, size_t{h.count} * sizeof(uint32_t));
}

Status UsersSpill::Start(const UsersAccumulator& users, SessionLog* sessions) {
  writers_.resize(kPartitions);
  for (size_t p = 0; p < kPartitions; ++p) {
    WV_ASSIGN_OR_RETURN(writers_[p],
                        traces::SpillWriter::Create(PartitionPath(folder_, p), kWriteBuffer));
  }
  // The users' states first, in index order: a partition's replay meets
  // its users in key order.
  Status status;
  std::vector<std::string_view> ids(users.size());
  users.ForEachUser([&](uint32_t index, const UsersAccumulator::UserState& u) {
    ids[index] = u.user_id;
    if (!status.ok()) return;
    Header h;
    h.kind = kState;
    h.id_length = static_cast<uint16_t>(u.user_id.size());
    h.count = static_cast<uint32_t>(u.courses.size());
    h.key = index;
    h.a = u.first_seen;
    h.b = u.last_seen;
    h.c = u.views;
    status = Write(u.user_id, h, u.courses.data());
  });
  WV_RETURN_IF_ERROR(status);
  next_key_ = users.size();
  WV_RETURN_IF_ERROR(
      sessions->Drain([&](uint32_t user, int64_t epoch, const std::vector<uint32_t>& words) {
        if (!status.ok()) return;
        Header h;
        h.kind = kSessionRun;
        h.id_length = static_cast<uint16_t>(ids[user].size());
        h.count = static_cast<uint32_t>(words.size());
        h.a = epoch;
        status = Write(ids[user], h, words.data());
      }));
  return status;
}

Status UsersSpill::AddRun(std::string_view user_id, int64_t epoch, uint32_t learning, uint32_t ui,
                          const std::vector<uint32_t>& words) {
  Header h;
  h.kind = kRun;
  h.id_length = static_cast<uint16_t>(user_id.size());
  h.count = static_cast<uint32_t>(words.size());
  h.key = next_key_++;
  h.a = epoch;
  h.b = (int64_t{learning} << 16) | ui;
  return Write(user_id, h, words.data());
}

StatusOr<UsersSpill::Result> UsersSpill::Finish() && {
  for (auto& w : writers_) WV_RETURN_IF_ERROR(w->Close());
  writers_.clear();
  Result result;
  result.table = std::make_unique<SpilledUsersTable>();
  SpilledUsersTable& table = *result.table;
  for (size_t p = 0; p < kPartitions; ++p) {
    WV_RETURN_IF_ERROR(ReplayPartition(p, &result, &table));
  }
  table.rows_.resize(kPartitions);
  table.ids_.resize(kPartitions);
  for (size_t p = 0; p < kPartitions; ++p) {
    WV_ASSIGN_OR_RETURN(auto reader, traces::SpillReader::Open(BuiltPath(folder_, p), kReadBuffer,
                                                               /*unlink_now=*/true));
    table.sources_.push_back(std::move(reader));
    WV_RETURN_IF_ERROR(table.Advance(p));
  }
  return result;
}

// Adds partition p's records as the dimension builder adds runs (its own
// accumulator and session log), then writes its built rows in key order.
Status UsersSpill::ReplayPartition(size_t p, Result* result, SpilledUsersTable* table) {
  UsersAccumulator users;
  SessionLog sessions(SessionLogSpill{partition_sessions_bytes_ > 0 ? folder_ : std::string(),
                                      partition_sessions_bytes_, "users-sessions"});
  std::vector<uint64_t> keys;  // by local index
  WV_RETURN_IF_ERROR(ReadPartition(p, &users, &sessions, &keys));
  WV_ASSIGN_OR_RETURN(const SessionLog::Counts counts, sessions.Count(users.size()));
  result->distinct_sessions += counts.distinct_sessions;
  result->natural_key_collisions += counts.natural_key_collisions;
  const UsersAccumulator::Built built = users.Build(counts.sessions_per_user);
  table->users_ += static_cast<int64_t>(built.table.rows);
  table->rows_covered_ += built.rows_covered;
  return WriteBuilt(p, built.table, keys, table);
}

Status UsersSpill::ReadPartition(size_t p, UsersAccumulator* users, SessionLog* sessions,
                                 std::vector<uint64_t>* keys) {
  const std::string path = PartitionPath(folder_, p);
  WV_ASSIGN_OR_RETURN(auto in, traces::SpillReader::Open(path, kReadBuffer, /*unlink_now=*/true));
  std::string id;
  Header h;
  while (true) {
    WV_ASSIGN_OR_RETURN(const bool more, in->Read(&h, sizeof h));
    if (!more) return OkStatus();
    id.resize(h.id_length);
    scratch_.resize(h.count);
    WV_ASSIGN_OR_RETURN(bool ok, in->Read(id.data(), id.size()));
    if (ok && h.count > 0) {
      WV_ASSIGN_OR_RETURN(ok, in->Read(scratch_.data(), scratch_.size() * sizeof(uint32_t)));
    }
    if (!ok) return InternalError(fmt::format("{}: a record is cut short", path));
    const size_t before = users->size();
    const uint32_t user = users->Index(id);
    if (users->size() > before) {  // first seen: its key orders the table
      if (h.kind == kSessionRun || (!keys->empty() && h.key <= keys->back())) {
        return InternalError(fmt::format("{}: users out of order", path));
      }
      keys->push_back(h.key);
    }
    if (h.kind == kState) {
      users->AddStats(user, h.a, h.b, h.c);
      for (uint32_t course : scratch_) users->AddCourse(user, course >> 16, course & 0xffff);
      continue;
    }
    if (h.kind == kRun) {
      users->AddRun(user, h.a, static_cast<uint32_t>(h.b >> 16),
                    static_cast<uint32_t>(h.b & 0xffff), h.count);
    }
    sessions->AddRun(user, h.a, scratch_);
    WV_RETURN_IF_ERROR(sessions->status());
  }
}

// Partition p's built rows with their keys, in key order; the user ids
// repeated within the partition are counted on the way.
Status UsersSpill::WriteBuilt(size_t p, const TableData& built, const std::vector<uint64_t>& keys,
                              SpilledUsersTable* table) {
  const std::vector<parquet::ColumnVector>& c = built.columns;
  WV_ASSIGN_OR_RETURN(auto out, traces::SpillWriter::Create(BuiltPath(folder_, p), kWriteBuffer));
  absl::flat_hash_set<std::string_view> seen;
  seen.reserve(built.rows);
  for (size_t i = 0; i < built.rows; ++i) {
    const std::string_view user_id = c[kUserId].bytes[i];
    table->repeated_keys_ += !seen.insert(user_id).second;
    SpilledUsersTable::Row row;
    row.key = keys[i];
    row.sessions = c[kUserNumberOfSessions].i64[i];
    row.first_seen = c[kUserFirstSeen].i64[i];
    row.last_seen = c[kUserLastSeen].i64[i];
    row.views = c[kUserViews].i64[i];
    row.courses = c[kUserCourses].i64[i];
    row.id_length = static_cast<uint32_t>(user_id.size());
    WV_RETURN_IF_ERROR(out->Append(&row, sizeof row));
    WV_RETURN_IF_ERROR(out->Append(user_id));
  }
  return out->Close();
}

Status SpilledUsersTable::Advance(size_t source) {
  Row& row = rows_[source];
  WV_ASSIGN_OR_RETURN(bool more, sources_[source]->Read(&row, sizeof row));
  if (!more) return OkStatus();
  ids_[source].resize(row.id_length);
  WV_ASSIGN_OR_RETURN(more, sources_[source]->Read(ids_[source].data(), row.id_length));
  if (!more && row.id_length > 0) return InternalError("a spilled user row is cut short");
  heap_.push_back(Head{row.key, source});
  std::push_heap(heap_.begin(), heap_.end(), KeyAfter());
  return OkStatus();
}

StatusOr<bool> SpilledUsersTable::Next(size_t max_rows, TableData* batch) {
  batch->columns.assign(kNumUsersColumns, parquet::ColumnVector());
  batch->rows = 0;
  std::vector<parquet::ColumnVector>& c = batch->columns;
  while (batch->rows < max_rows && !heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), KeyAfter());
    const size_t source = heap_.back().source;
    heap_.pop_back();
    const Row& row = rows_[source];
    c[kUserId].bytes.push_back(ids_[source]);
    c[kUserNumberOfSessions].i64.push_back(row.sessions);
    c[kUserFirstSeen].i64.push_back(row.first_seen);
    c[kUserLastSeen].i64.push_back(row.last_seen);
    c[kUserViews].i64.push_back(row.views);
    c[kUserCourses].i64.push_back(row.courses);
    ++batch->rows;
    WV_RETURN_IF_ERROR(Advance(source));
  }
  return batch->rows > 0;
}

}  // namespace wv::model
