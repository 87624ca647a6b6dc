#include "s3/signing.h"

#include <openssl/evp.h>

#include <algorithm>

namespace wv::s3 {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// The digest of `data` with `md` (EVP: the OpenSSL 3 interface).
std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, md, nullptr);
  return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string CanonicalQuery(std::vector<QueryParam> params) {
  for (QueryParam& p : params) {
    p.first = UriEncode(p.first, false);
    p.second = UriEncode(p.second, false);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const QueryParam& p : params) {
    if (!out.empty()) out += '&';
    out += p.first;
    out += '=';
    out += p.second;
  }
  return out;
}

std::string RequestUrl(const ConnectionSettings& settings, std::string_view bucket,
                       std::string_view key, const std::vector<QueryParam>& query) {
  std::string base = settings.endpoint.empty() ? "https://s3." + settings.region + ".amazonaws.com"
                                               : settings.endpoint;
  const size_t host_start = base.find("://") + 3;
  const bool https = base.starts_with("https://");
  const bool virtual_hosted = settings.addressing == Addressing::kVirtualHosted &&
                              !bucket.empty() &&
                              !(https && bucket.find('.') != std::string_view::npos);
  std::string url;
  if (virtual_hosted) {
    url = base.substr(0, host_start) + std::string(bucket) + "." + base.substr(host_start) + "/";
  } else {
    url = base + "/";
    if (!bucket.empty()) {
      url += bucket;
      if (!key.empty()) url += '/';
    }
  }
  url += UriEncode(key, true);
  const std::string canonical = CanonicalQuery(query);
  if (!canonical.empty()) url += "?" + canonical;
  return url;
}

std::string SigV4Provider(std::string_view region) {
  return "aws:amz:" + std::string(region) + ":s3";
}

std::string Sha256Hex(std::string_view data) {
  static constexpr char kLowerHex[] = "0123456789abcdef";
  const std::string digest = Digest(EVP_sha256(), data);
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char c : digest) {
    out += kLowerHex[c >> 4];
    out += kLowerHex[c & 0xF];
  }
  return out;
}

std::string Md5Base64(std::string_view data) {
  const std::string digest = Digest(EVP_md5(), data);
  std::string out(4 * ((digest.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(digest.data()),
                                static_cast<int>(digest.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace wv::s3
