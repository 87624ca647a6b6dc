#include "parquet/reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fmt/core.h"
#include "parquet/column_reader.h"
#include "parquet/column_writer.h"
#include "parquet/compression.h"
#include "parquet/metadata.h"
#include "parquet/schema_convert.h"
#include "parquet/statistics.h"

namespace wv::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";

// The bytes of an open file: a read-only mapping or an owned buffer.
class FileBytes {
 public:
  FileBytes() = default;
  explicit FileBytes(std::string owned) : owned_(std::move(owned)), view_(owned_) {}
  FileBytes(void* map, size_t size)
      : map_(map), map_size_(size), view_(static_cast<const char*>(map), size) {}
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes() {
    if (map_ != nullptr) munmap(map_, map_size_);
  }
  std::string_view view() const { return view_; }

 private:
  std::string owned_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::string_view view_;
};

class FileReaderImpl : public FileReader {
 public:
  FileReaderImpl(std::unique_ptr<FileBytes> bytes, std::string name, ReaderLimits limits)
      : bytes_(std::move(bytes)), name_(std::move(name)), limits_(limits) {}

  Status Init() {
    const std::string_view file = bytes_->view();
    if (file.size() < 12) {
      return InputError(
          fmt::format("{}: not a Parquet file ({} bytes is too small)", name_, file.size()));
    }
    if (file.substr(0, 4) != kMagic) {
      return InputError(fmt::format("{}: not a Parquet file (bad magic at the start)", name_));
    }
    const std::string_view tail = file.substr(file.size() - 4);
    if (tail == "PARE") {
      return InputError(fmt::format("{}: encrypted Parquet files are not supported", name_));
    }
    if (tail != kMagic) {
      return InputError(
          fmt::format("{}: not a Parquet file or truncated (bad magic at the end)", name_));
    }
    uint32_t footer_len = 0;
    std::memcpy(&footer_len, file.data() + file.size() - 8, 4);
    if (footer_len > file.size() - 12) {
      return InputError(fmt::format("{}: footer length {} exceeds the file ({} bytes)", name_,
                                    footer_len, file.size()));
    }
    const std::string_view footer = file.substr(file.size() - 8 - footer_len, footer_len);
    WV_RETURN_IF_ERROR(format::Parse(footer, name_ + " (footer)", &meta_));
    if (meta_.encrypted) {
      return InputError(fmt::format("{}: encrypted Parquet files are not supported", name_));
    }
    WV_ASSIGN_OR_RETURN(schema_, FromFormatSchema(meta_.schema, name_));
    if (meta_.num_rows < 0) return InputError(fmt::format("{}: negative row count", name_));
    int64_t total = 0;
    for (size_t g = 0; g < meta_.row_groups.size(); ++g) {
      const format::RowGroup& rg = meta_.row_groups[g];
      if (rg.num_rows < 0 || rg.num_rows > limits_.max_row_group_rows) {
        return InputError(fmt::format("{}: row group {} claims {} rows (limit {})", name_, g,
                                      rg.num_rows, limits_.max_row_group_rows));
      }
      if (rg.columns.size() != schema_.columns.size()) {
        return InputError(
            fmt::format("{}: row group {} has {} column chunks, schema has {} "
                        "columns",
                        name_, g, rg.columns.size(), schema_.columns.size()));
      }
      for (size_t c = 0; c < rg.columns.size(); ++c) {
        const auto& md = rg.columns[c].meta_data;
        if (!md) {
          return InputError(fmt::format("{}: row group {} column {} has no metadata", name_, g, c));
        }
        const format::Type expected = ToFormatType(schema_.columns[c].physical);
        if (md->type != expected) {
          return InputError(
              fmt::format("{}: row group {} column '{}': chunk type {} differs "
                          "from the schema",
                          name_, g, schema_.columns[c].name, static_cast<int>(md->type)));
        }
      }
      total += rg.num_rows;
    }
    if (total != meta_.num_rows) {
      return InputError(fmt::format("{}: row groups hold {} rows, the footer says {}", name_, total,
                                    meta_.num_rows));
    }
    for (size_t i = 0; i < schema_.columns.size(); ++i) {
      names_.emplace_back(schema_.columns[i].name);
    }
    return OkStatus();
  }

