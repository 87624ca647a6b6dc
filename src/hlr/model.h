#ifndef WV_HLR_MODEL_H_
#define WV_HLR_MODEL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hlr/training_set.h"

// The spaced-repetition models of Settles & Meeder (ACL 2016) as the
// published code (duolingo/halflife-regression, experiment.py) computes
// them, operation for operation, so that results agree with it to rounding:
// half-life regression, logistic regression, the Leitner and Pimsleur
// baselines, and the constant p̄ baseline of the paper's Table 2. Where the
// code differs from the paper's formulas it follows the code (docs/HLR.md
// lists every such point).
namespace wv::hlr {

enum class Method { kHlr, kLogistic, kLeitner, kPimsleur, kConstant };

// "hlr", "lr", "leitner", "pimsleur", "constant".
std::string_view MethodName(Method m);
std::optional<Method> ParseMethod(std::string_view name);

// Which model, with which features. Plain data.
struct ModelSpec {
  Method method = Method::kHlr;
  bool lexemes = true;        // one indicator feature per lexeme (the code's -l drops it)
  bool bias = true;           // the bias feature (the code's -b drops it)
  bool halflife_term = true;  // hlr: the α(h − ĥ)² term of the loss (the code's -t drops it)

  // The paper's name: "hlr", "hlr-lex", "hlr-h", "hlr-lex-h", "lr", "lr-lex",
  // ...; "-bias" when the bias is dropped.
  std::string Name() const;
  // Whether the model predicts a half-life (lr and constant do not).
  bool PredictsHalfLife() const {
    return method == Method::kHlr || method == Method::kLeitner || method == Method::kPimsleur;
  }
  // Whether it learns weights by SGD (hlr, lr).
  bool Trains() const { return method == Method::kHlr || method == Method::kLogistic; }
};

// The models of the paper's Table 2, in its order: hlr, hlr-lex, hlr-h,
// leitner, pimsleur, lr, constant.
std::vector<ModelSpec> PaperModels();

// The published settings and bounds.
inline constexpr double kLearningRate = 0.001;
inline constexpr double kHalfLifeWeight = 0.01;  // α
inline constexpr double kL2Weight = 0.1;         // λ (σ = 1)
inline constexpr double kMinP = 0.0001;
inline constexpr double kMaxP = 0.9999;
inline constexpr double kMinHalfLifeDays = 15.0 / (24 * 60);  // 15 minutes
inline constexpr double kMaxHalfLifeDays = 274.0;             // 9 months

// What a row's outcome is taken to be: p clipped, the lag in days and the
// observed half-life h = −t / log2(p), clipped. Plain data.
struct Observation {
  double p;
  double t;
  double h;
};
Observation Observe(const TraceRow& row);

// A model's estimate for one row. h is NaN for the models that predict none
// (lr, constant).
struct Prediction {
  double p;
  double h;
};

// The learned parameters. Feature order is the reference's: right, wrong,
// time (lr only), bias, lexeme. Plain data; thread-compatible.
struct Weights {
  enum Dense : int { kRight = 0, kWrong, kTime, kBias, kNumDense };
  static constexpr std::array<std::string_view, kNumDense> kDenseNames = {"right", "wrong", "time",
                                                                          "bias"};
  std::array<double, kNumDense> dense{};
  std::array<uint64_t, kNumDense> dense_count{};  // SGD updates of each feature
  std::vector<double> lexeme;                     // per TrainingSet::lexemes index
  std::vector<uint64_t> lexeme_count;             // SGD updates (training rows) per lexeme
  double constant_p = 0;                          // the constant model's p̄
  uint64_t constant_rows = 0;                     // the rows it averages
};

// A model: its spec and weights. Train() once, then Predict() from any
// number of threads (const). Not thread-safe while training.
class Model {
 public:
  Model(ModelSpec spec, size_t num_lexemes);

  // Continues the one training pass with `rows`, in their order (a pass
  // may come in several pieces): SGD for hlr and lr; the running mean of the
  // clipped p for constant; nothing for leitner and pimsleur.
  void Train(std::span<const TraceRow> rows);

  Prediction Predict(const TraceRow& row) const;
  // The predicted half-life alone (cheaper: no p). NaN when the model has none.
  double PredictHalfLife(const TraceRow& row) const;

  const ModelSpec& spec() const { return spec_; }
  const Weights& weights() const { return weights_; }

 private:
  double DotProduct(const TraceRow& row, double t) const;

  ModelSpec spec_;
  Weights weights_;
  double constant_sum_ = 0;  // constant: Σ clipped p so far
};

}  // namespace wv::hlr

#endif  // WV_HLR_MODEL_H_
