#include "support/test_sinks.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fmt/core.h"

namespace wv::testing {
namespace {

class StringSink : public io::ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Append(std::string_view bytes) override {
    out_->append(bytes);
    return OkStatus();
  }
  Status Close() override { return OkStatus(); }
  uint64_t bytes_written() const override { return out_->size(); }

 private:
  std::string* out_;
};

class TestFileSink : public io::ByteSink {
 public:
  TestFileSink(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  ~TestFileSink() override {
    if (f_ != nullptr) std::fclose(f_);
  }
  Status Append(std::string_view bytes) override {
    if (std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size()) {
      return OutputError(fmt::format("writing {}: {}", path_, std::strerror(errno)));
    }
    written_ += bytes.size();
    return OkStatus();
  }
  Status Close() override {
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return OutputError(fmt::format("closing {}: {}", path_, std::strerror(errno)));
    return OkStatus();
  }
  uint64_t bytes_written() const override { return written_; }

 private:
  std::FILE* f_;
  std::string path_;
  uint64_t written_ = 0;
};

}  // namespace

std::unique_ptr<io::ByteSink> NewStringSink(std::string* out) {
  return std::make_unique<StringSink>(out);
}

StatusOr<std::unique_ptr<io::ByteSink>> NewTestFileSink(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return OutputError(fmt::format("opening {}: {}", path, std::strerror(errno)));
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<io::ByteSink>(std::make_unique<TestFileSink>(f, path));
}

}  // namespace wv::testing
