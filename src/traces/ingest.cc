#include "traces/ingest.h"

#include <glob.h>
#include <malloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "core/crc32.h"
#include "csv/chunker.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "traces/validator.h"

namespace wv::traces {
namespace {

// Counts and checksums the stored bytes on their way to the inflater.
class StoredBytesTap final : public io::ByteSource {
 public:
  explicit StoredBytesTap(std::unique_ptr<io::ByteSource> inner) : inner_(std::move(inner)) {}

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    WV_ASSIGN_OR_RETURN(size_t n, inner_->Read(buffer, capacity));
    crc_ = Crc32(std::string_view(buffer, n), crc_);
    bytes_ += n;
    return n;
  }
  const std::string& name() const override { return inner_->name(); }
  std::optional<uint64_t> stored_size() const override { return inner_->stored_size(); }
  uint64_t stored_bytes_read() const override { return inner_->stored_bytes_read(); }

  uint32_t crc() const { return crc_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::unique_ptr<io::ByteSource> inner_;
  uint32_t crc_ = 0;
  uint64_t bytes_ = 0;
};

struct WorkItem {
  uint64_t sequence = 0;
  uint32_t file = 0;
  std::unique_ptr<csv::ChunkBuffer> raw;
  ValidatedChunk chunk;
  ChunkSideData side;
};

// An entry of the duplicate set: a row fingerprint and where the row was
// first seen (a line number counted across all inputs; 0 if beyond 2^32).
struct SeenRow {
  uint64_t hash;
  uint32_t check;
  uint32_t global_line;
};
struct SeenRowHash {
  size_t operator()(const SeenRow& row) const { return row.hash; }
};
struct SeenRowEq {
  bool operator()(const SeenRow& a, const SeenRow& b) const {
    return a.hash == b.hash && a.check == b.check;
  }
};

// Keeps the elements of `column` whose `keep` flag is set.
template <typename T>
void Compact(std::vector<T>& column, const std::vector<uint8_t>& keep) {
  size_t out = 0;
  for (size_t i = 0; i < column.size(); ++i) {
    if (keep[i]) column[out++] = column[i];
  }
  column.resize(out);
}
void Compact(parquet::ByteArrayVector& column, const std::vector<uint8_t>& keep) {
  parquet::ByteArrayVector kept;
  kept.reserve(column.size(), column.data.size());
  for (size_t i = 0; i < column.size(); ++i) {
    if (keep[i]) kept.push_back(column[i]);
  }
  column = std::move(kept);
}

// Shared state of one Run.
class Pipeline {
 public:
  Pipeline(const IngestOptions& options, IngestStats* stats,
           const std::function<Status(ValidatedChunk&&)>& consume)
      : options_(options),
        stats_(stats),
        consume_(consume),
        threads_(std::max(1, options.threads)),
        max_buffers_(static_cast<size_t>(2 * threads_ + 2)) {}

  Status Run() {
    stats_->files.resize(options_.paths.size());
    file_line_base_.assign(options_.paths.size(), 0);
    std::optional<uint64_t> total = 0;
    for (size_t i = 0; i < options_.paths.size(); ++i) {
      stats_->files[i].path = options_.paths[i];
      struct stat st;
      if (options_.paths[i] != "-" && ::stat(options_.paths[i].c_str(), &st) == 0 &&
          S_ISREG(st.st_mode)) {
        if (total) *total += static_cast<uint64_t>(st.st_size);
      } else {
        total.reset();
      }
    }
    stored_total_ = total;
    // Sizing the duplicate set up front saves its rehashes (each moves every
    // entry) and their transient double memory. Rows are about 95 bytes;
    // gzip'd traces about 3.4 times smaller. Empty slots cost little until
    // touched, so a generous estimate is fine; an underestimate just grows.
    uint64_t estimated_rows = 0;
    for (const auto& path : options_.paths) {
      struct stat st;
      if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      const bool gzip = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
      estimated_rows += static_cast<uint64_t>(st.st_size) * (gzip ? 34 : 10) / 950;
    }
    seen_.reserve(std::min<uint64_t>(estimated_rows, uint64_t{1} << 26));

    std::vector<std::thread> workers;
    for (int i = 0; i < threads_; ++i) workers.emplace_back([this] { WorkerLoop(); });
    ReaderLoop();
    for (auto& worker : workers) worker.join();
    if (!error_.ok()) return error_;
    if (next_to_consume_ != next_sequence_) {
      return InternalError(fmt::format("ingest consumed {} of {} chunks", next_to_consume_,
                                       next_sequence_));
    }
    for (auto& file : stats_->files) {
      if (file.physical_lines == 0) file.physical_lines = 1;  // header only
      stats_->stored_bytes += file.stored_bytes;
      stats_->bytes += file.bytes;
    }
    return OkStatus();
  }

