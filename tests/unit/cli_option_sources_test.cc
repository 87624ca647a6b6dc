#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/option_sources.h"
#include "gtest/gtest.h"
#include "support/temp_dir.h"

namespace wv::cli {
namespace {

// A root app shaped like wordviews': `alpha` and `beta` with --threads,
// `alpha` with more kinds of option, and a nested `gamma delta`.
struct TestApp {
  CLI::App app{"test"};
  int alpha_threads = -7, beta_threads = -7;
  double ratio = 0.5;
  std::string out;
  std::vector<std::string> traces;
  bool quiet = false;
  std::string delta_format = "csv";
  bool alpha_ran = false;

  TestApp() {
    app.require_subcommand(1);
    CLI::App* alpha = app.add_subcommand("alpha");
    alpha->add_option("--threads", alpha_threads)->check(CLI::Range(0, 1000));
    alpha->add_option("--max-bad-ratio", ratio)->check(CLI::Range(0.0, 1.0));
    alpha->add_option("--out", out)->required();
    alpha->add_option("--traces", traces)->expected(1, -1);
    alpha->add_flag("--quiet", quiet);
    alpha->callback([this] { alpha_ran = true; });
    CLI::App* beta = app.add_subcommand("beta");
    beta->add_option("--threads", beta_threads)->check(CLI::Range(1, 64));
    CLI::App* gamma = app.add_subcommand("gamma");
    gamma->require_subcommand(1);
    gamma->add_subcommand("delta")->add_option("--format", delta_format);
  }
};

class OptionSourcesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v : {"WV_THREADS", "WV_ALPHA_THREADS", "WV_BETA_THREADS", "WV_ALPHA_OUT",
                          "WV_GAMMA_DELTA_FORMAT", "WV_ALPHA_QUIET"}) {
      unsetenv(v);
    }
  }

  std::string WriteConfig(const std::string& text) {
    const std::string path = (dir_.path() / "c.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  // Parses `args` (after the program name) and applies the sources; the
  // error message, or "" when both succeeded.
  std::string Run(TestApp& t, std::vector<std::string> args) {
    OptionSources sources(&t.app);
    std::vector<const char*> argv = {"test"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
      t.app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const UsageException& e) {
      return e.status().message();
    } catch (const CLI::ParseError& e) {
      return std::string("cli11: ") + e.what();
    }
    const Status s = sources.Apply();
    return s.ok() ? "" : s.message();
  }

  testing::ScopedTestDir dir_{"wv_sources_"};
};

TEST_F(OptionSourcesTest, EnvNamesFollowTheSubcommandAndOption) {
  EXPECT_EQ(OptionSources::EnvName("run", "max-bad-ratio"), "WV_RUN_MAX_BAD_RATIO");
  EXPECT_EQ(OptionSources::EnvName("parquet.cat", "format"), "WV_PARQUET_CAT_FORMAT");
}

TEST_F(OptionSourcesTest, SharedThreadsVariableIsValidatedOnlyByTheRunningSubcommand) {
  setenv("WV_THREADS", "0", 1);  // beta's range starts at 1; alpha's at 0
  TestApp t;
  EXPECT_EQ(Run(t, {"alpha", "--out", "o"}), "");
  EXPECT_EQ(t.alpha_threads, 0);
  EXPECT_EQ(t.beta_threads, -7);  // never touched
  TestApp u;
  EXPECT_EQ(Run(u, {"beta"}), "WV_THREADS: bad value for --threads: Value 0 not in range 1 to 64");
}

TEST_F(OptionSourcesTest, AnotherSubcommandsVariableIsIgnored) {
  setenv("WV_BETA_THREADS", "banana", 1);
  TestApp t;
  EXPECT_EQ(Run(t, {"alpha", "--out", "o"}), "");
  EXPECT_EQ(t.alpha_threads, -7);
}

TEST_F(OptionSourcesTest, PrecedenceIsFlagThenEnvironmentThenFileThenDefault) {
  const std::string config = WriteConfig("[alpha]\nthreads = 3\nmax_bad_ratio = 0.25\n");
  setenv("WV_THREADS", "5", 1);
  {
    TestApp t;
    EXPECT_EQ(Run(t, {"--config", config, "alpha", "--out", "o", "--threads", "9"}), "");
    EXPECT_EQ(t.alpha_threads, 9);
    EXPECT_DOUBLE_EQ(t.ratio, 0.25);
  }
  {
    TestApp t;
    EXPECT_EQ(Run(t, {"--config", config, "alpha", "--out", "o"}), "");
    EXPECT_EQ(t.alpha_threads, 5);
  }
  setenv("WV_ALPHA_THREADS", "6", 1);  // the subcommand's own variable beats the shared one
  {
    TestApp t;
    EXPECT_EQ(Run(t, {"--config", config, "alpha", "--out", "o"}), "");
    EXPECT_EQ(t.alpha_threads, 6);
  }
  unsetenv("WV_ALPHA_THREADS");
  unsetenv("WV_THREADS");
  {
    TestApp t;
    EXPECT_EQ(Run(t, {"--config", config, "alpha", "--out", "o"}), "");
    EXPECT_EQ(t.alpha_threads, 3);
  }
  {
    TestApp t;
    EXPECT_EQ(Run(t, {"alpha", "--out", "o"}), "");
    EXPECT_EQ(t.alpha_threads, -7);
    EXPECT_DOUBLE_EQ(t.ratio, 0.5);
  }
}

TEST_F(OptionSourcesTest, RequiredOptionsVectorsAndFlagsMayComeFromTheFile) {
  const std::string config =
      WriteConfig("[alpha]\nout = \"from file\"\ntraces = [a.csv, \"b c.csv\"]\nquiet = true\n");
  TestApp t;
  EXPECT_EQ(Run(t, {"--config", config, "alpha"}), "");
  EXPECT_EQ(t.out, "from file");
  EXPECT_EQ(t.traces, (std::vector<std::string>{"a.csv", "b c.csv"}));
  EXPECT_TRUE(t.quiet);
  EXPECT_TRUE(t.alpha_ran);
  TestApp u;  // still required when no source has it
  EXPECT_NE(Run(u, {"alpha"}).find("cli11: --out is required"), std::string::npos);
}

TEST_F(OptionSourcesTest, NestedSubcommandsHaveDottedSections) {
  const std::string config = WriteConfig("[gamma.delta]\nformat = json\n");
  TestApp t;
  EXPECT_EQ(Run(t, {"--config", config, "gamma", "delta"}), "");
  EXPECT_EQ(t.delta_format, "json");
  setenv("WV_GAMMA_DELTA_FORMAT", "table", 1);
  TestApp u;
  EXPECT_EQ(Run(u, {"--config", config, "gamma", "delta"}), "");
  EXPECT_EQ(u.delta_format, "table");
}

TEST_F(OptionSourcesTest, UnknownKeysAndSectionsAreErrorsWhicheverSubcommandRuns) {
  const std::string config = WriteConfig("[alpha]\nout = o\n[beta]\nthred = 2\n");
  TestApp t;
  EXPECT_EQ(Run(t, {"--config", config, "alpha"}),
            config + ":4: unknown key 'thred' in [beta]; did you mean 'threads'?");
  const std::string underscores = WriteConfig("[alpha]\nmax_bad_ration = 0.1\n");
  TestApp u;
  EXPECT_EQ(Run(u, {"--config", underscores, "alpha", "--out", "o"}),
            underscores +
                ":2: unknown key 'max_bad_ration' in [alpha]; did you mean "
                "'max_bad_ratio'?");
  const std::string far = WriteConfig("[beta]\ncolour = red\n");
  TestApp v;
  EXPECT_EQ(Run(v, {"--config", far, "beta"}),
            far + ":2: unknown key 'colour' in [beta] (its keys: threads)");
  const std::string section = WriteConfig("[alpah]\n");
  TestApp w;
  EXPECT_EQ(Run(w, {"--config", section, "beta"}),
            section + ":1: unknown section [alpah]; did you mean [alpha]?");
  const std::string help = WriteConfig("[beta]\nhelp = true\n");
  TestApp x;
  EXPECT_NE(Run(x, {"--config", help, "beta"}).find("unknown key 'help'"), std::string::npos);
}

TEST_F(OptionSourcesTest, TwoSpellingsOfOneKeyAreAnError) {
  const std::string config = WriteConfig("[alpha]\nmax_bad_ratio = 0.1\nmax-bad-ratio = 0.2\n");
  TestApp t;
  EXPECT_EQ(Run(t, {"--config", config, "alpha", "--out", "o"}),
            config +
                ":3: 'max-bad-ratio' in [alpha] sets the same option as 'max_bad_ratio' on "
                "line 2");
}

TEST_F(OptionSourcesTest, BadValuesNameTheirLineButOnlyForTheRunningSubcommand) {
  const std::string config = WriteConfig(
      "[alpha]\nmax_bad_ratio = 2\n[beta]\nthreads = 0\n[AWS]\nAWS_ACCESS_KEY_ID = whatever\n");
  TestApp t;
  EXPECT_EQ(Run(t, {"--config", config, "alpha", "--out", "o"}),
            config +
                ":2: bad value for 'max_bad_ratio' in [alpha]: Value 2 not in range 0.000000 to "
                "1.000000");
  TestApp u;
  EXPECT_EQ(Run(u, {"--config", config, "beta"}),
            config + ":4: bad value for 'threads' in [beta]: Value 0 not in range 1 to 64");
  const std::string ok = WriteConfig("[beta]\nthreads = 0\n[AWS]\nAWS_ACCESS_KEY_ID = whatever\n");
  TestApp v;
  EXPECT_EQ(Run(v, {"--config", ok, "alpha", "--out", "o"}), "");  // [beta] is not read
}

TEST_F(OptionSourcesTest, FlagsAndScalarsRejectTheWrongShape) {
  const std::string flag = WriteConfig("[alpha]\nquiet = 1\n");
  TestApp t;
  EXPECT_EQ(Run(t, {"--config", flag, "alpha", "--out", "o"}),
            flag + ":2: bad value for 'quiet' in [alpha]: expected true or false, got '1'");
  const std::string array = WriteConfig("[alpha]\nthreads = [1, 2]\n");
  TestApp u;
  EXPECT_EQ(
      Run(u, {"--config", array, "alpha", "--out", "o"}),
      array + ":2: bad value for 'threads' in [alpha]: expected one value, got an array of 2");
  setenv("WV_ALPHA_QUIET", "false", 1);
  TestApp v;
  EXPECT_EQ(Run(v, {"alpha", "--out", "o"}), "");
  EXPECT_FALSE(v.quiet);
}

TEST_F(OptionSourcesTest, ConfigFileErrorsComeBeforeParsingTheSubcommand) {
  const std::string config = WriteConfig(std::string("\x00\x01\x02", 3));
  TestApp t;
  EXPECT_EQ(Run(t, {"--config", config, "alpha", "--out", "o"}),
            config + ":1: control character 0x00 at column 1; is this a config file?");
  TestApp u;
  EXPECT_NE(Run(u, {"--config", config + ".missing", "alpha"}).find("cannot open"),
            std::string::npos);
}

}  // namespace
}  // namespace wv::cli

