#include "run/output_listing.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "core/civil_time.h"
#include "fmt/core.h"
#include "model/star_schema.h"
#include "parquet/reader.h"

namespace wv::run {
using quality::CheckResult;
using quality::MakeCheck;

namespace {

namespace fs = std::filesystem;

// Per-entry checks beyond this many are only counted in the summary: a
// folder full of junk must not bury the output.
constexpr size_t kMaxEntryChecks = 20;
// Failures a reader's refusal names.
constexpr size_t kMaxFailuresNamed = 8;
// Hive's name for a partition without a value.
constexpr std::string_view kEmptyFactPartition = "date=__HIVE_DEFAULT_PARTITION__";

std::vector<std::string> Components(std::string_view path) {
  std::vector<std::string> parts;
  size_t from = 0;
  for (size_t at; (at = path.find('/', from)) != std::string_view::npos; from = at + 1) {
    parts.emplace_back(path.substr(from, at - from));
  }
  parts.emplace_back(path.substr(from));
  return parts;
}

// "date=YYYY-MM-DD", or the folder the fact writer gives an empty table
// its one (empty) file in.
bool IsPartitionName(std::string_view name) {
  constexpr std::string_view kPrefix = "date=";
  if (name == kEmptyFactPartition) return true;
  return name.substr(0, kPrefix.size()) == kPrefix &&
         ParseDateString(name.substr(kPrefix.size())).ok();
}

// Every listed file, and every folder on the way to one.
struct ListedPaths {
  std::set<std::string, std::less<>> files;
  std::set<std::string, std::less<>> folders;

  void Add(const std::string& path) {
    files.insert(path);
    for (size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at + 1)) {
      folders.insert(path.substr(0, at));
    }
  }
};

ListedPaths CollectListedPaths(const Manifest& m) {
  ListedPaths listed;
  for (const TableRecord& t : m.tables) {
    for (const FileRecord& f : t.files) {
      if (!ListedPathProblem(t.name, f.path).empty()) continue;
      listed.Add(f.path);
    }
  }
  for (const FileRecord& f : m.state_files) {
    if (StatePathProblem(f.path).empty()) listed.Add(f.path);
  }
  return listed;
}

std::string_view KindName(fs::file_type type) {
  switch (type) {
    case fs::file_type::regular:
      return "file";
    case fs::file_type::directory:
      return "folder";
    case fs::file_type::symlink:
      return "symbolic link";
    default:
      return "special file";
  }
}

// Collects the entries the manifest does not account for.
class UnlistedEntries {
 public:
  void Flag(const std::string& relative, fs::file_type type, std::string_view why) {
    if (checks_.size() < kMaxEntryChecks) {
      checks_.push_back(MakeCheck(relative + ".unlisted", false, 1, 0,
                                  fmt::format("{} '{}' {}", KindName(type), relative, why)));
    }
    if (first_.empty()) first_ = relative;
    ++count_;
  }
  void FlagListingError(const std::string& relative, const std::error_code& ec) {
    checks_.push_back(MakeCheck(relative + ".listable", false, 0, 1,
                                fmt::format("cannot list '{}': {}", relative, ec.message())));
  }
  std::vector<CheckResult> Finish() && {
    checks_.push_back(MakeCheck("no_unlisted_entries", count_ == 0, count_, 0,
                                count_ == 0
                                    ? "every entry of the folder is in the manifest"
                                    : fmt::format("{} entr{} not in the manifest, e.g. '{}'",
                                                  count_, count_ == 1 ? "y" : "ies", first_)));
    return std::move(checks_);
  }

