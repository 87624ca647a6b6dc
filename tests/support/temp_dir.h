#ifndef WV_TESTS_UNIT_TEST_TEMP_DIR_H_
#define WV_TESTS_UNIT_TEST_TEMP_DIR_H_

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "gtest/gtest.h"

namespace wv::testing {

// A fresh (removed, not created) path under the temp folder, unique per process
// and test: CTest runs tests as parallel processes, and under ASan object
// addresses repeat across processes, so neither an address nor a counter alone
// would be unique.
inline std::filesystem::path UniqueTestPath(std::string_view prefix) {
  static int counter = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name(prefix);
  name += std::to_string(::getpid()) + "_" + (info ? info->name() : "none") + "_" +
          std::to_string(counter++);
  std::filesystem::path path = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(path);
  return path;
}

// A fresh folder at UniqueTestPath(prefix), removed with all it holds (write
// permission restored first) when the object is destroyed.
// REQUIRES: constructed while a test runs (a fixture member is).
class ScopedTestDir {
 public:
  explicit ScopedTestDir(std::string_view prefix) : path_(UniqueTestPath(prefix)) {
    std::filesystem::create_directories(path_);
  }
  ~ScopedTestDir() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  ScopedTestDir(const ScopedTestDir&) = delete;
  ScopedTestDir& operator=(const ScopedTestDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace wv::testing

#endif  // WV_TESTS_UNIT_TEST_TEMP_DIR_H_
