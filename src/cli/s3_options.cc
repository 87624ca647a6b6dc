#include "cli/s3_options.h"

namespace wv::cli {
namespace {

AwsConfigKeys& ConfigKeys() {
  static AwsConfigKeys* keys = new AwsConfigKeys();  // read until exit
  return *keys;
}

}  // namespace

void AddS3Flags(CLI::App* sub, S3Flags* flags) {
  sub->add_option("--s3-endpoint", flags->endpoint,
                  "S3-compatible endpoint, http(s)://host[:port] (default: AWS_ENDPOINT_URL_S3, "
                  "AWS_ENDPOINT_URL, the profile's endpoint_url, or AWS)")
      ->group("S3");
  sub->add_option("--s3-region", flags->region,
                  "S3 region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1)")
      ->group("S3");
  sub->add_option("--s3-profile", flags->profile,
                  "AWS profile in ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE or "
                  "'default')")
      ->group("S3");
  sub->add_option("--s3-addressing", flags->addressing,
                  "path (endpoint/bucket/key) or virtual (bucket.endpoint/key); auto: path for "
                  "--s3-endpoint, virtual for AWS")
      ->check(CLI::IsMember({"auto", "path", "virtual"}))
      ->capture_default_str()
      ->group("S3");
}

void SetConfigAwsKeys(const AwsConfigKeys& keys) { ConfigKeys() = keys; }

io::S3Settings S3SettingsFrom(const S3Flags& flags) {
  io::S3Settings settings;
  s3::ConnectionOverrides& o = settings.overrides;
  o.endpoint = flags.endpoint;
  o.region = flags.region;
  o.profile = flags.profile;
  o.addressing = flags.addressing == "path"      ? s3::Addressing::kPathStyle
                 : flags.addressing == "virtual" ? s3::Addressing::kVirtualHosted
                                                 : s3::Addressing::kAuto;
  const AwsConfigKeys& keys = ConfigKeys();
  o.access_key_id = keys.access_key_id;
  o.secret_access_key = keys.secret_access_key;
  o.session_token = keys.session_token;
  if (!keys.source.empty()) o.credentials_source = keys.source;
  return settings;
}

void ApplyS3Flags(const S3Flags& flags) { io::ConfigureS3(S3SettingsFrom(flags)); }

}  // namespace wv::cli
