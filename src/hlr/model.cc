#include "hlr/model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace wv::hlr {

namespace {

constexpr double kSecondsPerDay = 60 * 60 * 24;
constexpr double kLn2 = std::numbers::ln2;  // the reference's math.log(2.)
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The reference's LN2**2, computed as it computes it (pow, not a product).
double Ln2Squared() {
  static const double value = std::pow(kLn2, 2.0);
  return value;
}

// pclip and hclip: min(max(x, lo), hi), NaN passing through as in Python.
inline double PClip(double p) { return std::min(std::max(p, kMinP), kMaxP); }
inline double HClip(double h) { return std::min(std::max(h, kMinHalfLifeDays), kMaxHalfLifeDays); }

// The reference raises 2. to a power with Python's float pow, which is the
// C library's pow(); an overflow (OverflowError there) gives inf here, which
// the clip turns into the same 274 days.
inline double Pow2(double x) { return std::exp2(x); }

// √(1 + count), the reference's math.sqrt(1 + right) of an integer.
inline double SqrtOnePlus(uint32_t count) {
  return std::sqrt(static_cast<double>(uint64_t{1} + count));
}

// One SGD step of every feature k of a row, in the reference's order of
// operations (experiment.py, train_update): the loss gradients were computed
// before any weight changed; the L2 step uses the weight already updated.
struct HlrStep {
  double dlp;        // 2(p̂ − p)·ln2²·p̂·(t/ĥ)
  double dlh;        // 2(ĥ − h)·ln2·ĥ
  double base_rate;  // (1/(1 + p))·0.001
  bool halflife_term;

  void Update(double& weight, double x, uint64_t& count) const {
    const double rate = base_rate / std::sqrt(static_cast<double>(1 + count));
    weight -= rate * dlp * x;
    if (halflife_term) weight -= rate * kHalfLifeWeight * dlh * x;
    weight -= rate * kL2Weight * weight;  // / σ² with σ = 1: exact
    ++count;
  }
};

struct LogisticStep {
  double error;  // p̂ − p

  void Update(double& weight, double x, uint64_t& count) const {
    const double rate = kLearningRate / std::sqrt(static_cast<double>(1 + count));
    weight -= rate * error * x;
    weight -= rate * kL2Weight * weight;
    ++count;
  }
};

// A row's feature values, in the reference's order (time for lr only).
struct Features {
  double right;
  double wrong;
  double time;
};

Features FeaturesOf(const TraceRow& row, double t) {
  return {SqrtOnePlus(row.right), SqrtOnePlus(row.wrong), t};
}

// θ·x, summed in the reference's feature order. The flags are constants in
// the training passes (templates), so their tests fold away there.
inline double Dot(const Weights& w, const TraceRow& row, const Features& x, bool time, bool bias,
                  bool lexemes) {
  double dp = w.dense[Weights::kRight] * x.right;
  dp += w.dense[Weights::kWrong] * x.wrong;
  if (time) dp += w.dense[Weights::kTime] * x.time;
  if (bias) dp += w.dense[Weights::kBias];
  if (lexemes) dp += w.lexeme[row.lexeme];
  return dp;
}

// One SGD pass: for each row, `make_step(θ·x, observation)` gives the step
// (its gradients computed before any weight changes), applied to every
// feature of the row in order.
template <bool kTime, bool kBias, bool kLexemes, typename MakeStep>
void SgdPass(std::span<const TraceRow> rows, Weights& w, const MakeStep& make_step) {
  for (const TraceRow& row : rows) {
    const Observation o = Observe(row);
    const Features x = FeaturesOf(row, o.t);
    const auto step = make_step(Dot(w, row, x, kTime, kBias, kLexemes), o);
    step.Update(w.dense[Weights::kRight], x.right, w.dense_count[Weights::kRight]);
    step.Update(w.dense[Weights::kWrong], x.wrong, w.dense_count[Weights::kWrong]);
    if (kTime) step.Update(w.dense[Weights::kTime], x.time, w.dense_count[Weights::kTime]);
    if (kBias) step.Update(w.dense[Weights::kBias], 1.0, w.dense_count[Weights::kBias]);
    if (kLexemes) step.Update(w.lexeme[row.lexeme], 1.0, w.lexeme_count[row.lexeme]);
  }
}

template <bool kLexemes, bool kBias, bool kHalfLifeTerm>
void HlrPass(std::span<const TraceRow> rows, Weights& w) {
  const double ln2_squared = Ln2Squared();
  SgdPass<false, kBias, kLexemes>(rows, w, [ln2_squared](double dp, const Observation& o) {
    const double h = HClip(Pow2(dp));
    const double p = PClip(Pow2(-o.t / h));
    return HlrStep{2.0 * (p - o.p) * ln2_squared * p * (o.t / h), 2.0 * (h - o.h) * kLn2 * h,
                   (1.0 / (1.0 + o.p)) * kLearningRate, kHalfLifeTerm};
  });
}

template <bool kLexemes, bool kBias>
void LogisticPass(std::span<const TraceRow> rows, Weights& w) {
  SgdPass<true, kBias, kLexemes>(rows, w, [](double dp, const Observation& o) {
    return LogisticStep{PClip(1.0 / (1.0 + std::exp(-dp))) - o.p};
  });
}

void HlrDispatch(const ModelSpec& s, std::span<const TraceRow> rows, Weights& w) {
  const int flags = (s.lexemes ? 4 : 0) | (s.bias ? 2 : 0) | (s.halflife_term ? 1 : 0);
  switch (flags) {
    case 7:
      return HlrPass<true, true, true>(rows, w);
    case 6:
      return HlrPass<true, true, false>(rows, w);
    case 5:
      return HlrPass<true, false, true>(rows, w);
    case 4:
      return HlrPass<true, false, false>(rows, w);
    case 3:
      return HlrPass<false, true, true>(rows, w);
    case 2:
      return HlrPass<false, true, false>(rows, w);
    case 1:
      return HlrPass<false, false, true>(rows, w);
    default:
      return HlrPass<false, false, false>(rows, w);
  }
}

void LogisticDispatch(const ModelSpec& s, std::span<const TraceRow> rows, Weights& w) {
  if (s.lexemes && s.bias) return LogisticPass<true, true>(rows, w);
  if (s.lexemes) return LogisticPass<true, false>(rows, w);
  if (s.bias) return LogisticPass<false, true>(rows, w);
  return LogisticPass<false, false>(rows, w);
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kHlr:
      return "hlr";
    case Method::kLogistic:
      return "lr";
    case Method::kLeitner:
      return "leitner";
    case Method::kPimsleur:
      return "pimsleur";
    case Method::kConstant:
      return "constant";
  }
  return "?";
}

