#include "report/report.h"
namespace wv::report {
StatusOr<std::string> RenderReport(const std::string&, const ReportOptions&) { return InternalError("todo"); }
Status WriteReport(const std::string&, const std::string&, const ReportOptions&) { return InternalError("todo"); }
}
