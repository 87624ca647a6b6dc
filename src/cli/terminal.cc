// The CLI's terminal helpers (declared in cli/command.h).
#include <unistd.h>

#include "cli/command.h"
#include "fmt/core.h"

namespace wv::cli {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string HumanBytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{} B", bytes);
}

}  // namespace wv::cli
