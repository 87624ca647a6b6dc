#include "io/temp_folder.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "fmt/core.h"
#include "io/tree_removal.h"

namespace wv::io {

std::string TemporaryRoot() {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string root = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

StatusOr<std::unique_ptr<TempFolder>> TempFolder::Create(std::string_view prefix) {
  const std::string root = TemporaryRoot();
  UniqueFd parent(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent.valid()) {
    return OutputError(
        fmt::format("cannot open the temporary folder {}: {}", root, std::strerror(errno)));
  }
  std::string path = fmt::format("{}/{}XXXXXX", root, prefix);
  // Blocked while the folder exists unregistered: a signal then would leave it.
  ScopedCleanupSignalBlock block;
  if (::mkdtemp(path.data()) == nullptr) {
    return OutputError(
        fmt::format("cannot create a temporary folder in {}: {}", root, std::strerror(errno)));
  }
  struct stat st;
  const uint64_t inode = ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  std::string name = path.substr(root.size() + 1);
  return std::unique_ptr<TempFolder>(
      new TempFolder(std::move(parent), std::move(name), std::move(path), inode));
}

TempFolder::TempFolder(UniqueFd parent, std::string name, std::string path, uint64_t inode)
    : parent_(std::move(parent)), name_(std::move(name)), path_(std::move(path)), inode_(inode) {
  cleanup_ = SignalCleanup::Register(parent_.get(), name_, /*is_tree=*/true, inode_);
}

TempFolder::~TempFolder() {
  cleanup_.Cancel();
  TreeRemovalOptions options;
  options.only_inode = inode_;
  RemoveTreeAt(parent_.get(), name_.c_str(), options);
}

}  // namespace wv::io
