// CUDA code generation for compile's fused regions (kiln/primitives/compiled.h). A region
// becomes one kernel: it reads each input, runs the region's steps with the kiln::ew
// functors (the formulas the prebuilt kernels use) and writes the outputs. The source is a
// deterministic function of the region and of how the inputs are read, so equal regions
// give equal text and hit the kernel cache (in memory and on disk) across processes.
#pragma once

#include <string>
#include <vector>

#include "kiln/primitives/compiled_access.h"

namespace kiln::cuda {

// How the kernel reads each input (kiln/primitives/compiled_access.h): literals are
// written into the source, uniform inputs read once, dense ones at the iteration's index,
// gathered ones (only with `strided`) through strides.
// Without `strided`, the kernel runs over the elements in memory order with vectors of the
// kernel's template argument N (kiln::cu::fused<N>); with it, the iteration is row-major
// and the gathered inputs' offsets come from a kiln::cu::Strided<K> parameter (K = number of
// gathered inputs), computed in 32-bit arithmetic when `index32`.
// Kernel parameters: the non-literal inputs' pointers, the outputs' pointers, the element
// count (long long), then the Strided block when strided.
struct FusedVariant {
  std::vector<Access> access;
  bool strided = false;
  bool index32 = false;
};

std::string fused_kernel_source(const FusedGraph& g, const FusedVariant& v);
// The instantiation to compile: "kiln::cu::fused<N>" (N = 1 when strided).
std::string fused_kernel_instance(int vector_width);
// N on the dense path: 16 bytes of the widest element read (dense) or written. The launcher
// falls back to 1 when a pointer is not aligned to its vector.
int fused_vector_width(const FusedGraph& g, const std::vector<Access>& access);

}  // namespace kiln::cuda
