#include "run/manifest.h"

#include "fmt/core.h"
#include "nlohmann/json.hpp"

namespace wv::run {

using nlohmann::json;

const TableRecord* Manifest::FindTable(std::string_view name) const {
  for (const TableRecord& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string ManifestToJson(const Manifest& m) {
  json j;
  j["format_version"] = m.format_version;
  j["run_id"] = m.run_id;
  j["program_version"] = m.program_version;
  j["created_at"] = m.created_at;
  j["arguments"] = m.arguments;
  j["options"] = m.options;
  j["checksum_algorithm"] = kChecksumAlgorithm;
  json inputs = json::array();
  for (const InputFileRecord& f : m.inputs) {
    json input = {
        {"path", f.path}, {"bytes", f.bytes}, {"crc32", f.crc32}, {"blank_lines", f.blank_lines}};
    input["identity"] = nullptr;
    if (f.identity) {
      input["identity"] = {{"size", f.identity->size},
                           {"mtime_seconds", f.identity->mtime_seconds},
                           {"mtime_nanoseconds", f.identity->mtime_nanoseconds},
                           {"inode", f.identity->inode},
                           {"device", f.identity->device}};
    }
    inputs.push_back(input);
  }
  j["inputs"] = inputs;
  j["blank_lines"] = m.blank_lines;
  j["rows"] = {
      {"input", m.input_rows}, {"accepted", m.accepted_rows}, {"rejected", m.rejected_rows}};
  j["rejected_by_reason"] = m.rejected_by_reason;
  json tables = json::object();
  for (const TableRecord& t : m.tables) {
    json files = json::array();
    for (const FileRecord& f : t.files) {
      files.push_back({{"path", f.path}, {"rows", f.rows}, {"bytes", f.bytes}, {"crc32", f.crc32}});
    }
    tables[t.name] = {{"rows", t.rows}, {"files", files}};
  }
  j["tables"] = tables;
  json checks = json::array();
  for (const quality::CheckResult& c : m.checks) {
    checks.push_back({{"name", c.name},
                      {"passed", c.passed},
                      {"severity", quality::SeverityName(c.severity)},
                      {"observed", c.observed},
                      {"expected", c.expected},
                      {"detail", c.detail}});
  }
  j["quality_checks"] = checks;
  json stages = json::array();
  for (const auto& [name, seconds] : m.stage_seconds) {
    stages.push_back({{"stage", name}, {"seconds", seconds}});
  }
  j["stages"] = stages;
  j["peak_rss_bytes"] = m.peak_rss_bytes;
  return j.dump(2) + "\n";
}

StatusOr<Manifest> ManifestFromJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InputError("manifest is not valid JSON");
  Manifest m;
  try {
    m.format_version = j.at("format_version").get<int>();
    m.run_id = j.at("run_id").get<std::string>();
    m.program_version = j.value("program_version", "");
    m.created_at = j.value("created_at", "");
    m.arguments = j.value("arguments", std::vector<std::string>{});
    m.options = j.value("options", std::map<std::string, std::string>{});
    for (const json& f : j.at("inputs")) {
      InputFileRecord input;
      input.path = f.at("path").get<std::string>();
      input.bytes = f.at("bytes").get<uint64_t>();
      input.crc32 = f.at("crc32").get<uint32_t>();
      input.blank_lines = f.value("blank_lines", uint64_t{0});  // absent in older manifests
      if (f.contains("identity") && !f.at("identity").is_null()) {
        const json& id = f.at("identity");
        input.identity =
            io::FileIdentity{id.at("size").get<uint64_t>(), id.at("mtime_seconds").get<int64_t>(),
                             id.at("mtime_nanoseconds").get<int64_t>(),
                             id.at("inode").get<uint64_t>(), id.at("device").get<uint64_t>()};
      }
      m.inputs.push_back(std::move(input));
    }
    m.blank_lines = j.value("blank_lines", int64_t{0});
    const json& rows = j.at("rows");
    m.input_rows = rows.at("input").get<int64_t>();
    m.accepted_rows = rows.at("accepted").get<int64_t>();
    m.rejected_rows = rows.at("rejected").get<int64_t>();
    m.rejected_by_reason = j.at("rejected_by_reason").get<std::map<std::string, int64_t>>();
    for (const auto& [name, t] : j.at("tables").items()) {
      TableRecord rec;
      rec.name = name;
      rec.rows = t.at("rows").get<int64_t>();
      for (const json& f : t.at("files")) {
        rec.files.push_back({f.at("path").get<std::string>(), f.at("rows").get<int64_t>(),
                             f.at("bytes").get<uint64_t>(), f.at("crc32").get<uint32_t>()});
      }
      m.tables.push_back(std::move(rec));
    }
    for (const json& c : j.value("quality_checks", json::array())) {
      quality::CheckResult r;
      r.name = c.at("name").get<std::string>();
      r.passed = c.at("passed").get<bool>();
      const std::string severity = c.at("severity").get<std::string>();
      r.severity = severity == "error"     ? quality::Severity::kError
                   : severity == "warning" ? quality::Severity::kWarning
                                           : quality::Severity::kInfo;
      r.observed = c.at("observed").get<int64_t>();
      r.expected = c.at("expected").get<int64_t>();
      r.detail = c.at("detail").get<std::string>();
      m.checks.push_back(std::move(r));
    }
    for (const json& s : j.value("stages", json::array())) {
      m.stage_seconds.emplace_back(s.at("stage").get<std::string>(), s.at("seconds").get<double>());
    }
    m.peak_rss_bytes = j.value("peak_rss_bytes", int64_t{0});
  } catch (const json::exception& e) {
    return InputError(fmt::format("manifest is missing or has a malformed field: {}", e.what()));
  }
  return m;
}

}  // namespace wv::run
