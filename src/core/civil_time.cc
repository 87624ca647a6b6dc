#include "core/civil_time.h"

#include <chrono>

#include "fmt/core.h"

namespace wv {
namespace {

namespace chr = std::chrono;

int32_t IsoWeekdayOfDay(int64_t days) {
  // 1970-01-01 was a Thursday (ISO weekday 4).
  const int64_t mod = ((days % 7) + 7) % 7;
  return static_cast<int32_t>((mod + 3) % 7 + 1);
}

}  // namespace

CivilTime CivilFromEpochSeconds(int64_t epoch_seconds) {
  CivilTime t;
  const int64_t days = DaysFromEpochSeconds(epoch_seconds);
  t.days_since_epoch = days;
  t.hour = static_cast<int32_t>((epoch_seconds - days * 86400) / 3600);
  const chr::sys_days sd{chr::days{days}};
  const chr::year_month_day ymd{sd};
  t.year = static_cast<int>(ymd.year());
  t.month = static_cast<int32_t>(static_cast<unsigned>(ymd.month()));
  t.day = static_cast<int32_t>(static_cast<unsigned>(ymd.day()));
  t.iso_weekday = IsoWeekdayOfDay(days);
  // ISO 8601: a week belongs to the year that holds its Thursday, and week 1
  // is the week with that year's first Thursday.
  const int64_t thursday = days - (t.iso_weekday - 1) + 3;
  const chr::year_month_day thu{chr::sys_days{chr::days{thursday}}};
  const chr::sys_days jan1{thu.year() / chr::January / 1};
  const int64_t day_of_year = thursday - jan1.time_since_epoch().count();
  t.iso_week = static_cast<int32_t>(day_of_year / 7 + 1);
  t.iso_year = static_cast<int>(thu.year());
  return t;
}

std::string DateString(int64_t days_since_epoch) {
  const chr::year_month_day ymd{chr::sys_days{chr::days{days_since_epoch}}};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

StatusOr<int64_t> ParseDateString(std::string_view text) {
  // Digits and dashes at fixed places, nothing else: no sign, no spaces, no
  // short fields (sscanf's %d would take " 2013-2-28" or "+013-02-28").
  const auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-';
  for (size_t i = 0; shaped && i < text.size(); ++i) shaped = i == 4 || i == 7 || digit(i);
  if (!shaped) return UsageError(fmt::format("must be YYYY-MM-DD, got '{}'", text));
  const auto number = [&](size_t begin, size_t end) {
    int value = 0;
    for (size_t i = begin; i < end; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const chr::year_month_day ymd{chr::year{number(0, 4)},
                                chr::month{static_cast<unsigned>(number(5, 7))},
                                chr::day{static_cast<unsigned>(number(8, 10))}};
  if (!ymd.ok()) return UsageError(fmt::format("is not a calendar date: '{}'", text));
  return static_cast<int64_t>(chr::sys_days(ymd).time_since_epoch().count());
}

StatusOr<int64_t> ParseIsoDateTimeString(std::string_view text) {
  const auto shape_error = [&] {
    return UsageError(fmt::format("must be YYYY-MM-DDTHH:MM:SSZ (UTC), got '{}'", text));
  };
  const auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':')
    return shape_error();
  for (size_t i : {11, 12, 14, 15, 17, 18}) {
    if (!digit(i)) return shape_error();
  }
  size_t zone = 19;
  if (text[zone] == '.') {
    ++zone;
    const size_t digits_begin = zone;
    while (zone < text.size() && digit(zone)) ++zone;
    if (zone == digits_begin) return shape_error();
  }
  const std::string_view suffix = text.substr(zone);
  if (suffix != "Z" && suffix != "+00:00") return shape_error();
  StatusOr<int64_t> days = ParseDateString(text.substr(0, 10));
  if (!days.ok()) return days.status();
  const auto number = [&](size_t begin) {
    return (text[begin] - '0') * 10 + (text[begin + 1] - '0');
  };
  const int hour = number(11), minute = number(14), second = number(17);
  if (hour > 23 || minute > 59 || second > 59) {
    return UsageError(fmt::format("is not a time of day: '{}'", text));
  }
  return *days * 86400 + hour * 3600 + minute * 60 + second;
}

namespace {

struct ClockTime {
  int64_t days, hour, minute, second;
};

ClockTime SplitSeconds(int64_t epoch_seconds) {
  const int64_t days = DaysFromEpochSeconds(epoch_seconds);
  const int64_t rem = epoch_seconds - days * 86400;
  return {days, rem / 3600, rem / 60 % 60, rem % 60};
}

}  // namespace

std::string IsoDateTimeString(int64_t epoch_seconds) {
  const ClockTime t = SplitSeconds(epoch_seconds);
  return fmt::format("{}T{:02d}:{:02d}:{:02d}Z", DateString(t.days), t.hour, t.minute, t.second);
}

std::string IsoTimestampMicrosString(int64_t epoch_micros) {
  int64_t seconds = epoch_micros / 1000000;
  int64_t micros = epoch_micros % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  const ClockTime t = SplitSeconds(seconds);
  return fmt::format("{}T{:02d}:{:02d}:{:02d}.{:06d}Z", DateString(t.days), t.hour, t.minute,
                     t.second, micros);
}

std::string CompactIsoDateTimeString(int64_t epoch_seconds) {
  const ClockTime t = SplitSeconds(epoch_seconds);
  const chr::year_month_day ymd{chr::sys_days{chr::days{t.days}}};
  return fmt::format("{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), t.hour,
                     t.minute, t.second);
}

int64_t NowEpochSeconds() {
  return chr::duration_cast<chr::seconds>(chr::system_clock::now().time_since_epoch()).count();
}

}  // namespace wv
