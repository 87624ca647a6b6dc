#include "core/crc32.h"

#include <isa-l/crc.h>
#include <zlib.h>

namespace wv {

uint32_t Crc32(std::string_view bytes, uint32_t crc) {
  return crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t bytes_b) {
  return static_cast<uint32_t>(crc32_combine64(crc_a, crc_b, static_cast<z_off64_t>(bytes_b)));
}

}  // namespace wv
