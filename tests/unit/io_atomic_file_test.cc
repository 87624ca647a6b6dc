#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "io/atomic_file.h"
#include "io/local_files.h"
#include "io_test_util.h"

namespace wv::io {
namespace {

namespace fs = std::filesystem;

using testing::ReadFileBytes;
using testing::WriteFileBytes;

class AtomicFileTest : public testing::TempDirTest {
 protected:
  AtomicFileTest() : TempDirTest("wv_io_atomic_") {}

  // The names in the folder, sorted: what a reader of the folder would see.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

TEST_F(AtomicFileTest, PublishCreatesTheFileAndLeavesNoTemporary) {
  ASSERT_TRUE(PublishFileAtomically(Path("report.html"), "<html>").ok());
  EXPECT_EQ(ReadFileBytes(Path("report.html")), "<html>");
  EXPECT_EQ(Names(), std::vector<std::string>{"report.html"});
}

TEST_F(AtomicFileTest, PublishReplacesARegularFile) {
  WriteFileBytes(Path("a.txt"), "old contents, longer than the new");
  ASSERT_TRUE(PublishFileAtomically(Path("a.txt"), "new").ok());
  EXPECT_EQ(ReadFileBytes(Path("a.txt")), "new");
  EXPECT_EQ(Names(), std::vector<std::string>{"a.txt"});
}

TEST_F(AtomicFileTest, PublishWritesEmptyAndBinaryContents) {
  ASSERT_TRUE(PublishFileAtomically(Path("empty"), "").ok());
  EXPECT_EQ(fs::file_size(Path("empty")), 0u);
  const std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(PublishFileAtomically(Path("bin"), binary).ok());
  EXPECT_EQ(ReadFileBytes(Path("bin")), binary);
}

TEST_F(AtomicFileTest, RefusesAFolder) {
  fs::create_directory(Path("out"));
  const Status status = PublishFileAtomically(Path("out"), "x");
  EXPECT_EQ(status.kind(), ErrorKind::kOutput);
  EXPECT_NE(status.message().find("a folder"), std::string::npos) << status.message();
  EXPECT_TRUE(fs::is_directory(Path("out")));
  EXPECT_EQ(Names(), std::vector<std::string>{"out"});
}

TEST_F(AtomicFileTest, RefusesASymbolicLinkAndLeavesItsTargetAlone) {
  WriteFileBytes(Path("target"), "keep");
  fs::create_symlink(Path("target"), Path("link"));
  const Status status = PublishFileAtomically(Path("link"), "x");
  EXPECT_EQ(status.kind(), ErrorKind::kOutput);
  EXPECT_NE(status.message().find("a symbolic link"), std::string::npos) << status.message();
  EXPECT_TRUE(fs::is_symlink(Path("link")));
  EXPECT_EQ(ReadFileBytes(Path("target")), "keep");
  EXPECT_EQ(Names(), (std::vector<std::string>{"link", "target"}));
}

TEST_F(AtomicFileTest, RefusesADanglingSymbolicLink) {
  fs::create_symlink(Path("nowhere"), Path("link"));
  EXPECT_EQ(PublishFileAtomically(Path("link"), "x").kind(), ErrorKind::kOutput);
  EXPECT_FALSE(fs::exists(Path("nowhere")));
}

TEST_F(AtomicFileTest, RefusesAFifo) {
  ASSERT_EQ(::mkfifo(Path("pipe").c_str(), 0600), 0);
  const Status status = PublishFileAtomically(Path("pipe"), "x");
  EXPECT_EQ(status.kind(), ErrorKind::kOutput);
  EXPECT_NE(status.message().find("a FIFO"), std::string::npos) << status.message();
  EXPECT_TRUE(fs::is_fifo(Path("pipe")));
  EXPECT_EQ(Names(), std::vector<std::string>{"pipe"});
}

TEST_F(AtomicFileTest, CheckReplaceableFileAcceptsOnlyAbsentOrRegular) {
  EXPECT_TRUE(CheckReplaceableFile(Path("absent")).ok());
  WriteFileBytes(Path("file"), "x");
  EXPECT_TRUE(CheckReplaceableFile(Path("file")).ok());
  fs::create_directory(Path("dir"));
  EXPECT_EQ(CheckReplaceableFile(Path("dir")).kind(), ErrorKind::kOutput);
  EXPECT_EQ(CheckReplaceableFile("/dev/null").kind(), ErrorKind::kOutput);
}

TEST_F(AtomicFileTest, StagedFileIsInvisibleUntilCommitted) {
  WriteFileBytes(Path("data.csv"), "previous");
  auto staged = StagedFile::Create(Path("data.csv"));
  ASSERT_TRUE(staged.ok()) << staged.status().message();
  const fs::path temporary = (*staged)->temporary_path();
  EXPECT_EQ(temporary.parent_path(), dir_);          // beside it, so rename() is atomic
  EXPECT_EQ(temporary.filename().string()[0], '.');  // hidden from ls and globs
  std::unique_ptr<ByteSink> sink = (*staged)->TakeSink();
  ASSERT_TRUE(sink->Append("next").ok());
  ASSERT_TRUE(sink->Close().ok());
  EXPECT_EQ(ReadFileBytes(Path("data.csv")), "previous");
  ASSERT_TRUE((*staged)->Commit().ok());
  EXPECT_EQ(ReadFileBytes(Path("data.csv")), "next");
  EXPECT_FALSE(fs::exists(temporary));
  staged->reset();
  EXPECT_EQ(Names(), std::vector<std::string>{"data.csv"});
}

TEST_F(AtomicFileTest, DestroyedUncommittedRemovesTheTemporaryAndKeepsThePrevious) {
  WriteFileBytes(Path("data.csv"), "previous");
  for (bool take_sink : {false, true}) {
    std::unique_ptr<ByteSink> sink;
    {
      auto staged = StagedFile::Create(Path("data.csv"));
      ASSERT_TRUE(staged.ok());
      EXPECT_TRUE(fs::exists((*staged)->temporary_path()));
      if (take_sink) {
        sink = (*staged)->TakeSink();
        ASSERT_TRUE(sink->Append("half written").ok());
      }
    }
    EXPECT_EQ(ReadFileBytes(Path("data.csv")), "previous");
    EXPECT_EQ(Names(), std::vector<std::string>{"data.csv"});
  }
}

TEST_F(AtomicFileTest, CommitFailsAndKeepsWhatIsThereWhenThePathChangedKind) {
  auto staged = StagedFile::Create(Path("out"));
  ASSERT_TRUE(staged.ok());
  std::unique_ptr<ByteSink> sink = (*staged)->TakeSink();
  ASSERT_TRUE(sink->Append("data").ok());
  ASSERT_TRUE(sink->Close().ok());
  fs::create_directory(Path("out"));  // something else appeared there meanwhile
  WriteFileBytes(dir_ / "out" / "inside", "keep");
  EXPECT_EQ((*staged)->Commit().kind(), ErrorKind::kOutput);
  EXPECT_TRUE(fs::is_directory(Path("out")));
  EXPECT_EQ(ReadFileBytes(dir_ / "out" / "inside"), "keep");
  staged->reset();
  EXPECT_EQ(Names(), std::vector<std::string>{"out"});
}

TEST_F(AtomicFileTest, CommitTwiceIsAnInternalError) {
  auto staged = StagedFile::Create(Path("x"));
  ASSERT_TRUE(staged.ok());
  ASSERT_TRUE((*staged)->TakeSink()->Close().ok());
  ASSERT_TRUE((*staged)->Commit().ok());
  EXPECT_EQ((*staged)->Commit().kind(), ErrorKind::kInternal);
}

TEST_F(AtomicFileTest, TwoStagedFilesForOnePathUseDifferentTemporaries) {
  auto a = StagedFile::Create(Path("x"));
  auto b = StagedFile::Create(Path("x"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->temporary_path(), (*b)->temporary_path());
}

TEST_F(AtomicFileTest, NeverWritesThroughALinkAtTheTemporaryName) {
  // Learn the name the next temporary would get, then put a link there: the
  // staged file must not follow it (O_EXCL) but pick another name.
  std::string next_name;
  {
    auto probe = StagedFile::Create(Path("x"));
    ASSERT_TRUE(probe.ok());
    next_name = (*probe)->temporary_path();
  }
  // Names are ".x.tmp-PID-N": the next one is N + 1.
  const size_t dash = next_name.rfind('-');
  const std::string planted =
      next_name.substr(0, dash + 1) + std::to_string(std::stoul(next_name.substr(dash + 1)) + 1);
  WriteFileBytes(Path("victim"), "keep");
  fs::create_symlink(Path("victim"), planted);
  auto staged = StagedFile::Create(Path("x"));
  ASSERT_TRUE(staged.ok()) << staged.status().message();
  EXPECT_NE((*staged)->temporary_path(), planted);
  std::unique_ptr<ByteSink> sink = (*staged)->TakeSink();
  ASSERT_TRUE(sink->Append("data").ok());
  ASSERT_TRUE(sink->Close().ok());
  ASSERT_TRUE((*staged)->Commit().ok());
  EXPECT_EQ(ReadFileBytes(Path("victim")), "keep");
  EXPECT_EQ(ReadFileBytes(Path("x")), "data");
  EXPECT_TRUE(fs::is_symlink(planted));  // not ours: left alone
}

TEST_F(AtomicFileTest, RemovesTemporariesWhoseWriterDiedAndNothingElse) {
  // A child stages a file and dies without any cleanup (as SIGKILL would
  // leave it); its temporary, locked by nobody now, is removed by the next
  // Create() for the same path. Names of other shapes are not ours.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto staged = StagedFile::Create(Path("x"));
    ::_exit(staged.ok() ? 0 : 1);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
  std::vector<std::string> left = Names();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].rfind(".x.tmp-", 0), 0u) << left[0];
  const std::vector<std::string> not_ours = {".x.tmp-1-2.bak", ".y.tmp-1-2", ".x.tmp-a-1",
                                             ".x.tmp-12",      ".x.tmp--1",  "x.tmp-1-2"};
  for (const std::string& name : not_ours) WriteFileBytes(Path(name), "keep");
  WriteFileBytes(Path("victim"), "keep");
  fs::create_symlink(Path("victim"), Path(".x.tmp-7-7"));  // a link is never ours
  fs::create_directory(Path(".x.tmp-8-8"));

