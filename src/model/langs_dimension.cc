#include "model/langs_dimension.h"

#include "model/star_schema.h"

namespace wv::model {
namespace {

void PushNonEmpty(parquet::ColumnVector& col, std::string_view v) {
  col.bytes.push_back(v);
  col.valid.push_back(v.empty() ? 0 : 1);
}

}  // namespace

uint32_t LangsAccumulator::Index(std::string_view code) {
  auto [it, inserted] = index_.try_emplace(code, static_cast<uint32_t>(codes_.size()));
  if (inserted) {
    codes_.emplace_back(code);
    learning_rows_.push_back(0);
    ui_rows_.push_back(0);
  }
  return it->second;
}

LangsAccumulator::Built LangsAccumulator::Build(const traces::LanguageCodes& reference) const {
  static const traces::Language kUnknown;
  Built b;
  TableData& t = b.table;
  t.columns.resize(kNumLangsColumns);
  t.rows = codes_.size();
  for (size_t i = 0; i < codes_.size(); ++i) {
    const std::string& code = codes_[i];
    const traces::Language* names = reference.Find(code);
    if (names == nullptr) {
      names = &kUnknown;
      ++b.missing_from_reference;
    }
    t.columns[kLangAlpha2].bytes.push_back(code);
    PushNonEmpty(t.columns[kLangEnglishName], names->english_name);
    PushNonEmpty(t.columns[kLangFrenchName], names->french_name);
    PushNonEmpty(t.columns[kLangAlpha3B], names->alpha3_b);
    PushNonEmpty(t.columns[kLangAlpha3T], names->alpha3_t);
    b.learning_rows_covered += learning_rows_[i];
    b.ui_rows_covered += ui_rows_[i];
  }
  return b;
}

}  // namespace wv::model