std::optional<Method> ParseMethod(std::string_view name) {
  for (Method m :
       {Method::kHlr, Method::kLogistic, Method::kLeitner, Method::kPimsleur, Method::kConstant}) {
    if (MethodName(m) == name) return m;
  }
  return std::nullopt;
}

std::string ModelSpec::Name() const {
  std::string name(MethodName(method));
  if (Trains() && !lexemes) name += "-lex";
  if (method == Method::kHlr && !halflife_term) name += "-h";
  if (Trains() && !bias) name += "-bias";
  return name;
}

std::vector<ModelSpec> PaperModels() {
  ModelSpec hlr;
  ModelSpec no_lexemes = hlr;
  no_lexemes.lexemes = false;
  ModelSpec no_halflife = hlr;
  no_halflife.halflife_term = false;
  return {hlr,
          no_lexemes,
          no_halflife,
          ModelSpec{Method::kLeitner},
          ModelSpec{Method::kPimsleur},
          ModelSpec{Method::kLogistic},
          ModelSpec{Method::kConstant}};
}

Observation Observe(const TraceRow& row) {
  Observation o;
  o.p = PClip(row.p_recall);
  o.t = static_cast<double>(row.delta) / kSecondsPerDay;
  // math.log(p, 2) is log(p) / log(2) in Python, not log2(p).
  o.h = HClip(-o.t / (std::log(o.p) / kLn2));
  return o;
}

Model::Model(ModelSpec spec, size_t num_lexemes) : spec_(spec) {
  weights_.lexeme.assign(num_lexemes, 0.0);
  weights_.lexeme_count.assign(num_lexemes, 0);
}

void Model::Train(std::span<const TraceRow> rows) {
  switch (spec_.method) {
    case Method::kHlr:
      HlrDispatch(spec_, rows, weights_);
      break;
    case Method::kLogistic:
      LogisticDispatch(spec_, rows, weights_);
      break;
    case Method::kConstant: {
      for (const TraceRow& row : rows) constant_sum_ += Observe(row).p;
      weights_.constant_rows += rows.size();
      weights_.constant_p = weights_.constant_rows == 0
                                ? 0.5
                                : constant_sum_ / static_cast<double>(weights_.constant_rows);
      break;
    }
    case Method::kLeitner:
    case Method::kPimsleur:
      break;
  }
}

double Model::DotProduct(const TraceRow& row, double t) const {
  return Dot(weights_, row, FeaturesOf(row, t), spec_.method == Method::kLogistic, spec_.bias,
             spec_.lexemes);
}

double Model::PredictHalfLife(const TraceRow& row) const {
  switch (spec_.method) {
    case Method::kHlr:
      return HClip(Pow2(DotProduct(row, 0.0)));
    case Method::kLeitner:
      return HClip(Pow2(static_cast<double>(int64_t{row.right} - int64_t{row.wrong})));
    case Method::kPimsleur:
      return HClip(
          Pow2(2.35 * static_cast<double>(int64_t{row.right} + int64_t{row.wrong}) - 16.46));
    case Method::kLogistic:
    case Method::kConstant:
      break;
  }
  return kNaN;
}

Prediction Model::Predict(const TraceRow& row) const {
  const double t = static_cast<double>(row.delta) / kSecondsPerDay;
  switch (spec_.method) {
    case Method::kLogistic:
      return {PClip(1.0 / (1.0 + std::exp(-DotProduct(row, t)))), kNaN};
    case Method::kConstant:
      return {weights_.constant_p, kNaN};
    default: {
      const double h = PredictHalfLife(row);
      return {PClip(Pow2(-t / h)), h};
    }
  }
}

}  // namespace wv::hlr
