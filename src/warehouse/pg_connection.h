#ifndef WV_WAREHOUSE_PG_CONNECTION_H_
#define WV_WAREHOUSE_PG_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct pg_conn;
struct pg_cancel;

// A connection to PostgreSQL through libpq, with its errors as Status values
// whose kind says what went wrong:
//   UnavailableError (exit 7): the server cannot be reached or is not
//     accepting connections (refused, unknown host, timeout, starting up);
//   DeniedError (exit 8): authentication failed (wrong or missing password,
//     unknown role, no pg_hba.conf entry) or a permission is missing;
//   OutputError (exit 5): the database does not exist, or a statement failed.
// Messages name the database as "database D on HOST:PORT as USER" and quote
// the server's message; they never hold the connection string, which may
// carry a password (libpq's own messages never repeat it).
//
// The password comes from the connection string, PGPASSWORD or ~/.pgpass,
// as libpq decides; nothing here reads it.
//
// Thread-compatible: one thread uses a connection at a time, except
// Cancel(), which any thread may call while another runs a statement.
namespace wv::warehouse {

// One result row, as text; nullopt for NULL.
using PgRow = std::vector<std::optional<std::string>>;

class PgConnection {
 public:
  // Connects with `conninfo` (a libpq connection string, a URI or a database
  // name; empty: libpq's defaults and PG* variables). `application_name`
  // overrides the connection string's (it identifies the loader's sessions
  // in pg_stat_activity). Sets client_encoding UTF8, then in the session
  // standard_conforming_strings on and no statement or lock timeout;
  // connect_timeout defaults to 10 seconds.
  static StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                         std::string_view application_name);

  // A usage error when `conninfo` does not parse as a connection string or
  // URI; the message quotes no part of it.
  static Status CheckConninfo(const std::string& conninfo);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements, no parameters) and discards rows.
  Status Exec(std::string_view sql);
  // Runs one statement with text parameters $1, $2, ... and returns its rows.
  StatusOr<std::vector<PgRow>> Query(std::string_view sql,
                                     const std::vector<std::string>& params = {});

  // COPY ... FROM STDIN: Begin with the COPY statement, Put the data in any
  // pieces, End returns the rows the server stored. After an error, the COPY
  // is over (the server discards what it received).
  Status CopyBegin(std::string_view copy_sql);
  Status CopyPut(std::string_view data);
  StatusOr<int64_t> CopyEnd();

  // Asks the server to cancel the statement running on this connection
  // (best effort). Thread-safe.
  void Cancel();

  // "database D on HOST:PORT as USER", for messages.
  const std::string& description() const { return description_; }
  int backend_pid() const;
  // The server's setting `name` (server_version, server_encoding, ...).
  std::string ParameterStatus(std::string_view name) const;

 private:
  PgConnection(pg_conn* conn, std::string description);
  Status ErrorFromResult(const void* result, std::string_view what) const;

  pg_conn* conn_;
  pg_cancel* cancel_ = nullptr;
  std::string description_;
};

// The SQLSTATE class of a failed statement's error, for callers that react
// to one (55P03 lock_not_available: the swap retries). Empty when unknown.
// Set in the message of statement errors as "(SQLSTATE xxxxx)".
std::string SqlStateOf(const Status& status);

}  // namespace wv::warehouse

#endif  // WV_WAREHOUSE_PG_CONNECTION_H_
