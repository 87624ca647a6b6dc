#include "hlr/output.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/civil_time.h"
#include "core/parallel.h"
#include "csv/field_writer.h"
#include "fmt/core.h"
#include "io/output_store.h"
#include "nlohmann/json.hpp"

namespace wv::hlr {

namespace {

using analytics::ResultTable;
using analytics::ValueType;
using nlohmann::ordered_json;

constexpr size_t kPredictionBlock = 65536;

void AppendOptional(analytics::ResultColumn& c, const std::optional<double>& v) {
  c.AppendOptionalDouble(v);
}

std::string ModelFile(const ModelResult& m, std::string_view what) {
  return fmt::format("{}.{}.csv", m.model.spec().Name(), what);
}

ordered_json OptionalJson(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json MetricsJson(const Metrics& m) {
  return {{"test_rows", m.test_rows},
          {"mae_p", std::isfinite(m.mae_p) ? ordered_json(m.mae_p) : ordered_json(nullptr)},
          {"auc", OptionalJson(m.auc)},
          {"cor_h", OptionalJson(m.cor_h)},
          {"mae_h", OptionalJson(m.mae_h)},
          {"script_cor_p", OptionalJson(m.script_cor_p)},
          {"script_cor_h", OptionalJson(m.script_cor_h)}};
}

ordered_json HalfLivesJson(const std::vector<HalfLifeSummary>& rows) {
  ordered_json out = ordered_json::array();
  for (const HalfLifeSummary& h : rows) {
    out.push_back({{"group", h.group},
                   {"learning_language", h.learning},
                   {"ui_language", h.ui},
                   {"rows", h.rows},
                   {"median_half_life_days", h.median_half_life_days},
                   {"mean_p_recall", h.mean_p_recall},
                   {"mean_predicted_p", h.mean_predicted_p}});
  }
  return out;
}

ordered_json ModelJson(const ModelResult& m) {
  const ModelSpec& s = m.model.spec();
  ordered_json files = {{"weights", ModelFile(m, "weights")},
                        {"predictions", ModelFile(m, "predictions")}};
  if (!m.lexemes.empty()) files["lexemes"] = ModelFile(m, "lexemes");
  if (!m.half_lives.empty()) files["half_lives"] = ModelFile(m, "half_lives");
  ordered_json j = {{"name", s.Name()},
                    {"method", std::string(MethodName(s.method))},
                    {"lexeme_features", s.lexemes},
                    {"bias_feature", s.bias},
                    {"halflife_term", s.halflife_term},
                    {"metrics", MetricsJson(m.metrics)},
                    {"train_seconds", m.train_seconds},
                    {"train_cpu_seconds", m.train_cpu_seconds},
                    {"evaluate_seconds", m.evaluate_seconds},
                    {"files", files}};
  if (s.method == Method::kConstant) j["constant_p"] = m.model.weights().constant_p;
  if (s.PredictsHalfLife()) j["half_lives"] = HalfLivesJson(m.half_lives);
  return j;
}

// One block of the predictions file, formatted.
std::string FormatPredictionBlock(const ModelResult& m, const TrainingSet& data,
                                  const TestObservations& observed, size_t block) {
  const size_t first = data.train_size();
  const size_t n = m.predictions.p.size();
  const size_t end = std::min(n, (block + 1) * kPredictionBlock);
  std::string text;
  text.reserve((end - block * kPredictionBlock) * 96);
  for (size_t i = block * kPredictionBlock; i < end; ++i) {
    const size_t row = first + i;
    const LanguagePair& pair = data.pairs[data.pair[row]];
    // (fmt::format, not format_to into the string: the clang builds do not
    // link format_to's back_inserter instantiation against Debian's libfmt.)
    text += fmt::format("{},{},{},", observed.p[i], m.predictions.p[i], observed.h[i]);
    if (std::isfinite(m.predictions.h[i])) text += fmt::format("{}", m.predictions.h[i]);
    text += ',';
    csv::AppendCsvField(pair.learning, &text);
    text += ',';
    csv::AppendCsvField(pair.ui, &text);
    text += ',';
    csv::AppendCsvField(data.users[data.user[row]], &text);
    text += fmt::format(",{},", data.timestamp[row]);
    csv::AppendCsvField(data.lexemes[data.rows[row].lexeme].lexeme_string, &text);
    text += '\n';
  }
  return text;
}

Status WritePredictions(io::OutputStore& store, const ModelResult& m, const TrainingSet& data,
                        const TestObservations& observed, int threads) {
  WV_ASSIGN_OR_RETURN(auto sink, store.Create(ModelFile(m, "predictions")));
  WV_RETURN_IF_ERROR(
      sink->Append("p,pp,h,hh,learning_language,ui_language,user_id,timestamp,lexeme_string\n"));
  const size_t blocks = (m.predictions.p.size() + kPredictionBlock - 1) / kPredictionBlock;
  constexpr size_t kWindow = 8;  // blocks formatted at a time: bounded memory
  for (size_t start = 0; start < blocks; start += kWindow) {
    const size_t count = std::min(kWindow, blocks - start);
    std::vector<std::string> texts(count);
    ParallelFor(count, threads, [&](size_t k, int) {
      texts[k] = FormatPredictionBlock(m, data, observed, start + k);
    });
    for (const std::string& t : texts) WV_RETURN_IF_ERROR(sink->Append(t));
  }
  return sink->Close();
}

Status WriteText(io::OutputStore& store, const std::string& name, std::string_view text) {
  WV_ASSIGN_OR_RETURN(auto sink, store.Create(name));
  WV_RETURN_IF_ERROR(sink->Append(text));
  return sink->Close();
}

HalfLifeSummary HalfLifeFromJson(const ordered_json& j) {
  HalfLifeSummary h;
  h.group = j.at("group").get<std::string>();
  h.learning = j.at("learning_language").get<std::string>();
  h.ui = j.at("ui_language").get<std::string>();
  h.rows = j.at("rows").get<uint64_t>();
  h.median_half_life_days = j.at("median_half_life_days").get<double>();
  h.mean_p_recall = j.at("mean_p_recall").get<double>();
  h.mean_predicted_p = j.at("mean_predicted_p").get<double>();
  return h;
}

}  // namespace

ResultTable MetricsTable(const ExperimentResult& result) {
  ResultTable t;
  const size_t model = t.AddColumn("model", ValueType::kString, "the model (the paper's name)");
  const size_t train = t.AddColumn("train_rows", ValueType::kInt64, "rows the model learned from");
  const size_t test = t.AddColumn("test_rows", ValueType::kInt64, "rows it was evaluated on");
  const size_t mae =
      t.AddColumn("mae_p", ValueType::kDouble, "mean |p - p_hat| (lower is better)", "{:.3f}");
  const size_t auc = t.AddColumn("auc", ValueType::kDouble,
                                 "area under the ROC curve of round(p) against p_hat", "{:.3f}");
  const size_t cor = t.AddColumn("cor_h", ValueType::kDouble,
                                 "Spearman rank correlation of h and h_hat", "{:.3f}");
  const size_t mae_h = t.AddColumn("mae_h", ValueType::kDouble, "mean |h - h_hat|, days", "{:.2f}");
  const size_t spp = t.AddColumn("script_cor_p", ValueType::kDouble,
                                 "experiment.py's cor(p): Pearson's r of p and p_hat", "{:.3f}");
  const size_t sph = t.AddColumn("script_cor_h", ValueType::kDouble,
                                 "experiment.py's cor(h): Pearson's r of h and h_hat", "{:.3f}");
  const size_t secs = t.AddColumn("train_seconds", ValueType::kDouble,
                                  "wall-clock seconds of the SGD pass", "{:.2f}");
  for (const ModelResult& m : result.models) {
    t.column(model).AppendString(m.model.spec().Name());
    t.column(train).AppendInt(static_cast<int64_t>(result.train_rows));
    t.column(test).AppendInt(static_cast<int64_t>(result.test_rows));
    t.column(mae).AppendOptionalDouble(
        std::isfinite(m.metrics.mae_p) ? std::optional<double>(m.metrics.mae_p) : std::nullopt);
    AppendOptional(t.column(auc), m.metrics.auc);
    AppendOptional(t.column(cor), m.metrics.cor_h);
    AppendOptional(t.column(mae_h), m.metrics.mae_h);
    AppendOptional(t.column(spp), m.metrics.script_cor_p);
    AppendOptional(t.column(sph), m.metrics.script_cor_h);
    t.column(secs).AppendDouble(m.train_seconds);
  }
  t.note() =
      "p: observed recall clipped to [0.0001, 0.9999]; h = -t/log2(p) clipped to [15 min, 274 d]; "
      "script_cor_*: what experiment.py calls spearmanr (a Pearson correlation)";
  return t;
}

ResultTable WeightsTable(const ModelResult& m, const TrainingSet& data) {
  ResultTable t;
  const size_t feature = t.AddColumn("feature", ValueType::kString, "the reference's feature name");
  const size_t weight = t.AddColumn("weight", ValueType::kDouble, "learned weight");
  const size_t updates = t.AddColumn("updates", ValueType::kInt64,
                                     "SGD updates of the feature (a lexeme: its training rows)");
  const ModelSpec& s = m.model.spec();
  const Weights& w = m.model.weights();
  if (s.method == Method::kConstant) {
    t.column(feature).AppendString("constant_p");
    t.column(weight).AppendDouble(w.constant_p);
    t.column(updates).AppendInt(static_cast<int64_t>(w.constant_rows));
    return t;
  }
  if (!s.Trains()) return t;
  for (int d = 0; d < Weights::kNumDense; ++d) {
    if (d == Weights::kTime && s.method != Method::kLogistic) continue;
    if (d == Weights::kBias && !s.bias) continue;
    t.column(feature).AppendString(Weights::kDenseNames[d]);
    t.column(weight).AppendDouble(w.dense[d]);
    t.column(updates).AppendInt(static_cast<int64_t>(w.dense_count[d]));
  }
  if (s.lexemes) {
    for (size_t k = 0; k < data.lexemes.size(); ++k) {
      t.column(feature).AppendString(data.lexemes[k].FeatureName());
      t.column(weight).AppendDouble(w.lexeme[k]);
      t.column(updates).AppendInt(static_cast<int64_t>(w.lexeme_count[k]));
    }
  }
  return t;
}

ResultTable LexemesTable(const std::vector<RankedLexeme>& lexemes) {
  ResultTable t;
  const size_t language = t.AddColumn("learning_language", ValueType::kString, "");
  const size_t kind = t.AddColumn("kind", ValueType::kString, "hardest or easiest");
  const size_t rank = t.AddColumn("rank", ValueType::kInt64, "1 = the hardest (easiest)");
  const size_t lexeme = t.AddColumn("lexeme_string", ValueType::kString, "");
  const size_t weight = t.AddColumn("weight", ValueType::kDouble, "the lexeme's learned weight");
  const size_t rows = t.AddColumn("train_rows", ValueType::kInt64, "its training rows");
  for (const RankedLexeme& r : lexemes) {
    t.column(language).AppendString(r.learning);
    t.column(kind).AppendString(r.kind);
    t.column(rank).AppendInt(r.rank);
    t.column(lexeme).AppendString(r.lexeme_string);
    t.column(weight).AppendDouble(r.weight);
    t.column(rows).AppendInt(static_cast<int64_t>(r.train_rows));
  }
  return t;
}

ResultTable HalfLivesTable(const std::vector<HalfLifeSummary>& half_lives) {
  ResultTable t;
  const size_t group = t.AddColumn("group", ValueType::kString, "pair or ui (interface language)");
  const size_t learning = t.AddColumn("learning_language", ValueType::kString, "");
  const size_t ui = t.AddColumn("ui_language", ValueType::kString, "");
  const size_t rows = t.AddColumn("rows", ValueType::kInt64, "rows (train and test)");
  const size_t median = t.AddColumn("median_half_life_days", ValueType::kDouble,
                                    "median of the model's predicted half-life, days", "{:.2f}");
  const size_t mean_p = t.AddColumn("mean_p_recall", ValueType::kDouble, "observed");
  const size_t mean_pp = t.AddColumn("mean_predicted_p", ValueType::kDouble, "predicted");
  for (const HalfLifeSummary& h : half_lives) {
    t.column(group).AppendString(h.group);
    t.column(learning).AppendString(h.learning);
    t.column(ui).AppendString(h.ui);
    t.column(rows).AppendInt(static_cast<int64_t>(h.rows));
    t.column(median).AppendDouble(h.median_half_life_days);
    t.column(mean_p).AppendDouble(h.mean_p_recall);
    t.column(mean_pp).AppendDouble(h.mean_predicted_p);
  }
  return t;
}

std::string SummaryJson(const LoadedData& data, const ExperimentResult& result,
                        const RunDescription& run) {
  ordered_json reasons = ordered_json::object();
  for (size_t r = 0; r < data.rejected_by_reason.size(); ++r) {
    reasons[std::string(traces::RejectReasonName(static_cast<traces::RejectReason>(r)))] =
        data.rejected_by_reason[r];
  }
  ordered_json models = ordered_json::array();
  for (const ModelResult& m : result.models) models.push_back(ModelJson(m));
  ordered_json j = {{"format", std::string(kSummaryFormat)},
                    {"format_version", 1},
                    {"program_version", WV_VERSION},
                    {"created_at", IsoDateTimeString(NowEpochSeconds())},
                    {"arguments", run.arguments},
                    {"source", data.source},
                    {"rows",
                     {{"input", data.input_rows},
                      {"rejected", data.rejected_rows},
                      {"rejected_by_reason", reasons},
                      {"used", data.set.size()},
                      {"train", result.train_rows},
                      {"test", result.test_rows}}},
                    {"order", run.shuffle ? "one pass over the training rows shuffled by the seed"
                                          : "one pass over the training rows in input order"},
                    {"seed", run.seed},
                    {"hyperparameters",
                     {{"learning_rate", kLearningRate},
                      {"halflife_weight", kHalfLifeWeight},
                      {"l2_weight", kL2Weight},
                      {"min_p", kMinP},
                      {"max_p", kMaxP},
                      {"min_half_life_days", kMinHalfLifeDays},
                      {"max_half_life_days", kMaxHalfLifeDays}}},
                    {"models", models},
                    {"seconds",
                     {{"load", data.seconds},
                      {"shuffle", result.shuffle_seconds},
                      {"train", result.train_seconds},
                      {"evaluate", result.evaluate_seconds}}}};
  return j.dump(2) + "\n";
}

bool IsOwnSummary(std::string_view text) {
  const ordered_json j = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("format") && j["format"] == kSummaryFormat;
}

Status WriteOutputFolder(const std::string& dir, const LoadedData& data,
                         const ExperimentResult& result, const RunDescription& run,
                         const std::vector<std::string>& inputs) {
  io::OutputStoreOptions options;
  options.is_own_manifest = IsOwnSummary;
  options.manifest_name = std::string(kSummaryName);
  options.inputs = inputs;
  WV_ASSIGN_OR_RETURN(std::unique_ptr<io::OutputStore> store,
                      io::OpenLocalOutputStore(dir, options));
  WV_RETURN_IF_ERROR(
      WriteText(*store, "metrics.csv", analytics::FormatAsCsv(MetricsTable(result))));
  for (const ModelResult& m : result.models) {
    WV_RETURN_IF_ERROR(WriteText(*store, ModelFile(m, "weights"),
                                 analytics::FormatAsCsv(WeightsTable(m, data.set))));
    if (!m.lexemes.empty()) {
      WV_RETURN_IF_ERROR(WriteText(*store, ModelFile(m, "lexemes"),
                                   analytics::FormatAsCsv(LexemesTable(m.lexemes))));
    }
    if (!m.half_lives.empty()) {
      WV_RETURN_IF_ERROR(WriteText(*store, ModelFile(m, "half_lives"),
                                   analytics::FormatAsCsv(HalfLivesTable(m.half_lives))));
    }
    WV_RETURN_IF_ERROR(WritePredictions(*store, m, data.set, result.observed, run.threads));
  }
  // Last: its presence marks a complete output.
  WV_RETURN_IF_ERROR(WriteText(*store, std::string(kSummaryName), SummaryJson(data, result, run)));
  return store->Commit();
}

StatusOr<HlrOutputSummary> ReadOutputSummary(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kSummaryName);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return InputError(
        fmt::format("{}: cannot read (expected the --out folder of `wordviews hlr`)", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (!IsOwnSummary(text)) return InputError(fmt::format("{}: not an hlr summary", path));
  try {
    const ordered_json j = ordered_json::parse(text);
    HlrOutputSummary out;
    out.source = j.at("source").get<std::string>();
    for (const ordered_json& m : j.at("models")) {
      if (!m.contains("half_lives")) continue;
      ModelHalfLives h;
      h.model = m.at("name").get<std::string>();
      for (const ordered_json& row : m.at("half_lives"))
        h.half_lives.push_back(HalfLifeFromJson(row));
      out.models.push_back(std::move(h));
    }
    return out;
  } catch (const ordered_json::exception& e) {
    return InputError(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace wv::hlr
