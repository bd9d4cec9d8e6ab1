// Graph transforms: evaluation (transforms.cpp), automatic differentiation (autodiff.cpp)
// and vectorization (vmap.cpp). Every transform returns ordinary lazy arrays, so they
// compose: grad of grad, vmap of grad, jvp of vmap, and eval inside a transformed function.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "kiln/array.h"
#include "kiln/stream.h"

namespace kiln {

// Computes the arrays (and whatever they need that is not yet computed), then returns.
// An error raised by any primitive on the way is rethrown here.
void eval(std::vector<array> outputs);
// Schedules the same work and returns at once; reading the data waits for it.
void async_eval(std::vector<array> outputs);

using Function = std::function<std::vector<array>(const std::vector<array>&)>;

// Reverse mode: the outputs of fun(primals) and the cotangents of the primals given the
// cotangents of the outputs (one per output, of its shape).
std::pair<std::vector<array>, std::vector<array>> vjp(const Function& fun,
                                                     const std::vector<array>& primals,
                                                     const std::vector<array>& cotangents);
std::pair<array, array> vjp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& cotangent);

// Forward mode: the outputs of fun(primals) and their tangents given the primals' tangents.
std::pair<std::vector<array>, std::vector<array>> jvp(const Function& fun,
                                                     const std::vector<array>& primals,
                                                     const std::vector<array>& tangents);
std::pair<array, array> jvp(const std::function<array(const array&)>& fun, const array& primal,
                            const array& tangent);

// The outputs of fun and the gradient of its first output (which must have one element)
// with respect to the arguments in argnums. The other outputs ride along (auxiliary values).
using ValueAndGradFn =
    std::function<std::pair<std::vector<array>, std::vector<array>>(const std::vector<array>&)>;
ValueAndGradFn value_and_grad(const Function& fun, std::vector<int> argnums = {0});
std::function<std::pair<array, array>(const array&)> value_and_grad(
    const std::function<array(const array&)>& fun);
Function grad(const Function& fun, std::vector<int> argnums = {0});
std::function<array(const array&)> grad(const std::function<array(const array&)>& fun);

// Vectorizes fun over one axis of its inputs: in_axes[i] is the mapped axis of input i (-1:
// not mapped, passed whole to every call); out_axes[i] where output i gets the mapped axis
// (-1: the output must not depend on the mapped inputs). Empty in_axes/out_axes mean 0 for
// all. The function is traced once with unevaluated placeholders (it cannot evaluate
// arrays that depend on mapped inputs); the traced graph is rewritten through each
// primitive's vmap rule.
Function vmap(const Function& fun, std::vector<int> in_axes = {}, std::vector<int> out_axes = {});
std::function<array(const array&)> vmap(const std::function<array(const array&)>& fun,
                                         int in_axis = 0, int out_axis = 0);

namespace detail {
// vmap applied at once, with the out axes chosen once the outputs are known (for front ends
// whose outputs are trees).
std::vector<array> vmap_trace(const Function& fun, const std::vector<array>& inputs,
                              const std::vector<int>& in_axes,
                              const std::function<std::vector<int>(const std::vector<array>&)>&
                                  out_axes);
}  // namespace detail

// User-defined transforms for a function of arrays. Each rule is optional; a missing one falls
// back to transforming `fun` itself. The vjp receives the primals, the cotangents of all
// outputs (zeros for unused ones) and the outputs, and returns one cotangent per primal. The
// jvp receives the primals and one tangent per primal (zeros where none flows) and returns
// one tangent per output. The vmap receives the inputs and their mapped axes (-1: not mapped)
// and returns the outputs and theirs. Captured arrays are constants: no gradient reaches them.
using VjpFunction = std::function<std::vector<array>(
    const std::vector<array>& primals, const std::vector<array>& cotangents,
    const std::vector<array>& outputs)>;
using JvpFunction = std::function<std::vector<array>(const std::vector<array>& primals,
                                                     const std::vector<array>& tangents)>;
using VmapFunction = std::function<std::pair<std::vector<array>, std::vector<int>>(
    const std::vector<array>& inputs, const std::vector<int>& axes)>;
Function custom_function(Function fun, std::optional<VjpFunction> fun_vjp = std::nullopt,
                         std::optional<JvpFunction> fun_jvp = std::nullopt,
                         std::optional<VmapFunction> fun_vmap = std::nullopt);
Function custom_vjp(Function fun, VjpFunction fun_vjp);

// fun whose intermediates are not kept for the backward pass: its vjp recomputes them from
// the inputs (after the forward outputs exist), trading compute for memory.
Function checkpoint(Function fun);

// The inputs, unchanged, but evaluated only after the dependencies (a scheduling edge).
std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies);

}  // namespace kiln
