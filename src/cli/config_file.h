#ifndef WV_CLI_CONFIG_FILE_H_
#define WV_CLI_CONFIG_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

// The `--config FILE` format: the subset of TOML (and of INI, as in the
// original notebook's dl.cfg) that wordviews accepts, parsed strictly.
//
//   # a comment (also ';' at the start of a line)
//   [run]                          # a section: a subcommand, e.g. [parquet.cat]
//   max_bad_ratio = 0.05           # a bare value: number, word, path
//   compression = "zstd"           # a "basic string" (TOML escapes) or 'literal'
//   traces = ["a.csv", "b.csv.gz"] # an array, on one line
//   quiet = true
//
// Everything else is an error with its line: a line that is neither a
// comment, a section nor `key = value`; a key or section given twice; a key
// before the first section; bytes that are not UTF-8 text (NUL, invalid
// sequences, control characters other than tab); multi-line strings and
// arrays, inline tables, arrays of tables, dotted or quoted keys (TOML that
// is outside the subset). A final CR (CRLF files) and a UTF-8 byte order
// mark are accepted. What the sections and keys mean is not checked here
// (see cli/option_sources.h). Error messages never quote a value, which may
// be a secret (the [AWS] section).
namespace wv::cli {

// One `key = value` line. Plain data.
struct ConfigEntry {
  std::string key;                  // as written
  std::vector<std::string> values;  // one for a scalar; the items of an array
  bool array = false;
  int line = 0;  // 1-based
};

// One `[section]` and its entries, in file order. Plain data.
struct ConfigSection {
  std::string name;  // as written between the brackets, trimmed
  int line = 0;
  std::vector<ConfigEntry> entries;
};

// A parsed config file. Plain data.
struct ConfigFile {
  std::string path;  // as given, for messages
  std::vector<ConfigSection> sections;

  // The section named `name`, or null.
  const ConfigSection* Find(std::string_view name) const;
};

// Parses `text`; errors are usage errors "PATH:LINE: what is wrong".
StatusOr<ConfigFile> ParseConfigText(std::string_view text, std::string_view path);

// Reads and parses the file at `path` (a missing or unreadable file is a
// usage error too: it was named on the command line). Files over 1 MiB are
// refused: a config file is a few lines, anything larger was named by mistake.
StatusOr<ConfigFile> ReadConfigFile(const std::string& path);

// The candidate closest to `word` by edit distance, if it is close enough to
// be a likely typo (at most 2 edits, and fewer than half the length of the
// shorter of the two), else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace wv::cli

#endif  // WV_CLI_CONFIG_FILE_H_
