#include "run/manifest.h"

#include <limits>
#include <stdexcept>

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

namespace {

json InputToJson(const InputFileRecord& f) {
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
  if (f.object) input["object"] = {{"size", f.object->size}, {"etag", f.object->etag}};
  return input;
}

json FilesToJson(const std::vector<FileRecord>& files) {
  json out = json::array();
  for (const FileRecord& f : files) {
    out.push_back({{"path", f.path}, {"rows", f.rows}, {"bytes", f.bytes}, {"crc32", f.crc32}});
  }
  return out;
}

json BatchesToJson(const std::vector<BatchRecord>& batches) {
  json out = json::array();
  for (const BatchRecord& b : batches) {
    json inputs = json::array();
    for (const InputFileRecord& f : b.inputs) inputs.push_back(InputToJson(f));
    out.push_back({{"id", b.id},
                   {"appended_at", b.appended_at},
                   {"inputs", inputs},
                   {"rows",
                    {{"input", b.input_rows},
                     {"accepted", b.accepted_rows},
                     {"rejected", b.rejected_rows}}}});
  }
  return out;
}

}  // namespace

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
  for (const InputFileRecord& f : m.inputs) inputs.push_back(InputToJson(f));
  j["inputs"] = inputs;
  j["batches"] = BatchesToJson(m.batches);
  j["blank_lines"] = m.blank_lines;
  j["rows"] = {
      {"input", m.input_rows}, {"accepted", m.accepted_rows}, {"rejected", m.rejected_rows}};
  j["rejected_by_reason"] = m.rejected_by_reason;
  json tables = json::object();
  for (const TableRecord& t : m.tables) {
    tables[t.name] = {{"rows", t.rows}, {"files", FilesToJson(t.files)}};
  }
  j["tables"] = tables;
  j["state"] = {{"files", FilesToJson(m.state_files)}};
  json checks = json::array();
  for (const quality::CheckResult& c : m.checks) checks.push_back(CheckToJson(c));
  j["quality_checks"] = checks;
  json stages = json::array();
  for (const auto& [name, seconds] : m.stage_seconds) {
    stages.push_back({{"stage", name}, {"seconds", seconds}});
  }
  j["stages"] = stages;
  j["peak_rss_bytes"] = m.peak_rss_bytes;
  return j.dump(2) + "\n";
}

json CheckToJson(const quality::CheckResult& c) {
  return {{"name", c.name},
          {"passed", c.passed},
          {"severity", quality::SeverityName(c.severity)},
          {"observed", c.observed},
          {"expected", c.expected},
          {"detail", c.detail}};
}

