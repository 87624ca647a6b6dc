#include "csv/row_parser.h"

#include <emmintrin.h>

#include <cstring>

namespace wv::csv {
namespace {

// The first '"' or '\n' in [p, end), or nullptr.
const char* FindQuoteOrNewline(const char* p, const char* end) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i newline = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, newline))));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
  for (; p < end; ++p) {
    if (*p == '"' || *p == '\n') return p;
  }
  return nullptr;
}

// Length of a row's content ending just before the line end at `newline`
// (or at the end of input), without a trailing '\r'.
size_t ContentBefore(std::string_view data, size_t newline) {
  return (newline > 0 && data[newline - 1] == '\r') ? newline - 1 : newline;
}

// Splits a row's content (no line end) into fields per RFC 4180, unescaping
// "" into `unescaped` (reserved here so views into it stay valid). Stores at
// most `capacity` fields, counts all. Returns "" or why the quoting is broken.
std::string_view SplitFields(std::string_view content, std::string_view* fields, size_t capacity,
                             size_t* count_out, std::string* unescaped) {
  unescaped->clear();
  unescaped->reserve(content.size());  // never reallocates below, so views stay valid
  size_t count = 0;
  std::string_view error;
  auto add_field = [&](std::string_view value) {
    if (count < capacity) fields[count] = value;
    ++count;
  };
  size_t i = 0;
  for (;;) {
    if (i < content.size() && content[i] == '"') {
      const size_t out_start = unescaped->size();
      bool escaped = false;
      size_t segment = i + 1;
      size_t close = std::string_view::npos;
      for (size_t j = i + 1;;) {
        const size_t q = content.find('"', j);
        if (q == std::string_view::npos) break;
        if (q + 1 < content.size() && content[q + 1] == '"') {
          unescaped->append(content.substr(segment, q + 1 - segment));
          escaped = true;
          j = q + 2;
          segment = j;
          continue;
        }
        close = q;
        break;
      }
      if (close == std::string_view::npos) {
        error = "a quoted field is not closed";
        add_field(content.substr(i + 1));
        break;
      }
      if (escaped) {
        unescaped->append(content.substr(segment, close - segment));
        add_field(std::string_view(*unescaped).substr(out_start));
      } else {
        add_field(content.substr(i + 1, close - i - 1));
      }
      i = close + 1;
      if (i == content.size()) break;
      if (content[i] != ',') {
        error = "a character follows a closing quote";
        break;
      }
      ++i;
      continue;
    }
    const size_t j = content.find_first_of(",\"", i);
    if (j == std::string_view::npos) {
      add_field(content.substr(i));
      break;
    }
    if (content[j] == '"') {
      error = "a quote inside an unquoted field";
      add_field(content.substr(i, j - i));
      break;
    }
    add_field(content.substr(i, j - i));
    i = j + 1;
  }
  *count_out = count;
  return error;
}

// Whether a row spanning several lines stands as one row.
bool MultiLineRowHolds(std::string_view content, size_t expected_fields) {
  std::string unescaped;
  size_t count = 0;
  if (!SplitFields(content, nullptr, 0, &count, &unescaped).empty()) return false;
  return expected_fields == 0 || count == expected_fields;
}

}  // namespace

RowExtent ScanRow(std::string_view data, bool at_eof, size_t expected_fields) {
  const char* const begin = data.data();
  const char* const end = begin + data.size();
  bool in_quotes = false;
  size_t first_newline = std::string_view::npos;
  uint32_t newlines_inside = 0;
  RowExtent extent;
  auto cut_at_first_newline = [&] {
    extent.complete = true;
    extent.unbalanced = true;
    extent.content = ContentBefore(data, first_newline);
    extent.consumed = first_newline + 1;
    extent.lines = 1;
    return extent;
  };
  // A row over several lines stands only if it is well formed and short enough.
  auto multi_line_row_holds = [&](size_t content) {
    return content <= kMaxRowBytes && MultiLineRowHolds(data.substr(0, content), expected_fields);
  };
  const char* p = begin;
  while (const char* hit = FindQuoteOrNewline(p, end)) {
    const size_t pos = static_cast<size_t>(hit - begin);
    p = hit + 1;
    if (*hit == '"') {
      if (!in_quotes) {
        // Only a quote at the start of a field opens a quoted field; any
        // other is a stray character (the field parser reports it).
        in_quotes = pos == 0 || hit[-1] == ',';
        continue;
      }
      if (hit + 1 == end) {
        if (!at_eof) break;  // "" or a closing quote: the next byte decides
        in_quotes = false;
        continue;
      }
      if (hit[1] == '"') {
        ++p;  // an escaped quote
      } else {
        in_quotes = false;
      }
      continue;
    }
    if (!in_quotes) {
      extent.complete = true;
      extent.content = ContentBefore(data, pos);
      extent.consumed = pos + 1;
      extent.lines = newlines_inside + 1;
      if (newlines_inside > 0 && !multi_line_row_holds(extent.content)) {
        return cut_at_first_newline();
      }
      return extent;
    }
    if (first_newline == std::string_view::npos) first_newline = pos;
    ++newlines_inside;
    if (pos >= kMaxRowBytes) return cut_at_first_newline();
  }
  if (!at_eof) {
    // Past this size, wherever the row would end it would be too long.
    if (first_newline != std::string_view::npos && data.size() > kMaxRowBytes + 1) {
      return cut_at_first_newline();
    }
    return extent;  // incomplete
  }
  if (in_quotes && first_newline != std::string_view::npos) return cut_at_first_newline();
  extent.complete = true;
  extent.unbalanced = in_quotes;
  extent.content = ContentBefore(data, data.size());
  extent.consumed = data.size();
  extent.lines = newlines_inside + 1;
  if (newlines_inside > 0 && !multi_line_row_holds(extent.content)) {
    return cut_at_first_newline();
  }
  return extent;
}

