#ifndef WV_PARQUET_COLUMN_READER_H_
#define WV_PARQUET_COLUMN_READER_H_

#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "parquet/column_vector.h"
#include "parquet/metadata.h"
#include "parquet/reader.h"
#include "parquet/schema.h"

// Decodes one column chunk of a flat column: walks its pages (dictionary,
// data page v1 and v2; index pages and unknown page types are skipped),
// decompresses them and decodes definition levels and PLAIN, RLE_DICTIONARY /
// PLAIN_DICTIONARY or RLE (boolean) values. Every size and offset is checked
// against the file and `limits`. Stateless function.
namespace wv::parquet {

// `file` is the whole file; `num_rows` the row group's row count; `context`
// names the file, row group and column for messages.
Status ReadColumnChunk(std::string_view file, const format::ColumnChunk& chunk,
                       const ColumnSchema& schema, int64_t num_rows, const ReaderLimits& limits,
                       std::string_view context, ColumnVector* out);

// As ReadColumnChunk, but keeps dictionary-encoded values as indices into the
// chunk's dictionary (see DictionaryColumn). If a data page holding values is
// in another encoding (a writer's PLAIN fallback), sets *dictionary_encoded =
// false and leaves *out empty; the caller then uses ReadColumnChunk.
Status ReadDictionaryChunk(std::string_view file, const format::ColumnChunk& chunk,
                           const ColumnSchema& schema, int64_t num_rows, const ReaderLimits& limits,
                           std::string_view context, DictionaryColumn* out,
                           bool* dictionary_encoded);

std::string_view EncodingName(int32_t encoding);

}  // namespace wv::parquet

#endif  // WV_PARQUET_COLUMN_READER_H_
