// `wordviews report DIR -o report.html`: the self-contained HTML report.
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/s3_options.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "report/report.h"

namespace wv::cli {

namespace {

struct ReportFlags {
  S3Flags s3;
  std::string dir;
  std::string out = "report.html";
  bool quiet = false;
  report::ReportOptions options;
};

}  // namespace

void RegisterReportCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<ReportFlags>();
  auto* sub = root.add_subcommand(
      "report",
      "Write a self-contained HTML report (answers, SVG charts, quality checks, data dictionary)");
  sub->add_option("DIR", flags->dir, "Output folder of `wordviews run` (the star schema)")
      ->required();
  sub->add_option("-o,--out", flags->out,
                  "HTML file to write (replaced atomically; '-' is standard output)");
  sub->add_option("--threads", flags->options.threads,
                  "Threads for decoding and fitting (0: all cores; at most 256)")
      ->capture_default_str()
      ->check(ThreadsValidator());
  sub->add_option("--hlr", flags->options.hlr_dir,
                  "The --out folder of `wordviews hlr`: adds the model's predicted half-lives "
                  "next to the raw recall rates");
  sub->add_flag("--quiet", flags->quiet, "Print nothing but errors");
  AddS3Flags(sub, &flags->s3);
  sub->callback([selected, flags] {
    *selected = [flags]() -> Status {
      ApplyS3Flags(flags->s3);
      flags->options.threads = ResolveThreads(flags->options.threads, "report");
      WV_RETURN_IF_ERROR(report::WriteReport(flags->dir, flags->out, flags->options));
      if (!flags->quiet) {
        PrintStderr(
            "report: wrote " +
            (flags->out == "-" ? std::string("standard output") : EscapeForTerminal(flags->out)) +
            "\n");
      }
      return OkStatus();
    };
  });
}

}  // namespace wv::cli
