#include "warehouse/pg_connection.h"

#include <libpq-fe.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "fmt/core.h"

namespace wv::warehouse {
namespace {

// libpq's messages end in a newline and may span lines; one line per error.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string Describe(PGconn* conn) {
  const char* host = PQhost(conn);
  const char* port = PQport(conn);
  const char* db = PQdb(conn);
  const char* user = PQuser(conn);
  return fmt::format("database {} on {}:{} as {}", db ? db : "?", host && *host ? host : "?",
                     port && *port ? port : "?", user ? user : "?");
}

// A failed connection's Status. libpq (15) keeps no SQLSTATE for errors
// during connection, so the server's message decides; PostgreSQL's messages
// are in English unless the server sets lc_messages otherwise (then the
// error is reported as unreachable or refused by what libpq itself knows).
Status ConnectionError(PGconn* conn) {
  const std::string where = Describe(conn);
  const std::string message = OneLine(PQerrorMessage(conn));
  const std::string text = fmt::format("cannot connect to {}: {}", where, message);
  if (PQconnectionNeedsPassword(conn)) {
    return DeniedError(text +
                       " (no password was given: use the connection string, PGPASSWORD "
                       "or ~/.pgpass)");
  }
  if (Contains(message, "authentication failed") || Contains(message, "no pg_hba.conf entry") ||
      (Contains(message, "role \"") && Contains(message, "does not exist")) ||
      Contains(message, "permission denied")) {
    return DeniedError(text);
  }
  if (Contains(message, "database \"") && Contains(message, "does not exist")) {
    return OutputError(text);
  }
  return UnavailableError(text);
}

// The error kind of a statement's SQLSTATE.
Status StatementError(std::string_view sqlstate, std::string message) {
  if (sqlstate.substr(0, 2) == "28" || sqlstate == "42501") return DeniedError(message);
  if (sqlstate.substr(0, 2) == "08" || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return UnavailableError(message);
  }
  return OutputError(message);
}

}  // namespace

Status PgConnection::CheckConninfo(const std::string& conninfo) {
  if (conninfo.empty()) return OkStatus();
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options != nullptr) {
    PQconninfoFree(options);
    return OkStatus();
  }
  // libpq's message quotes the offending part, which may be the password.
  if (error != nullptr) PQfreemem(error);
  return UsageError(
      "--postgres: not a valid libpq connection string ('host=... dbname=... user=...') or URI "
      "('postgresql://user@host:port/dbname'); see the PostgreSQL documentation, \"Connection "
      "Strings\"");
}

StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo,
                                                              std::string_view application_name) {
  WV_RETURN_IF_ERROR(CheckConninfo(conninfo));
  const std::string app(application_name);
  // Later entries override earlier ones and the expanded connection string
  // (dbname): connect_timeout is only a default, the others are ours.
  const std::array<const char*, 5> keywords = {"connect_timeout", "dbname", "application_name",
                                               "client_encoding", nullptr};
  const std::array<const char*, 5> values = {"10", conninfo.empty() ? nullptr : conninfo.c_str(),
                                             app.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return InternalError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s = ConnectionError(conn);
    PQfinish(conn);
    return s;
  }
  std::unique_ptr<PgConnection> c(new PgConnection(conn, Describe(conn)));
  // The loader's statements run as long as they need (a role's
  // statement_timeout is for analysts), and its literals are standard.
  WV_RETURN_IF_ERROR(
      c->Exec("SET standard_conforming_strings = on; SET statement_timeout = 0; "
              "SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0"));
  return c;
}

PgConnection::PgConnection(pg_conn* conn, std::string description)
    : conn_(conn), cancel_(PQgetCancel(conn)), description_(std::move(description)) {}

PgConnection::~PgConnection() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
  PQfinish(conn_);
}

int PgConnection::backend_pid() const { return PQbackendPID(conn_); }

std::string PgConnection::ParameterStatus(std::string_view name) const {
  const char* v = PQparameterStatus(conn_, std::string(name).c_str());
  return v ? v : "";
}

void PgConnection::Cancel() {
  if (cancel_ == nullptr) return;
  char buffer[256];
  PQcancel(cancel_, buffer, sizeof buffer);
}

Status PgConnection::ErrorFromResult(const void* result, std::string_view what) const {
  const PGresult* res = static_cast<const PGresult*>(result);
  if (PQstatus(conn_) == CONNECTION_BAD) {
    return UnavailableError(fmt::format("{}: lost the connection to {}: {}", what, description_,
                                        OneLine(PQerrorMessage(conn_))));
  }
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  const char* hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : nullptr;
  std::string message = fmt::format(
      "{}: {} ({})", what, primary ? primary : OneLine(PQerrorMessage(conn_)), description_);
  if (detail) message += fmt::format("; {}", OneLine(detail));
  if (hint) message += fmt::format("; hint: {}", OneLine(hint));
  const std::string sqlstate = state ? state : "";
  if (!sqlstate.empty()) message += fmt::format(" (SQLSTATE {})", sqlstate);
  return StatementError(sqlstate, std::move(message));
}

Status PgConnection::Exec(std::string_view sql) {
  PGresult* res = PQexec(conn_, std::string(sql).c_str());
  Status s;
  // A multi-statement string returns the last result; an error stops it.
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
    s = ErrorFromResult(res, "PostgreSQL refused a statement");
  }
  PQclear(res);
  return s;
}

StatusOr<std::vector<PgRow>> PgConnection::Query(std::string_view sql,
                                                 const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  PGresult* res = PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0);
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    Status s = ErrorFromResult(res, "PostgreSQL refused a query");
    PQclear(res);
    return s;
  }
  std::vector<PgRow> rows(static_cast<size_t>(PQntuples(res)));
  const int columns = PQnfields(res);
  for (size_t r = 0; r < rows.size(); ++r) {
    rows[r].resize(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (!PQgetisnull(res, static_cast<int>(r), c)) {
        rows[r][static_cast<size_t>(c)] = std::string(PQgetvalue(res, static_cast<int>(r), c),
                                                      PQgetlength(res, static_cast<int>(r), c));
      }
    }
  }
  PQclear(res);
  return rows;
}

Status PgConnection::CopyBegin(std::string_view copy_sql) {
  PGresult* res = PQexec(conn_, std::string(copy_sql).c_str());
  Status s;
  if (res == nullptr || PQresultStatus(res) != PGRES_COPY_IN) {
    s = ErrorFromResult(res, "PostgreSQL refused a COPY");
  }
  PQclear(res);
  return s;
}

Status PgConnection::CopyPut(std::string_view data) {
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) {
    return ErrorFromResult(nullptr, "sending COPY data");
  }
  return OkStatus();
}

StatusOr<int64_t> PgConnection::CopyEnd() {
  if (PQputCopyEnd(conn_, nullptr) != 1) return ErrorFromResult(nullptr, "ending a COPY");
  Status s;
  int64_t rows = 0;
  while (PGresult* res = PQgetResult(conn_)) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      if (s.ok()) s = ErrorFromResult(res, "PostgreSQL refused the COPY data");
    } else {
      rows += std::strtoll(PQcmdTuples(res), nullptr, 10);
    }
    PQclear(res);
  }
  if (!s.ok()) return s;
  return rows;
}

std::string SqlStateOf(const Status& status) {
  const std::string& m = status.message();
  const size_t at = m.rfind("(SQLSTATE ");
  if (at == std::string::npos || at + 15 > m.size()) return "";
  return m.substr(at + 10, 5);
}

}  // namespace wv::warehouse
