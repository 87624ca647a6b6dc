#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "model/star_builder.h"
#include "model_test_util.h"
#include "quality/star_checks.h"
#include "run/manifest.h"
#include "run/verify.h"

namespace wv::run {
namespace {

using testing::MakeChunks;
using testing::TempDir;

TEST(RunVerifyTest, ManifestRoundTripsAndVerifyDetectsTampering) {
  TempDir tmp;
  const std::string out = (tmp.path() / "out").string();
  auto store = io::OpenLocalOutputStore(out);
  ASSERT_TRUE(store.ok());
  const traces::References refs;
  model::StarSchemaBuilder builder(store->get(), {"in.csv"}, &refs, model::BuildOptions{});
  for (auto& c : MakeChunks()) ASSERT_TRUE(builder.Consume(std::move(c)).ok());
  auto result = builder.Finish();
  ASSERT_TRUE(result.ok());
  Manifest m;
  m.run_id = "test";
  m.input_rows = result->stats.input_rows;
  m.accepted_rows = result->stats.fact_rows;
  m.rejected_rows = result->stats.quarantine_rows;
  m.rejected_by_reason = {{"bad_number", 1}, {"duplicate", 1}};
  m.tables = result->tables;
  m.checks = quality::EvaluateStarChecks(result->stats);
  const std::string json = ManifestToJson(m);
  auto parsed = ManifestFromJson(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(ManifestToJson(*parsed), json);
  {
    auto sink = (*store)->Create(std::string(kManifestName));
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Append(json).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  ASSERT_TRUE((*store)->Commit().ok());

  auto report = VerifyOutput(out);
  ASSERT_TRUE(report.ok()) << report.status().message();
  for (const auto& c : report->checks) EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
  EXPECT_TRUE(report->ok());

  // Flip one byte in a dimension file: its checksum no longer matches.
  const std::string victim = out + "/" + m.tables[1].files[0].path;
  {
    std::FILE* f = std::fopen(victim.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 10, SEEK_SET);
    const int c = std::fgetc(f);
    std::fseek(f, 10, SEEK_SET);
    std::fputc(c ^ 0xFF, f);
    std::fclose(f);
  }
  report = VerifyOutput(out);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());

  EXPECT_FALSE(VerifyOutput((tmp.path() / "missing").string()).ok());
}

}  // namespace
}  // namespace wv::run
