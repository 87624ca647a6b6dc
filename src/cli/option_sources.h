#ifndef WV_CLI_OPTION_SOURCES_H_
#define WV_CLI_OPTION_SOURCES_H_

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/config_file.h"
#include "core/status.h"

// Where the running subcommand's options get the values the command line did
// not give. Precedence, highest first:
//
//   1. the command line;
//   2. the environment: WV_<SUBCOMMAND>_<OPTION> (upper case, '-' and '.' as
//      '_': WV_RUN_MAX_BAD_RATIO, WV_QUERY_FORMAT, WV_PARQUET_CAT_FORMAT),
//      then WV_THREADS for --threads of any subcommand that has it;
//   3. the config file named by `wordviews --config FILE`, section
//      [<subcommand>] ([parquet.cat] for a nested one), key = the option's
//      long name with '_' or '-' (max_bad_ratio, max-bad-ratio);
//   4. the option's default.
//
// Only the running subcommand's options are read and validated: a variable
// or a section meant for another subcommand is never looked at, so
// `WV_THREADS=0 wordviews run` cannot fail on `query`'s limits. The config
// file itself is checked whole, whichever subcommand runs: an unknown section
// or key anywhere is a usage error with its line and the likely intended name
// ("config.toml:3: unknown key 'max_bad_ration' in [run]; did you mean
// 'max_bad_ratio'?"). The [AWS] section (the original notebook's dl.cfg)
// holds S3 credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN (any case), read by AwsKeys(); its values are never
// quoted in a message.
//
// Use: construct after every subcommand is registered and before parsing;
// after a successful parse, call Apply() before running the command.
// Not thread-safe (the CLI's main thread only).
namespace wv::cli {

// The credentials of the config file's [AWS] section; all empty when there is
// none. Plain data; never print it.
struct AwsConfigKeys {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string source;  // "dl.cfg [AWS]", for error hints
};

class OptionSources {
 public:
  // Adds --config to `root` and hooks every leaf subcommand, whose start of
  // parsing reads the file.
  // REQUIRES: `root` outlives this object.
  explicit OptionSources(CLI::App* root);
  OptionSources(const OptionSources&) = delete;
  OptionSources& operator=(const OptionSources&) = delete;

  // Gives the running subcommand's options that the command line left unset
  // their value from the environment or the config file, validated as the
  // command line's would be. A bad value is a usage error naming its source
  // ("config.toml:4: bad value for 'threads' in [run]: ...").
  Status Apply();

  // The [AWS] section's keys (after a successful parse).
  AwsConfigKeys AwsKeys() const;

  // "WV_RUN_MAX_BAD_RATIO" for ("run", "max-bad-ratio").
  static std::string EnvName(std::string_view subcommand_path, std::string_view long_name);

  // "parquet.cat" for the `parquet cat` subcommand, "" for the root.
  static std::string SubcommandPath(const CLI::App* app);

 private:
  // A value waiting for its option; `source` says where it came from.
  struct Pending {
    CLI::Option* option;
    std::vector<std::string> values;
    std::string source;  // "WV_RUN_THREADS" or "config.toml:3"
    std::string key;     // as the source spells it
  };

  void Prepare(CLI::App* leaf);
  Status CheckSections(const ConfigFile& file) const;
  std::optional<Pending> FindValue(const std::string& path, CLI::Option* option) const;
  Status Inject(const Pending& p) const;

  CLI::App* root_;
  CLI::Option* config_option_ = nullptr;
  std::vector<std::string> config_paths_;  // --config's value (one at most)
  std::optional<ConfigFile> config_;
  std::vector<Pending> pending_;
};

// A usage error found while CLI11 parses (the config file is read as the
// running subcommand starts parsing); main() reports its status like any
// other. Only OptionSources throws it.
class UsageException : public std::exception {
 public:
  explicit UsageException(Status status) : status_(std::move(status)) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return status_.message().c_str(); }

 private:
  Status status_;
};

}  // namespace wv::cli

#endif  // WV_CLI_OPTION_SOURCES_H_
