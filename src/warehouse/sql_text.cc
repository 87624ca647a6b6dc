#include "warehouse/sql_text.h"

namespace wv::warehouse {

std::string_view DialectName(Dialect d) {
  return d == Dialect::kPostgres ? "postgres" : "redshift";
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QualifiedName(std::string_view schema, std::string_view name) {
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(name);
}

std::string QuoteLiteral(std::string_view text, Dialect d) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    if (c == '\\' && d == Dialect::kRedshift) out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace wv::warehouse
