#include <gtest/gtest.h>

#include <string>

#include "model/dimensions.h"
#include "model/star_schema.h"
#include "traces/chunk_keys.h"

namespace wv::model {
namespace {

void AddOk(DimensionBuilder& builder, const traces::TraceBatch& batch) {
  ASSERT_TRUE(builder.Add(batch).ok());
}

struct Row {
  std::string user;
  int64_t ts;
  std::string learning, ui, lexeme_id, lexeme_string;
};

traces::TraceBatch MakeBatch(const std::vector<Row>& rows) {
  traces::TraceBatch b;
  int64_t line = 2;
  for (const Row& r : rows) {
    b.p_recall.push_back(1.0);
    b.timestamp.push_back(r.ts);
    b.delta.push_back(10);
    b.user_id.push_back(r.user);
    b.learning_language.push_back(r.learning);
    b.ui_language.push_back(r.ui);
    b.lexeme_id.push_back(r.lexeme_id);
    b.lexeme_string.push_back(r.lexeme_string);
    b.history_seen.push_back(1);
    b.history_correct.push_back(1);
    b.session_seen.push_back(1);
    b.session_correct.push_back(1);
    b.source_file.push_back(0);
    b.line_number.push_back(line++);
  }
  return b;
}

traces::References TestRefs() {
  traces::References refs;
  auto lexemes = traces::LexemeReference::Parse(
      "vblex POS Verb\nn POS Noun\npri tense Present indicative\np3 person Third person\n"
      "sg number Singular\npl number Plural\nf gender Feminine\ndef def Definite\n"
      "gen case Genitive\n",
      "test lexemes");
  EXPECT_TRUE(lexemes.ok()) << lexemes.status().message();
  auto languages = traces::LanguageCodes::Parse(
      R"([{"alpha3-b": "spa", "alpha3-t": null, "alpha2": "es", "English": "Spanish; Castilian",
           "French": "espagnol; castillan"},
          {"alpha3-b": "eng", "alpha3-t": null, "alpha2": "en", "English": "English",
           "French": "anglais"}])",
      "test languages");
  EXPECT_TRUE(languages.ok()) << languages.status().message();
  refs.owned_lexemes = std::make_shared<traces::LexemeReference>(std::move(lexemes).value());
  refs.owned_languages = std::make_shared<traces::LanguageCodes>(std::move(languages).value());
  refs.lexemes = refs.owned_lexemes.get();
  refs.languages = refs.owned_languages.get();
  return refs;
}

const std::string kIdA(32, 'a');
const std::string kIdB(32, 'b');
const std::string kIdC(32, 'c');

TEST(DimensionsTest, UsersCountDistinctTimestampsAsSessions) {
  DimensionBuilder builder;
  // u:1 has three rows in session 100, one in 200 (not adjacent) and one
  // course change; u:2 has one row.
  AddOk(builder, MakeBatch({{"u:1", 1362076100, "es", "en", kIdA, "carta/carta<n><f><sg>"},
                            {"u:1", 1362076100, "es", "en", kIdB, "es/ser<vblex><pri><p3><sg>"},
                            {"u:2", 1362076150, "es", "en", kIdA, "carta/carta<n><f><sg>"},
                            {"u:1", 1362076200, "es", "en", kIdA, "carta/carta<n><f><sg>"}}));
  AddOk(builder, MakeBatch({{"u:1", 1362076100, "en", "es", kIdC, "x/y<n>"}}));
  const AccumulatedDimensions dims = std::move(builder).Finish().value();
  const UsersAccumulator::Built built = dims.BuildUsers();
  const TableData& users = built.table;
  ASSERT_EQ(users.rows, 2u);
  EXPECT_EQ(users.columns[kUserId].bytes[0], "u:1");
  EXPECT_EQ(users.columns[kUserNumberOfSessions].i64[0], 2);
  EXPECT_EQ(users.columns[kUserViews].i64[0], 4);
  EXPECT_EQ(users.columns[kUserCourses].i64[0], 2);
  EXPECT_EQ(users.columns[kUserFirstSeen].i64[0], int64_t{1362076100} * 1000000);
  EXPECT_EQ(users.columns[kUserLastSeen].i64[0], int64_t{1362076200} * 1000000);
  EXPECT_EQ(users.columns[kUserId].bytes[1], "u:2");
  EXPECT_EQ(users.columns[kUserNumberOfSessions].i64[1], 1);
  EXPECT_EQ(users.columns[kUserViews].i64[1], 1);
  EXPECT_EQ(built.rows_covered, 5);
  EXPECT_EQ(dims.sessions.natural_key_collisions, 0);
}

