#ifndef WV_CORE_CIVIL_TIME_H_
#define WV_CORE_CIVIL_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

// UTC calendar arithmetic and ISO 8601 text: the one place that turns UNIX
// times into calendar fields (dim_times), day numbers (partitions, Parquet
// DATE) and text (manifests, reports, `parquet cat`), and dates given as
// text (`generate --start`) back into day numbers. Proleptic Gregorian,
// correct for negative times. Pure functions of their arguments; thread-safe.
namespace wv {

struct CivilTime {
  int64_t days_since_epoch = 0;  // the Parquet DATE value
  int32_t year = 0;
  int32_t month = 0;        // 1..12
  int32_t day = 0;          // 1..31
  int32_t hour = 0;         // 0..23
  int32_t iso_weekday = 0;  // 1 = Monday ... 7 = Sunday
  int32_t iso_week = 0;     // 1..53, ISO 8601
  int32_t iso_year = 0;     // the year the ISO week belongs to (may differ from `year`)
};

// Seconds since 1970-01-01T00:00:00Z -> UTC calendar fields (proleptic Gregorian).
CivilTime CivilFromEpochSeconds(int64_t epoch_seconds);

// Floor division of seconds into days since the epoch (correct for negatives).
inline int64_t DaysFromEpochSeconds(int64_t epoch_seconds) {
  int64_t d = epoch_seconds / 86400;
  if (epoch_seconds % 86400 < 0) --d;
  return d;
}

// "YYYY-MM-DD" of a day number (days since 1970-01-01).
std::string DateString(int64_t days_since_epoch);

// The day number of "YYYY-MM-DD" (exactly ten characters, a real date of
// the proleptic Gregorian calendar): the inverse of DateString.
// Errors: UsageError "must be YYYY-MM-DD, got '<text>'" or "is not a calendar
// date: '<text>'", for the caller to prefix with what was being read.
StatusOr<int64_t> ParseDateString(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ" of a UNIX time in seconds.
std::string IsoDateTimeString(int64_t epoch_seconds);

// The UNIX time of "YYYY-MM-DDTHH:MM:SSZ", the inverse of IsoDateTimeString;
// also accepts a fraction of a second (".ffffff", truncated) and "+00:00" for
// "Z": UTC only. Errors: UsageError "must be YYYY-MM-DDTHH:MM:SSZ (UTC), got
// '<text>'" or "is not a calendar date: ...", for the caller to prefix.
StatusOr<int64_t> ParseIsoDateTimeString(std::string_view text);

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" of a UNIX time in microseconds (Parquet
// TIMESTAMP(MICROS, UTC)).
std::string IsoTimestampMicrosString(int64_t epoch_micros);

// "YYYYMMDDTHHMMSSZ" of a UNIX time in seconds (ISO 8601 basic format), for
// identifiers that must sort by time and be safe in file names.
std::string CompactIsoDateTimeString(int64_t epoch_seconds);

// The current UNIX time in seconds (system clock).
int64_t NowEpochSeconds();

}  // namespace wv

#endif  // WV_CORE_CIVIL_TIME_H_
