#ifndef WV_IO_LOCAL_FILES_H_
#define WV_IO_LOCAL_FILES_H_

#include <string>
#include <string_view>

#include "core/status.h"

// POSIX steps shared by the local outputs that publish by rename (StagedFile
// for single files, the local OutputStore for trees). Thread-safe.
namespace wv::io {

// fsync()s a folder, so that names created or renamed in it survive a crash.
// Errors: OutputError naming the folder.
Status SyncFolder(const std::string& folder);

// "<folder>/.<base><marker><pid>-<n>": a hidden name beside `base` in
// `folder` ("" for the current folder), unique within the process (n counts
// up); the pid tells people which process made it (a later run recognises
// leftovers by their free lock, never by pid: see StagedFile).
std::string HiddenSiblingPath(const std::string& folder, std::string_view base,
                              std::string_view marker);

// Unlinks `path` only when it is provably a file of ours: a regular file
// (not a link, nor anything else) whose contents begin with `first_bytes`
// (e.g. the exact header line we write), and still the file that was read
// when it is unlinked. True when it was removed; anything else (absent,
// another kind, other contents, unreadable) is left alone.
bool RemoveFileIfItBegins(const std::string& path, std::string_view first_bytes);

}  // namespace wv::io

#endif  // WV_IO_LOCAL_FILES_H_