 private:
  void Fail(const Status& status) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = status;
    stopping_ = true;
    work_cv_.notify_all();
    pool_cv_.notify_all();
  }

  bool Stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // Waits for a free buffer (bounding the chunks in flight); nullptr if stopping.
  std::unique_ptr<csv::ChunkBuffer> TakeBuffer() {
    std::unique_lock lock(mu_);
    pool_cv_.wait(lock, [&] { return stopping_ || !pool_.empty() || buffers_ < max_buffers_; });
    if (stopping_) return nullptr;
    if (!pool_.empty()) {
      auto buffer = std::move(pool_.back());
      pool_.pop_back();
      buffer->set_size(0);
      return buffer;
    }
    ++buffers_;
    auto buffer = std::make_unique<csv::ChunkBuffer>();
    buffer->Reserve(options_.chunk_bytes + 64 * 1024);
    return buffer;
  }

  void ReturnBuffer(std::unique_ptr<csv::ChunkBuffer> buffer) {
    std::lock_guard lock(mu_);
    pool_.push_back(std::move(buffer));
    pool_cv_.notify_one();
  }

  void Push(std::unique_ptr<WorkItem> item) {
    std::lock_guard lock(mu_);
    work_.push_back(std::move(item));
    work_cv_.notify_one();
  }

  void ReaderLoop() {
    for (uint32_t file = 0; file < options_.paths.size() && !Stopping(); ++file) {
      const Status status = ReadFile(file);
      if (!status.ok()) {
        Fail(status);
        break;
      }
    }
    std::lock_guard lock(mu_);
    reader_done_ = true;
    work_cv_.notify_all();
  }

  Status ReadFile(uint32_t file) {
    const std::string& path = options_.paths[file];
    WV_ASSIGN_OR_RETURN(auto stored, io::OpenFileSource(path));
    auto tap_owner = std::make_unique<StoredBytesTap>(std::move(stored));
    StoredBytesTap* tap = tap_owner.get();
    WV_ASSIGN_OR_RETURN(auto source, io::MaybeDecompress(std::move(tap_owner)));
    csv::Chunker chunker(source.get(), options_.chunk_bytes, kNumTraceColumns);
    WV_ASSIGN_OR_RETURN(std::optional<std::string> header, chunker.ReadFirstLine());
    if (!header) return InputError(fmt::format("{}: empty file (expected the header line)", path));
    WV_RETURN_IF_ERROR(CheckTraceHeader(*header, path));
    for (;;) {
      std::unique_ptr<csv::ChunkBuffer> buffer = TakeBuffer();
      if (buffer == nullptr) return OkStatus();  // stopping
      WV_ASSIGN_OR_RETURN(bool more, chunker.Next(buffer.get()));
      stored_read_.store(stored_read_before_file_ + tap->bytes(), std::memory_order_relaxed);
      if (!more) {
        ReturnBuffer(std::move(buffer));
        break;
      }
      auto item = std::make_unique<WorkItem>();
      item->file = file;
      item->raw = std::move(buffer);
      {
        std::lock_guard lock(mu_);
        item->sequence = next_sequence_++;
      }
      Push(std::move(item));
    }
    IngestFileStats& file_stats = stats_->files[file];
    file_stats.stored_bytes = tap->bytes();
    file_stats.stored_crc32 = tap->crc();
    file_stats.bytes = chunker.bytes();
    stored_read_before_file_ += tap->bytes();
    stored_read_.store(stored_read_before_file_, std::memory_order_relaxed);
    return OkStatus();
  }

