// The `wordviews` binary: one root app with a subcommand per stage of the job.
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/command.h"
#include "core/status.h"
#include "fmt/core.h"

int main(int argc, char** argv) {
  CLI::App app{"wordviews: Duolingo learning traces -> validated star schema in Parquet"};
  app.name("wordviews");
  app.set_version_flag("--version", std::string("wordviews ") + WV_VERSION);
  app.require_subcommand(1);
  app.set_config("--config", "", "Read options from a TOML/INI file ([<subcommand>] sections)");

  wv::cli::CommandAction action;
  wv::cli::RegisterGenerateCommand(app, &action);
  wv::cli::RegisterParquetCommand(app, &action);
  wv::cli::RegisterRunCommand(app, &action);
  wv::cli::RegisterCheckCommand(app, &action);
  wv::cli::RegisterQueryCommand(app, &action);
  wv::cli::RegisterReportCommand(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? wv::kExitOk : wv::kExitUsage;
  }
  if (!action) return wv::kExitUsage;
  const wv::Status status = action();
  if (!status.ok()) {
    fmt::print(stderr, "wordviews: error: {}\n", status.message());
    return wv::ExitCodeFor(status);
  }
  return wv::kExitOk;
}
