#include "s3/credentials.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

namespace wv::s3 {
namespace {

constexpr std::string_view kDefaultRegion = "us-east-1";

// key -> value of one section of an AWS shared file.
using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

// Parses the AWS shared file format (INI: [section], key = value, '#' and
// ';' comments). Indented lines below a key with an empty value are a nested
// block (e.g. "s3 =\n  max_concurrent_requests = 20"): skipped, as nothing
// here reads them. Messages name the line, never its text (it may hold a secret).
StatusOr<IniFile> ParseIni(const std::string& text, const std::string& path) {
  IniFile out;
  std::istringstream lines(text);
  std::string line;
  std::string section;
  bool in_section = false;
  bool nested_block = false;
  for (int number = 1; std::getline(lines, line); ++number) {
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') continue;
    const bool indented = line[0] == ' ' || line[0] == '\t';
    if (indented && nested_block) continue;
    nested_block = false;
    const auto bad = [&](std::string_view what) {
      return UsageError(path + ":" + std::to_string(number) + ": " + std::string(what));
    };
    if (trimmed[0] == '[') {
      if (trimmed.back() != ']') return bad("a section header must end with ']'");
      section = Trim(std::string_view(trimmed).substr(1, trimmed.size() - 2));
      in_section = true;
      out[section];
      continue;
    }
    const size_t equals = trimmed.find('=');
    if (equals == std::string::npos) return bad("expected 'key = value'");
    if (!in_section) return bad("a setting before the first [section]");
    const std::string key = Trim(std::string_view(trimmed).substr(0, equals));
    const std::string value = Trim(std::string_view(trimmed).substr(equals + 1));
    if (key.empty()) return bad("a setting without a name");
    if (value.empty()) nested_block = true;
    out[section][key] = value;
  }
  return out;
}

// Reads and parses `path`; a missing file is an empty one (the AWS CLI's rule).
StatusOr<IniFile> ReadIni(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IniFile{};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return UsageError("cannot read " + path);
  return ParseIni(text.str(), path);
}

std::string ExpandHome(const std::string& path, const EnvLookup& env) {
  if (path.empty() || path[0] != '~') return path;
  return env("HOME").value_or("") + path.substr(1);
}

std::string Get(const EnvLookup& env, const std::string& name) {
  std::optional<std::string> value = env(name);
  return value.has_value() ? *value : "";
}

// The profile's settings: the config file's [profile NAME] ([default] for
// "default"), overlaid by the credentials file's [NAME], as botocore merges them.
struct Profile {
  std::string name;
  bool found = false;
  IniSection settings;
  std::string credentials_path;
  std::string config_path;
};

StatusOr<Profile> LoadProfile(const std::string& name, const EnvLookup& env) {
  Profile profile;
  profile.name = name;
  const std::string credentials_env = Get(env, "AWS_SHARED_CREDENTIALS_FILE");
  const std::string config_env = Get(env, "AWS_CONFIG_FILE");
  profile.credentials_path =
      ExpandHome(credentials_env.empty() ? "~/.aws/credentials" : credentials_env, env);
  profile.config_path = ExpandHome(config_env.empty() ? "~/.aws/config" : config_env, env);
  WV_ASSIGN_OR_RETURN(IniFile config, ReadIni(profile.config_path));
  WV_ASSIGN_OR_RETURN(IniFile credentials, ReadIni(profile.credentials_path));
  for (const std::string& section :
       {std::string("profile ") + name, name == "default" ? name : std::string()}) {
    auto it = config.find(section);
    if (section.empty() || it == config.end()) continue;
    profile.found = true;
    for (const auto& [key, value] : it->second) profile.settings.emplace(key, value);
  }
  if (auto it = credentials.find(name); it != credentials.end()) {
    profile.found = true;
    for (const auto& [key, value] : it->second) profile.settings[key] = value;
  }
  return profile;
}

std::string Setting(const Profile& profile, const std::string& key) {
  auto it = profile.settings.find(key);
  return it == profile.settings.end() ? "" : it->second;
}

Status MissingSecret(std::string_view source) {
  return UsageError("an AWS access key id without its secret access key (" + std::string(source) +
                    ")");
}

// Credentials from the overrides, the environment or the profile, in that order.
StatusOr<Credentials> ResolveCredentials(const ConnectionOverrides& overrides,
                                         const Profile& profile, const EnvLookup& env) {
  Credentials out;
  if (!overrides.access_key_id.empty() || !overrides.secret_access_key.empty()) {
    if (overrides.access_key_id.empty() || overrides.secret_access_key.empty()) {
      return MissingSecret(overrides.credentials_source);
    }
    out = {overrides.access_key_id, overrides.secret_access_key, overrides.session_token,
           overrides.credentials_source};
    return out;
  }
  // An explicitly named profile wins over the environment's keys (as
  // `aws --profile`); AWS_PROFILE does not.
  const std::string env_key = Get(env, "AWS_ACCESS_KEY_ID");
  const std::string env_secret = Get(env, "AWS_SECRET_ACCESS_KEY");
  if (overrides.profile.empty() && (!env_key.empty() || !env_secret.empty())) {
    if (env_key.empty() || env_secret.empty()) {
      return MissingSecret("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
    }
    out = {env_key, env_secret, Get(env, "AWS_SESSION_TOKEN"),
           "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"};
    return out;
  }
  const std::string where = "profile '" + profile.name + "' (" + profile.credentials_path + ", " +
                            profile.config_path + ")";
  out.access_key_id = Setting(profile, "aws_access_key_id");
  out.secret_access_key = Setting(profile, "aws_secret_access_key");
  out.session_token = Setting(profile, "aws_session_token");
  out.source = where;
  if (out.access_key_id.empty() && out.secret_access_key.empty()) {
    return UsageError(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give " + where +
        " aws_access_key_id and aws_secret_access_key");
  }
  if (out.access_key_id.empty() || out.secret_access_key.empty()) return MissingSecret(where);
  return out;
}

void ResolveRegion(const ConnectionOverrides& overrides, const Profile& profile,
                   const EnvLookup& env, ConnectionSettings* out) {
  const std::pair<std::string, std::string> candidates[] = {
      {overrides.region, "--s3-region"},
      {Get(env, "AWS_REGION"), "AWS_REGION"},
      {Get(env, "AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"},
      {Setting(profile, "region"), "the region of profile '" + profile.name + "'"},
  };
  for (const auto& [value, source] : candidates) {
    if (!value.empty()) {
      out->region = value;
      out->region_source = source;
      return;
    }
  }
  out->region = std::string(kDefaultRegion);
  out->region_source = "the default region";
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

StatusOr<std::string> NormalizeEndpoint(const std::string& endpoint) {
  const auto bad = [&](std::string_view why) {
    return UsageError("S3 endpoint '" + endpoint + "' " + std::string(why));
  };
  size_t scheme = 0;
  if (endpoint.starts_with("http://")) {
    scheme = 7;
  } else if (endpoint.starts_with("https://")) {
    scheme = 8;
  } else {
    return bad("must start with http:// or https://");
  }
  std::string_view rest = std::string_view(endpoint).substr(scheme);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return bad("has no host");
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return bad("must be scheme://host[:port], without a path, query or user");
  }
  return endpoint.substr(0, scheme + rest.size());
}

StatusOr<ConnectionSettings> ResolveConnection(const ConnectionOverrides& overrides,
                                               const EnvLookup& env) {
  std::string profile_name = overrides.profile;
  const bool profile_named = !profile_name.empty() || !Get(env, "AWS_PROFILE").empty();
  if (profile_name.empty()) profile_name = Get(env, "AWS_PROFILE");
  if (profile_name.empty()) profile_name = "default";
  WV_ASSIGN_OR_RETURN(Profile profile, LoadProfile(profile_name, env));

  ConnectionSettings out;
  const bool explicit_keys =
      !overrides.access_key_id.empty() || !overrides.secret_access_key.empty();
  if (profile_named && !profile.found && !explicit_keys) {
    return UsageError("AWS profile '" + profile_name + "' not found in " +
                      profile.credentials_path + " or " + profile.config_path);
  }
  WV_ASSIGN_OR_RETURN(out.credentials, ResolveCredentials(overrides, profile, env));
  ResolveRegion(overrides, profile, env, &out);

  std::string endpoint = overrides.endpoint;
  for (const std::string& candidate :
       {Get(env, "AWS_ENDPOINT_URL_S3"), Get(env, "AWS_ENDPOINT_URL"),
        Setting(profile, "endpoint_url")}) {
    if (endpoint.empty()) endpoint = candidate;
  }
  if (!endpoint.empty()) {
    WV_ASSIGN_OR_RETURN(out.endpoint, NormalizeEndpoint(endpoint));
  }
  out.addressing = overrides.addressing;
  if (out.addressing == Addressing::kAuto) {
    out.addressing = out.endpoint.empty() ? Addressing::kVirtualHosted : Addressing::kPathStyle;
  }
  return out;
}

}  // namespace wv::s3
