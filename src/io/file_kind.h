#ifndef WV_IO_FILE_KIND_H_
#define WV_IO_FILE_KIND_H_

#include <sys/stat.h>

#include <string_view>

namespace wv::io {

// What a file of `mode` is, for messages: "a folder", "a symbolic link", ...
inline std::string_view FileKindName(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "a file of unknown kind";
}

}  // namespace wv::io

#endif  // WV_IO_FILE_KIND_H_
