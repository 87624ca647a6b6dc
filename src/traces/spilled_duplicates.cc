#include "traces/spilled_duplicates.h"

namespace wv::traces {

SpilledDuplicates::SpilledDuplicates(const std::string& folder, size_t memory_bytes)
    : occurrences_(folder, "dups-occurrences", memory_bytes / 2),
      duplicates_(folder, "dups-found", memory_bytes / 2) {}

Status SpilledDuplicates::Resolve() {
  WV_RETURN_IF_ERROR(occurrences_.Finish());
  Occurrence first{};
  bool any = false;
  Occurrence next;
  while (true) {
    WV_ASSIGN_OR_RETURN(const bool more, occurrences_.Next(&next));
    if (!more) break;
    if (any && next.hash == first.hash && next.check == first.check) {
      WV_RETURN_IF_ERROR(duplicates_.Add(Found{next.line, first.line}));
    } else {
      first = next;
      any = true;
    }
  }
  return duplicates_.Finish();
}

}  // namespace wv::traces
