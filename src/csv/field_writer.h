#ifndef WV_CSV_FIELD_WRITER_H_
#define WV_CSV_FIELD_WRITER_H_

#include <string>
#include <string_view>

// Writing RFC 4180 fields: the one quoting rule for every CSV the project
// prints (`query --format csv`, `parquet cat`). Pure; thread-safe.
namespace wv::csv {

// Appends `field` to *out as one CSV field: as it is, or, when it holds a
// ',', '"', CR or LF, between double quotes with each '"' doubled. The bytes
// are otherwise exact (never escaped).
void AppendCsvField(std::string_view field, std::string* out);

}  // namespace wv::csv

#endif  // WV_CSV_FIELD_WRITER_H_
