#include "cli/option_sources.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#include "fmt/core.h"
#include "fmt/format.h"

namespace wv::cli {
namespace {

// The dl.cfg section of the original notebook: S3 credentials.
constexpr std::string_view kAwsSection = "AWS";
constexpr std::string_view kAwsKeys[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                         "AWS_SESSION_TOKEN"};

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The [AWS] section's keys: the three credentials, one value each. Messages
// never quote a value (they are secrets).
Status CheckAwsSection(const ConfigFile& file, const ConfigSection& section) {
  for (const ConfigEntry& entry : section.entries) {
    const std::string key = Upper(entry.key);
    if (std::find(std::begin(kAwsKeys), std::end(kAwsKeys), key) == std::end(kAwsKeys)) {
      return UsageError(fmt::format("{}:{}: unknown key '{}' in [{}] (its keys: {})", file.path,
                                    entry.line, entry.key, kAwsSection, fmt::join(kAwsKeys, ", ")));
    }
    if (entry.array || entry.values.size() != 1) {
      return UsageError(fmt::format("{}:{}: '{}' in [{}] takes one value", file.path, entry.line,
                                    entry.key, kAwsSection));
    }
  }
  return OkStatus();
}

std::vector<CLI::App*> Subcommands(CLI::App* app) {
  return app->get_subcommands([](CLI::App*) { return true; });
}

// Every subcommand below `app` that has no subcommands of its own.
void CollectLeaves(CLI::App* app, std::vector<CLI::App*>* leaves) {
  for (CLI::App* sub : Subcommands(app)) {
    if (Subcommands(sub).empty()) {
      leaves->push_back(sub);
    } else {
      CollectLeaves(sub, leaves);
    }
  }
}

void CollectPaths(CLI::App* app, std::vector<std::string>* paths) {
  for (CLI::App* sub : Subcommands(app)) {
    paths->push_back(OptionSources::SubcommandPath(sub));
    CollectPaths(sub, paths);
  }
}

// The options a config file or the environment may set: the long-named ones
// but --help.
std::vector<CLI::Option*> ConfigurableOptions(CLI::App* app) {
  return app->get_options(
      [app](CLI::Option* o) { return !o->get_lnames().empty() && o != app->get_help_ptr(); });
}

std::string Normalized(std::string_view key) {
  std::string k(key);
  std::replace(k.begin(), k.end(), '_', '-');
  return k;
}

CLI::Option* FindOption(CLI::App* app, std::string_view key) {
  const std::string wanted = Normalized(key);
  for (CLI::Option* o : ConfigurableOptions(app)) {
    const auto& names = o->get_lnames();
    if (std::find(names.begin(), names.end(), wanted) != names.end()) return o;
  }
  return nullptr;
}

// The subcommand at `path` ("parquet.cat"), or null.
CLI::App* FindSubcommand(CLI::App* root, std::string_view path) {
  CLI::App* app = root;
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('.', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    CLI::App* next = nullptr;
    for (CLI::App* sub : Subcommands(app)) {
      if (sub->get_name() == part) next = sub;
    }
    if (next == nullptr) return nullptr;
    app = next;
    start = end + 1;
  }
  return app == root ? nullptr : app;
}

// "; did you mean 'x'?" in the spelling the user chose, or "".
std::string Suggestion(std::string_view key, const std::vector<std::string>& names) {
  const std::string best = ClosestMatch(Normalized(key), names);
  if (best.empty()) return "";
  std::string shown = best;
  if (key.find('_') != std::string_view::npos) std::replace(shown.begin(), shown.end(), '-', '_');
  return fmt::format("; did you mean '{}'?", shown);
}

std::string JoinedKeys(CLI::App* app) {
  std::string keys;
  for (CLI::Option* o : ConfigurableOptions(app)) {
    keys += (keys.empty() ? "" : ", ") + o->get_lnames().front();
  }
  return keys.empty() ? "none" : keys;
}

std::string FirstValue(const std::vector<std::string>& values) {
  return values.empty() ? std::string() : values.front();
}

}  // namespace

OptionSources::OptionSources(CLI::App* root) : root_(root) {
  config_option_ = root_->add_option(
      "--config", config_paths_,
      "Read defaults from a TOML/INI file: a [<subcommand>] section per subcommand (see README)");
  config_option_->expected(1);
  std::vector<CLI::App*> leaves;
  CollectLeaves(root_, &leaves);
  for (CLI::App* leaf : leaves) {
    leaf->preparse_callback([this, leaf](size_t) { Prepare(leaf); });
  }
}

std::string OptionSources::EnvName(std::string_view subcommand_path, std::string_view long_name) {
  std::string name = fmt::format("WV_{}_{}", subcommand_path, long_name);
  for (char& c : name) {
    c = (c == '-' || c == '.') ? '_'
                               : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string OptionSources::SubcommandPath(const CLI::App* app) {
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
    path = path.empty() ? app->get_name() : app->get_name() + "." + path;
  }
  return path;
}

// Runs when `leaf` starts parsing its arguments: the running subcommand is
// known now, and its required options may yet come from the environment or
// the file, so their requirement is lifted here and met by Apply().
void OptionSources::Prepare(CLI::App* leaf) {
  const std::string path = SubcommandPath(leaf);
  if (config_option_->count() > 0) {
    StatusOr<ConfigFile> file = ReadConfigFile(config_option_->results().back());
    if (!file.ok()) throw UsageException(file.status());
    if (Status s = CheckSections(*file); !s.ok()) throw UsageException(s);
    config_ = std::move(*file);
  }
  for (CLI::Option* option : ConfigurableOptions(leaf)) {
    std::optional<Pending> p = FindValue(path, option);
    if (!p) continue;
    if (option->get_required()) option->required(false);
    pending_.push_back(std::move(*p));
  }
}

Status OptionSources::CheckSections(const ConfigFile& file) const {
  std::vector<std::string> paths;
  CollectPaths(root_, &paths);
  for (const ConfigSection& section : file.sections) {
    if (section.name == kAwsSection) {
      WV_RETURN_IF_ERROR(CheckAwsSection(file, section));
      continue;
    }
    CLI::App* sub = FindSubcommand(root_, section.name);
    if (sub == nullptr) {
      const std::string best = ClosestMatch(section.name, paths);
      std::string hint = fmt::format("; did you mean [{}]?", best);
      if (best.empty())
        hint = fmt::format(" (sections: [{}] and [{}])", fmt::join(paths, "], ["), kAwsSection);
      return UsageError(fmt::format("{}:{}: unknown section [{}]{}", file.path, section.line,
                                    section.name, hint));
    }
    std::map<CLI::Option*, const ConfigEntry*> seen;
    for (const ConfigEntry& entry : section.entries) {
      CLI::Option* option = FindOption(sub, entry.key);
      if (option == nullptr) {
        std::vector<std::string> names;
        for (CLI::Option* o : ConfigurableOptions(sub)) names.push_back(o->get_lnames().front());
        std::string hint = Suggestion(entry.key, names);
        if (hint.empty()) hint = fmt::format(" (its keys: {})", JoinedKeys(sub));
        return UsageError(fmt::format("{}:{}: unknown key '{}' in [{}]{}", file.path, entry.line,
                                      entry.key, section.name, hint));
      }
      if (auto [it, inserted] = seen.emplace(option, &entry); !inserted) {
        return UsageError(fmt::format("{}:{}: '{}' in [{}] sets the same option as '{}' on line {}",
                                      file.path, entry.line, entry.key, section.name,
                                      it->second->key, it->second->line));
      }
    }
  }
  return OkStatus();
}

std::optional<OptionSources::Pending> OptionSources::FindValue(const std::string& path,
                                                               CLI::Option* option) const {
  const std::string& name = option->get_lnames().front();
  std::vector<std::string> variables = {EnvName(path, name)};
  if (name == "threads") variables.push_back("WV_THREADS");
  for (const std::string& variable : variables) {
    const char* value = std::getenv(variable.c_str());
    if (value != nullptr && *value != '\0') {
      return Pending{option, {value}, variable, "--" + name};
    }
  }
  if (!config_) return std::nullopt;
  const ConfigSection* section = config_->Find(path);
  if (section == nullptr) return std::nullopt;
  const auto& names = option->get_lnames();
  for (const ConfigEntry& entry : section->entries) {
    if (std::find(names.begin(), names.end(), Normalized(entry.key)) == names.end()) continue;
    return Pending{option, entry.values, fmt::format("{}:{}", config_->path, entry.line),
                   fmt::format("'{}' in [{}]", entry.key, path)};
  }
  return std::nullopt;
}

AwsConfigKeys OptionSources::AwsKeys() const {
  AwsConfigKeys keys;
  const ConfigSection* section = config_ ? config_->Find(kAwsSection) : nullptr;
  if (section == nullptr) return keys;
  keys.source = fmt::format("{} [{}]", config_->path, kAwsSection);
  for (const ConfigEntry& entry : section->entries) {
    const std::string key = Upper(entry.key);
    const std::string value = FirstValue(entry.values);
    if (key == kAwsKeys[0]) keys.access_key_id = value;
    if (key == kAwsKeys[1]) keys.secret_access_key = value;
    if (key == kAwsKeys[2]) keys.session_token = value;
  }
  return keys;
}

Status OptionSources::Apply() {
  for (const Pending& p : pending_) {
    if (p.option->count() > 0) continue;  // the command line wins
    WV_RETURN_IF_ERROR(Inject(p));
  }
  return OkStatus();
}

Status OptionSources::Inject(const Pending& p) const {
  const auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("{}: bad value for {}: {}", p.source, p.key, why));
  };
  const bool flag = p.option->get_expected_max() == 0;
  if (flag && (p.values.size() != 1 || (p.values[0] != "true" && p.values[0] != "false"))) {
    return bad(fmt::format("expected true or false, got '{}'", FirstValue(p.values)));
  }
  if (p.values.size() != 1 && p.option->get_items_expected_max() <= 1) {
    return bad(fmt::format("expected one value, got an array of {}", p.values.size()));
  }
  try {
    p.option->add_result(p.values);
    p.option->run_callback();
  } catch (const CLI::Error& e) {
    std::string_view why = e.what();
    const std::string prefix = p.option->get_name() + ": ";  // CLI11 names the flag; so do we
    if (why.starts_with(prefix)) why.remove_prefix(prefix.size());
    return bad(why);
  }
  return OkStatus();
}

}  // namespace wv::cli
