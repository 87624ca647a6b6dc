// `wordviews hlr`: half-life regression and its baselines (src/hlr), trained
// and evaluated as Settles & Meeder (2016) did, on traces or a star schema.
#include <memory>
#include <string>
#include <vector>

#include "analytics/result_table.h"
#include "cli/command.h"
#include "core/number_format.h"
#include "core/terminal_text.h"
#include "fmt/core.h"
#include "hlr/experiment.h"
#include "hlr/load.h"
#include "hlr/output.h"

namespace wv::cli {
namespace {

struct HlrFlags {
  std::vector<std::string> traces;
  std::string star;
  std::string method = "hlr";
  bool no_lexeme = false;
  bool no_halflife_term = false;
  bool no_bias = false;
  uint64_t seed = 1;
  bool no_shuffle = false;
  std::string out;
  std::string format = "table";
  std::string show = "metrics";
  int top = 10;
  uint64_t min_lexeme_rows = 30;
  std::string lexemes;
  std::string languages;
  int threads = 0;
  bool quiet = false;
};

// The models the flags ask for. UsageError for an ablation that does not
// apply to the method.
StatusOr<std::vector<hlr::ModelSpec>> ModelsFromFlags(const HlrFlags& f) {
  const bool ablation = f.no_lexeme || f.no_halflife_term || f.no_bias;
  if (f.method == "all") {
    if (ablation) {
      return UsageError(
          "hlr: --method all runs the paper's models (ablations included); it takes no "
          "--no-lexeme, --no-halflife-term or --no-bias");
    }
    return hlr::PaperModels();
  }
  const std::optional<hlr::Method> method = hlr::ParseMethod(f.method);
  if (!method) return UsageError(fmt::format("hlr: unknown --method '{}'", f.method));
  hlr::ModelSpec spec{*method};
  if ((f.no_lexeme || f.no_bias) && !spec.Trains()) {
    return UsageError("hlr: --no-lexeme and --no-bias apply to --method hlr and lr only");
  }
  if (f.no_halflife_term && *method != hlr::Method::kHlr) {
    return UsageError("hlr: --no-halflife-term applies to --method hlr only");
  }
  spec.lexemes = !f.no_lexeme;
  spec.bias = !f.no_bias;
  spec.halflife_term = !f.no_halflife_term;
  return std::vector<hlr::ModelSpec>{spec};
}

// Progress of reading traces on stderr: a redrawn line on a terminal,
// nothing otherwise (the summary line follows).
class ReadProgress {
 public:
  explicit ReadProgress(bool shown) : shown_(shown && StderrIsTerminal()) {}
  ~ReadProgress() { End(); }

  void Update(const traces::IngestProgress& p) {
    if (!shown_ || ++calls_ % 8 != 0) return;
    std::string total;
    if (p.stored_bytes_total && *p.stored_bytes_total > 0) {
      total = fmt::format(" ({:.0f}%)", 100.0 * static_cast<double>(p.stored_bytes_read) /
                                            static_cast<double>(*p.stored_bytes_total));
    }
    PrintStderr(fmt::format("\rhlr: reading {} rows, {}{}   ",
                            Thousands(static_cast<int64_t>(p.rows)),
                            HumanBytes(static_cast<double>(p.stored_bytes_read)), total));
    drawn_ = true;
  }
  void End() {
    if (drawn_) PrintStderr("\n");
    drawn_ = false;
  }

