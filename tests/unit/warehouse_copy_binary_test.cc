// PostgreSQL's binary COPY format as the server's *recv functions read it
// (the e2e tests have a real server decode it; these pin the bytes).
#include <string>

#include "gtest/gtest.h"
#include "warehouse/copy_binary.h"

namespace wv::warehouse {
namespace {

std::string Bytes(std::initializer_list<int> v) {
  std::string out;
  for (int b : v) out.push_back(static_cast<char>(b));
  return out;
}

TEST(CopyBinaryTest, HeaderIsTheSignatureThenNoFlagsAndNoExtension) {
  CopyBinaryWriter w;
  w.Header();
  EXPECT_EQ(w.data(), std::string("PGCOPY\n\xff\r\n\0", 11) + std::string(8, '\0'));
  w.Clear();
  w.Trailer();
  EXPECT_EQ(w.data(), Bytes({0xff, 0xff}));
}

TEST(CopyBinaryTest, FieldsAreLengthPrefixedBigEndian) {
  CopyBinaryWriter w;
  w.BeginRow(3);
  w.Int64(-2);
  w.Null();
  w.Bytes("ab");
  EXPECT_EQ(w.data(),
            Bytes({0,    3,  // fields
                   0,    0,    0,    8,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,  //
                   0xff, 0xff, 0xff, 0xff,                                                  // NULL
                   0,    0,    0,    2,    'a',  'b'}));
}

TEST(CopyBinaryTest, ScalarsUseTheirSendFormats) {
  CopyBinaryWriter w;
  w.Int32(258);
  w.Bool(true);
  w.Float64(1.0);  // 0x3ff0000000000000
  EXPECT_EQ(w.data(), Bytes({0, 0, 0, 4, 0,    0,    1, 2, 0, 0, 0, 1, 1,
                             0, 0, 0, 8, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
}

TEST(CopyBinaryTest, TimesCountFromTheYear2000) {
  CopyBinaryWriter w;
  w.TimestampMicros(946684800LL * 1000000 + 1);  // 2000-01-01T00:00:00.000001Z
  w.Date(10957 - 1);                             // 1999-12-31
  EXPECT_EQ(w.data(),
            Bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff}));
}

}  // namespace
}  // namespace wv::warehouse