namespace wv::cli {
namespace {

class AwsSectionTest : public OptionSourcesTest {};

TEST_F(AwsSectionTest, TheDlCfgKeysAreReadInAnyCase) {
  const std::string config = WriteConfig(
      "[AWS]\nAWS_ACCESS_KEY_ID=AKIAEXAMPLE\naws_secret_access_key = s3cr3t/+=\n[beta]\n");
  TestApp t;
  OptionSources sources(&t.app);
  const std::vector<const char*> argv = {"test", "--config", config.c_str(), "beta"};
  t.app.parse(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(sources.Apply().ok());
  const AwsConfigKeys keys = sources.AwsKeys();
  EXPECT_EQ(keys.access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(keys.secret_access_key, "s3cr3t/+=");
  EXPECT_EQ(keys.session_token, "");
  EXPECT_EQ(keys.source, config + " [AWS]");
}

TEST_F(AwsSectionTest, UnknownKeysAreErrorsThatNeverQuoteAValue) {
  const std::string typo = WriteConfig("[AWS]\nAWS_SECRET_ACCES_KEY = s3cr3t\n");
  TestApp t;
  const std::string message = Run(t, {"--config", typo, "beta"});
  EXPECT_EQ(message, typo +
                         ":2: unknown key 'AWS_SECRET_ACCES_KEY' in [AWS] (its keys: "
                         "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)");
  const std::string array = WriteConfig("[AWS]\nAWS_ACCESS_KEY_ID = [\"s3cr3t\", \"x\"]\n");
  TestApp u;
  const std::string array_message = Run(u, {"--config", array, "beta"});
  EXPECT_EQ(array_message, array + ":2: 'AWS_ACCESS_KEY_ID' in [AWS] takes one value");
  EXPECT_EQ(array_message.find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace wv::cli