  auto live = StagedFile::Create(Path("x"));
  ASSERT_TRUE(live.ok()) << live.status().message();
  std::vector<std::string> expected = not_ours;
  for (const char* name : {"victim", ".x.tmp-7-7", ".x.tmp-8-8"}) expected.push_back(name);
  expected.push_back(fs::path((*live)->temporary_path()).filename().string());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Names(), expected);

  // A live writer's temporary (its lock held) survives another Create().
  auto second = StagedFile::Create(Path("x"));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(fs::exists((*live)->temporary_path()));
  EXPECT_EQ(ReadFileBytes(Path("victim")), "keep");
}

TEST_F(AtomicFileTest, MissingFolderAndStandardOutputAreErrors) {
  const Status missing = PublishFileAtomically(Path("no/such/folder/x"), "x");
  EXPECT_EQ(missing.kind(), ErrorKind::kOutput);
  EXPECT_EQ(StagedFile::Create("-").status().kind(), ErrorKind::kInternal);
  EXPECT_EQ(StagedFile::Create("").status().kind(), ErrorKind::kOutput);
}

TEST_F(AtomicFileTest, WorksForABareFileNameInTheCurrentFolder) {
  const fs::path saved = fs::current_path();
  fs::current_path(dir_);
  const Status status = PublishFileAtomically("bare.txt", "bare");
  fs::current_path(saved);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(ReadFileBytes(Path("bare.txt")), "bare");
  EXPECT_EQ(Names(), std::vector<std::string>{"bare.txt"});
}

TEST_F(AtomicFileTest, RemoveFileIfItBeginsRemovesOnlyAFileThatProvablyIsOurs) {
  constexpr std::string_view kHeader = "line_number,reason\n";
  WriteFileBytes(Path("ours.csv"), "line_number,reason\n2,duplicate\n");
  EXPECT_TRUE(RemoveFileIfItBegins(Path("ours.csv"), kHeader));
  EXPECT_FALSE(fs::exists(Path("ours.csv")));

  EXPECT_FALSE(RemoveFileIfItBegins(Path("absent.csv"), kHeader));
  WriteFileBytes(Path("theirs.csv"), "line_number,reason,notes\n");
  WriteFileBytes(Path("short.csv"), "line_number");
  ASSERT_EQ(::mkfifo(Path("pipe").c_str(), 0600), 0);  // must not hang either
  fs::create_symlink(Path("ours_elsewhere.csv"), Path("link.csv"));
  WriteFileBytes(Path("ours_elsewhere.csv"), "line_number,reason\n");
  for (const char* name : {"theirs.csv", "short.csv", "pipe", "link.csv"}) {
    EXPECT_FALSE(RemoveFileIfItBegins(Path(name), kHeader)) << name;
    EXPECT_TRUE(fs::exists(fs::symlink_status(Path(name)))) << name;
  }
  EXPECT_TRUE(fs::exists(Path("ours_elsewhere.csv")));
}

TEST_F(AtomicFileTest, DestroyedUncommittedLeavesAFileThatReplacedTheTemporary) {
  auto staged = StagedFile::Create(Path("data.csv"));
  ASSERT_TRUE(staged.ok()) << staged.status().message();
  const std::string temporary = (*staged)->temporary_path();
  fs::remove(temporary);
  WriteFileBytes(temporary, "someone else's");
  staged->reset();
  EXPECT_EQ(ReadFileBytes(temporary), "someone else's");
}

}  // namespace
}  // namespace wv::io
