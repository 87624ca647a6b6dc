#ifndef WV_CORE_RANDOM_H_
#define WV_CORE_RANDOM_H_

#include <cmath>
#include <cstdint>

// Small, fast, reproducible random numbers (the generator's data, the order of
// hlr's SGD pass). Every stream is derived from (seed, stream id) by hashing,
// never from a shared generator, so results cannot depend on which thread
// produced which part of them.
namespace wv {

// SplitMix64's finaliser: a bijective 64-bit mixer, used to derive stream
// seeds and per-entity hashes.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hash of a (seed, stream, index) triple: independent-looking values per index.
constexpr uint64_t StreamHash(uint64_t seed, uint64_t stream, uint64_t index) {
  return Mix64(Mix64(Mix64(seed) ^ stream) + index);
}

// A uniform double in [0, 1) from 64 random bits.
inline double ToUnit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// xoshiro256++ seeded through SplitMix64: one independent stream per entity.
// Not thread-safe; each thread owns its generators.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t x = StreamHash(seed, stream, 0x5eed);
    for (auto& word : s_) {
      x += 0x9e3779b97f4a7c15ULL;
      word = Mix64(x);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Unit() { return ToUnit(Next()); }
  // Uniform integer in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  bool Bernoulli(double p) { return Unit() < p; }
  // Standard normal (Box-Muller; one value per call keeps the stream simple).
  double Normal() {
    const double u1 = 1.0 - Unit();
    const double u2 = Unit();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Log-uniform in [lo, hi). REQUIRES: 0 < lo < hi.
  double LogUniform(double lo, double hi) { return lo * std::exp(Unit() * std::log(hi / lo)); }
  // Binomial(n, p) by summing Bernoullis: n is a session count (small).
  int Binomial(int n, double p) {
    int k = 0;
    for (int i = 0; i < n; ++i) k += Bernoulli(p) ? 1 : 0;
    return k;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace wv

#endif  // WV_CORE_RANDOM_H_
