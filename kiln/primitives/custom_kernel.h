// CustomKernel: a user's CUDA kernel (kiln/ops/custom_kernel.h builds it). It runs only on
// the GPU and has no derivative or batching rule (wrap it in a custom_function for those).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kiln/primitive.h"

namespace kiln::fast {

// A scalar parameter appended to a precompiled kernel's arguments (C++ bool, int, float).
using ScalarArg = std::variant<bool, int, float>;
using Dims3 = std::array<int, 3>;
// The most dimensions an input's `x_shape`/`x_strides` kernel parameter holds.
constexpr int kMaxKernelDims = 10;

}  // namespace kiln::fast

namespace kiln {

class CustomKernel : public PrimitiveOf<CustomKernel> {
 public:
  // Which of an input's shape, strides and ndim the kernel's signature takes.
  struct ShapeInfo {
    bool shape = false, strides = false, ndim = false;
    bool operator==(const ShapeInfo&) const = default;
  };
  struct Launch {
    fast::Dims3 grid;         // threads
    fast::Dims3 threadgroup;  // the CUDA block
    int shared_memory = 0;    // dynamic shared memory, bytes
    bool operator==(const Launch&) const = default;
  };

  // A kernel from source: `code` is the generated CUDA source, `symbol` the name expression
  // to instantiate. Precompiled: `code` is PTX or cubin and `symbol` the kernel's name.
  CustomKernel(Stream s, std::string name, std::string code, std::string symbol,
               bool precompiled, Launch launch, std::vector<ShapeInfo> shape_infos,
               bool ensure_row_contiguous, std::optional<float> init_value,
               std::vector<fast::ScalarArg> scalars)
      : PrimitiveOf(s),
        name_(std::move(name)),
        code_(std::move(code)),
        symbol_(std::move(symbol)),
        precompiled_(precompiled),
        launch_(launch),
        shape_infos_(std::move(shape_infos)),
        ensure_row_contiguous_(ensure_row_contiguous),
        init_value_(init_value),
        scalars_(std::move(scalars)) {}

  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  KILN_GPU_EVAL_MULTI
  auto params() const {  // the source last: compared only when all else matches
    return std::tie(name_, symbol_, precompiled_, launch_, shape_infos_, ensure_row_contiguous_,
                    init_value_, scalars_, code_);
  }
  const char* name() const override { return "CustomKernel"; }
  std::string label() const override;

  const std::string& code() const { return code_; }
  const std::string& symbol() const { return symbol_; }
  bool precompiled() const { return precompiled_; }

 private:
  std::string name_;
  std::string code_;
  std::string symbol_;
  bool precompiled_;
  Launch launch_;
  std::vector<ShapeInfo> shape_infos_;
  bool ensure_row_contiguous_;
  std::optional<float> init_value_;
  std::vector<fast::ScalarArg> scalars_;
};

}  // namespace kiln
