#include "model/times_dimension.h"

#include "core/civil_time.h"
#include "model/star_schema.h"

namespace wv::model {

void TimesAccumulator::Add(int64_t epoch, int64_t rows) {
  auto [it, inserted] = rows_.try_emplace(epoch, 0);
  it->second += rows;
  if (inserted) order_.push_back(epoch);
}

TimesAccumulator::Built TimesAccumulator::Build() const {
  Built b;
  TableData& t = b.table;
  t.columns.resize(kNumTimesColumns);
  t.rows = order_.size();
  for (int64_t epoch : order_) {
    const CivilTime c = CivilFromEpochSeconds(epoch);
    t.columns[kTimeEpoch].i64.push_back(epoch);
    t.columns[kTimeTimestamp].i64.push_back(epoch * 1000000);
    t.columns[kTimeHour].i32.push_back(c.hour);
    t.columns[kTimeDay].i32.push_back(c.day);
    t.columns[kTimeWeek].i32.push_back(c.iso_week);
    t.columns[kTimeMonth].i32.push_back(c.month);
    t.columns[kTimeYear].i32.push_back(c.year);
    t.columns[kTimeWeekday].i32.push_back(c.iso_weekday);
    t.columns[kTimeDate].i32.push_back(static_cast<int32_t>(c.days_since_epoch));
    t.columns[kTimeIsoYear].i32.push_back(c.iso_year);
    b.rows_covered += rows_.at(epoch);
  }
  return b;
}

}  // namespace wv::model
