#ifndef WV_RUN_MANIFEST_H_
#define WV_RUN_MANIFEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "io/byte_source.h"
#include "model/table_files.h"
#include "nlohmann/json_fwd.hpp"
#include "quality/checks.h"

// DIR/_manifest.json: what a run read, what it wrote (every file with its row
// count, size and CRC-32), what it rejected, every quality-check result, and
// how long it took. Written last; `wordviews check` verifies a folder against
// it. Plain data; thread-compatible.
namespace wv::run {

using model::FileRecord;
using model::TableRecord;

inline constexpr std::string_view kManifestName = "_manifest.json";
inline constexpr std::string_view kStateFolder = "_state";
inline constexpr std::string_view kChecksumAlgorithm =
    "crc32: CRC-32/ISO-HDLC (IEEE 802.3, reflected; equal to zlib.crc32) over the stored bytes";

struct InputFileRecord {
  std::string path;
  uint64_t bytes = 0;        // stored (possibly compressed) bytes read: the whole file
  uint32_t crc32 = 0;        // over the stored bytes
  uint64_t blank_lines = 0;  // skipped, not rows
  // A regular file at open, verified unchanged after its last byte was read
  // (io::OpenFileSource); absent for stdin and pipes (nothing to verify).
  std::optional<io::FileIdentity> identity;
  // An S3 object's size and ETag at open ("object" in the JSON; its URL is
  // `path`); every read was conditional on that ETag. Absent for local files.
  std::optional<io::ObjectIdentity> object;
};

// One batch of an output: a plain run is one batch; each `run --append` adds
// one. Its inputs are also listed, in order, in the manifest's top-level
// inputs (which are the concatenation of every batch's).
struct BatchRecord {
  std::string id;           // the run id of the run that added it
  std::string appended_at;  // UTC, ISO 8601, like created_at
  std::vector<InputFileRecord> inputs;
  int64_t input_rows = 0;
  int64_t accepted_rows = 0;
  int64_t rejected_rows = 0;
};

struct Manifest {
  int format_version = 1;
  std::string run_id;
  std::string program_version;
  std::string created_at;  // UTC, ISO 8601
  std::vector<std::string> arguments;
  std::map<std::string, std::string> options;
  std::vector<InputFileRecord> inputs;
  int64_t input_rows = 0;
  int64_t accepted_rows = 0;
  int64_t rejected_rows = 0;
  int64_t blank_lines = 0;  // over all inputs; not rows
  std::map<std::string, int64_t> rejected_by_reason;
  std::vector<TableRecord> tables;
  // The batches, oldest first; their rows sum to the totals above.
  std::vector<BatchRecord> batches;
  // The state `run --append` keeps beside the tables (the duplicate
  // fingerprints per date partition, the users' courses), under
  // kStateFolder; `rows` is the records a file holds.
  std::vector<FileRecord> state_files;
  std::vector<quality::CheckResult> checks;
  std::vector<std::pair<std::string, double>> stage_seconds;
  int64_t peak_rss_bytes = 0;

  const TableRecord* FindTable(std::string_view name) const;
};

std::string ManifestToJson(const Manifest& m);
// One check as the manifest's quality_checks record it (and `check --json`
// prints it): name, passed, severity, observed, expected, detail.
nlohmann::json CheckToJson(const quality::CheckResult& c);
// An InputError when `json` is not a manifest.
StatusOr<Manifest> ManifestFromJson(std::string_view json);

// A JSON field whose value is out of its type's range (JsonIntegerField).
struct JsonFieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The integer at j[key], which must lie in [lo, hi]; a JsonFieldError
// otherwise (nlohmann's own conversion is a bare cast), nlohmann's exception
// when it is absent. For the JSON files under DIR (the manifest, the state).
int64_t JsonIntegerField(const nlohmann::json& j, const char* key, int64_t lo, int64_t hi);

}  // namespace wv::run

#endif  // WV_RUN_MANIFEST_H_
