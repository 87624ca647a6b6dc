#ifndef WV_IO_OUTPUT_OWNERSHIP_H_
#define WV_IO_OUTPUT_OWNERSHIP_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

// Which output locations a run may replace. Publishing swaps a whole folder
// and deletes the one it replaces, so it must only ever replace a folder that
// is its own: absent, empty, or a previous output (recognised by its
// manifest). Stateless functions; thread-safe.
namespace wv::io {

// True when `manifest_text` is a manifest this program writes. Supplied by
// the layer that knows the manifest's format (run::IsOwnManifest).
using ManifestRecognizer = std::function<bool(std::string_view manifest_text)>;

enum class OutputKind {
  kAbsent,   // nothing there: the parent is created as needed
  kEmpty,    // an empty folder
  kOurs,     // a folder whose manifest the recognizer accepts
  kForeign,  // anything else: never replaced
};

struct OutputInspection {
  OutputKind kind = OutputKind::kAbsent;
  // kForeign: a sentence naming what is there, e.g. "out is not a wordviews
  // output (it holds 3 entries, e.g. 'notes.txt', and no _manifest.json);
  // refusing to replace it".
  std::string refusal;

  bool replaceable() const { return kind != OutputKind::kForeign; }
};

// Inspects `dir` without modifying anything. Foreign: a symbolic link (even
// to an output: replacing it would replace the link, not the output), a file
// or any other non-folder, a mount point (a folder on another file system
// than its parent), a folder that cannot be read, and a non-empty folder
// without a regular-file `manifest_name` that `is_ours` accepts. Extra files
// beside a valid manifest (report.html) do not make an output foreign.
OutputInspection InspectOutput(const std::string& dir, std::string_view manifest_name,
                               const ManifestRecognizer& is_ours);

// As InspectOutput, for a folder already open (`name` is for messages).
OutputInspection InspectOutputFolder(int dir_fd, const std::string& name,
                                     std::string_view manifest_name,
                                     const ManifestRecognizer& is_ours);

// Refuses, whatever they hold, output locations that replacing would be a
// disaster: the root folder, the current folder or any folder above it, and
// a folder that holds one of `inputs` (files; "-" is standard input). An
// OutputError naming the reason; OK otherwise. Touches nothing.
Status CheckOutputLocation(const std::string& dir, const std::vector<std::string>& inputs);

}  // namespace wv::io

#endif  // WV_IO_OUTPUT_OWNERSHIP_H_