  void WorkerLoop() {
    ChunkValidator validator(options_.refs);
    for (;;) {
      std::unique_ptr<WorkItem> item;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] { return stopping_ || !work_.empty() || reader_done_; });
        if (stopping_) return;
        if (work_.empty()) return;  // reader done and nothing left
        item = std::move(work_.front());
        work_.pop_front();
      }
      item->chunk.sequence = item->sequence;
      item->chunk.source_file = item->file;
      validator.Validate(item->raw->view(), item->file, /*first_line=*/0, &item->chunk,
                         &item->side);
      Sequence(std::move(item));
    }
  }

  // Hands `item` to the in-order stage; whichever worker finds the next
  // chunk ready runs that stage, so no thread sits idle waiting for order.
  void Sequence(std::unique_ptr<WorkItem> item) {
    std::unique_lock lock(mu_);
    ready_.emplace(item->sequence, std::move(item));
    if (sequencing_) return;
    sequencing_ = true;
    while (!stopping_) {
      auto it = ready_.find(next_to_consume_);
      if (it == ready_.end()) break;
      std::unique_ptr<WorkItem> next = std::move(it->second);
      ready_.erase(it);
      lock.unlock();
      const Status status = InOrder(*next);
      ReturnBuffer(std::move(next->raw));
      lock.lock();
      if (!status.ok()) {
        if (error_.ok()) error_ = status;
        stopping_ = true;
        work_cv_.notify_all();
        pool_cv_.notify_all();
        break;
      }
      ++next_to_consume_;
    }
    sequencing_ = false;
  }

  // Runs on one thread at a time, in sequence order.
  Status InOrder(WorkItem& item) {
    ValidatedChunk& chunk = item.chunk;
    IngestFileStats& file_stats = stats_->files[item.file];
    // Line numbers: the header is line 1.
    const int64_t base = 2 + static_cast<int64_t>(file_stats.physical_lines == 0
                                                       ? 0
                                                       : file_stats.physical_lines - 1);
    if (file_stats.physical_lines == 0) file_stats.physical_lines = 1;
    for (auto& line : chunk.accepted.line_number) line += base;
    for (auto& line : chunk.rejected.line_number) line += base;
    file_stats.physical_lines += item.side.physical_lines;
    if (item.file > current_file_) {
      // Global line numbers: file f's line L is file_line_base_[f] + L.
      for (uint32_t f = current_file_ + 1; f <= item.file; ++f) {
        file_line_base_[f] =
            file_line_base_[f - 1] + std::max<uint64_t>(1, stats_->files[f - 1].physical_lines);
      }
      current_file_ = item.file;
    }
    Deduplicate(item);

    file_stats.rows += chunk.input_rows;
    stats_->input_rows += chunk.input_rows;
    stats_->accepted += chunk.accepted.size();
    stats_->rejected += chunk.rejected.size();
    for (RejectReason reason : chunk.rejected.reason) {
      ++stats_->rejected_by_reason[static_cast<size_t>(reason)];
    }
    if (chunk.accepted.size() + chunk.rejected.size() != chunk.input_rows) {
      return InternalError(fmt::format("{}: chunk {} lost rows", file_stats.path, chunk.sequence));
    }
    WV_RETURN_IF_ERROR(consume_(std::move(chunk)));
    if (options_.progress) {
      IngestProgress progress;
      progress.rows = stats_->input_rows;
      progress.stored_bytes_read = stored_read_.load(std::memory_order_relaxed);
      progress.stored_bytes_total = stored_total_;
      options_.progress(progress);
    }
    return OkStatus();
  }

  void Deduplicate(WorkItem& item) {
    TraceBatch& accepted = item.chunk.accepted;
    const auto& fingerprints = item.side.fingerprints;
    const size_t n = fingerprints.size();
    const uint64_t file_base = file_line_base_[item.file];
    std::vector<size_t> duplicate_rows;
    std::vector<uint32_t> first_seen;
    constexpr size_t kPrefetchDistance = 16;
    for (size_t i = 0; i < std::min(n, kPrefetchDistance); ++i) {
      seen_.prefetch(SeenRow{fingerprints[i].hash, fingerprints[i].check, 0});
    }
    for (size_t i = 0; i < n; ++i) {
      if (i + kPrefetchDistance < n) {
        const RowFingerprint& ahead = fingerprints[i + kPrefetchDistance];
        seen_.prefetch(SeenRow{ahead.hash, ahead.check, 0});
      }
      const uint64_t global_line = file_base + static_cast<uint64_t>(accepted.line_number[i]);
      const SeenRow row{fingerprints[i].hash, fingerprints[i].check,
                        global_line > UINT32_MAX ? 0u : static_cast<uint32_t>(global_line)};
      auto [it, inserted] = seen_.insert(row);
      if (!inserted) {
        duplicate_rows.push_back(i);
        first_seen.push_back(it->global_line);
      }
    }
    if (duplicate_rows.empty()) return;

    // Rare: move the duplicates to the quarantine, keeping line order there.
    QuarantineBatch duplicates;
    std::string detail;
    for (size_t k = 0; k < duplicate_rows.size(); ++k) {
      const size_t i = duplicate_rows[k];
      detail = "duplicate of an earlier row";
      if (first_seen[k] != 0) {
        // The file holding the first copy: the last one whose base is below it.
        const auto file_it = std::lower_bound(file_line_base_.begin(),
                                              file_line_base_.begin() + item.file + 1,
                                              static_cast<uint64_t>(first_seen[k])) - 1;
        const size_t first_file = static_cast<size_t>(file_it - file_line_base_.begin());
        detail = fmt::format("duplicate of line {} in {}", first_seen[k] - *file_it,
                             stats_->files[first_file].path);
      }
      duplicates.source_file.push_back(item.file);
      duplicates.line_number.push_back(accepted.line_number[i]);
      duplicates.reason.push_back(RejectReason::kDuplicate);
      duplicates.detail.push_back(detail);
      duplicates.raw_line.push_back(
          item.raw->view().substr(item.side.raw_offset[i], item.side.raw_length[i]));
    }
    std::vector<uint8_t> keep(accepted.size(), 1);
    for (size_t i : duplicate_rows) keep[i] = 0;
    Compact(accepted.p_recall, keep);
    Compact(accepted.timestamp, keep);
    Compact(accepted.delta, keep);
    Compact(accepted.user_id, keep);
    Compact(accepted.learning_language, keep);
    Compact(accepted.ui_language, keep);
    Compact(accepted.lexeme_id, keep);
    Compact(accepted.lexeme_string, keep);
    Compact(accepted.history_seen, keep);
    Compact(accepted.history_correct, keep);
    Compact(accepted.session_seen, keep);
    Compact(accepted.session_correct, keep);
    Compact(accepted.source_file, keep);
    Compact(accepted.line_number, keep);

    QuarantineBatch& rejected = item.chunk.rejected;
    QuarantineBatch merged;
    size_t a = 0, b = 0;
    auto take = [&merged](const QuarantineBatch& from, size_t i) {
      merged.source_file.push_back(from.source_file[i]);
      merged.line_number.push_back(from.line_number[i]);
      merged.reason.push_back(from.reason[i]);
      merged.detail.push_back(from.detail[i]);
      merged.raw_line.push_back(from.raw_line[i]);
    };
    while (a < rejected.size() || b < duplicates.size()) {
      if (b == duplicates.size() ||
          (a < rejected.size() && rejected.line_number[a] < duplicates.line_number[b])) {
        take(rejected, a++);
      } else {
        take(duplicates, b++);
      }
    }
    rejected = std::move(merged);
  }

  const IngestOptions& options_;
  IngestStats* stats_;
  const std::function<Status(ValidatedChunk&&)>& consume_;
  const int threads_;
  const size_t max_buffers_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable pool_cv_;
  Status error_;
  bool stopping_ = false;
  bool reader_done_ = false;
  std::deque<std::unique_ptr<WorkItem>> work_;
  std::vector<std::unique_ptr<csv::ChunkBuffer>> pool_;
  size_t buffers_ = 0;
  uint64_t next_sequence_ = 0;
  std::map<uint64_t, std::unique_ptr<WorkItem>> ready_;
  bool sequencing_ = false;
  uint64_t next_to_consume_ = 0;

  // Reader-thread state.
  uint64_t stored_read_before_file_ = 0;
  std::atomic<uint64_t> stored_read_{0};
  std::optional<uint64_t> stored_total_;

  // In-order state.
  absl::flat_hash_set<SeenRow, SeenRowHash, SeenRowEq> seen_;
  std::vector<uint64_t> file_line_base_;  // global line number before each file's line 1
  uint32_t current_file_ = 0;
};

}  // namespace

