#include <fstream>
#include <string>

#include "cli/config_file.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace wv::cli {
namespace {

// The error message of parsing `text` as "c.toml" (empty when it parses).
std::string ErrorOf(std::string_view text) {
  StatusOr<ConfigFile> file = ParseConfigText(text, "c.toml");
  if (file.ok()) return "";
  EXPECT_EQ(file.status().kind(), ErrorKind::kUsage);
  return file.status().message();
}

TEST(ConfigFileTest, ParsesSectionsScalarsStringsAndArrays) {
  StatusOr<ConfigFile> file = ParseConfigText(
      "# a comment\n"
      "; an INI comment\n"
      "\n"
      "[run]\n"
      "threads = 4            # trailing comment\n"
      "max_bad_ratio=0.05\n"
      "compression = \"zstd\"\n"
      "out = 'C:\\literal\\path'\n"
      "traces = [\"a.csv\", 'b.csv.gz', c.csv,]\n"
      "quiet = true\n"
      "  [ parquet.cat ]  \n"
      "columns = \"tab\\there \\u00e9 \\\"q\\\"\"\n"
      "[AWS]\n"
      "AWS_ACCESS_KEY_ID=AKIA/x+y=z\n",
      "c.toml");
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->sections.size(), 3u);
  const ConfigSection* run = file->Find("run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->line, 4);
  ASSERT_EQ(run->entries.size(), 6u);
  EXPECT_EQ(run->entries[0].key, "threads");
  EXPECT_EQ(run->entries[0].values, std::vector<std::string>{"4"});
  EXPECT_EQ(run->entries[0].line, 5);
  EXPECT_EQ(run->entries[1].values, std::vector<std::string>{"0.05"});
  EXPECT_EQ(run->entries[2].values, std::vector<std::string>{"zstd"});
  EXPECT_EQ(run->entries[3].values, std::vector<std::string>{"C:\\literal\\path"});
  EXPECT_TRUE(run->entries[4].array);
  EXPECT_EQ(run->entries[4].values, (std::vector<std::string>{"a.csv", "b.csv.gz", "c.csv"}));
  EXPECT_EQ(run->entries[5].values, std::vector<std::string>{"true"});
  const ConfigSection* cat = file->Find("parquet.cat");
  ASSERT_NE(cat, nullptr);
  EXPECT_EQ(cat->entries[0].values, std::vector<std::string>{"tab\there \xC3\xA9 \"q\""});
  EXPECT_EQ(file->Find("AWS")->entries[0].values, std::vector<std::string>{"AKIA/x+y=z"});
  EXPECT_EQ(file->Find("query"), nullptr);
}

TEST(ConfigFileTest, AcceptsCrlfABomAndAnEmptyFile) {
  StatusOr<ConfigFile> file = ParseConfigText("\xEF\xBB\xBF[run]\r\nthreads = 2\r\n", "c.toml");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->sections[0].entries[0].values, std::vector<std::string>{"2"});
  EXPECT_TRUE(ParseConfigText("", "c.toml").ok());
  EXPECT_TRUE(ParseConfigText("\n# only comments\n", "c.toml").ok());
}

TEST(ConfigFileTest, SyntaxErrorsNameFileAndLine) {
  EXPECT_EQ(ErrorOf("[run]\nthreads 3\n"), "c.toml:2: expected '=' after 'threads'");
  EXPECT_EQ(ErrorOf("[run]\n\n= 3\n"),
            "c.toml:3: expected 'key = value', '[section]' or a comment");
  EXPECT_EQ(ErrorOf("[run\n"), "c.toml:1: '[' without a closing ']'");
  EXPECT_EQ(ErrorOf("[run] x\n"), "c.toml:1: unexpected text after the section name");
  EXPECT_EQ(ErrorOf("[]\n").substr(0, 22), "c.toml:1: a section na");
  EXPECT_EQ(ErrorOf("[a..b]\n").substr(0, 22), "c.toml:1: a section na");
  EXPECT_EQ(ErrorOf("[run]\nthreads =\n"), "c.toml:2: 'threads' has no value");
  EXPECT_EQ(ErrorOf("[run]\nthreads = # none\n"), "c.toml:2: 'threads' has no value");
  EXPECT_EQ(ErrorOf("[run]\nout = \"x\" y\n"),
            "c.toml:2: unexpected text after the value of 'out'");
  EXPECT_EQ(ErrorOf("[run]\nout = \"x\n"),
            "c.toml:2: the string value of 'out' has no closing quote");
  EXPECT_EQ(ErrorOf("[run]\nout = 'x\n"),
            "c.toml:2: the string value of 'out' has no closing quote");
  EXPECT_EQ(ErrorOf("[run]\nout = \"a\\qb\"\n"),
            "c.toml:2: a bad escape sequence in the string value of 'out'");
  EXPECT_EQ(ErrorOf("[run]\nout = \"\\uD800\"\n"),
            "c.toml:2: a bad escape sequence in the string value of 'out'");
  EXPECT_EQ(ErrorOf("[run]\ntraces = [\"a\", \"b\"\n"),
            "c.toml:2: the array 'traces' has no closing ']' (arrays must be on one line)");
  EXPECT_EQ(ErrorOf("[run]\ntraces = [\"a\" \"b\"]\n"),
            "c.toml:2: expected ',' or ']' in the array 'traces'");
  EXPECT_EQ(ErrorOf("[run]\ntraces = [,]\n"), "c.toml:2: an empty item in the array 'traces'");
}