TEST(DimensionsTest, TimesHaveOneRowPerDistinctEpoch) {
  DimensionBuilder builder;
  AddOk(builder, MakeBatch({{"u:1", 1388361600, "es", "en", kIdA, "a/a<n>"},  // 2013-12-30 00:00
                            {"u:2", 1388361600, "es", "en", kIdA, "a/a<n>"},
                            {"u:2", 1362076081, "es", "en", kIdA, "a/a<n>"}}));
  const AccumulatedDimensions dims = std::move(builder).Finish().value();
  const TimesAccumulator::Built built = dims.BuildTimes();
  const TableData& t = built.table;
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.columns[kTimeEpoch].i64[0], 1388361600);
  EXPECT_EQ(t.columns[kTimeWeek].i32[0], 1);
  EXPECT_EQ(t.columns[kTimeYear].i32[0], 2013);
  EXPECT_EQ(t.columns[kTimeIsoYear].i32[0], 2014);
  EXPECT_EQ(t.columns[kTimeWeekday].i32[0], 1);
  EXPECT_EQ(t.columns[kTimeHour].i32[1], 18);
  EXPECT_EQ(t.columns[kTimeDate].i32[1], 15764);  // 2013-02-28
  EXPECT_EQ(built.rows_covered, 3);
}

TEST(DimensionsTest, LanguagesOnlyThoseOccurringWithReferenceNames) {
  const traces::References refs = TestRefs();
  DimensionBuilder builder;
  AddOk(builder, MakeBatch({{"u:1", 1362076100, "es", "en", kIdA, "a/a<n>"},
                            {"u:1", 1362076101, "zz", "en", kIdB, "a/a<n>"}}));
  const AccumulatedDimensions dims = std::move(builder).Finish().value();
  const LangsAccumulator::Built built = dims.BuildLangs(refs);
  const TableData& l = built.table;
  ASSERT_EQ(l.rows, 3u);
  EXPECT_EQ(l.columns[kLangAlpha2].bytes[0], "es");
  EXPECT_EQ(l.columns[kLangEnglishName].bytes[0], "Spanish; Castilian");
  EXPECT_EQ(l.columns[kLangAlpha3B].bytes[0], "spa");
  EXPECT_EQ(l.columns[kLangAlpha3T].valid[0], 0);
  EXPECT_EQ(l.columns[kLangAlpha2].bytes[2], "zz");
  EXPECT_EQ(l.columns[kLangEnglishName].valid[2], 0);
  EXPECT_EQ(built.missing_from_reference, 1);
  EXPECT_EQ(built.learning_rows_covered, 2);
  EXPECT_EQ(built.ui_rows_covered, 2);
}

TEST(DimensionsTest, DecodeLexemeSplitsAndLooksUpTags) {
  const traces::References refs = TestRefs();
  const DecodedLexeme d = DecodeLexeme("es/ser<vblex><pri><p3><sg>", *refs.lexemes);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.surface, "es");
  EXPECT_EQ(d.lemma, "ser");
  EXPECT_EQ(d.part_of_speech, "vblex");
  EXPECT_EQ(d.pos_description, "Verb");
  EXPECT_EQ(d.modifiers, "<pri><p3><sg>");
  EXPECT_EQ(d.tense, "pri");
  EXPECT_EQ(d.person, "p3");
  EXPECT_EQ(d.number, "sg");
  EXPECT_FALSE(d.gender.has_value());
  EXPECT_FALSE(d.grammatical_case.has_value());
  EXPECT_FALSE(d.definiteness.has_value());
  EXPECT_EQ(d.unknown_tags, 0);
  EXPECT_FALSE(d.surface_is_wildcard);
  EXPECT_FALSE(d.has_wildcard_tag);
}

