#include "dist/split_step.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/stopwatch.h"
#include "dist/split_files.h"
#include "fmt/core.h"
#include "io/byte_sink.h"
#include "io/byte_source.h"
#include "io/s3_source.h"
#include "io/temp_folder.h"
#include "nlohmann/json.hpp"
#include "run/spill_folder.h"

namespace wv::dist {
namespace {

// Creates the attempt's local folder: the attempt folder itself (mkdir, not
// mkdir -p: an attempt never writes where another one did), or for an s3://
// attempt a private folder under tmp_dir, after checking that the attempt
// prefix holds no object.
StatusOr<std::string> CreateAttemptFolder(const SplitOptions& options,
                                          std::unique_ptr<run::SpillFolder>* local) {
  if (!io::IsS3Path(options.attempt_dir)) {
    if (::mkdir(options.attempt_dir.c_str(), 0777) != 0) {
      return OutputError(fmt::format("shard: cannot create the attempt folder {}: {}",
                                     options.attempt_dir, std::strerror(errno)));
    }
    return options.attempt_dir;
  }
  WV_RETURN_IF_ERROR(CheckAttemptPrefixUnused(options.attempt_dir));
  WV_ASSIGN_OR_RETURN(*local, run::SpillFolder::Create(options.tmp_dir.empty() ? io::TemporaryRoot()
                                                                               : options.tmp_dir));
  const std::string dir = (*local)->path() + "/attempt";
  if (::mkdir(dir.c_str(), 0700) != 0) {
    return OutputError(fmt::format("shard: cannot create {}: {}", dir, std::strerror(errno)));
  }
  return dir;
}

}  // namespace

StatusOr<SplitReport> RunSplit(const SplitOptions& options) {
  if (options.input.empty()) return UsageError("shard: --input is required");
  if (options.attempt_dir.empty()) return UsageError("shard: --attempt-dir is required");
  if (options.run_id.empty()) return UsageError("shard: --run-id is required");
  if (io::IsS3Path(options.attempt_dir)) io::ConfigureS3(options.s3);
  std::unique_ptr<run::SpillFolder> local;  // an s3:// attempt's files before they are put
  WV_ASSIGN_OR_RETURN(const std::string folder, CreateAttemptFolder(options, &local));
  const std::string dir = folder + "/";
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
  run.tmp_dir = folder;
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
  if (local != nullptr) {
    WV_ASSIGN_OR_RETURN(report.files, PutAttemptFiles(folder, options.attempt_dir));
  } else {
    WV_ASSIGN_OR_RETURN(report.files, ListWrittenFiles(folder));
  }
  report.cpu_seconds = ProcessCpuSeconds();
  return report;
}

std::string SplitReportJson(const SplitReport& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const WrittenFile& f : r.files) {
    nlohmann::json entry = {{"path", f.path}, {"bytes", f.bytes}, {"crc32", f.crc32}};
    if (!f.etag.empty()) entry["etag"] = f.etag;
    files.push_back(std::move(entry));
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

StatusOr<SplitReport> ParseSplitReportJson(std::string_view text, const std::string& where) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto bad = [&where](std::string_view what) {
    return InputError(fmt::format("{}: not a shard report ({})", where, what));
  };
  if (!j.is_object() || !j.contains("attempt_dir") || !j["attempt_dir"].is_string() ||
      !j.contains("files") || !j["files"].is_array()) {
    return bad("expected a JSON object with attempt_dir and files");
  }
  SplitReport r;
  r.attempt_dir = j["attempt_dir"].get<std::string>();
  for (const nlohmann::json& f : j["files"]) {
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("bytes") ||
        !f["bytes"].is_number_unsigned() || !f.contains("crc32") ||
        !f["crc32"].is_number_unsigned()) {
      return bad("a file without path, bytes and crc32");
    }
    WrittenFile w{f["path"].get<std::string>(), f["bytes"].get<uint64_t>(),
                  f["crc32"].get<uint32_t>(), ""};
    if (f.contains("etag") && f["etag"].is_string()) w.etag = f["etag"].get<std::string>();
    r.files.push_back(std::move(w));
  }
  return r;
}

}  // namespace wv::dist
