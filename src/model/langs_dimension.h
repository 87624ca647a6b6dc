#ifndef WV_MODEL_LANGS_DIMENSION_H_
#define WV_MODEL_LANGS_DIMENSION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/table_data.h"
#include "traces/language_codes.h"

// LangsAccumulator: the rows of dim_langs, one per language code occurring
// as a learning or UI language, in order of first appearance, named from the
// language reference when the table is built. Memory: one entry per code.
//
// Thread-compatible: one thread adds; after the last add, the const members
// may be called from several threads at once.
namespace wv::model {

class LangsAccumulator {
 public:
  // The index of `code` (0, 1, ... in order of first appearance), added on
  // first sight.
  uint32_t Index(std::string_view code);

  // Counts `rows` fact rows learning `learning` from `ui` (indices).
  // REQUIRES: both were returned by Index().
  void AddRows(uint32_t learning, uint32_t ui, int64_t rows) {
    learning_rows_[learning] += rows;
    ui_rows_[ui] += rows;
  }

  size_t size() const { return codes_.size(); }
  // REQUIRES: index < size().
  const std::string& code(uint32_t index) const { return codes_[index]; }

  struct Built {
    TableData table;
    int64_t learning_rows_covered = 0;  // fact rows whose learning_language was emitted
    int64_t ui_rows_covered = 0;
    int64_t missing_from_reference = 0;  // emitted codes the reference does not name
  };
  Built Build(const traces::LanguageCodes& reference) const;

 private:
  StringMap<uint32_t> index_;
  std::vector<std::string> codes_;
  std::vector<int64_t> learning_rows_, ui_rows_;
};

}  // namespace wv::model

#endif  // WV_MODEL_LANGS_DIMENSION_H_