TEST(DimensionsTest, DecodeLexemeWildcardsAndUnknownTags) {
  const traces::References refs = TestRefs();
  const DecodedLexeme w = DecodeLexeme("<*sf>/ser<vblex><pri><*pers><*numb>", *refs.lexemes);
  ASSERT_TRUE(w.ok);
  EXPECT_EQ(w.surface, "<*sf>");
  EXPECT_EQ(w.lemma, "ser");
  EXPECT_TRUE(w.surface_is_wildcard);
  EXPECT_TRUE(w.has_wildcard_tag);
  EXPECT_EQ(w.unknown_tags, 0);  // wildcards are not unknown
  EXPECT_EQ(w.modifiers, "<pri><*pers><*numb>");
  EXPECT_FALSE(w.person.has_value());

  const DecodedLexeme u = DecodeLexeme("la/el<det><qqq><def><f><sg><gen>", *refs.lexemes);
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.part_of_speech, "det");
  EXPECT_FALSE(u.pos_description.has_value());  // det is not in this test reference
  EXPECT_EQ(u.unknown_tags, 2);                 // det, qqq
  EXPECT_EQ(u.definiteness, "def");
  EXPECT_EQ(u.gender, "f");
  EXPECT_EQ(u.grammatical_case, "gen");

  EXPECT_FALSE(DecodeLexeme("nolemma", *refs.lexemes).ok);
  EXPECT_FALSE(DecodeLexeme("a/b", *refs.lexemes).ok);
  EXPECT_FALSE(DecodeLexeme("a/b<n", *refs.lexemes).ok);
  EXPECT_FALSE(DecodeLexeme("a/b<n>x", *refs.lexemes).ok);
}

TEST(DimensionsTest, WordsKeepFirstStringAndCountConflictsAndCollisions) {
  const traces::References refs = TestRefs();
  DimensionBuilder builder;
  AddOk(builder,
        MakeBatch({{"u:1", 1362076100, "es", "en", kIdA, "carta/carta<n><f><sg>"},
                   {"u:1", 1362076100, "es", "en", kIdA, "carta/carta<n><f><sg>"},  // collision
                   {"u:2", 1362076100, "es", "en", kIdA, "cartas/carta<n><f><pl>"},
                   {"u:2", 1362076101, "en", "es", kIdA, "carta/carta<n><f><sg>"},
                   {"u:2", 1362076101, "en", "es", kIdB, "<*sf>/ser<vblex><*numb>"}}));
  const AccumulatedDimensions dims = std::move(builder).Finish().value();
  const WordsAccumulator::Built built = dims.BuildWords(refs);
  const TableData& w = built.table;
  ASSERT_EQ(w.rows, 2u);
  EXPECT_EQ(w.columns[kWordLexemeId].bytes[0], kIdA);
  EXPECT_EQ(w.columns[kWordLanguage].bytes[0], "es");
  EXPECT_EQ(w.columns[kWordLexemeString].bytes[0], "carta/carta<n><f><sg>");
  EXPECT_EQ(w.columns[kWordGender].bytes[0], "f");
  EXPECT_EQ(w.columns[kWordNumber].bytes[0], "sg");
  EXPECT_EQ(w.columns[kWordPosDescription].bytes[0], "Noun");
  EXPECT_EQ(w.columns[kWordSurfaceIsWildcard].bools[1], 1);
  EXPECT_EQ(w.columns[kWordHasWildcardTag].bools[1], 1);
  const WordsAccumulator::Conflicts& a = dims.words.conflicts();
  EXPECT_EQ(dims.sessions.natural_key_collisions, 1);
  EXPECT_EQ(a.lexemes_with_several_strings, 1);
  EXPECT_EQ(a.lexemes_with_several_languages, 1);
  EXPECT_EQ(a.rows_with_conflicting_lexeme, 2);
  EXPECT_EQ(built.words_with_wildcards, 1);
  EXPECT_EQ(built.rows_covered, 5);
}

