// `wordviews query DIR NAME`: answers a research question from the star schema.
#include <cstdio>
#include <memory>
#include <string>

#include "analytics/queries.h"
#include "cli/command.h"
#include "cli/s3_options.h"
#include "fmt/core.h"

namespace wv::cli {

namespace {

struct QueryFlags {
  S3Flags s3;
  std::string dir;
  std::string name;
  std::string format = "table";
  bool list = false;
  analytics::QueryOptions options;
};

std::string QueryList() {
  std::string out = "Queries:\n";
  for (const auto& q : analytics::AllQueries()) {
    out += fmt::format("  {:<18} {}\n", q.name, q.description);
  }
  return out;
}

Status RunQueryCommand(QueryFlags flags) {
  flags.options.threads = ResolveThreads(flags.options.threads, "query");
  if (flags.list) return WriteStdout(QueryList());
  if (flags.dir.empty() || flags.name.empty()) {
    return UsageError("query: expected DIR and NAME (see `wordviews query --list`)");
  }
  const analytics::QueryDef* query = analytics::FindQuery(flags.name);
  if (query == nullptr) {
    return UsageError(fmt::format("query: unknown query '{}'\n{}", flags.name, QueryList()));
  }
  WV_ASSIGN_OR_RETURN(analytics::ResultTable table,
                      analytics::RunQuery(flags.dir, *query, flags.options));
  if (flags.format == "csv") return WriteStdout(analytics::FormatAsCsv(table));
  if (flags.format == "json") return WriteStdout(analytics::FormatAsJson(table, query->name));
  return WriteStdout(analytics::FormatAsTable(table));
}

}  // namespace

void RegisterQueryCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<QueryFlags>();
  auto* sub = root.add_subcommand("query", "Answer a research question from the star schema");
  sub->add_option("DIR", flags->dir, "Output folder of `wordviews run` (the star schema)");
  sub->add_option("NAME", flags->name, "Query name (see --list)");
  sub->add_option("--format", flags->format,
                  "table (for people; text from the data escaped) | csv | json (exact, full "
                  "precision)")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  sub->add_flag("--list", flags->list, "List the queries");
  sub->add_option("--top", flags->options.top, "hardest-words: words per learning language")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--min-views", flags->options.min_views,
                  "hardest-words: minimum views for a word to be ranked")
      ->check(CLI::Range(int64_t{1}, INT64_MAX));
  sub->add_option("--threads", flags->options.threads,
                  "Threads for decoding and fitting (0: all cores; at most 256)")
      ->capture_default_str()
      ->check(ThreadsValidator());
  sub->footer(QueryList());
  AddS3Flags(sub, &flags->s3);
  sub->callback([selected, flags] {
    *selected = [flags] {
      ApplyS3Flags(flags->s3);
      return RunQueryCommand(*flags);
    };
  });
}

}  // namespace wv::cli
