#include "s3/xml.h"

#include <charconv>
#include <pugixml.hpp>
#include <sstream>

#include "core/civil_time.h"

namespace wv::s3 {
namespace {

// Parses `xml` into `doc`; false when it is not well-formed.
bool Load(std::string_view xml, pugi::xml_document* doc) {
  if (xml.empty()) return false;
  return doc->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
}

Status Malformed(std::string_view what, std::string_view why) {
  return InternalError("malformed " + std::string(what) + ": " + std::string(why));
}

// The root element named `name`, or an empty node.
pugi::xml_node Root(const pugi::xml_document& doc, const char* name) { return doc.child(name); }

std::string Text(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

StatusOr<uint64_t> ParseSize(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return InternalError("bad Size '" + std::string(text) + "'");
  }
  return value;
}

bool ParseFixed(std::string_view text, size_t pos, size_t len, int* out) {
  if (pos + len > text.size()) return false;
  const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, *out);
  return ec == std::errc() && end == text.data() + pos + len;
}

}  // namespace

std::optional<int64_t> ParseIsoTimestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  StatusOr<int64_t> days = ParseDateString(text.substr(0, 10));
  int hour = 0, minute = 0, second = 0;
  if (!days.ok() || !ParseFixed(text, 11, 2, &hour) || !ParseFixed(text, 14, 2, &minute) ||
      !ParseFixed(text, 17, 2, &second) || text.back() != 'Z') {
    return std::nullopt;
  }
  return *days * 86400 + hour * 3600 + minute * 60 + second;
}

std::optional<ErrorBody> ParseErrorBody(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return std::nullopt;
  pugi::xml_node error = Root(doc, "Error");
  if (!error) return std::nullopt;
  ErrorBody out;
  out.code = Text(error, "Code");
  out.message = Text(error, "Message");
  out.region = Text(error, "Region");
  return out;
}

StatusOr<ListObjectsPage> ParseListObjectsV2(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Malformed("ListBucketResult", "not XML");
  pugi::xml_node root = Root(doc, "ListBucketResult");
  if (!root) return Malformed("ListBucketResult", "no <ListBucketResult>");
  ListObjectsPage page;
  for (pugi::xml_node contents : root.children("Contents")) {
    ObjectSummary object;
    object.key = Text(contents, "Key");
    object.etag = Text(contents, "ETag");
    StatusOr<uint64_t> size = ParseSize(Text(contents, "Size"));
    if (!size.ok()) return Malformed("ListBucketResult", size.status().message());
    object.size = *size;
    object.last_modified = ParseIsoTimestamp(Text(contents, "LastModified")).value_or(0);
    page.objects.push_back(std::move(object));
  }
  page.truncated = std::string_view(Text(root, "IsTruncated")) == "true";
  page.next_continuation_token = Text(root, "NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Malformed("ListBucketResult", "truncated without a NextContinuationToken");
  }
  return page;
}

StatusOr<ListUploadsPage> ParseListMultipartUploads(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Malformed("ListMultipartUploadsResult", "not XML");
  pugi::xml_node root = Root(doc, "ListMultipartUploadsResult");
  if (!root) return Malformed("ListMultipartUploadsResult", "no <ListMultipartUploadsResult>");
  ListUploadsPage page;
  for (pugi::xml_node upload : root.children("Upload")) {
    UploadSummary summary;
    summary.key = Text(upload, "Key");
    summary.upload_id = Text(upload, "UploadId");
    summary.initiated = ParseIsoTimestamp(Text(upload, "Initiated")).value_or(0);
    page.uploads.push_back(std::move(summary));
  }
  page.truncated = std::string_view(Text(root, "IsTruncated")) == "true";
  page.next_key_marker = Text(root, "NextKeyMarker");
  page.next_upload_id_marker = Text(root, "NextUploadIdMarker");
  if (page.truncated && page.next_key_marker.empty() && page.next_upload_id_marker.empty()) {
    return Malformed("ListMultipartUploadsResult", "truncated without next markers");
  }
  return page;
}

StatusOr<std::string> ParseInitiateMultipartUpload(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Malformed("InitiateMultipartUploadResult", "not XML");
  std::string id = Text(Root(doc, "InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return Malformed("InitiateMultipartUploadResult", "no UploadId");
  return id;
}

StatusOr<CompleteResult> ParseCompleteMultipartUpload(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Malformed("CompleteMultipartUploadResult", "not XML");
  CompleteResult out;
  if (Root(doc, "Error")) {
    out.error = ParseErrorBody(xml);
    return out;
  }
  pugi::xml_node root = Root(doc, "CompleteMultipartUploadResult");
  if (!root) return Malformed("CompleteMultipartUploadResult", "no result element");
  out.etag = Text(root, "ETag");
  return out;
}

StatusOr<std::vector<DeleteFailure>> ParseDeleteResult(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Malformed("DeleteResult", "not XML");
  pugi::xml_node root = Root(doc, "DeleteResult");
  if (!root) return Malformed("DeleteResult", "no <DeleteResult>");
  std::vector<DeleteFailure> out;
  for (pugi::xml_node error : root.children("Error")) {
    out.push_back({Text(error, "Key"), Text(error, "Code"), Text(error, "Message")});
  }
  return out;
}

namespace {

std::string Serialize(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

pugi::xml_node AddRoot(pugi::xml_document* doc, const char* name) {
  pugi::xml_node root = doc->append_child(name);
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  return root;
}

}  // namespace

std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts) {
  pugi::xml_document doc;
  pugi::xml_node root = AddRoot(&doc, "CompleteMultipartUpload");
  for (const CompletedPart& part : parts) {
    pugi::xml_node node = root.append_child("Part");
    node.append_child("PartNumber").text().set(part.part_number);
    node.append_child("ETag").text().set(part.etag.c_str());
  }
  return Serialize(doc);
}

std::string DeleteObjectsXml(const std::vector<std::string>& keys, size_t begin, size_t end) {
  pugi::xml_document doc;
  pugi::xml_node root = AddRoot(&doc, "Delete");
  root.append_child("Quiet").text().set("true");
  for (size_t i = begin; i < end; ++i) {
    root.append_child("Object").append_child("Key").text().set(keys[i].c_str());
  }
  return Serialize(doc);
}

}  // namespace wv::s3