 private:
  std::vector<CheckResult> checks_;
  int64_t count_ = 0;
  std::string first_;
};

// Walks one table folder (never following a symbolic link).
void WalkTableFolder(const fs::path& root, std::string_view table, const ListedPaths& listed,
                     UnlistedEntries* found) {
  std::error_code ec;
  fs::recursive_directory_iterator it(root / table, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string relative = it->path().lexically_relative(root).generic_string();
    std::error_code status_ec;
    const fs::file_type type = it->symlink_status(status_ec).type();
    if (type == fs::file_type::regular) {
      if (!listed.files.contains(relative)) found->Flag(relative, type, "is not in the manifest");
    } else if (type == fs::file_type::directory) {
      if (!listed.folders.contains(relative)) {
        found->Flag(relative, type, "holds no file of the manifest");
        it.disable_recursion_pending();  // flagged as a whole
      }
    } else {
      found->Flag(relative, type,
                  listed.files.contains(relative) ? "is listed, but the run writes only files"
                                                  : "is not in the manifest");
    }
  }
  if (ec) found->FlagListingError(std::string(table), ec);
}

// What the top of an output may hold besides the table folders.
bool IsAllowedTopFile(std::string_view name, fs::file_type type) {
  return type == fs::file_type::regular && (name == kManifestName || name == kReportName);
}

// `message` with the descriptor path `fd_path` replaced by `display`.
std::string Replace(std::string message, const std::string& fd_path, const std::string& display) {
  for (size_t at; (at = message.find(fd_path)) != std::string::npos;) {
    message.replace(at, fd_path.size(), display);
  }
  return message;
}

// Present, regular, of the listed size; rows from the footer.
void CheckFileCheaply(const PublishedOutput& out, const FileRecord& f, int64_t* table_rows,
                      std::vector<CheckResult>* checks) {
  StatusOr<io::UniqueFd> fd = out.OpenFile(f.path);
  if (!fd.ok()) {
    checks->push_back(MakeCheck(f.path + ".present", false, 0, 1, fd.status().message()));
    return;
  }
  struct stat st;
  const int64_t size = ::fstat(fd->get(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
  checks->push_back(MakeCheck(
      f.path + ".bytes", size == static_cast<int64_t>(f.bytes), size, static_cast<int64_t>(f.bytes),
      fmt::format("{}: {} bytes, manifest says {}", f.path, size, f.bytes)));
  // The footer is read through the descriptor just opened (no second
  // resolution of the path), or by path where /proc is missing.
  const std::string fd_path = fmt::format("/proc/self/fd/{}", fd->get());
  auto reader = parquet::FileReader::Open(out.pinned() ? fd_path : out.PathOf(f.path));
  if (!reader.ok()) {
    const std::string display = fmt::format("{}/{}", out.dir(), f.path);
    checks->push_back(
        MakeCheck(f.path + ".readable", false, 0, 1,
                  Replace(out.Localize(reader.status()).message(), fd_path, display)));
    return;
  }
  const int64_t rows = (*reader)->num_rows();
  *table_rows += rows;
  checks->push_back(
      MakeCheck(f.path + ".rows", rows == f.rows, rows, f.rows,
                fmt::format("{}: {} rows in the footer, manifest says {}", f.path, rows, f.rows)));
}

}  // namespace

std::string ListedPathProblem(std::string_view table, std::string_view path) {
  if (path.empty() || path.front() == '/') return "is not a relative path";
  const std::vector<std::string> parts = Components(path);
  for (const std::string& p : parts) {
    if (p.empty() || p == "." || p == "..") return "leaves the output folder or is not normalized";
  }
  if (parts.front() != table) return fmt::format("is not inside the folder {}/", table);
  if (table == model::kFactTable) {
    if (parts.size() != 3 || !IsPartitionName(parts[1])) {
      return fmt::format("is not in a partition {}/date=YYYY-MM-DD/", table);
    }
  } else if (parts.size() != 2) {
    return fmt::format("is not directly in the folder {}/", table);
  }
  return "";
}

namespace {

// `stem + ext`, or on S3 `stem-VERSION + ext` (a version: letters, digits,
// '.', '_' or '-'; io::VersionedName).
bool IsStateFileName(std::string_view name, std::string_view stem, std::string_view ext) {
  if (!name.starts_with(stem) || !name.ends_with(ext)) return false;
  if (name.size() == stem.size() + ext.size()) return true;
  if (name.size() < stem.size() + ext.size() + 2 || name[stem.size()] != '-') return false;
  const std::string_view version =
      name.substr(stem.size() + 1, name.size() - stem.size() - 1 - ext.size());
  return std::all_of(version.begin(), version.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

std::string StatePathProblem(std::string_view path) {
  if (path.empty() || path.front() == '/') return "is not a relative path";
  const std::vector<std::string> parts = Components(path);
  for (const std::string& p : parts) {
    if (p.empty() || p == "." || p == "..") return "leaves the output folder or is not normalized";
  }
  if (parts.front() != kStateFolder)
    return fmt::format("is not inside the folder {}/", kStateFolder);
  if (parts.size() == 2 && (IsStateFileName(parts[1], "courses", ".tsv") ||
                            IsStateFileName(parts[1], "lexemes_with_several_strings", ".tsv") ||
                            IsStateFileName(parts[1], "recount", ".json"))) {
    return "";
  }
  if (parts.size() == 4 && parts[1] == "dedup" && parts[2] != kEmptyFactPartition &&
      IsPartitionName(parts[2]) && parts[3].ends_with(".fp") && parts[3].size() > 3) {
    return "";
  }
  return fmt::format(
      "is not {0}/courses.tsv, {0}/lexemes_with_several_strings.tsv, {0}/recount.json (each "
      "maybe with -VERSION before its extension, on S3) or {0}/dedup/date=YYYY-MM-DD/NAME.fp",
      kStateFolder);
}

std::vector<CheckResult> CheckManifestPaths(const Manifest& m) {
  std::vector<CheckResult> checks;
  for (std::string_view table : model::kAllTables) {
    const TableRecord* t = m.FindTable(table);
    if (t == nullptr) {
      checks.push_back(MakeCheck(fmt::format("{}.listed", table), false, 0, 1,
                                 "the manifest does not list this table"));
    } else {
      checks.push_back(MakeCheck(fmt::format("{}.has_file", table), !t->files.empty(),
                                 static_cast<int64_t>(t->files.size()), 1,
                                 fmt::format("{} file(s)", t->files.size())));
    }
  }
  std::set<std::string, std::less<>> seen;
  int64_t bad = 0;
  for (const TableRecord& t : m.tables) {
    if (model::FindTable(t.name) == nullptr) {
      checks.push_back(MakeCheck(fmt::format("manifest.table:{}", t.name), false, 1, 0,
                                 "the manifest lists a table the star schema does not have"));
      ++bad;
      continue;
    }
    for (const FileRecord& f : t.files) {
      std::string problem = ListedPathProblem(t.name, f.path);
      if (problem.empty() && !seen.insert(f.path).second) problem = "is listed twice";
      if (problem.empty()) continue;
      ++bad;
      checks.push_back(
          MakeCheck(fmt::format("manifest.path:{}", f.path), false, 1, 0,
                    fmt::format("path '{}' of {} {}; not read", f.path, t.name, problem)));
    }
  }
  for (const FileRecord& f : m.state_files) {
    std::string problem = StatePathProblem(f.path);
    if (problem.empty() && !seen.insert(f.path).second) problem = "is listed twice";
    if (problem.empty()) continue;
    ++bad;
    checks.push_back(MakeCheck(fmt::format("manifest.path:{}", f.path), false, 1, 0,
                               fmt::format("state path '{}' {}; not read", f.path, problem)));
  }
  checks.push_back(MakeCheck("manifest.paths", bad == 0, bad, 0,
                             bad == 0 ? "every listed path is inside its table's folder"
                                      : fmt::format("{} listed path(s) refused", bad)));
  return checks;
}

std::vector<CheckResult> CheckNoUnlistedEntries(const PublishedOutput& out, const Manifest& m) {
  const ListedPaths listed = CollectListedPaths(m);
  const fs::path root(out.root());
  UnlistedEntries found;
  std::error_code ec;
  fs::directory_iterator it(root, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code status_ec;
    const fs::file_type type = it->symlink_status(status_ec).type();
    if (IsAllowedTopFile(name, type)) continue;
    const bool state_folder = name == kStateFolder && listed.folders.contains(name);
    if ((model::FindTable(name) != nullptr || state_folder) && type == fs::file_type::directory) {
      WalkTableFolder(root, name, listed, &found);
    } else {
      found.Flag(name, type, "is not part of the output (the manifest does not list it)");
    }
  }
  if (ec) found.FlagListingError(".", ec);
  return std::move(found).Finish();
}

std::vector<CheckResult> CheckFilesCheaply(const PublishedOutput& out, const Manifest& m) {
  std::vector<CheckResult> checks;
  for (const TableRecord& t : m.tables) {
    if (model::FindTable(t.name) == nullptr) continue;  // CheckManifestPaths says so
    int64_t rows = 0;
    for (const FileRecord& f : t.files) {
      if (ListedPathProblem(t.name, f.path).empty()) CheckFileCheaply(out, f, &rows, &checks);
    }
    checks.push_back(
        MakeCheck(fmt::format("{}.rows", t.name), rows == t.rows, rows, t.rows,
                  fmt::format("{}: {} rows in its files, manifest says {}", t.name, rows, t.rows)));
  }
  for (const FileRecord& f : m.state_files) {
    if (!StatePathProblem(f.path).empty()) continue;
    StatusOr<io::UniqueFd> fd = out.OpenFile(f.path);
    if (!fd.ok()) {
      checks.push_back(MakeCheck(f.path + ".present", false, 0, 1, fd.status().message()));
      continue;
    }
    struct stat st;
    const int64_t size = ::fstat(fd->get(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
    checks.push_back(
        MakeCheck(f.path + ".bytes", size == static_cast<int64_t>(f.bytes), size,
                  static_cast<int64_t>(f.bytes),
                  fmt::format("{}: {} bytes, manifest says {}", f.path, size, f.bytes)));
  }
  return checks;
}

std::vector<CheckResult> CheckListing(const PublishedOutput& out, const Manifest& m) {
  std::vector<CheckResult> checks = CheckManifestPaths(m);
  for (auto* step : {&CheckNoUnlistedEntries, &CheckFilesCheaply}) {
    for (CheckResult& c : step(out, m)) checks.push_back(std::move(c));
  }
  return checks;
}

StatusOr<std::unique_ptr<PublishedOutput>> OpenVerifiedOutput(const std::string& dir,
                                                              std::string* note) {
  note->clear();
  WV_ASSIGN_OR_RETURN(std::unique_ptr<PublishedOutput> out, PublishedOutput::Open(dir));
  if (out->manifest() == nullptr) {
    *note = fmt::format("{}; reading {} without verifying it against a manifest",
                        out->manifest_status().message(), dir);
    return out;
  }
  std::string failures;
  size_t failed = 0;
  for (const CheckResult& c : CheckListing(*out, *out->manifest())) {
    if (c.passed || c.severity != quality::Severity::kError) continue;
    if (++failed <= kMaxFailuresNamed) failures += fmt::format("\n  {}: {}", c.name, c.detail);
  }
  if (failed == 0) return out;
  if (failed > kMaxFailuresNamed) {
    failures += fmt::format("\n  ... and {} more", failed - kMaxFailuresNamed);
  }
  return MismatchError(fmt::format(
      "{} does not match its {}; refusing to answer from it (`wordviews check {}` verifies it "
      "in full):{}",
      dir, kManifestName, dir, failures));
}

}  // namespace wv::run
