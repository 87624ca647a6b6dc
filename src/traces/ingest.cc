#include "traces/ingest.h"

#include <glob.h>
#include <malloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "core/mutex.h"
#include "core/parallel.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "io/byte_source.h"
#include "io/s3_source.h"
#include "traces/chunks_in_flight.h"
#include "traces/in_order_stage.h"
#include "traces/trace_file_reader.h"
#include "traces/validator.h"

namespace wv::traces {
namespace {

// What the input files' sizes say before reading them.
struct InputSizes {
  std::optional<uint64_t> stored_total;  // when every input is a regular file
  // Rows to size the duplicate set for. Rows are about 95 bytes; gzip'd
  // traces about 3.4 times smaller. Empty slots cost little until touched,
  // so a generous estimate is fine; an underestimate just grows.
  uint64_t expected_rows = 0;
};

InputSizes MeasureInputs(const std::vector<std::string>& paths,
                         const std::vector<std::optional<ByteRange>>& ranges) {
  InputSizes sizes;
  sizes.stored_total = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string& path = paths[i];
    const std::optional<ByteRange> range = i < ranges.size() ? ranges[i] : std::nullopt;
    const std::optional<uint64_t> stored =
        range ? std::optional<uint64_t>(range->end - range->start) : io::StoredSizeOf(path);
    if (!stored.has_value()) {
      sizes.stored_total.reset();
      continue;
    }
    const uint64_t size = *stored;
    if (sizes.stored_total) *sizes.stored_total += size;
    const bool gzip = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    sizes.expected_rows += size * (gzip ? 34 : 10) / 950;
  }
  sizes.expected_rows = std::min<uint64_t>(sizes.expected_rows, uint64_t{1} << 26);
  return sizes;
}

// The first error of a run, from whichever thread found it.
// Thread-safe.
class FirstError {
 public:
  // Keeps `status` unless an error was recorded before.
  void Record(const Status& status) ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    if (status_.ok()) status_ = status;
  }
  bool failed() const ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return !status_.ok();
  }
  Status status() const ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    return status_;
  }

 private:
  mutable Mutex mu_;
  Status status_ ABSL_GUARDED_BY(mu_);
};

// One run of the ingest: wires the reader, the workers and the in-order
// stage together through the hand-offs of traces/chunks_in_flight.h, and
// stops them all at the first error.
// Thread-safe where the threads meet (the hand-offs, FirstError); each
// stage's own state belongs to its thread.
class ParallelIngest {
 public:
  ParallelIngest(const IngestOptions& options, const InputSizes& sizes, IngestStats* stats,
                 const std::function<Status(ValidatedChunk&&)>& consume)
      : options_(options),
        stats_(stats),
        workers_(EffectiveThreads(std::max(1, options.threads))),
        pool_(ChunkBufferCount(workers_), options.chunk_bytes + 64 * 1024),
        in_order_(options.paths, consume, options.progress, &stored_bytes_read_, sizes.stored_total,
                  sizes.expected_rows, options.spill, stats, options.history),
        stored_(options.paths.size()) {
    // A byte range after a file's start numbers its lines after the ones
    // before it (the in-order stage counts on from physical_lines).
    for (size_t i = 0; i < options.ranges.size(); ++i) {
      const std::optional<ByteRange>& range = options.ranges[i];
      if (range && range->start > 0) stats->files[i].physical_lines = range->lines_before;
    }
  }

  Status Run() {
    // The reader gets a dedicated thread rather than a RunOnWorkers slot:
    // RunOnWorkers may start fewer threads than asked (only the caller's is
    // certain), and a reader that ended up without a validating worker
    // beside it would wait forever for buffers only workers give back.
    std::thread reader;
    try {
      reader = std::thread([this] { ReadAll(); });
    } catch (const std::system_error& e) {
      return InternalError(fmt::format("cannot start the ingest reader thread: {}", e.what()));
    }
    RunOnWorkers(workers_, [this](int) { ValidateChunks(); });
    reader.join();
    WV_RETURN_IF_ERROR(errors_.status());
    if (reorderer_.done() != chunks_read_) {
      return InternalError(
          fmt::format("ingest consumed {} of {} chunks", reorderer_.done(), chunks_read_));
    }
    WV_RETURN_IF_ERROR(in_order_.FinishDeferred(options_.refs, workers_, options_.dimension_keys));
    for (size_t i = 0; i < stats_->files.size(); ++i) {
      IngestFileStats& file = stats_->files[i];
      file.stored_bytes = stored_[i].stored_bytes;
      file.stored_crc32 = stored_[i].stored_crc32;
      file.bytes = stored_[i].bytes;
      file.identity = stored_[i].identity;
      file.object = stored_[i].object;
      stats_->stored_bytes += file.stored_bytes;
      stats_->bytes += file.bytes;
    }
    return OkStatus();
  }

  bool spilled() const { return in_order_.spilled(); }

 private:
  void Fail(const Status& status) {
    errors_.Record(status);
    pool_.Stop();
    queue_.Stop();
    reorderer_.Stop();
  }

