#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/crc32.h"
#include "model/star_builder.h"
#include "model/star_schema.h"
#include "model_test_util.h"
#include "nlohmann/json.hpp"
#include "quality/star_checks.h"
#include "run/append.h"
#include "run/manifest.h"
#include "run/output_listing.h"
#include "run/published_output.h"
#include "run/recount_state.h"
#include "run/verify.h"

namespace wv::run {
namespace {

namespace fs = std::filesystem;
using quality::CheckResult;
using testing::MakeChunks;
using testing::TempDir;

// A small published output (the model tests' chunks) with the manifest a run
// would write: every table, the 28 checks, the options.
class RunVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = io::OpenLocalOutputStore(out_);
    ASSERT_TRUE(store.ok());
    const traces::References refs;
    model::BuildOptions options;
    options.batch_id = "test";
    model::StarSchemaBuilder builder(store->get(), {"in.csv"}, &refs, options);
    for (auto& c : MakeChunks()) ASSERT_TRUE(builder.Consume(std::move(c)).ok());
    auto result = builder.Finish();
    ASSERT_TRUE(result.ok());
    m_.run_id = "test";
    m_.options = {{"max_bad_ratio", "0.5"}};
    m_.input_rows = result->stats.input_rows;
    m_.accepted_rows = result->stats.fact_rows;
    m_.rejected_rows = result->stats.quarantine_rows;
    m_.rejected_by_reason = {{"bad_number", 1}, {"duplicate", 1}};
    m_.tables = result->tables;
    m_.batches = {BatchRecord{"test", "", {}, m_.input_rows, m_.accepted_rows, m_.rejected_rows}};
    const quality::IngestCounts ingest{m_.input_rows, m_.input_rows};
    m_.checks = quality::EvaluateRunChecks(result->stats, ingest, 0.5);
    auto sink = (*store)->Create(std::string(kManifestName));
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Append(ManifestToJson(m_)).ok());
    ASSERT_TRUE((*sink)->Close().ok());
    ASSERT_TRUE((*store)->Commit().ok());
  }

  void WriteManifest(const Manifest& m) {
    std::ofstream(out_ + "/_manifest.json") << ManifestToJson(m);
  }

  // The checks of VerifyOutput() that failed at error level.
  std::vector<CheckResult> Failures() {
    auto report = VerifyOutput(out_);
    EXPECT_TRUE(report.ok()) << report.status().message();
    std::vector<CheckResult> failed;
    if (!report.ok()) return failed;
    for (const CheckResult& c : report->checks) {
      if (!c.passed && c.severity == quality::Severity::kError) failed.push_back(c);
    }
    return failed;
  }

  static const CheckResult* Find(const std::vector<CheckResult>& checks, std::string_view name) {
    for (const CheckResult& c : checks) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }

  static std::string Names(const std::vector<CheckResult>& checks) {
    std::string s;
    for (const CheckResult& c : checks) s += c.name + " ";
    return s;
  }

  TempDir tmp_;
  const std::string out_ = (tmp_.path() / "out").string();
  Manifest m_;
};

TEST_F(RunVerifyTest, AGoodOutputPassesAndEveryStoredCheckIsAccountedFor) {
  auto report = VerifyOutput(out_);
  ASSERT_TRUE(report.ok()) << report.status().message();
  for (const auto& c : report->checks) {
    if (c.severity == quality::Severity::kError) {
      EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
    }
  }
  EXPECT_TRUE(report->ok());
  ASSERT_EQ(m_.checks.size(), 28u);
  for (const CheckResult& stored : m_.checks) {
    const CheckResult* c = Find(report->checks, "stored:" + stored.name);
    ASSERT_NE(c, nullptr) << stored.name;
    EXPECT_TRUE(c->passed) << c->detail;
  }
  // The reader's counts are not in the files: said so, not compared.
  const CheckResult* ingest = Find(report->checks, "stored:ingest.rows_reach_model");
  EXPECT_EQ(ingest->severity, quality::Severity::kInfo);
  EXPECT_NE(ingest->detail.find("not recomputed"), std::string::npos);
}

