#ifndef WV_HLR_METRICS_H_
#define WV_HLR_METRICS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

// The evaluation statistics of the paper (evaluation.r over the script's
// predictions) and of the script itself. Sums are taken over fixed blocks of
// rows and the block sums added in order, so results never depend on the
// thread count. Pure functions; thread-safe.
namespace wv::hlr {

// mean |a − b|. REQUIRES: a.size() == b.size().
double MeanAbsoluteError(std::span<const double> a, std::span<const double> b);

// Pearson's r in the reference's two-pass form (its function named
// "spearmanr" computes this, on the raw values): nullopt when either side
// has no variance or there are fewer than two values.
std::optional<double> PearsonCorrelation(std::span<const double> a, std::span<const double> b);

// Ranks 1..n, ties given their average rank (R's rank(), scipy's rankdata).
// NaN values are not allowed. REQUIRES: no NaN.
std::vector<double> AverageRanks(std::span<const double> values);

// Spearman's rank correlation: Pearson's r of the average ranks (R's
// cor(method = "spearman"), scipy.stats.spearmanr). nullopt as for Pearson.
std::optional<double> SpearmanCorrelation(std::span<const double> a, std::span<const double> b);
// As above with the ranks of `a` already computed (shared by several models).
std::optional<double> SpearmanFromRanks(std::span<const double> ranks_a, std::span<const double> b);

// The area under the ROC curve of `scores` for the binary `labels` (1 =
// positive): the probability that a positive scores above a negative, ties
// counting one half (the Mann–Whitney U / n₁n₀ that pROC reports with
// direction "<": controls lower). nullopt without both classes.
std::optional<double> AreaUnderRoc(std::span<const uint8_t> labels, std::span<const double> scores);

// R's round() of an observed p to a class, as evaluation.r does for the
// AUC: half to even, so 0.5 is 0; above 0.5 is 1.
inline uint8_t RoundedLabel(double p) { return p > 0.5 ? 1 : 0; }

}  // namespace wv::hlr

#endif  // WV_HLR_METRICS_H_