  // The reader thread: every input in order, cut into chunks for the workers.
  void ReadAll() {
    // An exception must not escape this thread (std::terminate); it stops
    // the run like any other error, so the workers waiting on us are released.
    try {
      ReadFiles();
    } catch (...) {
      Fail(StatusFromCurrentException("the ingest reader"));
    }
    queue_.Close();
  }

  void ReadFiles() {
    for (uint32_t file = 0; file < options_.paths.size() && !errors_.failed(); ++file) {
      const auto emit = [&](std::unique_ptr<csv::ChunkBuffer> buffer) {
        auto chunk = std::make_unique<ChunkInFlight>();
        chunk->sequence = chunks_read_++;
        chunk->file = file;
        chunk->raw = std::move(buffer);
        queue_.Push(std::move(chunk));
      };
      const std::optional<ByteRange> range =
          file < options_.ranges.size() ? options_.ranges[file] : std::nullopt;
      StatusOr<StoredFileInfo> stored = ReadTraceFile(
          options_.paths[file], range, options_.chunk_bytes, &pool_, emit, &stored_bytes_read_);
      if (!stored.ok()) {
        Fail(stored.status());
        break;
      }
      stored_[file] = *stored;
    }
  }

  // A worker: validates chunks (rules 1-6) and passes them on to be put back
  // in order; finishes them in order when its chunk is the next one.
  void ValidateChunks() {
    // RunOnWorkers must not see an exception (the other workers and the
    // reader wait on this one): it fails the run instead, which stops the
    // queue, the buffer pool and the reorderer for them. The in-order step
    // (the consumer: fact table, dimensions) runs here too.
    try {
      ValidateChunksOrThrow();
    } catch (...) {
      Fail(StatusFromCurrentException("the ingest workers"));
    }
  }

  void ValidateChunksOrThrow() {
    ChunkValidator validator(options_.refs);
    const auto finish = [this](ChunkInFlight& chunk) {
      const Status status = in_order_.Finish(chunk);
      pool_.Return(std::move(chunk.raw));
      return status;
    };
    while (std::unique_ptr<ChunkInFlight> chunk = queue_.Pop()) {
      chunk->validated.sequence = chunk->sequence;
      chunk->validated.source_file = chunk->file;
      validator.Validate(chunk->raw->view(), chunk->file, /*first_line=*/0, &chunk->validated,
                         &chunk->dedup);
      if (options_.dimension_keys)
        ComputeChunkKeys(chunk->validated.accepted, &chunk->validated.keys);
      const Status status = reorderer_.Add(std::move(chunk), finish);
      if (!status.ok()) Fail(status);
    }
  }

  const IngestOptions& options_;
  IngestStats* const stats_;
  const int workers_;

  FirstError errors_;
  ChunkBufferPool pool_;
  ChunkQueue queue_;
  ChunkReorderer reorderer_;

  // Shared by the reader (writes) and the in-order stage (progress reads):
  // a counter where staleness is harmless, so an atomic rather than a lock.
  std::atomic<uint64_t> stored_bytes_read_{0};
  // Run by one thread at a time, in order (the reorderer ensures it).
  InOrderStage in_order_;
  // Reader-thread state, read after the reader is joined.
  uint64_t chunks_read_ = 0;
  std::vector<StoredFileInfo> stored_;
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
  stats_.files.resize(options_.paths.size());
  for (size_t i = 0; i < options_.paths.size(); ++i) stats_.files[i].path = options_.paths[i];
  if (!options_.ranges.empty() && options_.ranges.size() != options_.paths.size()) {
    return InternalError("ingest: one byte range (or none) per path is required");
  }
  ParallelIngest ingest(options_, MeasureInputs(options_.paths, options_.ranges), &stats_, consume);
  const Status status = ingest.Run();
  spilled_ = ingest.spilled();
  return status;
}

StatusOr<std::vector<std::string>> ExpandTracePaths(const std::vector<std::string>& arguments) {
  std::vector<std::string> paths;
  for (const std::string& argument : arguments) {
    if (argument == "-") {
      paths.push_back(argument);
      continue;
    }
    if (io::IsS3Path(argument)) {
      WV_ASSIGN_OR_RETURN(std::vector<io::S3InputObject> objects, io::ExpandS3Input(argument));
      for (io::S3InputObject& object : objects) paths.push_back(std::move(object.url));
      continue;
    }
    if (argument.find_first_of("*?[") == std::string::npos) {
      struct stat st;
      if (::stat(argument.c_str(), &st) != 0) {
        const int error = errno;
        return InputError(fmt::format("{}: {}", EscapeForTerminal(argument), std::strerror(error)));
      }
      if (S_ISDIR(st.st_mode)) {
        return InputError(fmt::format("{} is a directory", EscapeForTerminal(argument)));
      }
      paths.push_back(argument);
      continue;
    }
    glob_t matches{};
    const int rc = ::glob(argument.c_str(), GLOB_ERR, nullptr, &matches);
    if (rc == GLOB_NOMATCH) {
      ::globfree(&matches);
      return InputError(fmt::format("no file matches {}", EscapeForTerminal(argument)));
    }
    if (rc != 0) {
      ::globfree(&matches);
      return InputError(fmt::format("cannot expand {}", EscapeForTerminal(argument)));
    }
    for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    ::globfree(&matches);
  }
  return paths;
}

}  // namespace wv::traces
