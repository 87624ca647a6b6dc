#ifndef WV_IO_OUTPUT_STORE_H_
#define WV_IO_OUTPUT_STORE_H_

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "io/byte_sink.h"

// Where a run's output tree is staged and then published all at once.
namespace wv::io {

// A staged output tree. Files created through it are invisible under the
// final location until Commit() succeeds; if the process dies or Commit() is
// never called, whatever output was there before stays intact.
// Not thread-safe for Commit(); Create() may be called from several threads.
class OutputStore {
 public:
  virtual ~OutputStore() = default;

  // Creates a file at `relative_path` (folders are created as needed).
  virtual StatusOr<std::unique_ptr<ByteSink>> Create(std::string_view relative_path) = 0;

  // Publishes the staged tree at the final location, replacing any previous
  // output atomically.
  // REQUIRES: every sink from Create() has been closed.
  virtual Status Commit() = 0;

  // Where the output becomes visible, for messages.
  virtual const std::string& location() const = 0;
};

// A local folder: stages in a hidden folder beside `dir` and commits by
// atomically exchanging it with `dir` (renameat2 RENAME_EXCHANGE), so a reader
// sees either the old tree or the new one. Destroying an uncommitted store
// removes the staging folder.
StatusOr<std::unique_ptr<OutputStore>> OpenLocalOutputStore(const std::string& dir);

}  // namespace wv::io

#endif  // WV_IO_OUTPUT_STORE_H_