TEST_F(RunVerifyTest, AFlippedByteFailsTheChecksum) {
  const std::string victim = out_ + "/" + m_.tables[1].files[0].path;
  std::FILE* f = std::fopen(victim.c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fseek(f, 10, SEEK_SET);
  const int c = std::fgetc(f);
  std::fseek(f, 10, SEEK_SET);
  std::fputc(c ^ 0xFF, f);
  std::fclose(f);
  EXPECT_NE(Find(Failures(), m_.tables[1].files[0].path + ".crc32"), nullptr);
  EXPECT_FALSE(VerifyOutput((tmp_.path() / "missing").string()).ok());
}

TEST_F(RunVerifyTest, UnlistedEntriesAreFlaggedAtTheTopAndInTableFolders) {
  std::ofstream(out_ + "/notes.txt") << "x";
  fs::create_directories(out_ + "/extra");
  fs::create_directories(out_ + "/fact_wordviews/date=2001-01-01");
  std::ofstream(out_ + "/dim_users/part-00001.parquet") << "x";
  std::ofstream(out_ + "/report.html") << "<html>";  // allowed: run --report writes it
  const auto failed = Failures();
  for (std::string name :
       {"notes.txt.unlisted", "extra.unlisted", "fact_wordviews/date=2001-01-01.unlisted",
        "dim_users/part-00001.parquet.unlisted", "no_unlisted_entries"}) {
    EXPECT_NE(Find(failed, name), nullptr) << name << " in " << Names(failed);
  }
  EXPECT_EQ(Find(failed, "report.html.unlisted"), nullptr);
}

TEST_F(RunVerifyTest, AReportThatIsNotARegularFileIsFlagged) {
  fs::create_directories(out_ + "/report.html");
  EXPECT_NE(Find(Failures(), "report.html.unlisted"), nullptr);
}

TEST_F(RunVerifyTest, PathsLeavingTheFolderAreRefusedUnread) {
  Manifest m = m_;
  m.tables[1].files.push_back({"../outside.parquet", 0, 0, 0});
  m.tables[2].files.push_back({"/etc/passwd", 0, 0, 0});
  m.tables[3].files.push_back({"dim_users/part-00000.parquet", 0, 0, 0});  // another table's
  WriteManifest(m);
  const auto failed = Failures();
  for (std::string name : {"manifest.path:../outside.parquet", "manifest.path:/etc/passwd",
                           "manifest.path:dim_users/part-00000.parquet", "manifest.paths"}) {
    EXPECT_NE(Find(failed, name), nullptr) << name << " in " << Names(failed);
  }
  EXPECT_EQ(Find(failed, "/etc/passwd.present"), nullptr);  // never opened
}

TEST_F(RunVerifyTest, AnEditedStoredCheckIsNamed) {
  Manifest m = m_;
  for (CheckResult& c : m.checks) {
    if (c.name == "reconciliation") c.observed += 1;
    if (c.name == "anomaly.natural_key_collisions") c.passed = !c.passed;
  }
  WriteManifest(m);
  const auto failed = Failures();
  EXPECT_NE(Find(failed, "stored:reconciliation"), nullptr) << Names(failed);
  EXPECT_NE(Find(failed, "stored:anomaly.natural_key_collisions"), nullptr) << Names(failed);
}

TEST_F(RunVerifyTest, MissingAndUnknownStoredChecksFail) {
  Manifest m = m_;
  m.checks.erase(m.checks.begin() + 1);
  m.checks.push_back(quality::CountInfo("invented", 1, "x"));
  WriteManifest(m);
  const auto failed = Failures();
  EXPECT_NE(Find(failed, "stored:" + m_.checks[1].name), nullptr) << Names(failed);
  EXPECT_NE(Find(failed, "stored:invented"), nullptr) << Names(failed);
}

TEST_F(RunVerifyTest, PerReasonAndRowTotalsAreRecountedFromTheFiles) {
  Manifest m = m_;
  m.rejected_by_reason = {{"bad_number", 2}, {"made_up", 0}};
  m.tables[0].rows += 1;
  WriteManifest(m);
  const auto failed = Failures();
  for (std::string name : {"rejected_by_reason.bad_number", "rejected_by_reason.duplicate",
                           "rejected_by_reason.made_up", "fact_wordviews.rows"}) {
    EXPECT_NE(Find(failed, name), nullptr) << name << " in " << Names(failed);
  }
  const CheckResult* dup = Find(failed, "rejected_by_reason.duplicate");
  EXPECT_EQ(dup->observed, 1);
  EXPECT_EQ(dup->expected, 0);
}

TEST_F(RunVerifyTest, WithoutMaxBadRatioTheShareIsNotRecomputed) {
  Manifest m = m_;
  m.options.clear();
  WriteManifest(m);
  const auto failed = Failures();
  ASSERT_EQ(failed.size(), 1u) << Names(failed);
  EXPECT_EQ(failed[0].name, "manifest.options.max_bad_ratio");
}

TEST_F(RunVerifyTest, BatchesThatDoNotAddUpFail) {
  Manifest m = m_;
  m.batches.push_back(BatchRecord{"later", "", {}, 1, 1, 0});
  WriteManifest(m);
  std::set<std::string> names;
  for (const auto& c : Failures()) names.insert(c.name);
  // No fact row carries "later"; the sums exceed the totals.
  EXPECT_TRUE(names.contains("batch:later.accepted")) << Names(Failures());
  EXPECT_TRUE(names.contains("batches.input"));
  EXPECT_TRUE(names.contains("batches.accepted"));
}

TEST_F(RunVerifyTest, AListedStateFileIsChecksummed) {
  Manifest m = m_;
  const std::string path = "_state/dedup/date=2013-03-01/b.fp";
  std::filesystem::create_directories(out_ + "/_state/dedup/date=2013-03-01");
  std::ofstream(out_ + "/" + path) << "0123456789abcdef01234567";
  m.state_files = {FileRecord{path, 1, 24, Crc32("0123456789abcdef01234567")}};
  WriteManifest(m);
  EXPECT_TRUE(Failures().empty()) << Names(Failures());
  m.state_files[0].crc32 ^= 1;
  WriteManifest(m);
  const auto failed = Failures();
  ASSERT_EQ(failed.size(), 1u) << Names(failed);
  EXPECT_EQ(failed[0].name, path + ".crc32");
}

// Flips one byte of `path` in place.
void FlipByte(const std::string& path, long at) {
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fseek(f, at, SEEK_SET);
  const int c = std::fgetc(f);
  std::fseek(f, at, SEEK_SET);
  std::fputc(c ^ 0xFF, f);
  std::fclose(f);
}

// Failed error-level checks of a report, by name.
std::set<std::string> FailedNames(const VerifyReport& report) {
  std::set<std::string> names;
  for (const CheckResult& c : report.checks) {
    if (!c.passed && c.severity == quality::Severity::kError) names.insert(c.name);
  }
  return names;
}

// What `run --append` does with a previous version's record: the kept files
// with a record are not read (their counts stand in, merged into the same
// quality checks as a full recount), every other file is read in full, so
// damage in the batch's own files stops the append, while damage in kept
// files is `check`'s to find.
TEST_F(RunVerifyTest, RecordedCountsStandInForKeptFilesOnlyAndCheckStillReadsThemAll) {
  auto published = PublishedOutput::Open(out_);
  ASSERT_TRUE(published.ok());
  const VerifyReport full = VerifyOutput(**published, m_);
  ASSERT_TRUE(full.ok()) << Names(full.checks);
  ASSERT_TRUE(full.recount_complete);
  const TableRecord* facts = m_.FindTable(model::kFactTable);
  ASSERT_GE(facts->files.size(), 2u);  // the chunks span more than one day
  EXPECT_EQ(full.recount.partitions.size(), facts->files.size());

  auto previous_dims = ReadPreviousDimensions(**published);
  ASSERT_TRUE(previous_dims.ok()) << previous_dims.status().message();
  auto reuse = ReusableCountsOf(**published, {}, &*previous_dims);
  ASSERT_TRUE(reuse.ok()) << reuse.status().message();
  EXPECT_FALSE(reuse->recorded.has_value());  // the fixture lists no record
  reuse->recorded = full.recount;
  for (const TableRecord& t : m_.tables) {
    if (t.name != model::kFactTable && t.name != model::kQuarantineTable) continue;
    for (const FileRecord& f : t.files) reuse->kept.insert(f.path);
  }
  // Merged from the records alone: the same quality checks as the full recount.
  const VerifyReport merged = VerifyOutput(**published, m_, &*reuse);
  ASSERT_TRUE(merged.ok()) << Names(merged.checks);
  ASSERT_EQ(merged.recomputed.size(), full.recomputed.size());
  for (size_t i = 0; i < full.recomputed.size(); ++i) {
    EXPECT_EQ(merged.recomputed[i].name, full.recomputed[i].name);
    EXPECT_EQ(merged.recomputed[i].observed, full.recomputed[i].observed)
        << full.recomputed[i].name;
    EXPECT_EQ(merged.recomputed[i].expected, full.recomputed[i].expected)
        << full.recomputed[i].name;
    EXPECT_EQ(merged.recomputed[i].passed, full.recomputed[i].passed) << full.recomputed[i].name;
  }
  for (const auto& [folder, p] : full.recount.partitions) {
    EXPECT_TRUE(SameCounts(merged.recount.partitions.at(folder), p)) << folder;
  }

  // One partition to read, as an append's day: its columns are decoded on
  // several threads, to the same counts.
  {
    ReusableCounts one = *reuse;
    const std::string& path = facts->files[1].path;
    one.kept.erase(path);
    const VerifyReport r = VerifyOutput(**published, m_, &one);
    ASSERT_TRUE(r.ok()) << Names(r.checks);
    EXPECT_NE(Find(r.checks, path + ".crc32"), nullptr);  // it was read
    const std::string folder = path.substr(0, path.rfind('/'));
    EXPECT_TRUE(SameCounts(r.recount.partitions.at(folder), full.recount.partitions.at(folder)));
  }

  // Dimensions that lost a key of the previous version's would void the
  // recorded coverage: refused.
  {
    ReusableCounts lost = *reuse;
    PreviousDimensions more = *previous_dims;
    more.users.columns[model::kUserId].bytes.push_back("a-user-the-new-dim_users-lacks");
    lost.previous_dims = &more;
    const VerifyReport r = VerifyOutput(**published, m_, &lost);
    EXPECT_EQ(FailedNames(r), std::set<std::string>{"dimensions.keep_previous_keys"});
  }

  // Damage one fact file. Kept and recorded: not read (no file check names it).
  const std::string victim = facts->files[0].path;
  FlipByte(out_ + "/" + victim, 10);
  auto reopened = PublishedOutput::Open(out_);
  ASSERT_TRUE(reopened.ok());
  const VerifyReport trusting = VerifyOutput(**reopened, m_, &*reuse);
  EXPECT_TRUE(trusting.ok()) << Names(trusting.checks);
  for (const CheckResult& c : trusting.checks) EXPECT_EQ(c.name.find(victim), std::string::npos);
  // The full verification (`check`) reads it and fails.
  EXPECT_TRUE(FailedNames(VerifyOutput(**reopened, m_)).contains(victim + ".crc32"));
  // Written by this batch (not kept): read in full, and the append is refused.
  reuse->kept.erase(victim);
  const VerifyReport own = VerifyOutput(**reopened, m_, &*reuse);
  EXPECT_FALSE(own.ok());
  EXPECT_TRUE(FailedNames(own).contains(victim + ".crc32")) << Names(own.checks);
}

// An append keeps the earlier files of dim_times, dim_langs and dim_words:
// their rows are taken from the one read of the previous version, not
// decoded again, to the same checks as a full verification; a dimension
// file that is not kept (the batch's own) is read in full, so damage there
// refuses the append; kept rows that do not match the kept files' records
// fail too.
TEST_F(RunVerifyTest, KeptDimensionRowsStandInForTheirFilesAndTheOthersAreRead) {
  auto published = PublishedOutput::Open(out_);
  ASSERT_TRUE(published.ok());
  const VerifyReport full = VerifyOutput(**published, m_);
  ASSERT_TRUE(full.ok()) << Names(full.checks);
  auto dims = ReadPreviousDimensions(**published);
  ASSERT_TRUE(dims.ok()) << dims.status().message();
  std::set<std::string> every_file;
  for (const TableRecord& t : m_.tables) {
    if (t.name == model::kUsersTable) continue;  // rewritten by an append: never kept
    for (const FileRecord& f : t.files) every_file.insert(f.path);
  }
  auto reuse = ReusableCountsOf(**published, every_file, &*dims);
  ASSERT_TRUE(reuse.ok()) << reuse.status().message();
  reuse->recorded = full.recount;
  const VerifyReport kept = VerifyOutput(**published, m_, &*reuse);
  ASSERT_TRUE(kept.ok()) << Names(kept.checks);
  const std::string times_file = m_.FindTable(model::kTimesTable)->files[0].path;
  EXPECT_EQ(Find(kept.checks, times_file + ".crc32"), nullptr);  // not read
  EXPECT_NE(Find(kept.checks, "dim_times.kept_rows"), nullptr);
  const std::string users_file = m_.FindTable(model::kUsersTable)->files[0].path;
  EXPECT_NE(Find(kept.checks, users_file + ".crc32"), nullptr);  // read
  ASSERT_EQ(kept.recomputed.size(), full.recomputed.size());
  for (size_t i = 0; i < full.recomputed.size(); ++i) {
    EXPECT_EQ(kept.recomputed[i].name, full.recomputed[i].name);
    EXPECT_EQ(kept.recomputed[i].observed, full.recomputed[i].observed) << full.recomputed[i].name;
    EXPECT_EQ(kept.recomputed[i].detail, full.recomputed[i].detail) << full.recomputed[i].name;
  }

  // Kept rows that are not the kept files' (one row short): refused.
  {
    PreviousDimensions fewer = *dims;
    auto& epochs = fewer.times.columns[model::kTimeEpoch].i64;
    epochs.pop_back();
    fewer.epochs.Assign(epochs);
    --fewer.times.rows;
    ReusableCounts r = *reuse;
    r.previous_dims = &fewer;
    EXPECT_TRUE(FailedNames(VerifyOutput(**published, m_, &r)).contains("dim_times.kept_rows"));
  }

  // The dimension file written by the batch (not kept) is read: damage there refuses it.
  FlipByte(out_ + "/" + times_file, 20);
  auto reopened = PublishedOutput::Open(out_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(VerifyOutput(**reopened, m_, &*reuse).ok());  // kept: trusted, as fact files are
  ReusableCounts own = *reuse;
  own.kept.erase(times_file);
  const VerifyReport refused = VerifyOutput(**reopened, m_, &own);
  EXPECT_TRUE(FailedNames(refused).contains(times_file + ".crc32")) << Names(refused.checks);
}

TEST_F(RunVerifyTest, ARecordThatDoesNotMatchTheFilesFailsCheck) {
  auto published = PublishedOutput::Open(out_);
  ASSERT_TRUE(published.ok());
  RecountState recount = VerifyOutput(**published, m_).recount;
  ASSERT_FALSE(recount.partitions.empty());
  const auto write = [&](const RecountState& r) {
    const std::string text = RecountStateToJson(r);
    fs::create_directories(out_ + "/_state");
    std::ofstream(out_ + "/" + std::string(kRecountStatePath)) << text;
    Manifest m = m_;
    m.state_files = {FileRecord{std::string(kRecountStatePath), 1, text.size(), Crc32(text)}};
    WriteManifest(m);
  };
  write(recount);
  EXPECT_TRUE(Failures().empty()) << Names(Failures());
  ++recount.partitions.begin()->second.natural_key_collisions;  // listed with its own CRC
  write(recount);
  const auto failed = Failures();
  ASSERT_EQ(failed.size(), 1u) << Names(failed);
  EXPECT_EQ(failed[0].name, std::string(kRecountStatePath) + ".matches_files");
  EXPECT_NE(failed[0].detail.find(recount.partitions.begin()->first), std::string::npos);
}

TEST(StatePathProblemTest, AcceptsWhatTheRunWritesOnly) {
  for (std::string good :
       {"_state/courses.tsv", "_state/lexemes_with_several_strings.tsv", "_state/recount.json",
        "_state/dedup/date=2013-03-01/20130301T000000Z-1.fp",
        "_state/courses-20130301T000000Z-1.tsv", "_state/recount-v2.json",
        "_state/lexemes_with_several_strings-a.b_c.tsv"}) {
    EXPECT_EQ(StatePathProblem(good), "") << good;
  }
  for (std::string bad : {"", "/etc/passwd", "_state/../x.fp", "_state/x.tsv", "_state/dedup/x.fp",
                          "_state/courses-.tsv", "_state/courses-a b.tsv", "_state/coursesx.tsv",
                          "_state/recount-v.tsv", "_state/courses-v.tsv/x",
                          "_state/dedup/date=2013-13-01/a.fp", "_state/dedup/date=2013-03-01/a.txt",
                          "dim_users/courses.tsv", "_state/dedup/date=2013-03-01/.fp"}) {
    EXPECT_NE(StatePathProblem(bad), "") << bad;
  }
}

TEST(ManifestBatchesTest, RoundTripAndOlderManifestsAreOneBatch) {
  Manifest m;
  m.run_id = "r2";
  m.created_at = "2013-03-02T00:00:00Z";
  m.inputs = {InputFileRecord{"a.csv", 10, 7, 0, std::nullopt, std::nullopt},
              InputFileRecord{"b.csv", 20, 9, 1, std::nullopt, std::nullopt}};
  m.input_rows = 5;
  m.accepted_rows = 4;
  m.rejected_rows = 1;
  m.batches = {BatchRecord{"r1", "2013-03-01T00:00:00Z", {m.inputs[0]}, 2, 2, 0},
               BatchRecord{"r2", "2013-03-02T00:00:00Z", {m.inputs[1]}, 3, 2, 1}};
  m.state_files = {FileRecord{"_state/courses.tsv", 3, 30, 5}};
  const std::string json = ManifestToJson(m);
  auto back = ManifestFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->batches.size(), 2u);
  EXPECT_EQ(back->batches[1].id, "r2");
  EXPECT_EQ(back->batches[1].inputs[0].path, "b.csv");
  EXPECT_EQ(back->batches[1].rejected_rows, 1);
  ASSERT_EQ(back->state_files.size(), 1u);
  EXPECT_EQ(ManifestToJson(*back), json);

  // Written before batches existed: the run is the one batch.
  auto j = nlohmann::json::parse(json);
  j.erase("batches");
  auto older = ManifestFromJson(j.dump());
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->batches.size(), 1u);
  EXPECT_EQ(older->batches[0].id, "r2");
  EXPECT_EQ(older->batches[0].inputs.size(), 2u);
  EXPECT_EQ(older->batches[0].input_rows, 5);
  // A batch count out of range is refused like any other.
  j = nlohmann::json::parse(json);
  j["batches"][0]["rows"]["input"] = -1;
  EXPECT_FALSE(ManifestFromJson(j.dump()).ok());
}

