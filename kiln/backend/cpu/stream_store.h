// Non-temporal (cache-bypassing) stores for kernels whose output is far larger than the
// cache: writing a fresh line normally costs a read of it first (read-for-ownership); the
// streaming stores skip that read and leave the cache to the inputs.
#pragma once

#include <cstddef>

namespace kiln::cpu {

// Copies `bytes` (a multiple of 64) from src to dst (64-byte aligned) with streaming stores.
void stream_store(void* dst, const void* src, size_t bytes);
// Orders the streaming stores before later stores (call once after a run of them).
void stream_fence();

}  // namespace kiln::cpu
