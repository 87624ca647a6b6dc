#include "warehouse/session_pool.h"

#include <atomic>

#include "core/mutex.h"
#include "core/parallel.h"

namespace wv::warehouse {

StatusOr<std::unique_ptr<SessionPool>> SessionPool::Open(const std::string& conninfo,
                                                         const std::string& application_name,
                                                         int sessions,
                                                         const std::string& setup_sql) {
  auto pool = std::unique_ptr<SessionPool>(new SessionPool());
  for (int i = 0; i < std::max(1, sessions); ++i) {
    WV_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> c,
                        PgConnection::Connect(conninfo, application_name));
    if (!setup_sql.empty()) WV_RETURN_IF_ERROR(c->Exec(setup_sql));
    pool->sessions_.push_back(std::move(c));
  }
  return pool;
}

Status SessionPool::Run(size_t count,
                        const std::function<Status(size_t index, PgConnection& session)>& task) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  Mutex mu;
  Status first;  // guarded by mu
  const auto fail = [&](Status s) {
    {
      MutexLock lock(&mu);
      if (first.ok()) first = std::move(s);
    }
    if (!failed.exchange(true)) {
      for (auto& c : sessions_) c->Cancel();
    }
  };
  RunOnWorkers(static_cast<int>(sessions_.size()), [&](int worker) {
    PgConnection& session = *sessions_[static_cast<size_t>(worker)];
    while (!failed.load()) {
      const size_t i = next.fetch_add(1);
      if (i >= count) return;
      Status s;
      try {
        s = task(i, session);
      } catch (...) {
        s = StatusFromCurrentException("a load task");
      }
      if (!s.ok()) fail(std::move(s));
    }
  });
  MutexLock lock(&mu);
  return first;
}

}  // namespace wv::warehouse
