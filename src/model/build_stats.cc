#include "model/build_stats.h"

#include <utility>

#include "model/star_schema.h"

namespace wv::model {

void FactProfile::Merge(const FactProfile& o) {
  rows += o.rows;
  empty_required_values += o.empty_required_values;
  p_recall_out_of_domain += o.p_recall_out_of_domain;
  pct_out_of_domain += o.pct_out_of_domain;
  history_pct_null_mismatch += o.history_pct_null_mismatch;
  counts_out_of_domain += o.counts_out_of_domain;
  timestamp_out_of_domain += o.timestamp_out_of_domain;
  p_recall_disagrees += o.p_recall_disagrees;
}

DimensionKeys MakeDimensionKeys(std::string_view table, int column, parquet::ColumnVector values) {
  const ColumnContract& contract = Table(table).columns[column];
  DimensionKeys keys;
  keys.table = std::string(table);
  keys.column = std::string(contract.name);
  keys.type = contract.physical;
  keys.values = std::move(values);
  return keys;
}

}  // namespace wv::model