TEST(ListedPathProblemTest, AcceptsWhatTheRunWritesOnly) {
  EXPECT_EQ(
      ListedPathProblem("fact_wordviews", "fact_wordviews/date=2013-03-01/part-00000.parquet"), "");
  EXPECT_EQ(ListedPathProblem("dim_users", "dim_users/part-00000.parquet"), "");
  for (std::string bad :
       {"", "/etc/passwd", "../x.parquet", "dim_users/../x", "dim_users//x", "dim_users/./x",
        "dim_words/x.parquet", "dim_users/a/b.parquet", "dim_users"}) {
    EXPECT_NE(ListedPathProblem("dim_users", bad), "") << bad;
  }
  for (std::string bad : {"fact_wordviews/x.parquet", "fact_wordviews/date=2013-13-01/x",
                          "fact_wordviews/date=x/y", "fact_wordviews/date=2013-03-01/a/b"}) {
    EXPECT_NE(ListedPathProblem("fact_wordviews", bad), "") << bad;
  }
}

TEST_F(RunVerifyTest, ReadersOpenAGoodOutputAndRefuseADamagedOne) {
  std::string note;
  auto good = OpenVerifiedOutput(out_, &note);
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(note, "");
  good->reset();
  fs::remove_all(out_ + "/" + m_.tables[0].files[0].path);
  auto damaged = OpenVerifiedOutput(out_, &note);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().kind(), ErrorKind::kMismatch);
  EXPECT_NE(damaged.status().message().find(m_.tables[0].files[0].path), std::string::npos)
      << damaged.status().message();
}

