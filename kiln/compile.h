// compile: trace a function once per input signature, simplify the traced graph and fuse its
// elementwise work into Compiled primitives (kiln/primitives/compiled.h); later calls with
// the same signature replay the optimized graph on the new inputs. The steps live in
// kiln/compile/: graph.cpp (the traced graph and its simplification), fuse.cpp (fusion) and
// compile.cpp (tracing, the cache and replay).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "kiln/transforms.h"

namespace kiln {

// The function compiled. A call traces `fun` on placeholders (arrays without data: the
// function may not evaluate anything computed from its inputs) the first time it sees an
// input signature (shapes unless `shapeless`, dtypes, number of dimensions, number of
// inputs, default stream); later calls with that signature reuse the trace. Arrays the
// function captures are constants of the trace. With `shapeless`, changed shapes reuse the
// trace too; a function whose ops cannot infer their output shapes raises on its first call.
Function compile(Function fun, bool shapeless = false);

// While compilation is disabled (also with KILN_DISABLE_COMPILE=1 in the environment),
// compiled functions call the original function.
void disable_compile();
void enable_compile();
bool compile_enabled();

namespace detail {

struct CompiledProgram;

// The per-function cache behind compile (the front ends key it further by what they know of
// their arguments: tree structure, non-array values).
class CompileCache {
 public:
  // Traces on a miss: called with one placeholder per input, returns the outputs. `data` is
  // kept with the trace and returned by every call that replays it (front ends keep the
  // structure of the outputs there).
  using TraceFunction =
      std::function<std::vector<array>(const std::vector<array>&, std::shared_ptr<void>& data)>;
  struct Result {
    std::vector<array> outputs;
    std::shared_ptr<void> data;
  };

  explicit CompileCache(bool shapeless) : shapeless_(shapeless) {}
  Result call(const std::vector<array>& inputs, const TraceFunction& trace);
  size_t num_traces() const;
  bool shapeless() const { return shapeless_; }

 private:
  struct Entry;
  bool shapeless_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Entry>> entries_;
  size_t traces_ = 0;
};

// Traces done by every compiled function in this process (for tests).
size_t compile_trace_count();

}  // namespace detail

}  // namespace kiln
