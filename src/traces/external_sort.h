#ifndef WV_TRACES_EXTERNAL_SORT_H_
#define WV_TRACES_EXTERNAL_SORT_H_

#include <algorithm>
#include <cstddef>
#include <memory>
#include <queue>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/status.h"
#include "fmt/core.h"
#include "traces/spill_file.h"

// ExternalSorter: sorts more fixed-size records than fit in its memory budget.
// Records are buffered up to the budget; a full buffer is sorted and written
// as a run to the spill folder; Finish() merges the runs (at most kFanIn at a
// time, in several passes when there are more) and Next() hands the records
// back in order. Memory: the budget, plus kFanIn read buffers while merging.
//
// The order is `Less`, which must be a strict total order on the records
// that are ever compared (ties would make the order depend on run
// boundaries, and so on the budget): then the output is the same for any
// budget, and a sorter's runs could as well come from shards of the input
// sorted on other machines -- merging them gives the one order.
//
// Not thread-safe.
namespace wv::traces {

template <typename Record, typename Less>
class ExternalSorter {
  static_assert(std::is_trivially_copyable_v<Record>);

 public:
  static constexpr size_t kFanIn = 32;
  static constexpr size_t kReadBuffer = size_t{64} << 10;

  // Runs are files `folder/name-N.run`. REQUIRES: the folder exists and is
  // the run's own.
  ExternalSorter(std::string folder, std::string name, size_t memory_bytes)
      : folder_(std::move(folder)),
        name_(std::move(name)),
        capacity_(std::max<size_t>(memory_bytes / sizeof(Record), 1024)) {}

  // A new budget for the records buffered before a run is written (the
  // next Add() writes one when the buffer holds more). REQUIRES: before Finish().
  void SetMemoryBytes(size_t memory_bytes) {
    capacity_ = std::max<size_t>(memory_bytes / sizeof(Record), 1024);
  }

  Status Add(const Record& record) {
    if (buffer_.size() >= capacity_) WV_RETURN_IF_ERROR(WriteRun());
    if (buffer_.capacity() < capacity_) buffer_.reserve(capacity_);
    buffer_.push_back(record);
    return OkStatus();
  }

  // Ends the input and prepares Next(). REQUIRES: called once, after the
  // last Add().
  Status Finish() {
    if (runs_.empty()) {  // all in memory
      std::sort(buffer_.begin(), buffer_.end(), Less());
      return OkStatus();
    }
    if (!buffer_.empty()) WV_RETURN_IF_ERROR(WriteRun());
    std::vector<Record>().swap(buffer_);
    while (runs_.size() > kFanIn) {
      std::vector<std::string> group(runs_.begin(), runs_.begin() + kFanIn);
      runs_.erase(runs_.begin(), runs_.begin() + kFanIn);
      WV_ASSIGN_OR_RETURN(std::unique_ptr<SpillWriter> out,
                          SpillWriter::Create(NextRunPath(), kReadBuffer));
      WV_RETURN_IF_ERROR(OpenMerge(group));
      Record record;
      while (true) {
        WV_ASSIGN_OR_RETURN(const bool more, MergeNext(&record));
        if (!more) break;
        WV_RETURN_IF_ERROR(out->Append(&record, sizeof record));
      }
      WV_RETURN_IF_ERROR(out->Close());
      runs_.push_back(out->path());
    }
    return OpenMerge(runs_);
  }

  // The next record in order: true, or false when all have been handed out.
  StatusOr<bool> Next(Record* out) {
    if (sources_.empty() && heap_.empty()) {
      if (next_in_memory_ == buffer_.size()) return false;
      *out = buffer_[next_in_memory_++];
      return true;
    }
    return MergeNext(out);
  }

  // Runs written so far (for tests and statistics).
  size_t runs_written() const { return runs_written_; }

 private:
  struct Head {
    Record record;
    size_t source;
  };
  struct HeadAfter {  // the heap's top is the smallest record
    bool operator()(const Head& a, const Head& b) const { return Less()(b.record, a.record); }
  };

  std::string NextRunPath() { return fmt::format("{}/{}-{}.run", folder_, name_, runs_written_++); }

  Status WriteRun() {
    std::sort(buffer_.begin(), buffer_.end(), Less());
    WV_ASSIGN_OR_RETURN(std::unique_ptr<SpillWriter> out,
                        SpillWriter::Create(NextRunPath(), size_t{1} << 20));
    WV_RETURN_IF_ERROR(out->Append(buffer_.data(), buffer_.size() * sizeof(Record)));
    WV_RETURN_IF_ERROR(out->Close());
    runs_.push_back(out->path());
    buffer_.clear();
    return OkStatus();
  }

  // Opens `paths` for merging (each file is removed once open).
  Status OpenMerge(const std::vector<std::string>& paths) {
    sources_.clear();
    heap_ = {};
    for (const std::string& path : paths) {
      WV_ASSIGN_OR_RETURN(std::unique_ptr<SpillReader> reader,
                          SpillReader::Open(path, kReadBuffer, /*unlink_now=*/true));
      sources_.push_back(std::move(reader));
      WV_RETURN_IF_ERROR(Advance(sources_.size() - 1));
    }
    return OkStatus();
  }

  Status Advance(size_t source) {
    Head head{Record{}, source};
    WV_ASSIGN_OR_RETURN(const bool more, sources_[source]->Read(&head.record, sizeof(Record)));
    if (more) heap_.push(head);
    return OkStatus();
  }

  StatusOr<bool> MergeNext(Record* out) {
    if (heap_.empty()) return false;
    const Head top = heap_.top();
    heap_.pop();
    *out = top.record;
    WV_RETURN_IF_ERROR(Advance(top.source));
    return true;
  }

  const std::string folder_;
  const std::string name_;
  size_t capacity_;
  std::vector<Record> buffer_;
  size_t next_in_memory_ = 0;
  std::vector<std::string> runs_;  // not yet merged
  size_t runs_written_ = 0;
  std::vector<std::unique_ptr<SpillReader>> sources_;
  std::priority_queue<Head, std::vector<Head>, HeadAfter> heap_;
};

}  // namespace wv::traces

#endif  // WV_TRACES_EXTERNAL_SORT_H_
