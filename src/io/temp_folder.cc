#include "io/temp_folder.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

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

std::string RandomToken() {
  uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, 0) != static_cast<ssize_t>(sizeof bits)) {
    bits = static_cast<uint64_t>(::getpid()) * 0x9E3779B97F4A7C15ull ^
           static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&bits));
  }
  return fmt::format("{:016x}", bits);
}

bool IsPidTokenName(std::string_view rest) {
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == rest.size()) return false;
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    const bool ok = i < dash ? (c >= '0' && c <= '9')
                             : i == dash || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!ok) return false;
  }
  return true;
}

}  // namespace wv::io
