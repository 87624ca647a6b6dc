// The ground-truth sidecar written next to generated data.
#include "fmt/core.h"
#include "generate/generator.h"
#include "nlohmann/json.hpp"

namespace wv::generate {

std::string TruthJson(const GenerateOptions& options, const GenerateResult& result,
                      const std::string& defects_file) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["generator"] = fmt::format("wordviews generate {}", WV_VERSION);
  j["arguments"] = {{"rows", options.rows},      {"seed", options.seed},
                    {"users", options.users},    {"start_epoch", options.start_epoch},
                    {"days", options.days},      {"dirty_rate", options.dirty_rate},
                    {"threads", options.threads}};
  j["line_numbering"] =
      "1-based physical lines of the CSV; line 1 is the header, the first data row is line 2; "
      "no field contains a line break";
  j["rows_total"] = result.rows_total;
  j["rows_clean"] = result.rows_clean;
  j["rows_defect"] = result.rows_total - result.rows_clean;
  j["users"] = result.users;
  j["lexemes_used"] = result.lexemes_used;
  j["vocabulary_size"] = result.vocabulary_size;
  j["bytes_uncompressed"] = result.bytes;
  j["time_window"] = {{"start_epoch", options.start_epoch},
                      {"end_epoch_exclusive", options.start_epoch + int64_t{options.days} * 86400}};
  const TrueTheta& th = result.theta;
  ordered_json exposures = ordered_json::array();
  for (double e : th.exposures) exposures.push_back(e);
  j["model"] = {
      {"formula",
       "h = 2^(right*sqrt(1+history_correct) + wrong*sqrt(1+history_seen-history_correct) + bias "
       "+ difficulty[lexeme_id] + memory[user]) days; m = 2^(-delta_days / h); each planned "
       "exposure is first answered right with q = guess + (1-guess)*sigmoid(strength*logit(m) + "
       "base_logit + ability[user] + session_effect); a wrong answer is asked again with "
       "retry_rate (right with retry_right, at most max_retries times); session_seen = "
       "exposures + retries (at most 10); p_recall = session_correct / session_seen"},
      {"theta", {{"right", th.right}, {"wrong", th.wrong}, {"bias", th.bias}}},
      {"difficulty_sd", th.difficulty_sd},
      {"user_memory_sd", th.user_memory_sd},
      {"user_ability_sd", th.user_ability_sd},
      {"session_sd", th.session_sd},
      {"strength", th.strength},
      {"base_logit", th.base_logit},
      {"guess", th.guess},
      {"retry_rate", th.retry_rate},
      {"retry_right", th.retry_right},
      {"max_retries", th.max_retries},
      {"exposures", {{"shares_of_1_2_3_4_5plus", exposures}, {"5plus", "uniform in 5..10"}}},
      {"sittings",
       {{"mean_sessions", th.sitting_sessions}, {"gap_seconds", "log-uniform in [60, 1200)"}}},
      {"review_rate", th.review_rate},
      {"first_view",
       {{"lag",
         "log-uniform in [lag_min_seconds, lag_max_days) before the window's start; "
         "shared by the words a session meets for the first time"},
        {"lag_min_seconds", th.lag_min_seconds},
        {"lag_max_days", th.lag_max_days},
        {"history",
         "ln(history_seen - 1) ~ Normal(history_log_mean + history_lag_slope * "
         "ln(lag_days), history_log_sd); accuracy 1 - history_error*U*U"},
        {"history_log_mean", th.history_log_mean},
        {"history_lag_slope", th.history_lag_slope},
        {"history_log_sd", th.history_log_sd},
        {"history_error", th.history_error}}},
      {"row_order", "timestamp order; a session's rows together; ties by user"},
      {"daily_activity",
       "sitting start times ~ 0.55 + 0.45*cos(2*pi*(utc_hour - 19)/24); recall does not depend "
       "on the time of day"}};
  j["mean_p_recall"] =
      result.rows_clean > 0 ? result.p_recall_sum / static_cast<double>(result.rows_clean) : 0.0;
  ordered_json pairs = ordered_json::array();
  for (size_t p = 0; p < kLanguagePairs.size(); ++p) {
    const PairTotals& t = result.pairs[p];
    pairs.push_back(
        {{"learning_language", kLanguagePairs[p].learning},
         {"ui_language", kLanguagePairs[p].ui},
         {"rows", t.rows},
         {"session_seen", t.session_seen},
         {"session_correct", t.session_correct},
         {"recall", t.session_seen > 0 ? static_cast<double>(t.session_correct) /
                                             static_cast<double>(t.session_seen)
                                       : 0.0},
         {"mean_p_recall", t.rows > 0 ? t.p_recall_sum / static_cast<double>(t.rows) : 0.0}});
  }
  j["pairs"] = pairs;
  ordered_json defects = ordered_json::object();
  for (size_t r = 0; r < result.defects.size(); ++r) {
    defects[std::string(traces::kRejectReasonNames[r])] = result.defects[r];
  }
  j["defects"] = defects;
  j["robustness"] = {{"crlf_rows", result.crlf_rows}, {"quoted_rows", result.quoted_rows}};
  j["robustness_note"] =
      "crlf and quoted rows are clean rows (CRLF line end; user_id and lexeme_string in RFC 4180 "
      "quotes) that must be accepted; they are counted in rows_clean";
  j["crlf_lines"] = result.crlf_lines;
  j["quoted_lines"] = result.quoted_lines;
  j["defects_file"] = defects_file;
  return j.dump(2) + "\n";
}

}  // namespace wv::generate
