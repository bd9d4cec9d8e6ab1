#include "kiln/primitives/matmul.h"

#include <cstdio>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/matmul.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/rules.h"

namespace kiln {

namespace {
Shape product_shape(const array& a, const array& b) {
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2), "Matmul");
  batch.push_back(a.shape(-2));
  batch.push_back(b.shape(-1));
  return batch;
}
}  // namespace

std::vector<Shape> Matmul::output_shapes(const std::vector<array>& inputs) {
  return {product_shape(inputs[0], inputs[1])};
}

std::vector<Shape> AddMM::output_shapes(const std::vector<array>& inputs) {
  // Under shapeless compile c may grow past the product (vmap batching c alone, traced with
  // a batch of one): the product's shape would then be stale, so that is refused.
  Shape out = product_shape(inputs[0], inputs[1]);
  if (broadcast_shapes(inputs[2].shape(), out, "addmm") != out) {
    fail("addmm", "c of shape ", shape_to_string(inputs[2].shape()),
         " cannot be broadcast to the product's shape ", shape_to_string(out));
  }
  return {out};
}

std::string AddMM::label() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "AddMM(alpha=%g, beta=%g)", double(alpha_), double(beta_));
  return buf;
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

namespace {

array mT(const array& x, Stream s) { return swapaxes(x, -1, -2, s); }

// Mapped operands with the batch in front (never among the matrix axes), ranks padded so
// the batch axes broadcast as before.
std::vector<array> front_aligned(const std::vector<array>& inputs, const std::vector<int>& axes,
                                 Stream s) {
  std::vector<array> in;
  std::vector<int> front;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in.push_back(axes[i] < 0 ? inputs[i] : rules::batch_to_front(inputs[i], axes[i], s));
    front.push_back(axes[i] < 0 ? -1 : 0);
  }
  return rules::align_broadcast(in, front, s).first;
}

}  // namespace

std::vector<array> Matmul::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array &a = primals[0], &b = primals[1], &c = cotangents[0];
  std::vector<array> out;
  for (int i : argnums) {
    array g = i == 0 ? matmul(c, mT(b, s), s) : matmul(mT(a, s), c, s);
    out.push_back(rules::unbroadcast(g, primals[i].shape(), s));
  }
  return out;
}
std::vector<array> Matmul::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  Stream s = stream();
  std::optional<array> t;
  for (size_t k = 0; k < argnums.size(); ++k) {
    array term = argnums[k] == 0 ? matmul(tangents[k], primals[1], s)
                                 : matmul(primals[0], tangents[k], s);
    t = t ? add(*t, term, s) : term;
  }
  return {broadcast_to(*t, output_shapes(primals)[0], s)};
}
std::pair<std::vector<array>, std::vector<int>> Matmul::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  std::vector<array> in = front_aligned(inputs, axes, stream());
  return {{matmul(in[0], in[1], stream())}, {0}};
}

std::vector<array> AddMM::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array &a = primals[0], &b = primals[1], &c = cotangents[0];
  array alpha(double(alpha_), c.dtype()), beta(double(beta_), c.dtype());
  std::vector<array> out;
  for (int i : argnums) {
    array g = i == 0   ? multiply(alpha, matmul(c, mT(b, s), s), s)
              : i == 1 ? multiply(alpha, matmul(mT(a, s), c, s), s)
                       : multiply(beta, c, s);
    out.push_back(rules::unbroadcast(g, primals[i].shape(), s));
  }
  return out;
}
std::vector<array> AddMM::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  Stream s = stream();
  Dtype dt = tangents[0].dtype();
  std::optional<array> t;
  for (size_t k = 0; k < argnums.size(); ++k) {
    int i = argnums[k];
    array alpha(double(alpha_), dt), beta(double(beta_), dt);
    array term = i == 0   ? multiply(alpha, matmul(tangents[k], primals[1], s), s)
                 : i == 1 ? multiply(alpha, matmul(primals[0], tangents[k], s), s)
                          : multiply(beta, tangents[k], s);
    t = t ? add(*t, term, s) : term;
  }
  return {broadcast_to(*t, output_shapes(primals)[0], s)};
}
std::pair<std::vector<array>, std::vector<int>> AddMM::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  std::vector<int> ax = axes;
  std::vector<array> args = inputs;
  if (ax[0] < 0 && ax[1] < 0) {
    // Only c is mapped: the product must carry the batch too, since c broadcasts to it.
    args[0] = rules::all_batched({inputs[0]}, {-1}, stream(), rules::batch_size(inputs, axes))[0];
    ax[0] = 0;
  }
  std::vector<array> in = front_aligned(args, ax, stream());
  return {{addmm(in[2], in[0], in[1], alpha_, beta_, stream())}, {0}};
}

}  // namespace kiln