size_t CompleteRowsPrefix(std::string_view data, size_t expected_fields) {
  const void* quote = std::memchr(data.data(), '"', data.size());
  if (quote == nullptr) {
    const void* last = memrchr(data.data(), '\n', data.size());
    return last == nullptr ? 0 : static_cast<const char*>(last) - data.data() + 1;
  }
  // Rows wholly before the first quote need no quote tracking.
  const size_t first_quote = static_cast<const char*>(quote) - data.data();
  const void* before = memrchr(data.data(), '\n', first_quote);
  size_t pos = before == nullptr ? 0 : static_cast<const char*>(before) - data.data() + 1;
  while (pos < data.size()) {
    const RowExtent extent = ScanRow(data.substr(pos), /*at_eof=*/false, expected_fields);
    if (!extent.complete) break;
    pos += extent.consumed;
  }
  return pos;
}

bool RowParser::Next(Row* row) {
  // Blank lines ("\n" or "\r\n", or a final "\r") are not rows.
  for (;;) {
    if (pos_ >= buffer_.size()) return false;
    const char c = buffer_[pos_];
    size_t blank = 0;
    if (c == '\n') {
      blank = 1;
    } else if (c == '\r' && (pos_ + 1 == buffer_.size() || buffer_[pos_ + 1] == '\n')) {
      blank = pos_ + 1 == buffer_.size() ? 1 : 2;
    } else {
      break;
    }
    pos_ += blank;
    ++line_;
    ++blank_lines_;
  }
  const char* const start = buffer_.data() + pos_;
  const char* const end = buffer_.data() + buffer_.size();
  row->quote_error = {};
  row->first_line = line_;
  row->lines = 1;
  size_t count = 0;
  const char* field_start = start;
  const char* line_end = nullptr;

  // Fast path: a row without quotes, split on ',' up to '\n', 16 bytes a step.
  auto on_delimiter = [&](const char* hit) -> int {  // 1: row ends, -1: quote, 0: go on
    const char c = *hit;
    if (c == ',') {
      if (count < Row::kMaxFields) row->fields[count] = {field_start, size_t(hit - field_start)};
      ++count;
      field_start = hit + 1;
      return 0;
    }
    if (c == '\n') {
      line_end = hit;
      return 1;
    }
    return -1;
  };
  const char* p = start;
  __m128i high_bits = _mm_setzero_si128();  // OR of every byte loaded
  unsigned char tail_bits = 0;
  // Control bytes (C0 but the row's '\n', DEL) seen before the row's end.
  unsigned control_bits = 0;
  bool tail_control = false;
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i c0_max = _mm_set1_epi8(0x1F);
  const __m128i del = _mm_set1_epi8(0x7F);
  int outcome = 0;
  while (outcome == 0 && end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    high_bits = _mm_or_si128(high_bits, v);
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline)),
                     _mm_cmpeq_epi8(v, quote))));
    unsigned control = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, c0_max), v), _mm_cmpeq_epi8(v, del))));
    while (mask != 0) {
      outcome = on_delimiter(p + __builtin_ctz(mask));
      if (outcome != 0) break;
      mask &= mask - 1;
    }
    // Only the bytes before the row's '\n' count.
    if (outcome > 0) control &= (1u << (line_end - p)) - 1;
    control_bits |= control;
    p += 16;
  }
  for (; outcome == 0 && p < end; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    tail_bits |= c;
    if (c == ',' || c == '\n' || c == '"') {
      outcome = on_delimiter(p);
    } else {
      tail_control |= c < 0x20 || c == 0x7F;
    }
  }
  if (outcome < 0) {
    row->maybe_non_ascii = true;
    row->maybe_control = true;
    ParseQuotedRow(row);
    return true;
  }
  // Blocks may reach past the row end: conservative, never wrong.
  row->maybe_non_ascii = _mm_movemask_epi8(high_bits) != 0 || (tail_bits & 0x80) != 0;
  // Exact but for a final '\r' (a CRLF line end), which sets it too.
  row->maybe_control = control_bits != 0 || tail_control;
  const char* content_end = line_end != nullptr ? line_end : end;
  if (content_end > field_start && content_end[-1] == '\r') --content_end;
  if (count < Row::kMaxFields) {
    row->fields[count] = {field_start, size_t(content_end - field_start)};
  }
  row->field_count = count + 1;
  row->raw = {start, size_t(content_end - start)};
  pos_ = line_end != nullptr ? size_t(line_end + 1 - buffer_.data()) : buffer_.size();
  ++line_;
  return true;
}

void RowParser::ParseQuotedRow(Row* row) {
  const RowExtent extent = ScanRow(buffer_.substr(pos_), /*at_eof=*/true, expected_fields_);
  const std::string_view content = buffer_.substr(pos_, extent.content);
  row->raw = content;
  row->lines = extent.lines;
  pos_ += extent.consumed;
  line_ += extent.lines;
  row->quote_error =
      SplitFields(content, row->fields.data(), Row::kMaxFields, &row->field_count, &unescaped_);
  if (extent.unbalanced) row->quote_error = "unbalanced quotes";
}

}  // namespace wv::csv