TEST(DimensionsTest, NaturalKeyCollisionsAcrossNonAdjacentRunsAndBatches) {
  DimensionBuilder builder;
  // Session (u:1, 100) has a repeat inside its first run (1), then comes back
  // after u:2 with kIdA again (1) and a new word; (u:2, 100) is a different
  // session, so kIdA there is no collision. (u:3, 300) repeats across batches.
  AddOk(builder, MakeBatch({{"u:1", 1362076100, "es", "en", kIdA, "a/a<n>"},
                            {"u:1", 1362076100, "es", "en", kIdB, "b/b<n>"},
                            {"u:1", 1362076100, "es", "en", kIdB, "b/b<n>"},
                            {"u:2", 1362076100, "es", "en", kIdA, "a/a<n>"},
                            {"u:1", 1362076100, "es", "en", kIdA, "a/a<n>"},
                            {"u:1", 1362076100, "es", "en", kIdC, "c/c<n>"},
                            {"u:3", 1362076300, "es", "en", kIdC, "c/c<n>"}}));
  AddOk(builder, MakeBatch({{"u:3", 1362076300, "es", "en", kIdC, "c/c<n>"},
                            {"u:3", 1362076300, "es", "en", kIdA, "a/a<n>"}}));
  const AccumulatedDimensions dims = std::move(builder).Finish().value();
  EXPECT_EQ(dims.sessions.natural_key_collisions, 3);
  const TableData users = dims.BuildUsers().table;
  EXPECT_EQ(users.columns[kUserNumberOfSessions].i64[0], 1);
  EXPECT_EQ(users.columns[kUserViews].i64[0], 5);
  EXPECT_EQ(users.columns[kUserNumberOfSessions].i64[2], 1);
  EXPECT_EQ(users.columns[kUserViews].i64[2], 3);
}

// A batch's words are counted per distinct word when all its rows agree
// with the word's first row in the batch (traces::ChunkKeys::Word::uniform),
// row by row otherwise; the conflicts are against the run-wide first
// occurrence either way. Expected counts by the rule, row by row: a row
// conflicts when its string or language differs from the word's first row
// of the whole input.
TEST(DimensionsTest, WordsCountedPerBatchKeepRunWideFirstOccurrence) {
  const traces::References refs = TestRefs();
  DimensionBuilder builder;
  AddOk(builder, MakeBatch({{"u:1", 1362076100, "es", "en", kIdA, "x/x<n>"}}));
  // kIdA: three rows alike, all differing from its first string (3 rows);
  // kIdB: new here, twice alike (none); kIdC: mixed within the batch, its
  // first "c/c<n>" here (the second row differs: 1).
  AddOk(builder, MakeBatch({{"u:1", 1362076200, "es", "en", kIdA, "y/y<n>"},
                            {"u:1", 1362076200, "es", "en", kIdB, "b/b<n>"},
                            {"u:2", 1362076200, "es", "en", kIdC, "c/c<n>"},
                            {"u:2", 1362076200, "es", "en", kIdC, "d/d<n>"},
                            {"u:2", 1362076201, "es", "en", kIdA, "y/y<n>"},
                            {"u:3", 1362076201, "es", "en", kIdA, "y/y<n>"},
                            {"u:3", 1362076202, "es", "en", kIdB, "b/b<n>"},
                            {"u:3", 1362076202, "es", "en", kIdC, "c/c<n>"}}));
  // kIdB in another language, twice (2 rows); kIdC with its first string
  // but in another language (1).
  AddOk(builder, MakeBatch({{"u:4", 1362076300, "en", "es", kIdB, "b/b<n>"},
                            {"u:4", 1362076300, "en", "es", kIdC, "c/c<n>"},
                            {"u:4", 1362076301, "en", "es", kIdB, "b/b<n>"}}));
  const AccumulatedDimensions dims = std::move(builder).Finish().value();
  const WordsAccumulator::Built built = dims.BuildWords(refs);
  const TableData& w = built.table;
  ASSERT_EQ(w.rows, 3u);
  EXPECT_EQ(w.columns[kWordLexemeId].bytes[0], kIdA);
  EXPECT_EQ(w.columns[kWordLexemeString].bytes[0], "x/x<n>");
  EXPECT_EQ(w.columns[kWordLexemeId].bytes[1], kIdB);
  EXPECT_EQ(w.columns[kWordLanguage].bytes[1], "es");
  EXPECT_EQ(w.columns[kWordLexemeId].bytes[2], kIdC);
  EXPECT_EQ(w.columns[kWordLexemeString].bytes[2], "c/c<n>");
  const WordsAccumulator::Conflicts& c = dims.words.conflicts();
  EXPECT_EQ(c.lexemes_with_several_strings, 2);    // kIdA, kIdC
  EXPECT_EQ(c.lexemes_with_several_languages, 2);  // kIdB, kIdC (its "en" row)
  EXPECT_EQ(c.rows_with_conflicting_lexeme, 3 + 1 + 2 + 1);
  EXPECT_EQ(built.rows_covered, 12);
}

