#include "run/recount_state.h"

#include <limits>

#include "fmt/core.h"
#include "nlohmann/json.hpp"
#include "run/manifest.h"

namespace wv::run {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;

// The profile's counts by name, in one place for writing and reading.
template <typename Profile, typename F>
void ForEachProfileCount(Profile& p, F&& f) {
  f("rows", p.rows);
  f("empty_required_values", p.empty_required_values);
  f("p_recall_out_of_domain", p.p_recall_out_of_domain);
  f("pct_out_of_domain", p.pct_out_of_domain);
  f("history_pct_null_mismatch", p.history_pct_null_mismatch);
  f("counts_out_of_domain", p.counts_out_of_domain);
  f("timestamp_out_of_domain", p.timestamp_out_of_domain);
  f("p_recall_disagrees", p.p_recall_disagrees);
}

template <typename Coverage, typename F>
void ForEachCoverageCount(Coverage& c, F&& f) {
  f("users", c.users);
  f("times", c.times);
  f("learning_langs", c.learning_langs);
  f("ui_langs", c.ui_langs);
  f("words", c.words);
}

json FileToJson(const CountedFile& f) {
  return {{"path", f.path}, {"rows", f.rows}, {"crc32", f.crc32}};
}

json PartitionToJson(const PartitionCounts& p) {
  json files = json::array();
  for (const CountedFile& f : p.files) files.push_back(FileToJson(f));
  json profile = json::object(), coverage = json::object();
  ForEachProfileCount(p.profile, [&](const char* k, int64_t v) { profile[k] = v; });
  ForEachCoverageCount(p.coverage, [&](const char* k, int64_t v) { coverage[k] = v; });
  return {{"files", files},
          {"profile", profile},
          {"coverage", coverage},
          {"natural_key_collisions", p.natural_key_collisions},
          {"rows_other_language", p.rows_other_language},
          {"rows_outside_partition", p.rows_outside_partition},
          {"lexemes_other_language", p.lexemes_other_language},
          {"rows_by_batch", p.rows_by_batch}};
}

json QuarantineToJson(const QuarantineCounts& q) {
  return {{"file", FileToJson(q.file)}, {"reasons", q.reasons}, {"batches", q.batches}};
}

int64_t GetInt(const json& j, const char* key, int64_t lo = 0,
               int64_t hi = std::numeric_limits<int64_t>::max()) {
  return JsonIntegerField(j, key, lo, hi);
}

std::map<std::string, int64_t> CountsFromJson(const json& j) {
  std::map<std::string, int64_t> counts;
  for (const auto& [key, value] : j.items()) counts[key] = GetInt(j, key.c_str());
  return counts;
}

CountedFile FileFromJson(const json& j) {
  return CountedFile{j.at("path").get<std::string>(), GetInt(j, "rows"),
                     static_cast<uint32_t>(GetInt(j, "crc32", 0, UINT32_MAX))};
}

PartitionCounts PartitionFromJson(const json& j) {
  PartitionCounts p;
  for (const json& f : j.at("files")) p.files.push_back(FileFromJson(f));
  const json& profile = j.at("profile");
  ForEachProfileCount(p.profile, [&](const char* k, int64_t& v) { v = GetInt(profile, k); });
  const json& coverage = j.at("coverage");
  ForEachCoverageCount(p.coverage, [&](const char* k, int64_t& v) { v = GetInt(coverage, k); });
  p.natural_key_collisions = GetInt(j, "natural_key_collisions");
  p.rows_other_language = GetInt(j, "rows_other_language");
  p.rows_outside_partition = GetInt(j, "rows_outside_partition");
  p.lexemes_other_language = j.at("lexemes_other_language").get<std::vector<std::string>>();
  p.rows_by_batch = CountsFromJson(j.at("rows_by_batch"));
  return p;
}

QuarantineCounts QuarantineFromJson(const json& j) {
  return QuarantineCounts{FileFromJson(j.at("file")), CountsFromJson(j.at("reasons")),
                          CountsFromJson(j.at("batches"))};
}

}  // namespace

bool PartitionCounts::FullyCovered() const {
  const int64_t rows = profile.rows;
  return coverage.users == rows && coverage.times == rows && coverage.learning_langs == rows &&
         coverage.ui_langs == rows && coverage.words == rows;
}

std::string RecountStateToJson(const RecountState& state) {
  json partitions = json::object(), quarantine = json::object();
  for (const auto& [folder, p] : state.partitions) partitions[folder] = PartitionToJson(p);
  for (const auto& [path, q] : state.quarantine) quarantine[path] = QuarantineToJson(q);
  const json j = {{"format_version", kFormatVersion},
                  {"fact_partitions", partitions},
                  {"quarantine_files", quarantine}};
  return j.dump(1) + "\n";
}

StatusOr<RecountState> RecountStateFromJson(std::string_view text) {
  try {
    const json j = json::parse(text);
    if (GetInt(j, "format_version") != kFormatVersion) {
      return InputError(fmt::format("{}: format_version {}, expected {}", kRecountStatePath,
                                    j.at("format_version").dump(), kFormatVersion));
    }
    RecountState state;
    for (const auto& [folder, p] : j.at("fact_partitions").items()) {
      state.partitions[folder] = PartitionFromJson(p);
    }
    for (const auto& [path, q] : j.at("quarantine_files").items()) {
      state.quarantine[path] = QuarantineFromJson(q);
    }
    return state;
  } catch (const std::exception& e) {
    return InputError(fmt::format("{} is not a recount state: {}", kRecountStatePath, e.what()));
  }
}

bool SameCounts(const PartitionCounts& a, const PartitionCounts& b) {
  return PartitionToJson(a) == PartitionToJson(b);
}

bool SameCounts(const QuarantineCounts& a, const QuarantineCounts& b) {
  return QuarantineToJson(a) == QuarantineToJson(b);
}

}  // namespace wv::run
