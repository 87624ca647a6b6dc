// libFuzzer target: opens arbitrary bytes as a Parquet file and reads every
// column chunk and statistic. Any crash, sanitizer report or huge allocation
// is a bug; InputErrors are the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parquet/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wv::parquet::ReaderLimits limits;
  // Small caps keep each input cheap; they are checked before any allocation.
  limits.max_page_bytes = 4 << 20;
  limits.max_row_group_rows = 1 << 16;
  auto reader = wv::parquet::FileReader::OpenBuffer(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz", limits);
  if (!reader.ok()) return 0;
  const auto& r = **reader;
  for (int g = 0; g < r.num_row_groups(); ++g) {
    for (size_t c = 0; c < r.schema().columns.size(); ++c) {
      (void)r.Statistics(g, static_cast<int>(c));
      (void)r.ColumnChunkInfo(g, static_cast<int>(c));
      auto column = r.ReadColumn(g, static_cast<int>(c));
      (void)column;
      auto dictionary = r.ReadDictionaryColumn(g, static_cast<int>(c));
      (void)dictionary;
    }
  }
  return 0;
}