Ingestor::Ingestor(IngestOptions options) : options_(std::move(options)) {}

Status Ingestor::Run(const std::function<Status(ValidatedChunk&&)>& consume) {
  // Chunks are allocated by workers and freed by the consumer, a few MB at
  // a time. With glibc's defaults those allocations are mmap'd and unmapped
  // each time, so every chunk page-faults its memory afresh (20% of the CPU
  // of an ingest). Keeping freed memory in the heap for reuse fixes that;
  // peak memory is unchanged. (Process-wide, set once.)
  static std::once_flag malloc_tuned;
  std::call_once(malloc_tuned, [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
  stats_ = IngestStats();
  if (options_.paths.empty()) return UsageError("no input files");
  Pipeline pipeline(options_, &stats_, consume);
  return pipeline.Run();
}

StatusOr<std::vector<std::string>> ExpandTracePaths(const std::vector<std::string>& arguments) {
  std::vector<std::string> paths;
  for (const std::string& argument : arguments) {
    if (argument == "-") {
      paths.push_back(argument);
      continue;
    }
    if (argument.find_first_of("*?[") == std::string::npos) {
      struct stat st;
      if (::stat(argument.c_str(), &st) != 0) {
        return InputError(fmt::format("{}: {}", argument, std::strerror(errno)));
      }
      if (S_ISDIR(st.st_mode)) return InputError(fmt::format("{} is a directory", argument));
      paths.push_back(argument);
      continue;
    }
    glob_t matches{};
    const int rc = ::glob(argument.c_str(), GLOB_ERR, nullptr, &matches);
    if (rc == GLOB_NOMATCH) {
      ::globfree(&matches);
      return InputError(fmt::format("no file matches {}", argument));
    }
    if (rc != 0) {
      ::globfree(&matches);
      return InputError(fmt::format("cannot expand {}", argument));
    }
    for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    ::globfree(&matches);
  }
  return paths;
}

}  // namespace wv::traces
