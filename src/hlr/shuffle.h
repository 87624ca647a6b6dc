#ifndef WV_HLR_SHUFFLE_H_
#define WV_HLR_SHUFFLE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

// The order of the one SGD pass: a uniformly random permutation of the
// training rows drawn from a seed (the reference shuffles with Python's
// unseeded random.shuffle, so no run of it can be repeated; ours can).
namespace wv::hlr {

// A permutation of [0, n) that depends only on (seed, n), never on
// `threads`. Rao–Sandelius: every index goes to one of B buckets by a hash
// of (seed, index) (a scatter in index order, on `threads` threads), then
// each bucket, small enough to stay in cache, is shuffled by Fisher–Yates
// with its own seeded generator, and the buckets are concatenated: uniform
// given independent bucket choices, and parallel, unlike one Fisher–Yates
// pass over the whole array, whose random swaps each miss the cache.
// REQUIRES: n < 2^32.
std::vector<uint32_t> ShuffledOrder(size_t n, uint64_t seed, int threads);

}  // namespace wv::hlr

#endif  // WV_HLR_SHUFFLE_H_
