#ifndef WV_CORE_NUMBER_FORMAT_H_
#define WV_CORE_NUMBER_FORMAT_H_

#include <cstdint>
#include <string>

// Numbers formatted for people (query totals, the HTML report). Pure
// functions; thread-safe.
namespace wv {

// 12345678 -> "12,345,678"; -1234 -> "-1,234". Exact over the whole int64
// range, INT64_MIN included (its magnitude does not fit an int64, so it is
// taken as unsigned, never negated).
std::string Thousands(int64_t v);

}  // namespace wv

#endif  // WV_CORE_NUMBER_FORMAT_H_
