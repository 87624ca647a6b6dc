#ifndef WV_PARQUET_COLUMN_WRITER_H_
#define WV_PARQUET_COLUMN_WRITER_H_

#include <cstddef>
#include <string>

#include "core/status.h"
#include "parquet/column_vector.h"
#include "parquet/metadata.h"
#include "parquet/schema.h"
#include "parquet/writer.h"

// Encodes one column chunk (the rows of one column in one row group) into its
// pages: an optional PLAIN dictionary page, then data pages v1 (definition
// levels for OPTIONAL columns, then RLE_DICTIONARY indices or PLAIN values),
// each compressed and preceded by its Thrift PageHeader. Stateless function;
// distinct calls may run on distinct threads.
namespace wv::parquet {

struct EncodedColumnChunk {
  std::string bytes;            // the pages, ready to append to the file
  format::ColumnMetaData meta;  // offsets relative to the start of `bytes`
};

// Encodes rows [begin, end) of `column`.
// REQUIRES: the column holds at least `end` values of its physical type (and
// `end` validity bytes if OPTIONAL).
Status EncodeColumnChunk(const ColumnSchema& schema, const ColumnVector& column, size_t begin,
                         size_t end, const WriterOptions& options, EncodedColumnChunk* out);

// Parquet physical type of a schema column.
format::Type ToFormatType(PhysicalType type);

}  // namespace wv::parquet

#endif  // WV_PARQUET_COLUMN_WRITER_H_
