#include "model/times_dimension.h"

#include "core/civil_time.h"
#include "model/star_schema.h"

namespace wv::model {

void TimesAccumulator::Add(int64_t epoch, int64_t rows) {
  if (last_index_ == UINT32_MAX || epoch != last_epoch_) {
    const auto [it, inserted] = index_.try_emplace(epoch, static_cast<uint32_t>(order_.size()));
    if (inserted) {
      order_.push_back(epoch);
      rows_.push_back(0);
    }
    last_epoch_ = epoch;
    last_index_ = it->second;
  }
  rows_[last_index_] += rows;
}

TimesAccumulator::Built TimesAccumulator::Build() const {
  Built b;
  b.rows_covered = BuildRows(0, order_.size(), &b.table);
  return b;
}

int64_t TimesAccumulator::BuildRows(size_t begin, size_t end, TableData* table) const {
  TableData& t = *table;
  t.columns.assign(kNumTimesColumns, parquet::ColumnVector());
  t.rows = end - begin;
  for (int c : {kTimeEpoch, kTimeTimestamp}) t.columns[c].i64.reserve(t.rows);
  for (int c : {kTimeHour, kTimeDay, kTimeWeek, kTimeMonth, kTimeYear, kTimeWeekday, kTimeDate,
                kTimeIsoYear}) {
    t.columns[c].i32.reserve(t.rows);
  }
  int64_t rows_covered = 0;
  for (size_t i = begin; i < end; ++i) {
    const int64_t epoch = order_[i];
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
    rows_covered += rows_[i];
  }
  return rows_covered;
}

}  // namespace wv::model
