#ifndef WV_TESTS_UNIT_IO_TEST_UTIL_H_
#define WV_TESTS_UNIT_IO_TEST_UTIL_H_

// Helpers shared by the io tests: whole files read and written with the
// standard library (not with the code under test), and a fresh folder per test.
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace wv::testing {

// The bytes of `path` ("" when it cannot be read).
inline std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFileBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A test with its own empty folder, dir_, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = UniqueTestPath(prefix_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    // Tests may take permissions away to provoke errors: give them back.
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add);
    std::filesystem::remove_all(dir_);
  }

  // `name` inside dir_.
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace wv::testing

#endif  // WV_TESTS_UNIT_IO_TEST_UTIL_H_
