#include <gtest/gtest.h>

#include "core/status.h"

namespace wv {
namespace {

TEST(StatusTest, EachErrorKindHasItsOwnExitCode) {
  EXPECT_EQ(ExitCodeFor(Status()), kExitOk);
  EXPECT_EQ(ExitCodeFor(UsageError("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(InputError("x")), kExitInput);
  EXPECT_EQ(ExitCodeFor(QualityGateError("x")), kExitQualityGate);
  EXPECT_EQ(ExitCodeFor(OutputError("x")), kExitOutput);
  EXPECT_EQ(ExitCodeFor(MismatchError("x")), kExitMismatch);
  EXPECT_EQ(ExitCodeFor(UnavailableError("x")), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(DeniedError("x")), kExitDenied);
  EXPECT_EQ(UnavailableError("x").ToString(), "unavailable: x");
  EXPECT_EQ(DeniedError("x").ToString(), "permission denied: x");
  EXPECT_EQ(ExitCodeFor(StaleError("x")), kExitStale);
  EXPECT_EQ(StaleError("x").ToString(), "stale: x");
  EXPECT_EQ(ExitCodeFor(InternalError("x")), kExitInternal);
}

TEST(StatusTest, AnnotateKeepsKindAndPrefixesContext) {
  Status s = Annotate(InputError("truncated"), "reading a.csv.gz");
  EXPECT_EQ(ExitCodeFor(s), kExitInput);
  EXPECT_EQ(s.message(), "reading a.csv.gz: truncated");
  EXPECT_TRUE(Annotate(Status(), "ctx").ok());
}

}  // namespace
}  // namespace wv