namespace {

// nlohmann converts numbers with a bare cast (1e300 to int64_t is undefined
// behaviour, -1 to a CRC wraps around), so counts, sizes and checksums are
// read only when they are integers that fit (JsonIntegerField).
int64_t GetInt(const json& j, const char* key, int64_t lo, int64_t hi) {
  return JsonIntegerField(j, key, lo, hi);
}

int64_t GetCount(const json& j, const char* key) {
  return GetInt(j, key, 0, std::numeric_limits<int64_t>::max());
}

// Observed/expected values of a check may be negative (a difference).
int64_t GetSigned(const json& j, const char* key) {
  return GetInt(j, key, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
}

uint32_t GetCrc(const json& j) {
  return static_cast<uint32_t>(GetInt(j, "crc32", 0, std::numeric_limits<uint32_t>::max()));
}

quality::CheckResult CheckFromJson(const json& c) {
  quality::CheckResult r;
  r.name = c.at("name").get<std::string>();
  r.passed = c.at("passed").get<bool>();
  const std::string severity = c.at("severity").get<std::string>();
  r.severity = severity == "error"     ? quality::Severity::kError
               : severity == "warning" ? quality::Severity::kWarning
                                       : quality::Severity::kInfo;
  r.observed = GetSigned(c, "observed");
  r.expected = GetSigned(c, "expected");
  r.detail = c.at("detail").get<std::string>();
  return r;
}

std::vector<FileRecord> FilesFromJson(const json& files) {
  std::vector<FileRecord> out;
  for (const json& f : files) {
    out.push_back({f.at("path").get<std::string>(), GetCount(f, "rows"),
                   static_cast<uint64_t>(GetCount(f, "bytes")), GetCrc(f)});
  }
  return out;
}

TableRecord TableFromJson(const std::string& name, const json& t) {
  TableRecord rec;
  rec.name = name;
  rec.rows = GetCount(t, "rows");
  rec.files = FilesFromJson(t.at("files"));
  return rec;
}

// One input: path, stored bytes and CRC-32, blank lines, the identity
// checked after its last byte (null for stdin and pipes), and an S3 object's
// size and ETag ("object", only for s3:// inputs). Blank lines and identity
// are absent in older manifests.
InputFileRecord InputFromJson(const json& f) {
  InputFileRecord input;
  input.path = f.at("path").get<std::string>();
  input.bytes = static_cast<uint64_t>(GetCount(f, "bytes"));
  input.crc32 = GetCrc(f);
  input.blank_lines =
      f.contains("blank_lines") ? static_cast<uint64_t>(GetCount(f, "blank_lines")) : 0;
  if (f.contains("identity") && !f.at("identity").is_null()) {
    const json& id = f.at("identity");
    input.identity = io::FileIdentity{
        static_cast<uint64_t>(GetCount(id, "size")), GetSigned(id, "mtime_seconds"),
        GetInt(id, "mtime_nanoseconds", 0, 999999999), static_cast<uint64_t>(GetCount(id, "inode")),
        static_cast<uint64_t>(GetCount(id, "device"))};
  }
  if (f.contains("object") && !f.at("object").is_null()) {
    const json& object = f.at("object");
    input.object = io::ObjectIdentity{input.path, static_cast<uint64_t>(GetCount(object, "size")),
                                      object.at("etag").get<std::string>()};
  }
  return input;
}

// The batch list; a manifest written before batches existed is one batch:
// the run's, with all its inputs and rows.
void BatchesFromJson(const json& j, Manifest* m) {
  if (!j.contains("batches")) {
    m->batches.push_back(BatchRecord{m->run_id, m->created_at, m->inputs, m->input_rows,
                                     m->accepted_rows, m->rejected_rows});
    return;
  }
  for (const json& b : j.at("batches")) {
    BatchRecord batch;
    batch.id = b.at("id").get<std::string>();
    batch.appended_at = b.at("appended_at").get<std::string>();
    for (const json& f : b.at("inputs")) batch.inputs.push_back(InputFromJson(f));
    const json& rows = b.at("rows");
    batch.input_rows = GetCount(rows, "input");
    batch.accepted_rows = GetCount(rows, "accepted");
    batch.rejected_rows = GetCount(rows, "rejected");
    m->batches.push_back(std::move(batch));
  }
}

// Everything but the header fields.
void BodyFromJson(const json& j, Manifest* m) {
  for (const json& f : j.at("inputs")) m->inputs.push_back(InputFromJson(f));
  m->blank_lines = j.contains("blank_lines") ? GetCount(j, "blank_lines") : 0;  // older manifests
  const json& rows = j.at("rows");
  m->input_rows = GetCount(rows, "input");
  m->accepted_rows = GetCount(rows, "accepted");
  m->rejected_rows = GetCount(rows, "rejected");
  for (const auto& [reason, n] : j.at("rejected_by_reason").items()) {
    m->rejected_by_reason[reason] = GetCount(j.at("rejected_by_reason"), reason.c_str());
  }
  for (const auto& [name, t] : j.at("tables").items()) m->tables.push_back(TableFromJson(name, t));
  BatchesFromJson(j, m);
  if (j.contains("state")) m->state_files = FilesFromJson(j.at("state").at("files"));
  for (const json& c : j.value("quality_checks", json::array())) {
    m->checks.push_back(CheckFromJson(c));
  }
  for (const json& s : j.value("stages", json::array())) {
    m->stage_seconds.emplace_back(s.at("stage").get<std::string>(), s.at("seconds").get<double>());
  }
  m->peak_rss_bytes = j.contains("peak_rss_bytes") ? GetCount(j, "peak_rss_bytes") : 0;
}

}  // namespace

StatusOr<Manifest> ManifestFromJson(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InputError("manifest is not valid JSON");
  Manifest m;
  try {
    m.format_version = static_cast<int>(GetInt(j, "format_version", 1, 1 << 20));
    m.run_id = j.at("run_id").get<std::string>();
    m.program_version = j.value("program_version", "");
    m.created_at = j.value("created_at", "");
    m.arguments = j.value("arguments", std::vector<std::string>{});
    m.options = j.value("options", std::map<std::string, std::string>{});
    BodyFromJson(j, &m);
  } catch (const json::exception& e) {
    return InputError(fmt::format("manifest is missing or has a malformed field: {}", e.what()));
  } catch (const JsonFieldError& e) {
    return InputError(fmt::format("manifest has a field out of range: {}", e.what()));
  }
  return m;
}

int64_t JsonIntegerField(const json& j, const char* key, int64_t lo, int64_t hi) {
  const json& v = j.at(key);
  if (v.is_number_unsigned() && v.get<uint64_t>() <= static_cast<uint64_t>(hi)) {
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() >= lo &&
      v.get<int64_t>() <= hi) {
    return v.get<int64_t>();
  }
  throw JsonFieldError(
      fmt::format("'{}' is {}, not an integer in [{}, {}]", key, v.dump(), lo, hi));
}

}  // namespace wv::run