  const Schema& schema() const override { return schema_; }
  int64_t num_rows() const override { return meta_.num_rows; }
  int num_row_groups() const override { return static_cast<int>(meta_.row_groups.size()); }
  int64_t row_group_num_rows(int g) const override {
    return g >= 0 && g < num_row_groups() ? meta_.row_groups[g].num_rows : 0;
  }
  std::string created_by() const override { return meta_.created_by.value_or(""); }
  std::optional<std::string> key_value(std::string_view key) const override {
    for (const format::KeyValue& kv : meta_.key_value_metadata) {
      if (kv.key == key) return kv.value.value_or("");
    }
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> key_values() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const format::KeyValue& kv : meta_.key_value_metadata) {
      out.emplace_back(kv.key, kv.value.value_or(""));
    }
    return out;
  }
  int64_t file_size() const override { return static_cast<int64_t>(bytes_->view().size()); }

  int ColumnIndex(std::string_view name) const override {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return static_cast<int>(i);
    }
    return -1;
  }

  StatusOr<ColumnChunkStatistics> Statistics(int g, int c) const override {
    WV_RETURN_IF_ERROR(CheckIndices(g, c));
    const format::ColumnMetaData& m = *meta_.row_groups[g].columns[c].meta_data;
    if (!m.statistics) return ColumnChunkStatistics{};
    format::Statistics stats = *m.statistics;
    // min_value/max_value follow the column order; drop them if the writer
    // declared an order we do not know.
    if (static_cast<size_t>(c) < meta_.column_orders_type_defined.size() &&
        !meta_.column_orders_type_defined[c]) {
      stats.min_value.reset();
      stats.max_value.reset();
    }
    return DecodeStatistics(schema_.columns[c], stats, Context(g, c));
  }

  StatusOr<ColumnVector> ReadColumn(int g, int c) const override {
    WV_RETURN_IF_ERROR(CheckIndices(g, c));
    ColumnVector out;
    WV_RETURN_IF_ERROR(ReadColumnChunk(bytes_->view(), meta_.row_groups[g].columns[c],
                                       schema_.columns[c], meta_.row_groups[g].num_rows, limits_,
                                       Context(g, c), &out));
    return out;
  }

  StatusOr<std::optional<DictionaryColumn>> ReadDictionaryColumn(int g, int c) const override {
    WV_RETURN_IF_ERROR(CheckIndices(g, c));
    DictionaryColumn out;
    bool dictionary_encoded = false;
    WV_RETURN_IF_ERROR(ReadDictionaryChunk(bytes_->view(), meta_.row_groups[g].columns[c],
                                           schema_.columns[c], meta_.row_groups[g].num_rows,
                                           limits_, Context(g, c), &out, &dictionary_encoded));
    if (!dictionary_encoded) return std::optional<DictionaryColumn>();
    return std::optional<DictionaryColumn>(std::move(out));
  }

  ChunkInfo ColumnChunkInfo(int g, int c) const override {
    ChunkInfo info;
    if (!CheckIndices(g, c).ok()) return info;
    const format::ColumnMetaData& m = *meta_.row_groups[g].columns[c].meta_data;
    info.codec = std::string(CodecName(m.codec));
    for (int32_t e : m.encodings) info.encodings.emplace_back(EncodingName(e));
    info.num_values = m.num_values;
    info.compressed_bytes = m.total_compressed_size;
    info.uncompressed_bytes = m.total_uncompressed_size;
    info.has_dictionary_page = m.dictionary_page_offset.has_value();
    return info;
  }

 private:
  Status CheckIndices(int g, int c) const {
    if (g < 0 || g >= num_row_groups() || c < 0 || c >= static_cast<int>(schema_.columns.size())) {
      return InternalError(fmt::format("{}: no row group {} / column {}", name_, g, c));
    }
    return OkStatus();
  }

  std::string Context(int g, int c) const {
    return fmt::format("{}: row group {}, column '{}'", name_, g, schema_.columns[c].name);
  }

  std::unique_ptr<FileBytes> bytes_;
  std::string name_;
  ReaderLimits limits_;
  format::FileMetaData meta_;
  Schema schema_;
  std::vector<std::string> names_;
};

StatusOr<std::unique_ptr<FileReader>> Finish(std::unique_ptr<FileBytes> bytes, std::string name,
                                             const ReaderLimits& limits) {
  auto reader = std::make_unique<FileReaderImpl>(std::move(bytes), std::move(name), limits);
  WV_RETURN_IF_ERROR(reader->Init());
  return std::unique_ptr<FileReader>(std::move(reader));
}

}  // namespace

StatusOr<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path) {
  return Open(path, ReaderLimits{});
}

StatusOr<std::unique_ptr<FileReader>> FileReader::OpenBuffer(std::string bytes, std::string name) {
  return OpenBuffer(std::move(bytes), std::move(name), ReaderLimits{});
}

StatusOr<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path,
                                                       const ReaderLimits& limits) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return InputError(fmt::format("{}: cannot stat: {}", path, std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return InputError(fmt::format("{}: not a regular file", path));
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return InputError(fmt::format("{}: not a Parquet file (empty)", path));
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (map == MAP_FAILED) {
    return InputError(fmt::format("{}: cannot map: {}", path, std::strerror(err)));
  }
  return Finish(std::make_unique<FileBytes>(map, size), path, limits);
}

StatusOr<std::unique_ptr<FileReader>> FileReader::OpenBuffer(std::string bytes, std::string name,
                                                             const ReaderLimits& limits) {
  return Finish(std::make_unique<FileBytes>(std::move(bytes)), std::move(name), limits);
}

}  // namespace wv::parquet
