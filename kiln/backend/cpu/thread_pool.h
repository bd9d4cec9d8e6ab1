// The intra-op thread pool: kernels split large work across cores with parallel_for.
#pragma once

#include <cstdint>
#include <functional>

namespace kiln::cpu {

// Threads that kernels may use (KILN_NUM_THREADS, default: the hardware's).
int num_threads();

// Runs f(begin, end) over pieces of [0, n), each at least `grain` long, in parallel when
// the work is large enough; the calling thread runs a piece too. Nested calls run inline.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& f);

}  // namespace kiln::cpu
