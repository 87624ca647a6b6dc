#include <fstream>
#include <map>

#include "gtest/gtest.h"
#include "s3/credentials.h"
#include "support/temp_dir.h"

namespace wv::s3 {
namespace {

class S3CredentialsTest : public ::testing::Test {
 protected:
  EnvLookup Env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }
  void Write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories((dir_.path() / relative).parent_path());
    std::ofstream(dir_.path() / relative) << text;
  }
  StatusOr<ConnectionSettings> Resolve(const ConnectionOverrides& o = {}) {
    return ResolveConnection(o, Env());
  }

  wv::testing::ScopedTestDir dir_{"wv_s3_credentials_"};
  std::map<std::string, std::string> env_{{"HOME", dir_.path().string()}};
};

TEST_F(S3CredentialsTest, EnvironmentKeysComeFirst) {
  Write(".aws/credentials",
        "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n");
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  env_["AWS_SESSION_TOKEN"] = "token";
  auto s = Resolve();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(s->credentials.secret_access_key, "envsecret");
  EXPECT_EQ(s->credentials.session_token, "token");
  EXPECT_EQ(s->credentials.source, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(s->region, "us-east-1");
  EXPECT_EQ(s->region_source, "the default region");
  EXPECT_EQ(s->endpoint, "");
  EXPECT_EQ(s->addressing, Addressing::kVirtualHosted);
}

TEST_F(S3CredentialsTest, ExplicitKeysOverrideEverything) {
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  ConnectionOverrides o;
  o.access_key_id = "CFGKEY";
  o.secret_access_key = "cfgsecret";
  o.credentials_source = "cfg.ini [AWS]";
  auto s = Resolve(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->credentials.access_key_id, "CFGKEY");
  EXPECT_EQ(s->credentials.source, "cfg.ini [AWS]");
  o.secret_access_key = "";
  auto half = Resolve(o);
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().kind(), ErrorKind::kUsage);
}

TEST_F(S3CredentialsTest, ProfilesFromBothSharedFiles) {
  Write(".aws/credentials",
        "# comment\n[default]\naws_access_key_id=DEFKEY\naws_secret_access_key=defsecret\n\n"
        "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = dev/secret+x=\n");
  Write(".aws/config",
        "[default]\nregion = eu-central-1\n[profile dev]\nregion = ap-south-1\n"
        "endpoint_url = http://127.0.0.1:7070/\ns3 =\n  addressing_style = path\n");
  auto def = Resolve();
  ASSERT_TRUE(def.ok()) << def.status().message();
  EXPECT_EQ(def->credentials.access_key_id, "DEFKEY");
  EXPECT_EQ(def->region, "eu-central-1");
  EXPECT_NE(def->credentials.source.find("profile 'default'"), std::string::npos);

  env_["AWS_PROFILE"] = "dev";
  auto dev = Resolve();
  ASSERT_TRUE(dev.ok()) << dev.status().message();
  EXPECT_EQ(dev->credentials.access_key_id, "DEVKEY");
  EXPECT_EQ(dev->credentials.secret_access_key, "dev/secret+x=");
  EXPECT_EQ(dev->region, "ap-south-1");
  EXPECT_EQ(dev->endpoint, "http://127.0.0.1:7070");
  EXPECT_EQ(dev->addressing, Addressing::kPathStyle);

  // The environment's region and endpoint win over the profile's.
  env_["AWS_DEFAULT_REGION"] = "us-west-1";
  env_["AWS_ENDPOINT_URL"] = "http://localhost:1";
  auto env_wins = Resolve();
  ASSERT_TRUE(env_wins.ok());
  EXPECT_EQ(env_wins->region, "us-west-1");
  EXPECT_EQ(env_wins->region_source, "AWS_DEFAULT_REGION");
  EXPECT_EQ(env_wins->endpoint, "http://localhost:1");
  env_["AWS_REGION"] = "us-west-2";
  env_["AWS_ENDPOINT_URL_S3"] = "https://s3.example.com";
  auto more = Resolve();
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->region, "us-west-2");
  EXPECT_EQ(more->endpoint, "https://s3.example.com");
  // And the flags over the environment.
  ConnectionOverrides o;
  o.region = "sa-east-1";
  o.endpoint = "http://127.0.0.1:2";
  o.addressing = Addressing::kVirtualHosted;
  auto flags = Resolve(o);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->region, "sa-east-1");
  EXPECT_EQ(flags->endpoint, "http://127.0.0.1:2");
  EXPECT_EQ(flags->addressing, Addressing::kVirtualHosted);
}

TEST_F(S3CredentialsTest, FileLocationsFromTheEnvironment) {
  Write("elsewhere/creds", "[p]\naws_access_key_id = PKEY\naws_secret_access_key = psecret\n");
  Write("elsewhere/conf", "[profile p]\nregion = eu-north-1\n");
  env_["AWS_SHARED_CREDENTIALS_FILE"] = (dir_.path() / "elsewhere/creds").string();
  env_["AWS_CONFIG_FILE"] = (dir_.path() / "elsewhere/conf").string();
  ConnectionOverrides o;
  o.profile = "p";
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";  // an explicit profile wins over these
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  auto s = Resolve(o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->credentials.access_key_id, "PKEY");
  EXPECT_EQ(s->region, "eu-north-1");
}

TEST_F(S3CredentialsTest, ClearErrorsThatNeverQuoteSecrets) {
  auto none = Resolve();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no AWS credentials"), std::string::npos);

  env_["AWS_PROFILE"] = "missing";
  auto missing = Resolve();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("AWS profile 'missing' not found"), std::string::npos);
  env_.erase("AWS_PROFILE");

  Write(".aws/credentials", "[default]\naws_access_key_id = K\nthis line holds s3cr3t-value\n");
  auto malformed = Resolve();
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("credentials:3: expected 'key = value'"),
            std::string::npos)
      << malformed.status().message();
  EXPECT_EQ(malformed.status().message().find("s3cr3t"), std::string::npos);

  Write(".aws/credentials", "[default]\naws_secret_access_key = s3cr3t-value\n");
  auto key_missing = Resolve();
  ASSERT_FALSE(key_missing.ok());
  EXPECT_EQ(key_missing.status().message().find("s3cr3t"), std::string::npos);

  env_["AWS_ACCESS_KEY_ID"] = "K";
  env_["AWS_SECRET_ACCESS_KEY"] = "s";
  env_["AWS_ENDPOINT_URL"] = "ftp://x";
  EXPECT_FALSE(Resolve().ok());
}

TEST(S3Endpoint, Normalization) {
  EXPECT_EQ(NormalizeEndpoint("http://127.0.0.1:9000/").value(), "http://127.0.0.1:9000");
  EXPECT_EQ(NormalizeEndpoint("https://s3.example.com").value(), "https://s3.example.com");
  for (const char* bad :
       {"127.0.0.1:9000", "http://", "http://h/path", "http://u:p@h", "http://h?x"}) {
    auto n = NormalizeEndpoint(bad);
    EXPECT_FALSE(n.ok()) << bad;
  }
}

}  // namespace
}  // namespace wv::s3
