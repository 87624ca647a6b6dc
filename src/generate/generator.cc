#include "generate/generator.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string_view>

#include "core/parallel.h"
#include "fmt/core.h"
#include "generate/sessions.h"

namespace wv::generate {
namespace {

using traces::RejectReason;

constexpr uint64_t kMaxUsers = uint64_t{1} << 30;  // user tokens are a bijection on 30 bits
// The sessions of a window are shared among this many tasks by user number.
// The number is fixed, not the thread count, so that every sum the writer
// adds up comes in the same order whatever the thread count.
constexpr size_t kTasks = 64;
// Rows per window (sessions are taken until their words reach it).
constexpr uint64_t kWindowRows = uint64_t{1} << 18;

// Writes windows of sessions to the sinks in time order and adds them up
// into the GenerateResult: line numbers of the sessions' defects and
// robustness rows become file line numbers here. Used by the writing thread
// only.
class WindowWriter {
 public:
  WindowWriter(const Model& model, io::ByteSink& out, io::ByteSink* defects_out,
               const ProgressFn& progress)
      : model_(model), out_(out), defects_out_(defects_out), progress_(progress) {
    result_.theta = model.theta;
    result_.vocabulary_size = model.vocabulary->lexemes().size();
    result_.users = model.users;
    lexemes_used_.assign((result_.vocabulary_size + 63) / 64, 0);
  }

  // The CSV header, and the defect list's header when there is a list.
  Status WriteHeaders() {
    const std::string header = std::string(traces::kTraceHeader) + "\n";
    WV_RETURN_IF_ERROR(out_.Append(header));
    result_.bytes = header.size();
    if (defects_out_ != nullptr) WV_RETURN_IF_ERROR(defects_out_->Append(kDefectsHeader));
    return OkStatus();
  }

  // The sessions of one window, in time order: session k's rows are the next
  // mark of the output of its task.
  Status Write(std::span<const SessionRef> sessions, const std::vector<SessionOutput>& outputs) {
    std::vector<size_t> cursor(outputs.size(), 0);
    defect_lines_.clear();
    for (const SessionRef& s : sessions) {
      const SessionOutput& o = outputs[s.user % kTasks];
      const size_t k = cursor[s.user % kTasks]++;
      const SessionOutput::Mark begin =
          k == 0 ? SessionOutput::Mark{0, 0, 0, 0, 0} : o.marks[k - 1];
      const SessionOutput::Mark& end = o.marks[k];
      WV_RETURN_IF_ERROR(out_.Append(
          std::string_view(o.text).substr(begin.text_end, end.text_end - begin.text_end)));
      // The file line of the output's relative line `r` of this session.
      const uint64_t base = line_ + 1 - begin.lines_end;
      for (uint32_t d = begin.defects_end; d < end.defects_end; ++d) {
        const auto& [relative, reason] = o.defects[d];
        ++result_.defects[static_cast<int>(reason)];
        if (defects_out_ != nullptr) {
          defect_lines_ += fmt::format("{},{}\n", base + relative, RejectReasonName(reason));
        }
      }
      for (uint32_t c = begin.crlf_end; c < end.crlf_end; ++c)
        result_.crlf_lines.push_back(base + o.crlf[c]);
      for (uint32_t q = begin.quoted_end; q < end.quoted_end; ++q) {
        result_.quoted_lines.push_back(base + o.quoted[q]);
      }
      line_ += end.lines_end - begin.lines_end;
      result_.rows_total += end.lines_end - begin.lines_end;
      result_.bytes += end.text_end - begin.text_end;
    }
    if (defects_out_ != nullptr && !defect_lines_.empty()) {
      WV_RETURN_IF_ERROR(defects_out_->Append(defect_lines_));
    }
    for (const SessionOutput& o : outputs) AddTotals(o);
    if (progress_) progress_(result_.rows_total, result_.bytes);
    return OkStatus();
  }

  // The result, once every window is written.
  // Errors: InternalError when the windows held other than options.rows rows.
  StatusOr<GenerateResult> Finish() {
    result_.crlf_rows = result_.crlf_lines.size();
    result_.quoted_rows = result_.quoted_lines.size();
    for (uint64_t w : lexemes_used_) {
      result_.lexemes_used += static_cast<uint64_t>(__builtin_popcountll(w));
    }
    if (result_.rows_total != model_.options.rows) {
      return InternalError(fmt::format("generate: wrote {} rows, expected {}", result_.rows_total,
                                       model_.options.rows));
    }
    return std::move(result_);
  }

