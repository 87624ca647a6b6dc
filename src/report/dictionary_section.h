#ifndef WV_REPORT_DICTIONARY_SECTION_H_
#define WV_REPORT_DICTIONARY_SECTION_H_

#include <string>

#include "parquet/schema.h"

// The report's data dictionary, generated from the star-schema contract
// (model/star_schema.h): every column of every table with its type,
// nullability and description, each table's keys, and where the Parquet files
// in the folder differ from the contract. Pure functions; thread-safe.
namespace wv::report {

// "string", "int64", "timestamp (UTC, µs)", ... of a column's Parquet types.
std::string TypeName(parquet::PhysicalType physical, parquet::LogicalType logical);

// The section body for the tables under `dir` (a table without files is
// described from the contract alone, and said to be missing).
std::string DictionarySection(const std::string& dir);

}  // namespace wv::report

#endif  // WV_REPORT_DICTIONARY_SECTION_H_