// Keys handed in are used only when valid; stale ones (a batch whose rows
// changed) are numbered again, so the result is the plain Add()'s.
TEST(DimensionsTest, AddWithKeysEqualsAddWithout) {
  const traces::TraceBatch first = MakeBatch({{"u:1", 1362076100, "es", "en", kIdA, "a/a<n>"},
                                              {"u:2", 1362076100, "es", "en", kIdB, "b/b<n>"}});
  const traces::TraceBatch second = MakeBatch({{"u:2", 1362076101, "es", "en", kIdB, "b/b<n>"},
                                               {"u:1", 1362076102, "es", "en", kIdA, "a/a<n>"}});
  traces::ChunkKeys stale;
  traces::ComputeChunkKeys(first, &stale);
  stale.Clear();  // as the in-order stage does when it quarantines duplicates
  traces::ChunkKeys keys;
  traces::ComputeChunkKeys(first, &keys);
  DimensionBuilder with, without;
  ASSERT_TRUE(with.Add(first, &keys).ok());
  ASSERT_TRUE(with.Add(second, &stale).ok());
  AddOk(without, first);
  AddOk(without, second);
  const AccumulatedDimensions a = std::move(with).Finish().value();
  const AccumulatedDimensions b = std::move(without).Finish().value();
  const TableData ua = a.BuildUsers().table, ub = b.BuildUsers().table;
  ASSERT_EQ(ua.rows, 2u);
  ASSERT_EQ(ub.rows, 2u);
  EXPECT_EQ(ua.columns[kUserId].bytes[0], ub.columns[kUserId].bytes[0]);
  EXPECT_EQ(ua.columns[kUserViews].i64, ub.columns[kUserViews].i64);
  EXPECT_EQ(ua.columns[kUserLastSeen].i64, ub.columns[kUserLastSeen].i64);
  EXPECT_EQ(a.words.size(), 2u);
  EXPECT_EQ(a.sessions.distinct_sessions, b.sessions.distinct_sessions);
}

// The chunk-local numbering: runs split as the dimension thread splits them,
// codes in order of first appearance, a word uniform while its rows agree.
TEST(ChunkKeysTest, NumbersRunsUsersAndWordsInOrderOfFirstAppearance) {
  const traces::TraceBatch b = MakeBatch({{"u:2", 1362076100, "es", "en", kIdB, "b/b<n>"},
                                          {"u:2", 1362076100, "es", "en", kIdA, "a/a<n>"},
                                          {"u:1", 1362076100, "es", "en", kIdB, "b/b<n>"},
                                          {"u:2", 1362076100, "es", "en", kIdA, "z/z<n>"},
                                          {"u:2", 1362076100, "en", "es", kIdC, "c/c<n>"}});
  traces::ChunkKeys k;
  traces::ComputeChunkKeys(b, &k);
  ASSERT_TRUE(k.valid);
  EXPECT_EQ(k.run_starts, (std::vector<uint32_t>{0, 2, 3, 4, 5}));
  EXPECT_EQ(k.run_user, (std::vector<uint32_t>{0, 1, 0, 0}));
  ASSERT_EQ(k.users.size(), 2u);
  EXPECT_EQ(k.users[1].hash, StringDictionary::Hash("u:1"));
  EXPECT_EQ(k.row_word, (std::vector<uint32_t>{0, 1, 0, 1, 2}));
  ASSERT_EQ(k.words.size(), 3u);
  EXPECT_EQ(k.words[0].first_row, 0u);
  EXPECT_EQ(k.words[0].rows, 2u);
  EXPECT_TRUE(k.words[0].uniform);
  EXPECT_EQ(k.words[1].first_row, 1u);
  EXPECT_EQ(k.words[1].rows, 2u);
  EXPECT_FALSE(k.words[1].uniform);  // "z/z<n>" on its second row
  EXPECT_EQ(k.words[2].hash, StringDictionary::Hash(kIdC));
  EXPECT_GT(k.MemoryBytes(), 0u);
  k.Clear();
  EXPECT_FALSE(k.valid);
  EXPECT_EQ(k.runs(), 0u);
}

}  // namespace
}  // namespace wv::model
