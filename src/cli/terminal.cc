#include <unistd.h>

#include "cli/command.h"

namespace wv::cli {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

}  // namespace wv::cli
