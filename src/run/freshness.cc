#include "run/freshness.h"

#include <charconv>
#include <cstdlib>
#include <limits>

#include "core/civil_time.h"
#include "fmt/core.h"
#include "nlohmann/json.hpp"

namespace wv::run {
namespace {

using nlohmann::json;

// A field error, thrown inside this file only and caught below.
struct FreshnessFieldError {
  std::string message;
};

int64_t Count(const json& object, const char* key) {
  const json& v = object.at(key);
  const bool in_range = v.is_number_unsigned()
                            ? v.get<uint64_t>() <= std::numeric_limits<int64_t>::max()
                            : v.is_number_integer() && v.get<int64_t>() >= 0;
  if (!in_range) throw FreshnessFieldError{fmt::format("'{}' is {}, not a count", key, v.dump())};
  return v.get<int64_t>();
}

void ReadRows(const json& rows, Freshness* f) {
  f->input_rows = Count(rows, "input");
  f->accepted_rows = Count(rows, "accepted");
  f->rejected_rows = Count(rows, "rejected");
}

// The last element of "batches" (the newest).
void ReadLastBatch(const json& batches, Freshness* f) {
  if (!batches.is_array() || batches.empty()) {
    throw FreshnessFieldError{"'batches' is present but not a non-empty list"};
  }
  const json& last = batches.back();
  f->batch_id = last.at("id").get<std::string>();
  f->batch_time = last.at("appended_at").get<std::string>();
  ReadRows(last.at("rows"), f);
  f->batches = static_cast<int64_t>(batches.size());
  f->from_batches = true;
}

void ReadRun(const json& j, Freshness* f) {
  f->batch_id = j.at("run_id").get<std::string>();
  f->batch_time = j.at("created_at").get<std::string>();
  ReadRows(j.at("rows"), f);
}

}  // namespace

StatusOr<Freshness> FreshnessFromManifest(std::string_view manifest_text) {
  const json j = json::parse(manifest_text.begin(), manifest_text.end(), nullptr,
                             /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InputError("manifest is not valid JSON");
  Freshness f;
  try {
    if (j.contains("batches")) {
      ReadLastBatch(j.at("batches"), &f);
    } else {
      ReadRun(j, &f);
    }
  } catch (const json::exception& e) {
    return InputError(fmt::format("manifest: reading its newest batch: {}", e.what()));
  } catch (const FreshnessFieldError& e) {
    return InputError(fmt::format("manifest: reading its newest batch: {}", e.message));
  }
  StatusOr<int64_t> epoch = ParseIsoDateTimeString(f.batch_time);
  if (!epoch.ok()) {
    return InputError(
        fmt::format("manifest: the time of batch {} {}", f.batch_id, epoch.status().message()));
  }
  f.batch_epoch = *epoch;
  return f;
}

StatusOr<int64_t> FreshnessNow() {
  const char* text = std::getenv(kNowEnvironmentVariable);
  if (text == nullptr || *text == '\0') return NowEpochSeconds();
  const std::string_view value(text);
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) return seconds;
  StatusOr<int64_t> parsed = ParseIsoDateTimeString(value);
  if (!parsed.ok()) {
    return UsageError(fmt::format("{}: {} (or UNIX seconds)", kNowEnvironmentVariable,
                                  parsed.status().message()));
  }
  return parsed;
}

std::string AgeText(int64_t seconds) {
  const std::string sign = seconds < 0 ? "-" : "";
  const uint64_t s =
      seconds < 0 ? 0 - static_cast<uint64_t>(seconds) : static_cast<uint64_t>(seconds);
  if (s < 60) return fmt::format("{}{} s", sign, s);
  if (s < 3600) return fmt::format("{}{} min", sign, s / 60);
  if (s < 86400) return fmt::format("{}{} h {} min", sign, s / 3600, s / 60 % 60);
  return fmt::format("{}{} d {} h", sign, s / 86400, s / 3600 % 24);
}

}  // namespace wv::run
