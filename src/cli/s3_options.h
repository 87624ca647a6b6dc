#ifndef WV_CLI_S3_OPTIONS_H_
#define WV_CLI_S3_OPTIONS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "cli/option_sources.h"
#include "core/status.h"
#include "io/s3_connection.h"

// The S3 connection flags every subcommand that takes s3:// paths shares:
//   --s3-endpoint URL            an S3-compatible server (default: AWS_ENDPOINT_URL_S3,
//                                AWS_ENDPOINT_URL, the profile's endpoint_url, AWS)
//   --s3-region REGION           (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's,
//   us-east-1)
//   --s3-profile NAME            a profile of ~/.aws/credentials and ~/.aws/config
//   --s3-addressing auto|path|virtual   (auto: path-style for --s3-endpoint, virtual-hosted for
//   AWS)
// Like every option they also come from WV_<SUBCOMMAND>_S3_ENDPOINT and the
// config file; the credentials come from the AWS environment, the profile, or
// the config file's [AWS] section (never from a flag: a secret on the
// command line is visible to every user of the machine).
// Not thread-safe (the CLI's main thread).
namespace wv::cli {

// The flags' values. Plain data.
struct S3Flags {
  std::string endpoint;
  std::string region;
  std::string profile;
  std::string addressing = "auto";
};

// Adds the flags above to `sub`.
void AddS3Flags(CLI::App* sub, S3Flags* flags);

// Remembers the config file's [AWS] keys for S3SettingsFrom (main() calls
// it after OptionSources::Apply()).
void SetConfigAwsKeys(const AwsConfigKeys& keys);

// The io::S3Settings of `flags` and the config file's [AWS] keys.
io::S3Settings S3SettingsFrom(const S3Flags& flags);

// Makes S3SettingsFrom(flags) the process's (io::ConfigureS3): for the
// subcommands that reach S3 only through io's shared client.
void ApplyS3Flags(const S3Flags& flags);

}  // namespace wv::cli

#endif  // WV_CLI_S3_OPTIONS_H_