TEST_F(RunVerifyTest, ReadersProceedWithANoteWithoutAManifest) {
  fs::remove(out_ + "/_manifest.json");
  std::ofstream(out_ + "/anything.txt") << "x";
  std::string note;
  auto out = OpenVerifiedOutput(out_, &note);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_NE(note.find("without verifying"), std::string::npos) << note;
}

TEST_F(RunVerifyTest, ReadersCheckSizesAndFooterRowsButNoChecksum) {
  Manifest m = m_;
  m.tables[1].files[0].crc32 ^= 1;  // only `check` reads whole files
  WriteManifest(m);
  std::string note;
  EXPECT_TRUE(OpenVerifiedOutput(out_, &note).ok());
  m.tables[1].files[0].rows += 1;
  WriteManifest(m);
  auto refused = OpenVerifiedOutput(out_, &note);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(m.tables[1].files[0].path + ".rows"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace wv::run

namespace wv::run {
namespace {

// Found by manifest_fuzz: nlohmann casts numbers blindly (1e300 to int64_t is
// undefined behaviour; -1 and 2^32 as a CRC wrap around).
TEST(ManifestFromJsonTest, NumbersOutOfRangeAreInputErrors) {
  Manifest m;
  m.run_id = "r";
  m.tables = {TableRecord{"dim_users", 1, {FileRecord{"dim_users/part-0.parquet", 1, 10, 7}}}};
  const std::string good = ManifestToJson(m);
  ASSERT_TRUE(ManifestFromJson(good).ok());
  auto with = [&](std::string_view from, std::string_view to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"crc32\": 7", "\"crc32\": -1"},
           {"\"crc32\": 7", "\"crc32\": 4294967296"},
           {"\"bytes\": 10", "\"bytes\": -10"},
           {"\"input\": 0", "\"input\": 1e300"},
           {"\"input\": 0", "\"input\": 1.5"},
           {"\"format_version\": 1", "\"format_version\": 1e10"}}) {
    auto parsed = ManifestFromJson(with(from, to));
    EXPECT_FALSE(parsed.ok()) << to;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().kind(), ErrorKind::kInput);
    }
  }
}

}  // namespace
}  // namespace wv::run
