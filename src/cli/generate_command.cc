#include "cli/command.h"

namespace wv::cli {

void RegisterGenerateCommand(CLI::App& root, CommandAction* selected) {
  auto* sub = root.add_subcommand("generate", "Generate realistic synthetic learning traces");
  sub->callback([selected] { *selected = [] { return UsageError("generate: not built yet"); }; });
}

}  // namespace wv::cli