 private:
  // Adds one task's counts (tasks in a fixed order: the double sums do not
  // depend on the thread count).
  void AddTotals(const SessionOutput& o) {
    result_.rows_clean += o.clean;
    result_.p_recall_sum += o.p_recall_sum;
    for (size_t p = 0; p < kLanguagePairs.size(); ++p) {
      result_.pairs[p].rows += o.pairs[p].rows;
      result_.pairs[p].session_seen += o.pairs[p].session_seen;
      result_.pairs[p].session_correct += o.pairs[p].session_correct;
      result_.pairs[p].p_recall_sum += o.pairs[p].p_recall_sum;
    }
    for (size_t w = 0; w < lexemes_used_.size(); ++w) lexemes_used_[w] |= o.lexeme_bits[w];
  }

  const Model& model_;
  io::ByteSink& out_;
  io::ByteSink* const defects_out_;
  const ProgressFn& progress_;
  GenerateResult result_;
  uint64_t line_ = 1;  // the last line written: the header
  std::vector<uint64_t> lexemes_used_;
  std::string defect_lines_;  // scratch, reused from window to window
};

// Generates every session in time order, a window at a time: the window's
// sessions are shared among kTasks tasks by user (a user's sessions stay in
// one task, in time order), the tasks run on `threads` threads, and the
// writer puts the rows back in time order.
Status GenerateInTimeOrder(const Model& model, Schedule& schedule, int threads,
                           WindowWriter& writer) {
  const int workers = std::max(1, EffectiveThreads(threads));
  std::vector<std::unique_ptr<SessionGenerator>> generators;
  for (int w = 0; w < workers; ++w) generators.push_back(std::make_unique<SessionGenerator>(model));
  std::vector<SessionOutput> outputs(kTasks);
  std::vector<std::vector<uint32_t>> task_sessions(kTasks);
  const std::vector<SessionRef>& sessions = schedule.sessions;
  const size_t vocabulary = model.vocabulary->lexemes().size();
  for (size_t first = 0; first < sessions.size();) {
    size_t last = first;
    uint64_t rows = 0;
    while (last < sessions.size() && rows < kWindowRows) rows += sessions[last++].size;
    for (auto& t : task_sessions) t.clear();
    for (size_t k = first; k < last; ++k) {
      task_sessions[sessions[k].user % kTasks].push_back(static_cast<uint32_t>(k));
    }
    ParallelFor(kTasks, workers, [&](size_t task, int worker) {
      SessionOutput& out = outputs[task];
      out.Reset(vocabulary);
      for (uint32_t k : task_sessions[task]) {
        generators[worker]->Emit(sessions[k], schedule.users[sessions[k].user], out);
      }
    });
    WV_RETURN_IF_ERROR(writer.Write(std::span(sessions).subspan(first, last - first), outputs));
    first = last;
  }
  return OkStatus();
}

}  // namespace

std::string FormatPRecall(double value) {
  std::string text = fmt::format("{:.12g}", value);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

Status ValidateOptions(const GenerateOptions& options) {
  if (options.days < 1 || options.days > 36500) {
    return UsageError(fmt::format("--days must be between 1 and 36500, got {}", options.days));
  }
  if (!(options.dirty_rate >= 0.0 && options.dirty_rate <= 0.5)) {
    return UsageError(
        fmt::format("--dirty-rate must be between 0 and 0.5, got {}", options.dirty_rate));
  }
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return UsageError(
        fmt::format("--threads must be between 1 and {}, got {}", kMaxThreads, options.threads));
  }
  const int64_t end = options.start_epoch + int64_t{options.days} * kSecondsPerDay;
  if (options.start_epoch < traces::kMinTimestamp || end > traces::kMaxTimestampExclusive) {
    return UsageError("--start/--days must stay within 2000-01-01 .. 2100-01-01");
  }
  if (options.users > kMaxUsers) {
    return UsageError(fmt::format("--users must be at most {}", kMaxUsers));
  }
  const uint64_t users = UserCount(options);
  if (options.rows > 0 && users > options.rows) {
    return UsageError(fmt::format("--users ({}) must not exceed --rows ({}): every user has a row",
                                  users, options.rows));
  }
  if (options.rows > 2000 * users) {
    return UsageError(
        fmt::format("--rows {} for {} users is more than 2000 rows per user; raise --users",
                    options.rows, users));
  }
  if (options.rows > (uint64_t{1} << 40)) return UsageError("--rows is too large");
  return OkStatus();
}

StatusOr<GenerateResult> Generate(const GenerateOptions& options, io::ByteSink& out,
                                  io::ByteSink* defects_out, const ProgressFn& progress) {
  WV_RETURN_IF_ERROR(ValidateOptions(options));
  const std::unique_ptr<Model> model = BuildModel(options);
  Schedule schedule = ScheduleUsers(*model, options.threads);
  WindowWriter writer(*model, out, defects_out, progress);
  WV_RETURN_IF_ERROR(writer.WriteHeaders());
  WV_RETURN_IF_ERROR(GenerateInTimeOrder(*model, schedule, options.threads, writer));
  return writer.Finish();
}

}  // namespace wv::generate
