// The public memory counters and knobs (MLX's names). They cover host memory and, with the
// CUDA backend, the memory of every GPU together.
#pragma once

#include <cstddef>

namespace kiln {

size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();  // the peak restarts from zero, as in MLX
size_t get_cache_memory();
size_t set_memory_limit(size_t limit);  // returns the previous limit
size_t get_memory_limit();
size_t set_cache_limit(size_t limit);   // returns the previous limit
// Wired memory is an Apple unified-memory notion; the limit is kept for API parity and
// does not change how memory is allocated here.
size_t set_wired_limit(size_t limit);
void clear_cache();

}  // namespace kiln