 private:
  bool shown_;
  bool drawn_ = false;
  uint64_t calls_ = 0;
};

StatusOr<hlr::LoadedData> Load(const HlrFlags& f, int threads) {
  if (f.traces.empty() == f.star.empty()) {
    return UsageError("hlr: give either --traces PATH... or --star DIR");
  }
  if (!f.star.empty()) return hlr::LoadStar(f.star, threads);
  ReadProgress progress(!f.quiet);
  hlr::TraceInput input{f.traces, f.lexemes, f.languages, threads,
                        [&](const traces::IngestProgress& p) { progress.Update(p); }};
  StatusOr<hlr::LoadedData> loaded = hlr::LoadTraces(input);
  progress.End();
  return loaded;
}

std::string SummaryLine(const hlr::LoadedData& d, const hlr::ExperimentResult& r) {
  std::string rejected;
  if (d.rejected_rows > 0) {
    for (size_t k = 0; k < d.rejected_by_reason.size(); ++k) {
      if (d.rejected_by_reason[k] == 0) continue;
      rejected += fmt::format("{}{} {}", rejected.empty() ? "" : ", ",
                              Thousands(static_cast<int64_t>(d.rejected_by_reason[k])),
                              traces::RejectReasonName(static_cast<traces::RejectReason>(k)));
    }
    rejected = " (" + rejected + ")";
  }
  return fmt::format(
      "hlr: {} rows read, {} rejected{}; {} train, {} test; read {:.2f} s, shuffle {:.2f} s, "
      "train {:.2f} s, evaluate {:.2f} s\n",
      Thousands(static_cast<int64_t>(d.input_rows)),
      Thousands(static_cast<int64_t>(d.rejected_rows)), rejected,
      Thousands(static_cast<int64_t>(r.train_rows)), Thousands(static_cast<int64_t>(r.test_rows)),
      d.seconds, r.shuffle_seconds, r.train_seconds, r.evaluate_seconds);
}

// The table --show asks for, of the first model.
StatusOr<analytics::ResultTable> ShownTable(const HlrFlags& f, const hlr::LoadedData& d,
                                            const hlr::ExperimentResult& r) {
  if (f.show == "metrics") return hlr::MetricsTable(r);
  const hlr::ModelResult& first = r.models.front();
  if (f.show == "weights") return hlr::WeightsTable(first, d.set);
  if (f.show == "lexemes") return hlr::LexemesTable(first.lexemes);
  if (!first.model.spec().PredictsHalfLife()) {
    return UsageError(fmt::format("hlr: model {} predicts no half-life (--show half-lives)",
                                  first.model.spec().Name()));
  }
  return hlr::HalfLivesTable(first.half_lives);
}

std::vector<std::string> Arguments(const HlrFlags& f) {
  std::vector<std::string> a = {"wordviews", "hlr"};
  for (const auto& t : f.traces) a.insert(a.end(), {"--traces", t});
  if (!f.star.empty()) a.insert(a.end(), {"--star", f.star});
  a.insert(a.end(), {"--method", f.method, "--seed", std::to_string(f.seed)});
  if (f.no_lexeme) a.push_back("--no-lexeme");
  if (f.no_halflife_term) a.push_back("--no-halflife-term");
  if (f.no_bias) a.push_back("--no-bias");
  if (f.no_shuffle) a.push_back("--no-shuffle");
  return a;
}

Status RunHlr(const HlrFlags& f) {
  const int threads = ResolveThreads(f.threads, "hlr");
  WV_ASSIGN_OR_RETURN(std::vector<hlr::ModelSpec> models, ModelsFromFlags(f));
  WV_ASSIGN_OR_RETURN(const hlr::LoadedData data, Load(f, threads));
  if (!data.note.empty()) PrintStderr(fmt::format("wordviews: warning: {}\n", data.note));
  if (data.set.size() < 2) {
    return InputError(
        fmt::format("hlr: {} rows to learn from; at least 2 are needed (one to train, one to test)",
                    data.set.size()));
  }
  hlr::ExperimentOptions options;
  options.models = std::move(models);
  options.shuffle = !f.no_shuffle;
  options.seed = f.seed;
  options.threads = threads;
  options.top_lexemes = f.top;
  options.min_lexeme_rows = f.min_lexeme_rows;
  options.keep_predictions = !f.out.empty();
  const hlr::ExperimentResult result = hlr::RunExperiment(data.set, options);
  if (!f.quiet) PrintStderr(EscapeForTerminalKeepNewlines(SummaryLine(data, result)));
  if (!f.out.empty()) {
    std::vector<std::string> inputs = f.traces;
    if (!f.star.empty()) inputs.push_back(f.star);
    WV_RETURN_IF_ERROR(hlr::WriteOutputFolder(
        f.out, data, result, {Arguments(f), options.shuffle, options.seed, threads}, inputs));
    if (!f.quiet) PrintStderr(EscapeForTerminal("hlr: wrote " + f.out) + "\n");
  }
  WV_ASSIGN_OR_RETURN(const analytics::ResultTable table, ShownTable(f, data, result));
  if (f.format == "csv") return WriteStdout(analytics::FormatAsCsv(table));
  if (f.format == "json") return WriteStdout(analytics::FormatAsJson(table, "hlr"));
  return WriteStdout(analytics::FormatAsTable(table));
}

}  // namespace

void RegisterHlrCommand(CLI::App& root, CommandAction* selected) {
  auto flags = std::make_shared<HlrFlags>();
  auto* sub = root.add_subcommand(
      "hlr", "Train and evaluate half-life regression and its baselines (Settles & Meeder 2016)");
  sub->add_option("--traces", flags->traces,
                  "Learning-traces CSV files or globs, validated as `run` validates them")
      ->expected(1, -1);
  sub->add_option("--star", flags->star, "Or: the output folder of `wordviews run`");
  sub->add_option("--method", flags->method,
                  "hlr | lr | leitner | pimsleur | constant | all (the paper's Table 2: hlr, "
                  "hlr-lex, hlr-h, leitner, pimsleur, lr, constant)")
      ->capture_default_str()
      ->check(CLI::IsMember({"hlr", "lr", "leitner", "pimsleur", "constant", "all"}));
  sub->add_flag("--no-lexeme", flags->no_lexeme, "Without lexeme features (the paper's -lex)");
  sub->add_flag("--no-halflife-term", flags->no_halflife_term,
                "hlr without the half-life term of the loss (the paper's -h)");
  sub->add_flag("--no-bias", flags->no_bias, "Without the bias feature (the script's -b)");
  sub->add_option("--seed", flags->seed, "Seed of the shuffled training order")
      ->capture_default_str();
  sub->add_flag("--no-shuffle", flags->no_shuffle,
                "Train in input order (for exact comparisons with other implementations)");
  sub->add_option("--out", flags->out,
                  "Also write weights, lexemes, half-lives, predictions and hlr.json to this "
                  "folder (replaced atomically)");
  sub->add_option("--format", flags->format,
                  "table (for people) | csv | json (exact, full precision)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json"}));
  sub->add_option("--show", flags->show,
                  "What standard output shows: metrics (every model) | half-lives | lexemes | "
                  "weights (of the first model)")
      ->capture_default_str()
      ->check(CLI::IsMember({"metrics", "half-lives", "lexemes", "weights"}));
  sub->add_option("--top", flags->top, "Hardest and easiest lexemes shown per language")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--min-lexeme-rows", flags->min_lexeme_rows,
                  "Training rows a lexeme needs to be ranked")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  sub->add_option("--lexemes", flags->lexemes,
                  "Lexeme tag reference for --traces (default: the bundled one)");
  sub->add_option("--languages", flags->languages,
                  "Language-code reference for --traces (default: the bundled one)");
  sub->add_option("--threads", flags->threads,
                  "Threads (0, the default: all cores; at most 256); results do not depend on it")
      ->check(ThreadsValidator());
  sub->add_flag("-q,--quiet", flags->quiet, "Print nothing but the table and errors");
  sub->callback([selected, flags] { *selected = [flags] { return RunHlr(*flags); }; });
}

}  // namespace wv::cli
