#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "io/output_ownership.h"
#include "support/temp_dir.h"

namespace wv::io {
namespace {

namespace fs = std::filesystem;

bool Ours(std::string_view text) { return text == "ours"; }

class OutputOwnershipTest : public ::testing::Test {
 protected:
  OutputInspection Inspect(const std::string& name) const {
    return InspectOutput((root_ / name).string(), "_manifest.json", Ours);
  }

  testing::ScopedTestDir dir_{"wv_io_owner_"};
  const fs::path& root_ = dir_.path();
};

TEST_F(OutputOwnershipTest, AbsentEmptyAndOursAreReplaceable) {
  EXPECT_EQ(Inspect("absent").kind, OutputKind::kAbsent);
  fs::create_directories(root_ / "empty");
  EXPECT_EQ(Inspect("empty").kind, OutputKind::kEmpty);
  fs::create_directories(root_ / "ours" / "dim_users");
  std::ofstream(root_ / "ours" / "_manifest.json") << "ours";
  std::ofstream(root_ / "ours" / "report.html") << "<html>";  // extra files are fine
  EXPECT_EQ(Inspect("ours").kind, OutputKind::kOurs);
}

TEST_F(OutputOwnershipTest, AFolderOfDocumentsIsNamedInTheRefusal) {
  fs::create_directories(root_ / "docs" / "sub");
  std::ofstream(root_ / "docs" / "notes.txt") << "x";
  std::ofstream(root_ / "docs" / "b.txt") << "x";
  const OutputInspection inspection = Inspect("docs");
  EXPECT_EQ(inspection.kind, OutputKind::kForeign);
  EXPECT_NE(inspection.refusal.find("is not a wordviews output (it holds 3 entries, e.g. "
                                    "'b.txt', and no _manifest.json); refusing to replace it"),
            std::string::npos)
      << inspection.refusal;
}

TEST_F(OutputOwnershipTest, LinksFilesAndForeignManifestsAreForeign) {
  fs::create_directories(root_ / "ours");
  std::ofstream(root_ / "ours" / "_manifest.json") << "ours";
  fs::create_directory_symlink(root_ / "ours", root_ / "link");
  EXPECT_NE(Inspect("link").refusal.find("is a symbolic link"), std::string::npos);
  std::ofstream(root_ / "file") << "x";
  EXPECT_NE(Inspect("file").refusal.find("is a regular file, not a folder"), std::string::npos);
  fs::create_directories(root_ / "theirs");
  std::ofstream(root_ / "theirs" / "_manifest.json") << "{\"spark\": true}";
  EXPECT_NE(Inspect("theirs").refusal.find("is not a wordviews manifest"), std::string::npos);
  // A manifest that is a link to one of ours does not make a folder ours.
  fs::create_directories(root_ / "linked_manifest");
  fs::create_symlink(root_ / "ours" / "_manifest.json",
                     root_ / "linked_manifest" / "_manifest.json");
  EXPECT_EQ(Inspect("linked_manifest").kind, OutputKind::kForeign);
}

TEST_F(OutputOwnershipTest, CurrentFolderRootAndInputsAreNeverReplaced) {
  EXPECT_FALSE(CheckOutputLocation(".", {}).ok());
  EXPECT_FALSE(CheckOutputLocation("/", {}).ok());
  EXPECT_FALSE(CheckOutputLocation("./", {}).ok());
  const fs::path cwd = fs::current_path();
  fs::create_directories(root_ / "a" / "b");
  fs::current_path(root_ / "a" / "b");
  const Status above = CheckOutputLocation((root_ / "a").string(), {});
  const Status here = CheckOutputLocation("../b", {});
  const Status dotdot = CheckOutputLocation("..", {});
  fs::current_path(cwd);
  EXPECT_EQ(above.kind(), ErrorKind::kOutput);
  EXPECT_NE(above.message().find("holds the current folder"), std::string::npos);
  EXPECT_NE(here.message().find("is the current folder"), std::string::npos);
  EXPECT_FALSE(dotdot.ok());

  fs::create_directories(root_ / "data");
  std::ofstream(root_ / "data" / "in.csv") << "x";
  const Status input =
      CheckOutputLocation((root_ / "data").string(), {"-", (root_ / "data" / "in.csv").string()});
  EXPECT_EQ(input.kind(), ErrorKind::kOutput);
  EXPECT_NE(input.message().find("holds the input"), std::string::npos);
  EXPECT_TRUE(
      CheckOutputLocation((root_ / "data" / "out").string(), {(root_ / "data" / "in.csv").string()})
          .ok());
}

}  // namespace
}  // namespace wv::io
