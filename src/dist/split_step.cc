#include "dist/split_step.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/crc32.h"
#include "core/stopwatch.h"
#include "dist/split_files.h"
#include "fmt/core.h"
#include "io/byte_sink.h"
#include "io/byte_source.h"
#include "nlohmann/json.hpp"

namespace wv::dist {
namespace {

// CRC-32 and size of every regular file under `root`, relative paths.
StatusOr<std::vector<WrittenFile>> ListWritten(const std::string& root) {
  std::vector<WrittenFile> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    WV_ASSIGN_OR_RETURN(auto source, io::OpenFileSource(it->path().string()));
    WV_ASSIGN_OR_RETURN(const std::string bytes, io::ReadAll(*source));
    files.push_back(WrittenFile{std::filesystem::relative(it->path(), root).string(), bytes.size(),
                                Crc32(bytes)});
  }
  if (ec) return OutputError(fmt::format("{}: cannot list: {}", root, ec.message()));
  std::sort(files.begin(), files.end(),
            [](const WrittenFile& a, const WrittenFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace

StatusOr<SplitReport> RunSplit(const SplitOptions& options) {
  if (options.input.empty()) return UsageError("shard: --input is required");
  if (options.attempt_dir.empty()) return UsageError("shard: --attempt-dir is required");
  if (options.run_id.empty()) return UsageError("shard: --run-id is required");
  // mkdir, not mkdir -p: an attempt never writes where another one did.
  if (::mkdir(options.attempt_dir.c_str(), 0777) != 0) {
    return OutputError(fmt::format("shard: cannot create the attempt folder {}: {}",
                                   options.attempt_dir, std::strerror(errno)));
  }
  const std::string dir = options.attempt_dir + "/";
  WV_ASSIGN_OR_RETURN(auto fp_sink, io::OpenNewFileSink(dir + std::string(kFingerprintsName)));
  WV_ASSIGN_OR_RETURN(auto dims_sink, io::OpenNewFileSink(dir + std::string(kDimsName)));
  SplitHistory history(std::move(fp_sink));
  if (!options.losers_path.empty()) WV_RETURN_IF_ERROR(history.LoadLosers(options.losers_path));
  DimensionRowWriter dims(std::move(dims_sink));

  run::RunOptions run;
  run.traces = {options.input};
  run.out_dir = dir + std::string(kSplitOutputName);
  run.lexemes_path = options.lexemes_path;
  run.languages_path = options.languages_path;
  run.threads = options.threads;
  run.compression = options.compression;
  run.max_bad_ratio = 1.0;  // the gate is the whole run's, at merge
  run.memory_limit_bytes = options.memory_limit_bytes;
  run.tmp_dir = options.attempt_dir;
  run.run_id = options.run_id;
  run.s3 = options.s3;
  run.arguments = {"shard", options.input};
  run.split_history = &history;
  run.input_range = options.range;
  run.on_accepted = [&dims](const traces::TraceBatch& b) { return dims.Add(b); };
  bool spilled = false;
  run::RunObserver observer;
  observer.on_stage = [&spilled](const std::string& stage) {
    if (stage.find("spilling") != std::string::npos) spilled = true;
    fmt::print(stderr, "wordviews shard: {}\n", stage);
  };
  WV_ASSIGN_OR_RETURN(const run::RunSummary summary, run::RunPipeline(run, observer));
  WV_RETURN_IF_ERROR(history.Close());
  WV_RETURN_IF_ERROR(dims.Close());

  SplitReport report;
  report.attempt_dir = options.attempt_dir;
  report.input_rows = summary.manifest.input_rows;
  report.accepted_rows = summary.manifest.accepted_rows;
  report.rejected_rows = summary.manifest.rejected_rows;
  report.losers = history.losers();
  report.spilled = spilled;
  WV_ASSIGN_OR_RETURN(report.files, ListWritten(options.attempt_dir));
  report.cpu_seconds = ProcessCpuSeconds();
  return report;
}

std::string SplitReportJson(const SplitReport& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const WrittenFile& f : r.files) {
    files.push_back({{"path", f.path}, {"bytes", f.bytes}, {"crc32", f.crc32}});
  }
  const nlohmann::json j = {{"attempt_dir", r.attempt_dir},
                            {"input_rows", r.input_rows},
                            {"accepted_rows", r.accepted_rows},
                            {"rejected_rows", r.rejected_rows},
                            {"losers", r.losers},
                            {"spilled", r.spilled},
                            {"cpu_seconds", r.cpu_seconds},
                            {"files", files}};
  return j.dump();
}

}  // namespace wv::dist
