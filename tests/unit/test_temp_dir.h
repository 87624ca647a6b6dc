#ifndef WV_TESTS_UNIT_TEST_TEMP_DIR_H_
#define WV_TESTS_UNIT_TEST_TEMP_DIR_H_

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace wv::testing_util {

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

}  // namespace wv::testing_util

#endif  // WV_TESTS_UNIT_TEST_TEMP_DIR_H_
