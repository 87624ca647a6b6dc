#ifndef WV_WAREHOUSE_SQL_TEXT_H_
#define WV_WAREHOUSE_SQL_TEXT_H_

#include <string>
#include <string_view>

// SQL text for the two dialects the warehouse speaks: identifiers and string
// literals quoted so that any name or text is safe to splice into a
// statement. Pure functions; thread-safe.
namespace wv::warehouse {

enum class Dialect { kPostgres, kRedshift };

// "postgres" / "redshift".
std::string_view DialectName(Dialect d);

// `name` as a double-quoted identifier ("a""b" for a"b), always quoted so
// that case and reserved words are kept exactly.
std::string QuoteIdentifier(std::string_view name);

// schema.name, both quoted.
std::string QualifiedName(std::string_view schema, std::string_view name);

// `text` as a standard string literal: 'it''s'. PostgreSQL reads it literally
// with standard_conforming_strings on (the loader's sessions set it);
// Redshift also treats a backslash in a literal as an escape, so for
// kRedshift backslashes are doubled.
std::string QuoteLiteral(std::string_view text, Dialect d = Dialect::kPostgres);

// The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer
// names are silently truncated by the server, so callers refuse them.
inline constexpr size_t kMaxIdentifierBytes = 63;

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_SQL_TEXT_H_
