#ifndef WV_TESTS_SUPPORT_TEST_SINKS_H_
#define WV_TESTS_SUPPORT_TEST_SINKS_H_

#include <memory>
#include <string>

#include "io/byte_sink.h"

// Byte sinks for tests, tools and benchmarks (the
// production file sink is io::OpenFileSink).
namespace wv::testing {

// Collects everything appended into a string the caller owns, which must
// outlive the sink. Not thread-safe.
std::unique_ptr<io::ByteSink> NewStringSink(std::string* out);

// A plain buffered local file (no fsync, no atomic rename): for tests, tools
// and benchmarks only.
StatusOr<std::unique_ptr<io::ByteSink>> NewTestFileSink(const std::string& path);

}  // namespace wv::testing

#endif  // WV_TESTS_SUPPORT_TEST_SINKS_H_
