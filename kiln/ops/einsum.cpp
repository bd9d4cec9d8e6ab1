#include "kiln/ops/einsum.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/matmul.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/slicing.h"
#include "kiln/ops/upcast.h"
#include "kiln/ops/utils.h"

namespace kiln {

namespace {

// Labels are character codes; the axes covered by "..." get labels from here on, numbered
// so that they align from the right across operands (they broadcast like NumPy's axes).
constexpr int kEllipsis = 256;

using Labels = std::vector<int>;

struct Spec {
  std::vector<Labels> inputs;
  Labels output;
  std::map<int, int64_t> sizes;  // size of each label after broadcasting
  bool has_ellipsis = false;
};

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

struct Term {
  std::string before, after;  // letters on either side of "..."
  bool ellipsis = false;
};

Term split_term(const std::string& t, const std::string& subscripts) {
  Term r;
  for (size_t i = 0; i < t.size();) {
    if (is_letter(t[i])) {
      (r.ellipsis ? r.after : r.before) += t[i++];
    } else if (t.compare(i, 3, "...") == 0) {
      if (r.ellipsis) {
        fail("einsum", "more than one '...' in the term ", quoted(t), " of subscripts ",
             quoted(subscripts));
      }
      r.ellipsis = true;
      i += 3;
    } else {
      fail("einsum", "invalid character '", t[i], "' in subscripts ", quoted(subscripts),
           " (labels are letters; '...' stands for leading axes)");
    }
  }
  return r;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts(1);
  for (char c : s) {
    if (c == sep) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

Spec parse(const std::string& subscripts, const std::vector<Shape>& shapes) {
  std::string str;
  for (char c : subscripts) {
    if (c != ' ') str += c;
  }
  size_t arrow = str.find("->");
  std::vector<std::string> terms = split(str.substr(0, arrow), ',');
  if (terms.size() != shapes.size()) {
    fail("einsum", "subscripts ", quoted(subscripts), " name ", terms.size(), " operand(s) but ",
         shapes.size(), " were given");
  }
  std::vector<Term> parsed;
  std::vector<int> ell;
  int max_ell = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    parsed.push_back(split_term(terms[i], subscripts));
    const Term& t = parsed.back();
    int letters = int(t.before.size() + t.after.size());
    int nd = int(shapes[i].size());
    if (t.ellipsis ? letters > nd : letters != nd) {
      fail("einsum", "operand ", i, " has shape ", shape_to_string(shapes[i]),
           " but its subscripts ", quoted(terms[i]), " name ", letters, " axes");
    }
    ell.push_back(t.ellipsis ? nd - letters : 0);
    max_ell = std::max(max_ell, ell.back());
  }
  Spec spec;
  for (size_t i = 0; i < terms.size(); ++i) {
    const Term& t = parsed[i];
    Labels labels(t.before.begin(), t.before.end());
    for (int e = 0; e < ell[i]; ++e) labels.push_back(kEllipsis + max_ell - ell[i] + e);
    labels.insert(labels.end(), t.after.begin(), t.after.end());
    spec.has_ellipsis |= t.ellipsis;
    std::map<int, int64_t> local;
    for (size_t d = 0; d < labels.size(); ++d) {
      int l = labels[d];
      int64_t n = shapes[i][d];
      auto [it, fresh] = local.emplace(l, n);
      if (!fresh && it->second != n) {
        fail("einsum", "label '", std::string(1, char(l)), "' is repeated in operand ", i,
             " of shape ", shape_to_string(shapes[i]), " over axes of different sizes");
      }
      auto [g, added] = spec.sizes.emplace(l, n);
      if (!added && g->second != n) {
        if (g->second != 1 && n != 1) {
          std::string name = l < kEllipsis ? "label '" + std::string(1, char(l)) + "'"
                                           : std::string("an axis under '...'");
          fail("einsum", name, " has size ", g->second, " in one operand and ", n, " in operand ",
               i);
        }
        g->second = std::max(g->second, n);
      }
    }
    spec.inputs.push_back(std::move(labels));
  }
  if (arrow == std::string::npos) {
    // Implicit output: the "..." axes, then the labels used once, in character order.
    for (int e = 0; e < max_ell; ++e) spec.output.push_back(kEllipsis + e);
    std::map<int, int> count;
    for (auto& in : spec.inputs) {
      for (int l : in) ++count[l];
    }
    for (auto [l, c] : count) {
      if (l < kEllipsis && c == 1) spec.output.push_back(l);
    }
    return spec;
  }
  std::string rhs = str.substr(arrow + 2);
  if (rhs.find("->") != std::string::npos) {
    fail("einsum", "subscripts ", quoted(subscripts), " contain more than one '->'");
  }
  Term t = split_term(rhs, subscripts);
  if (!t.ellipsis && max_ell > 0) {
    fail("einsum", "subscripts ", quoted(subscripts),
         ": the output needs '...' for the operands' axes under '...'");
  }
  Labels out(t.before.begin(), t.before.end());
  if (t.ellipsis) {
    for (int e = 0; e < max_ell; ++e) out.push_back(kEllipsis + e);
  }
  out.insert(out.end(), t.after.begin(), t.after.end());
  std::set<int> seen;
  for (int l : out) {
    if (l >= kEllipsis) continue;
    if (!seen.insert(l).second) {
      fail("einsum", "output label '", std::string(1, char(l)), "' appears more than once in ",
           quoted(subscripts));
    }
    if (!spec.sizes.count(l)) {
      fail("einsum", "output label '", std::string(1, char(l)),
           "' does not appear in any input of ", quoted(subscripts));
    }
  }
  spec.output = std::move(out);
  return spec;
}

bool contains(const Labels& ls, int l) { return std::find(ls.begin(), ls.end(), l) != ls.end(); }
int position(const Labels& ls, int l) { return int(std::find(ls.begin(), ls.end(), l) - ls.begin()); }

// Labels of `l` that appear nowhere in `others` nor in `output` (summed away on their own).
Labels private_labels(const Labels& l, const std::vector<const Labels*>& others,
                      const Labels& output) {
  Labels out;
  for (int x : l) {
    bool shared = contains(output, x) || contains(out, x);
    for (auto* o : others) shared = shared || contains(*o, x);
    if (!shared) out.push_back(x);
  }
  return out;
}

Labels unique(const Labels& l) {
  Labels out;
  for (int x : l) {
    if (!contains(out, x)) out.push_back(x);
  }
  return out;
}

// ---- the contraction order ----

struct Step {
  int i, j;         // positions in the current list (i < j)
  Labels result;    // labels of the result (appended to the list)
  int scaling;      // distinct labels involved
  double flops;
};

double size_of(const Labels& ls, const std::map<int, int64_t>& sizes) {
  double n = 1;
  for (int l : ls) n *= double(sizes.at(l));
  return n;
}

// Greedy: contract the pair whose product costs least (then the smallest result) first.
std::vector<Step> greedy_path(std::vector<Labels> ops, const Labels& output,
                              const std::map<int, int64_t>& sizes) {
  std::vector<Step> steps;
  while (ops.size() > 1) {
    Step best{-1, -1, {}, 0, 0};
    double best_size = 0;
    for (int i = 0; i < int(ops.size()); ++i) {
      for (int j = i + 1; j < int(ops.size()); ++j) {
        Labels all = ops[i];
        for (int l : ops[j]) {
          if (!contains(all, l)) all.push_back(l);
        }
        std::vector<const Labels*> rest;
        for (int k = 0; k < int(ops.size()); ++k) {
          if (k != i && k != j) rest.push_back(&ops[k]);
        }
        Labels summed = private_labels(all, rest, output);
        Labels result;
        for (int l : all) {
          if (!contains(summed, l)) result.push_back(l);
        }
        double flops = size_of(all, sizes) * (summed.empty() ? 1 : 2);
        double rsize = size_of(result, sizes);
        if (best.i < 0 || flops < best.flops || (flops == best.flops && rsize < best_size)) {
          best = {i, j, result, int(all.size()), flops};
          best_size = rsize;
        }
      }
    }
    ops.erase(ops.begin() + best.j);
    ops.erase(ops.begin() + best.i);
    ops.push_back(best.result);
    steps.push_back(best);
  }
  return steps;
}

// ---- building the graph ----

struct Operand {
  array x;
  Labels labels;
};

// Repeated labels within an operand select its diagonal: bring the two axes together, merge
// them (n*n elements) and take every (n+1)-th element.
void take_diagonals(Operand& op, StreamOrDevice s) {
  for (;;) {
    int i = -1, j = -1;
    for (int a = 0; a < int(op.labels.size()) && i < 0; ++a) {
      for (int b = a + 1; b < int(op.labels.size()); ++b) {
        if (op.labels[a] == op.labels[b]) {
          i = a;
          j = b;
          break;
        }
      }
    }
    if (i < 0) return;
    std::vector<int> perm;
    Labels labels;
    for (int d = 0; d < int(op.labels.size()); ++d) {
      if (d == j) continue;
      perm.push_back(d);
      labels.push_back(op.labels[d]);
      if (d == i) perm.push_back(j);
    }
    array x = transpose(op.x, perm, s);
    int64_t n = x.shape(i);
    Shape merged = x.shape();
    merged[i] = n * n;
    merged.erase(merged.begin() + i + 1);
    x = reshape(x, merged, s);
    Shape start(merged.size(), 0), steps(merged.size(), 1);
    steps[i] = n + 1;
    op.x = slice(x, start, merged, steps, s);
    op.labels = std::move(labels);
  }
}

Shape sizes_of(const array& x, const Labels& order, const Labels& labels) {
  Shape out;
  for (int l : order) out.push_back(x.shape(position(labels, l)));
  return out;
}

std::vector<int> positions(const Labels& order, const Labels& labels) {
  std::vector<int> out;
  for (int l : order) out.push_back(position(labels, l));
  return out;
}

int64_t product(const Shape& s) { return shape_size(s); }

Shape concat(std::initializer_list<Shape> parts) {
  Shape out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Labels concat(std::initializer_list<Labels> parts) {
  Labels out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// BLAS has no integer products: integer (and bool) operands sum their products exactly
// with elementwise ops instead, in their own dtype (as NumPy's einsum).
bool uses_blas(const array& x) { return is_inexact(x.dtype()); }

// Sums the rows of a (rows, k) matrix: one matrix-vector product against ones.
array sum_last(const array& m, StreamOrDevice s) {
  if (!uses_blas(m)) return astype(sum(m, -1, false, s), m.dtype(), s);
  return matmul(m, ones({m.shape(-1)}, m.dtype(), s), s);
}

// The batched matrix product of x (..., p, k) and y (..., k, q). Without BLAS, the products
// are summed over slices of k small enough that no intermediate exceeds ~2^24 elements.
array batched_product(const array& x, const array& y, StreamOrDevice s) {
  if (uses_blas(x)) return matmul(x, y, s);
  Shape batch = broadcast_shapes(Shape(x.shape().begin(), x.shape().end() - 2),
                                 Shape(y.shape().begin(), y.shape().end() - 2), "einsum");
  int64_t k = x.shape(-1), n_out = product(batch) * x.shape(-2) * y.shape(-1);
  int64_t step = n_out ? std::max<int64_t>(1, (int64_t(1) << 24) / n_out) : std::max<int64_t>(k, 1);
  std::vector<SliceBound> bx(size_t(x.ndim())), by(size_t(y.ndim()));
  std::optional<array> total;
  for (int64_t k0 = 0; k0 < k || !total; k0 += step) {
    bx.back() = {k0, k0 + step, 1};
    by[by.size() - 2] = {k0, k0 + step, 1};
    array terms = multiply(expand_dims(slice(x, bx, s), {-1}, s),
                           expand_dims(slice(y, by, s), {-3}, s), s);
    array part = sum(terms, -2, false, s);
    total = total ? add(*total, part, s) : part;
  }
  return astype(*total, x.dtype(), s);  // bool sums stay bool (any)
}

// Sums `op` over `labels` (all of them in op).
void sum_over(Operand& op, const Labels& labels, StreamOrDevice s) {
  if (labels.empty()) return;
  Labels keep;
  for (int l : op.labels) {
    if (!contains(labels, l)) keep.push_back(l);
  }
  Shape ks = sizes_of(op.x, keep, op.labels), ss = sizes_of(op.x, labels, op.labels);
  array x = transpose(op.x, positions(concat({keep, labels}), op.labels), s);
  x = reshape(x, {product(ks), product(ss)}, s);
  op.x = reshape(sum_last(x, s), ks, s);
  op.labels = keep;
}

// The product of two operands, summed over the labels they share that `keep` lacks.
Operand contract(const Operand& a, const Operand& b, const Labels& keep, StreamOrDevice s) {
  Labels batch, summed, only_a, only_b;
  for (int l : a.labels) {
    if (!contains(b.labels, l)) {
      only_a.push_back(l);
    } else {
      (contains(keep, l) ? batch : summed).push_back(l);
    }
  }
  for (int l : b.labels) {
    if (!contains(a.labels, l)) only_b.push_back(l);
  }
  array x = a.x, y = b.x;
  // A summed label of size 1 on one side broadcasts to the other side's size.
  for (int l : summed) {
    int64_t nx = x.shape(position(a.labels, l)), ny = y.shape(position(b.labels, l));
    if (nx != ny) {
      array& small = nx == 1 ? x : y;
      Shape target = small.shape();
      target[position(nx == 1 ? a.labels : b.labels, l)] = std::max(nx, ny);
      small = broadcast_to(small, target, s);
    }
  }
  Shape bx = sizes_of(x, batch, a.labels), by = sizes_of(y, batch, b.labels);
  Shape sa = sizes_of(x, only_a, a.labels), sb = sizes_of(y, only_b, b.labels);
  Shape sk = sizes_of(x, summed, a.labels);
  Shape bs = bx;
  for (size_t i = 0; i < bs.size(); ++i) bs[i] = std::max(bx[i], by[i]);
  Labels labels = concat({batch, only_a, only_b});
  Shape out_shape = concat({bs, sa, sb});
  x = transpose(x, positions(concat({batch, only_a, summed}), a.labels), s);
  y = transpose(y, positions(concat({batch, summed, only_b}), b.labels), s);
  int64_t p = product(sa), q = product(sb), k = product(sk);
  if (summed.empty()) {
    // An elementwise product with broadcasting (any dtype).
    x = reshape(x, concat({bx, sa, Shape(sb.size(), 1)}), s);
    y = reshape(y, concat({by, Shape(sa.size(), 1), sb}), s);
    return {multiply(x, y, s), labels};
  }
  if (p == 1 && q == 1 && product(bs) > 16 && k < 1024) {
    // Many short dot products: one elementwise product, then one matrix-vector product.
    x = reshape(x, concat({bx, Shape{k}}), s);
    y = reshape(y, concat({by, Shape{k}}), s);
    array r = sum_last(reshape(multiply(x, y, s), {product(bs), k}, s), s);
    return {reshape(r, out_shape, s), labels};
  }
  x = reshape(x, concat({bx, Shape{p, k}}), s);
  y = reshape(y, concat({by, Shape{k, q}}), s);
  return {reshape(batched_product(x, y, s), out_shape, s), labels};
}

std::vector<Shape> shapes_of(const std::vector<array>& operands) {
  if (operands.empty()) throw std::invalid_argument("[einsum] needs at least one operand");
  std::vector<Shape> shapes;
  for (auto& a : operands) shapes.push_back(a.shape());
  return shapes;
}

// The labels of each operand once diagonals are taken and private labels summed.
std::vector<Labels> reduced_labels(const Spec& spec) {
  std::vector<Labels> out;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    std::vector<const Labels*> others;
    for (size_t k = 0; k < spec.inputs.size(); ++k) {
      if (k != i) others.push_back(&spec.inputs[k]);
    }
    Labels u = unique(spec.inputs[i]);
    Labels priv = private_labels(u, others, spec.output);
    Labels kept;
    for (int l : u) {
      if (!contains(priv, l)) kept.push_back(l);
    }
    out.push_back(kept);
  }
  return out;
}

}  // namespace

array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s) {
  Spec spec = parse(subscripts, shapes_of(operands));
  Dtype d = operands[0].dtype();
  for (auto& a : operands) d = promote_types(d, a.dtype());
  if (promotion_warnings()) {
    std::vector<Dtype> from;
    for (auto& a : operands) from.push_back(a.dtype());
    check_upcast("einsum", from, d);
  }
  std::vector<Labels> reduced = reduced_labels(spec);
  std::vector<Operand> ops;
  for (size_t i = 0; i < operands.size(); ++i) {
    Operand op{astype(operands[i], d, s), spec.inputs[i]};
    take_diagonals(op, s);
    Labels priv;
    for (int l : op.labels) {
      if (!contains(reduced[i], l)) priv.push_back(l);
    }
    sum_over(op, priv, s);
    ops.push_back(std::move(op));
  }
  for (const Step& st : greedy_path(reduced, spec.output, spec.sizes)) {
    Labels keep = spec.output;
    for (int k = 0; k < int(ops.size()); ++k) {
      if (k != st.i && k != st.j) keep = concat({keep, ops[k].labels});
    }
    Operand r = contract(ops[st.i], ops[st.j], keep, s);
    ops.erase(ops.begin() + st.j);
    ops.erase(ops.begin() + st.i);
    ops.push_back(std::move(r));
  }
  Operand& res = ops[0];
  array out = transpose(res.x, positions(spec.output, res.labels), s);
  Shape full;
  for (int l : spec.output) full.push_back(spec.sizes.at(l));
  return broadcast_to(out, full, s);
}

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands) {
  Spec spec = parse(subscripts, shapes_of(operands));
  std::vector<Labels> reduced = reduced_labels(spec);
  std::vector<Step> steps = greedy_path(reduced, spec.output, spec.sizes);

  // Letters for the axes under "...", taken from those the subscripts leave unused.
  std::map<int, char> names;
  char next = 'a';
  auto name = [&](int l) -> char {
    if (l < kEllipsis) return char(l);
    auto it = names.find(l);
    if (it != names.end()) return it->second;
    while (next <= 'z' && spec.sizes.count(next)) ++next;
    if (next > 'z') return '?';
    return names[l] = next++;
  };
  auto text = [&](const Labels& ls) {
    std::string out;
    for (int l : ls) out += name(l);
    return out;
  };

  Labels all;
  bool sums = false;
  for (auto& in : spec.inputs) {
    for (int l : in) {
      if (!contains(all, l)) all.push_back(l);
      sums = sums || !contains(spec.output, l);
    }
  }
  double naive = size_of(all, spec.sizes) *
                 std::max<double>(1, double(operands.size()) - 1 + (sums ? 1 : 0));
  double optimized = 0, largest = size_of(spec.output, spec.sizes);
  std::string lines;
  std::vector<Labels> current = reduced;
  std::vector<std::vector<int>> path;
  if (steps.empty()) {
    path.push_back({0});
    optimized = size_of(unique(spec.inputs[0]), spec.sizes);
  }
  for (size_t n = 0; n < steps.size(); ++n) {
    const Step& st = steps[n];
    path.push_back({st.i, st.j});
    optimized += st.flops;
    largest = std::max(largest, size_of(st.result, spec.sizes));
    lines += "  step " + std::to_string(n + 1) + ": " + text(current[st.i]) + "," +
             text(current[st.j]) + "->" + text(st.result) + "  (scaling " +
             std::to_string(st.scaling) + ")\n";
    current.erase(current.begin() + st.j);
    current.erase(current.begin() + st.i);
    current.push_back(st.result);
  }
  std::string full;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    if (i) full += ',';
    full += text(spec.inputs[i]);
  }
  full += "->" + text(spec.output);
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "Complete contraction: %s\nNaive FLOP count: %.3e\nOptimized FLOP count: %.3e\n"
                "Largest intermediate: %.3e elements\nContraction order (greedy):\n",
                full.c_str(), naive, optimized, largest);
  return {path, std::string(buf) + lines};
}

}  // namespace kiln
