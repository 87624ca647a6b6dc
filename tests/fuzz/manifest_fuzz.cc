// libFuzzer target: parses arbitrary bytes as DIR/_manifest.json with
// run::ManifestFromJson, then uses what it returns the way `check` and the
// readers do (the listed paths, the table lookup, a round trip through
// ManifestToJson). Any crash, sanitizer report, uncaught exception or huge
// allocation is a bug; InputErrors are the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/star_schema.h"
#include "run/manifest.h"
#include "run/output_listing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = wv::run::ManifestFromJson(text);
  if (!parsed.ok()) return 0;
  const wv::run::Manifest& m = *parsed;
  for (std::string_view table : wv::model::kAllTables) (void)m.FindTable(table);
  for (const auto& t : m.tables) {
    for (const auto& f : t.files) (void)wv::run::ListedPathProblem(t.name, f.path);
  }
  for (const auto& f : m.state_files) (void)wv::run::StatePathProblem(f.path);
  for (const auto& b : m.batches) (void)b.inputs.size();
  (void)wv::run::CheckManifestPaths(m);
  // What the run writes, `check` reads back unchanged.
  auto again = wv::run::ManifestFromJson(wv::run::ManifestToJson(m));
  if (!again.ok() || wv::run::ManifestToJson(*again) != wv::run::ManifestToJson(m)) std::abort();
  return 0;
}