TEST(ConfigFileTest, TomlOutsideTheSubsetIsAnError) {
  EXPECT_EQ(ErrorOf("[[run]]\n"), "c.toml:1: arrays of tables ([[...]]) are not supported");
  EXPECT_EQ(ErrorOf("[run]\n\"threads\" = 1\n"), "c.toml:2: quoted keys are not supported");
  EXPECT_EQ(ErrorOf("[run]\nrun.threads = 1\n"),
            "c.toml:2: dotted keys are not supported ('run.'); use a [section]");
  EXPECT_EQ(ErrorOf("[run]\nout = \"\"\"x\n"),
            "c.toml:2: multi-line strings are not supported ('out')");
  EXPECT_EQ(ErrorOf("[run]\nout = {a = 1}\n"), "c.toml:2: inline tables are not supported ('out')");
  EXPECT_EQ(ErrorOf("[run]\nout = [[1]]\n"), "c.toml:2: nested arrays are not supported ('out')");
}

TEST(ConfigFileTest, StructureErrors) {
  EXPECT_EQ(ErrorOf("threads = 3\n"),
            "c.toml:1: 'threads' is outside any section; options go under their subcommand's "
            "section, e.g. [run]");
  EXPECT_EQ(ErrorOf("[run]\n[query]\n[run]\n"),
            "c.toml:3: section [run] appears twice (first on line 1)");
  EXPECT_EQ(ErrorOf("[run]\nthreads = 1\nthreads = 2\n"),
            "c.toml:3: 'threads' appears twice in [run] (first on line 2)");
}

TEST(ConfigFileTest, BinaryAndNonUtf8TextIsAnError) {
  EXPECT_EQ(ErrorOf(std::string("[run]\nth\0reads = 1\n", 18)),
            "c.toml:2: control character 0x00 at column 3; is this a config file?");
  EXPECT_EQ(ErrorOf("[run]\nout = \"\xFF\"\n"),
            "c.toml:2: not UTF-8 text (byte 0xff at column 8); is this a config file?");
  EXPECT_EQ(ErrorOf("\x1b[31m[run]\n"),
            "c.toml:1: control character 0x1b at column 1; is this a config file?");
  EXPECT_EQ(ErrorOf("[run]\nout = x\x7f\n"),
            "c.toml:2: control character 0x7f at column 8; is this a config file?");
  // A gzip or Parquet file named by mistake: the first line already fails.
  EXPECT_NE(ErrorOf("\x1f\x8b\x08\x00\x00\x00").find("c.toml:1: control character 0x1f"),
            std::string::npos);
  EXPECT_NE(ErrorOf("PAR1\x15\x04").find("c.toml:1: control character 0x15"), std::string::npos);
  EXPECT_EQ(ErrorOf("[run]\nout = caf\xC3\xA9\n"), "");  // UTF-8 is fine
}

TEST(ConfigFileTest, ErrorsNeverQuoteAValue) {
  // The [AWS] section holds secrets: no message repeats what follows '='.
  for (const char* text : {"[AWS]\nKEY = \"s3cr3t\n", "[AWS]\nKEY = 's3cr3t' x\n",
                           "[AWS]\nKEY = [s3cr3t\n", "[AWS]\nKEY = \"s3\\qcr3t\"\n"}) {
    const std::string error = ErrorOf(text);
    EXPECT_FALSE(error.empty()) << text;
    EXPECT_EQ(error.find("s3"), std::string::npos) << error;
  }
}

TEST(ConfigFileTest, ReadConfigFileReportsMissingFilesAndReadsRealOnes) {
  testing::ScopedTestDir scoped("wv_config_");
  const std::string dir = scoped.path().string();
  StatusOr<ConfigFile> missing = ReadConfigFile(dir + "/none.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kUsage);
  EXPECT_NE(missing.status().message().find("none.toml: cannot open"), std::string::npos);
  const std::string path = dir + "/c.toml";
  std::ofstream(path) << "[run]\nthreads = 2\n\nmax_bad_ration = 1\nbad line\n";
  StatusOr<ConfigFile> bad = ReadConfigFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), path + ":5: expected '=' after 'bad'");
  StatusOr<ConfigFile> dir_as_file = ReadConfigFile(dir);
  EXPECT_FALSE(dir_as_file.ok());
}

TEST(ClosestMatchTest, SuggestsOnlyLikelyTypos) {
  const std::vector<std::string> keys = {"max-bad-ratio", "threads", "out", "traces"};
  EXPECT_EQ(ClosestMatch("max-bad-ration", keys), "max-bad-ratio");
  EXPECT_EQ(ClosestMatch("thread", keys), "threads");
  EXPECT_EQ(ClosestMatch("tracse", keys), "traces");
  EXPECT_EQ(ClosestMatch("compression", keys), "");
  EXPECT_EQ(ClosestMatch("ot", keys), "");  // 1 edit, but half the word
  EXPECT_EQ(ClosestMatch("x", {}), "");
}

}  // namespace
}  // namespace wv::cli
