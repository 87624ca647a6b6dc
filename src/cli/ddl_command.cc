// `wordviews ddl --dialect postgres|redshift`: prints the warehouse's SQL
// (warehouse/ddl_script.h).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "fmt/core.h"
#include "run/output_listing.h"
#include "warehouse/ddl_script.h"
#include "warehouse/schema_state.h"
#include "warehouse/summary_tables.h"

namespace wv::cli {
namespace {

struct DdlFlags {
  std::string dialect = "postgres";
  std::string schema = "wordviews";
  std::string s3_prefix;
  std::string iam_role;
  std::string summaries_from;
  int threads = 0;
  std::vector<std::string> indexes;
};

Status CheckFlags(const DdlFlags& flags) {
  WV_RETURN_IF_ERROR(warehouse::NamesFor(flags.schema).status());
  if (flags.dialect == "postgres" && (!flags.s3_prefix.empty() || !flags.iam_role.empty())) {
    return UsageError("ddl: --s3-prefix and --iam-role are for --dialect redshift");
  }
  if (flags.dialect == "redshift" && !flags.indexes.empty()) {
    return UsageError("ddl: --index is for --dialect postgres (Redshift has no indexes)");
  }
  if (!flags.iam_role.empty() && flags.s3_prefix.empty()) {
    return UsageError("ddl: --iam-role needs --s3-prefix (where the COPY statements read from)");
  }
  if (!flags.s3_prefix.empty() && !flags.s3_prefix.starts_with("s3://")) {
    return UsageError("ddl: --s3-prefix must be an s3:// URL (s3://bucket/prefix)");
  }
  return OkStatus();
}

StatusOr<std::vector<warehouse::SummaryTable>> ReadSummaries(const std::string& dir, int threads) {
  std::string note;
  WV_ASSIGN_OR_RETURN(const auto out, run::OpenVerifiedOutput(dir, &note));
  if (!note.empty()) PrintStderr("wordviews: warning: " + note + "\n");
  StatusOr<std::vector<warehouse::SummaryTable>> s =
      warehouse::ComputeSummaries(out->root(), threads);
  if (!s.ok()) return out->Localize(s.status());
  return s;
}

Status RunDdl(const DdlFlags& flags) {
  WV_RETURN_IF_ERROR(CheckFlags(flags));
  warehouse::DdlScriptOptions options;
  options.dialect =
      flags.dialect == "redshift" ? warehouse::Dialect::kRedshift : warehouse::Dialect::kPostgres;
  options.schema = flags.schema;
  options.s3_prefix = flags.s3_prefix;
  options.iam_role = flags.iam_role;
  options.indexes = flags.indexes;
  std::vector<warehouse::SummaryTable> summaries;
  if (!flags.summaries_from.empty()) {
    WV_ASSIGN_OR_RETURN(summaries,
                        ReadSummaries(flags.summaries_from, ResolveThreads(flags.threads, "ddl")));
    options.summaries = &summaries;
  }
  return WriteStdout(warehouse::DdlScript(options));
}

}  // namespace

void RegisterDdlCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<DdlFlags>();
  auto* sub = root.add_subcommand(
      "ddl", "Print the star schema's SQL (tables, keys, comments, views) for a database");
  sub->add_option("--dialect", flags->dialect, "postgres | redshift")
      ->capture_default_str()
      ->check(CLI::IsMember({"postgres", "redshift"}));
  sub->add_option("--schema", flags->schema, "Schema the statements create and name")
      ->capture_default_str();
  sub->add_option("--s3-prefix", flags->s3_prefix,
                  "redshift: s3://bucket/prefix where the output was published; adds COPY "
                  "statements reading <prefix>/<table>.manifest (FORMAT AS PARQUET MANIFEST)");
  sub->add_option("--iam-role", flags->iam_role,
                  "redshift: the IAM role ARN the COPY statements use (default: IAM_ROLE default)");
  sub->add_option("--summaries-from", flags->summaries_from,
                  "An output folder: adds INSERT statements filling the summary tables with its "
                  "`wordviews query` answers")
      ->type_name("DIR");
  AddIndexOption(sub, &flags->indexes);
  sub->add_option("--threads", flags->threads,
                  "Threads for --summaries-from (0: all cores; at most 256)")
      ->capture_default_str()
      ->check(ThreadsValidator());
  sub->callback([selected, flags] { *selected = [flags] { return RunDdl(*flags); }; });
}

}  // namespace wv::cli
