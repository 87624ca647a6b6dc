// The CLI's terminal helpers (declared in cli/command.h).
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.h"
#include "core/parallel.h"
#include "fmt/core.h"
#include "fmt/format.h"
#include "run/pipeline.h"
#include "warehouse/ddl.h"

namespace wv::cli {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string HumanBytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.2f} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1e3) return fmt::format("{:.1f} kB", bytes / 1e3);
  return fmt::format("{} B", bytes);
}

Status WriteStdout(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    return OutputError(fmt::format("cannot write to standard output: {}",
                                   errno != 0 ? std::strerror(errno) : "write failed"));
  }
  return OkStatus();
}

void PrintStderr(std::string_view text) {
  // fwrite, not fmt::print, which throws when the write fails.
  (void)std::fwrite(text.data(), 1, text.size(), stderr);
}

bool StdoutIsBrokenPipe() {
  struct stat st {};
  if (fstat(STDOUT_FILENO, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    return false;
  }
  // A pipe's writing end polls POLLERR once no reader is left.
  pollfd p{STDOUT_FILENO, POLLOUT, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

CLI::Validator ThreadsValidator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        int n = 0;
        const char* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, n);
        if (ec == std::errc() && ptr == end && n >= 0) return "";
        return fmt::format("expected 0 (all cores) or a number of threads, got '{}'", value);
      },
      "THREADS>=0");
}

CLI::Validator MemoryLimitValidator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const StatusOr<uint64_t> bytes = run::ParseByteSize(value, "--memory-limit");
        if (!bytes.ok()) return bytes.status().message();
        if (*bytes != 0 && *bytes < run::kMinMemoryLimit) return "must be at least 1M (or 0)";
        return "";
      },
      "SIZE");
}

void AddIndexOption(CLI::App* sub, std::vector<std::string>* columns) {
  const std::vector<std::string> optional = warehouse::OptionalIndexColumns();
  sub->add_option("--index", *columns,
                  fmt::format("Also build this optional index on the fact table (repeatable): "
                              "{}. user_id: a btree for one user's views (WHERE user_id = ...), "
                              "about an eighth of a load's CPU time; the research views and "
                              "summary tables need none",
                              fmt::join(optional, ", ")))
      ->type_name("COLUMN")
      ->check(CLI::IsMember(optional));
}

int ResolveThreads(int requested, std::string_view command) {
  if (requested > kMaxThreads) {
    PrintStderr(
        fmt::format("wordviews {}: --threads {} capped at {}\n", command, requested, kMaxThreads));
  }
  return EffectiveThreads(requested);
}

bool ProgressLine::Due(double elapsed_seconds) {
  if (quiet_ || elapsed_seconds - last_draw_ < (terminal_ ? 0.1 : 5.0)) return false;
  last_draw_ = elapsed_seconds;
  return true;
}

void ProgressLine::DrawBar(double fraction, std::string_view text) {
  constexpr int kWidth = 30;
  const double clamped = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(clamped * kWidth);
  PrintStderr(fmt::format("\r[{}{}] {:>5.1f}%  {}   ", std::string(filled, '#'),
                          std::string(kWidth - filled, '.'), clamped * 100, text));
  bar_drawn_ = true;
}

void ProgressLine::Log(std::string_view line) {
  if (quiet_) return;
  EndBar();
  PrintStderr(fmt::format("{}\n", line));
}

void ProgressLine::EndBar() {
  if (bar_drawn_) PrintStderr("\n");
  bar_drawn_ = false;
}

}  // namespace wv::cli
