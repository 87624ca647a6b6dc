#ifndef WV_WAREHOUSE_SESSION_POOL_H_
#define WV_WAREHOUSE_SESSION_POOL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "warehouse/pg_connection.h"

// A few PostgreSQL sessions working through a list of tasks in parallel: the
// loader's parallel COPY streams and its index builds. Each session runs on
// its own thread (core/parallel.h's RunOnWorkers); tasks are handed out in
// index order to whichever session is free. The first failing task stops
// the others: no new task starts, and statements running on the other
// sessions are cancelled (PQcancel), so a failed load does not leave the
// server busy with work nobody waits for.
// Thread-compatible: Run() from one thread at a time.
namespace wv::warehouse {

class SessionPool {
 public:
  // Opens `sessions` connections (>= 1) and runs `setup_sql` on each.
  static StatusOr<std::unique_ptr<SessionPool>> Open(const std::string& conninfo,
                                                     const std::string& application_name,
                                                     int sessions, const std::string& setup_sql);

  // Runs task(i, session) once for every i in [0, count); returns the first
  // error (the task's Status, or an exception turned into one).
  Status Run(size_t count, const std::function<Status(size_t index, PgConnection& session)>& task);

  size_t size() const { return sessions_.size(); }
  PgConnection& session(size_t i) { return *sessions_[i]; }

 private:
  std::vector<std::unique_ptr<PgConnection>> sessions_;
};

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_SESSION_POOL_H_
