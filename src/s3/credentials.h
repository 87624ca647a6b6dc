#ifndef WV_S3_CREDENTIALS_H_
#define WV_S3_CREDENTIALS_H_

#include <functional>
#include <optional>
#include <string>

#include "core/status.h"

// Where the S3 connection's settings come from, resolved as the AWS CLI does:
//
//   credentials  explicit values (flags, the config file's [AWS] section)
//                > AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//                > the profile (explicit > AWS_PROFILE > "default") in
//                  AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), section [NAME],
//                  then AWS_CONFIG_FILE (~/.aws/config), section [profile NAME]
//                  ([default] for the default profile)
//   region       explicit > AWS_REGION > AWS_DEFAULT_REGION > the profile's
//                `region` (config, then credentials) > us-east-1
//   endpoint     explicit > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL > the profile's
//                `endpoint_url` > AWS (https://s3.REGION.amazonaws.com)
//   addressing   explicit > path-style for a custom endpoint, virtual-hosted for AWS
//
// The secret is kept only in Credentials and never written into any message:
// errors name where the credentials came from (`source`), never their values.
// Pure functions of their arguments (the environment is passed in);
// thread-safe.
namespace wv::s3 {

// Access key, secret and optional session token. Plain data. Never print it.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" unless temporary credentials
  // Where they came from, for error hints: "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
  // "profile 'dev' in /home/u/.aws/credentials", "the config file's [AWS] section".
  std::string source;
};

enum class Addressing { kAuto, kPathStyle, kVirtualHosted };

// Everything the client needs to reach and sign for S3. Plain data.
struct ConnectionSettings {
  Credentials credentials;
  std::string region;    // never empty after ResolveConnection
  std::string endpoint;  // "scheme://host[:port]" without a trailing '/'; "" = AWS
  Addressing addressing = Addressing::kPathStyle;  // resolved: never kAuto
  std::string region_source;  // "AWS_REGION", "profile 'dev'", "default": for wrong-region hints
};

// What the user gave explicitly (flags, config), each overriding its part of
// the chain. Empty means "not given". Plain data.
struct ConnectionOverrides {
  std::string endpoint;
  std::string region;
  std::string profile;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string credentials_source = "the explicit credentials";  // names explicit keys in hints
  Addressing addressing = Addressing::kAuto;
};

// Reads an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (std::getenv).
EnvLookup ProcessEnvironment();

// Resolves the chain above. Every request is signed, so credentials are
// required. Errors are UsageErrors: no credentials anywhere ("no AWS
// credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a
// profile in ~/.aws/credentials"), a profile named explicitly or by
// AWS_PROFILE that does not exist, an access key without its secret, an
// unreadable or malformed shared file (with its line), a malformed endpoint.
StatusOr<ConnectionSettings> ResolveConnection(const ConnectionOverrides& overrides,
                                               const EnvLookup& env);

// Checks and normalises an endpoint: "http(s)://host[:port]" with an
// optional trailing '/', no path, query or user info. Returns it without
// the trailing '/'. Errors: UsageError naming the value.
StatusOr<std::string> NormalizeEndpoint(const std::string& endpoint);

}  // namespace wv::s3

#endif  // WV_S3_CREDENTIALS_H_
