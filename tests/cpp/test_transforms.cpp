// The C++ transform API: vjp, jvp, grad, value_and_grad, vmap, custom functions, checkpoint,
// stop_gradient and depends, their composition, and the tracer lifetime rules. The per-op
// rules are checked against finite differences in tests/python/test_grad.py and
// test_vmap.py.
#include <gtest/gtest.h>

#include <cmath>

#include "helpers.h"
#include "kiln/kiln.h"

using namespace kiln;

namespace {

using test::values;

void expect_values(const array& a, const std::vector<double>& want, double tol = 1e-12) {
  auto got = values(a);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << "element " << i;
  }
}

array vec(std::vector<double> v) { return array(v, {int64_t(v.size())}, float64); }

}  // namespace

TEST(Transforms, VjpAndJvp) {
  array x = vec({0.5, 1.0, 2.0});
  auto f = [](const std::vector<array>& in) { return std::vector{multiply(sin(in[0]), in[1])}; };
  array y = vec({3.0, 4.0, 5.0});
  auto [outs, vjps] = vjp(f, {x, y}, {vec({1.0, 1.0, 2.0})});
  ASSERT_EQ(vjps.size(), 2u);
  expect_values(outs[0], {std::sin(0.5) * 3, std::sin(1.0) * 4, std::sin(2.0) * 5});
  expect_values(vjps[0], {std::cos(0.5) * 3, std::cos(1.0) * 4, 2 * std::cos(2.0) * 5});
  expect_values(vjps[1], {std::sin(0.5), std::sin(1.0), 2 * std::sin(2.0)});

  auto [o2, jvps] = jvp(f, {x, y}, {vec({1.0, 0.0, 0.0}), vec({0.0, 1.0, 0.0})});
  expect_values(jvps[0], {std::cos(0.5) * 3, std::sin(1.0), 0.0});

  auto [v, g] = vjp([](const array& a) { return exp(a); }, x, vec({1.0, 1.0, 1.0}));
  expect_values(g, {std::exp(0.5), std::exp(1.0), std::exp(2.0)});
}

TEST(Transforms, GradAndValueAndGrad) {
  auto f = [](const std::vector<array>& in) {
    array loss = sum(multiply(in[0], in[0]));
    return std::vector{loss, multiply(in[0], array(2.0, float64))};  // an auxiliary output
  };
  auto vg = value_and_grad(f, {0});
  auto [outs, grads] = vg({vec({1.0, -2.0})});
  ASSERT_EQ(outs.size(), 2u);
  expect_values(outs[0], {5.0});
  expect_values(outs[1], {2.0, -4.0});
  expect_values(grads[0], {2.0, -4.0});

  auto g2 = grad(grad([](const array& a) { return multiply(a, multiply(a, a)); }));
  expect_values(g2(array(3.0, float64)), {18.0});

  // The gradient with respect to the second argument only.
  auto dot = [](const std::vector<array>& in) { return std::vector{sum(multiply(in[0], in[1]))}; };
  auto g = grad(dot, {1});
  expect_values(g({vec({1.0, 2.0}), vec({3.0, 4.0})})[0], {1.0, 2.0});
}

TEST(Transforms, GradErrors) {
  auto f = [](const std::vector<array>& in) { return std::vector{multiply(in[0], in[0])}; };
  try {
    grad(f)({vec({1.0, 2.0})});
    FAIL() << "expected an error for a non-scalar output";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(2,)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(grad(f, {1})({vec({1.0})}), std::invalid_argument);
  EXPECT_THROW(grad(f)({array({1, 2})}), std::invalid_argument);  // int32
  EXPECT_THROW(grad(f, {}), std::invalid_argument);
  EXPECT_THROW(vjp(f, {vec({1.0})}, {vec({1.0, 2.0})}), std::invalid_argument);
}

TEST(Transforms, IntegerPathsCarryNoGradient) {
  auto f = [](const array& a) {
    array i = astype(a, int32);
    return sum(add(multiply(astype(i, float64), a), astype(argmax(a), float64)));
  };
  expect_values(grad(f)(vec({1.5, 2.5})), {1.0, 2.0});
}

TEST(Transforms, Vmap) {
  array x = reshape(astype(arange(6.0), float64), {2, 3});
  auto f = [](const std::vector<array>& in) {
    return std::vector{sum(multiply(in[0], in[1])), in[0]};
  };
  // Map over the columns of x; y unmapped.
  auto out = vmap(f, {1, -1}, {0, 1})({x, vec({1.0, 10.0})});
  expect_values(out[0], {30.0, 41.0, 52.0});
  ASSERT_EQ(out[1].shape(), (Shape{2, 3}));
  expect_values(out[1], {0, 1, 2, 3, 4, 5});

  auto g = vmap(grad([](const array& a) { return sum(exp(a)); }));
  expect_values(g(x), {1, std::exp(1.0), std::exp(2.0), std::exp(3.0), std::exp(4.0),
                       std::exp(5.0)});

  EXPECT_THROW(vmap(f, {0, 0})({x, vec({1.0, 2.0, 3.0})}), std::invalid_argument);
  EXPECT_THROW(vmap(f, {-1, -1})({x, x}), std::invalid_argument);
  // Values of mapped inputs do not exist while vmap traces.
  auto reads = [](const array& a) {
    array s = sum(a);
    return multiply(a, array(s.item<double>(), float64));
  };
  EXPECT_THROW(vmap(std::function<array(const array&)>(reads))(x), std::invalid_argument);
}

TEST(Transforms, CustomFunctionAndCheckpoint) {
  int forward_calls = 0;
  Function f = [&](const std::vector<array>& in) {
    ++forward_calls;
    return std::vector{exp(in[0])};
  };
  VjpFunction doubled = [](const std::vector<array>&, const std::vector<array>& cots,
                           const std::vector<array>& outs) {
    return std::vector{multiply(array(2.0, float64), multiply(cots[0], outs[0]))};
  };
  auto cf = custom_vjp(f, doubled);
  array x = vec({0.0, 1.0});
  auto g = grad([&](const std::vector<array>& in) { return std::vector{sum(cf(in)[0])}; })({x});
  expect_values(g[0], {2.0, 2 * std::exp(1.0)});
  expect_values(cf({x})[0], {1.0, std::exp(1.0)});

  forward_calls = 0;
  auto ck = checkpoint(f);
  auto gc = grad([&](const std::vector<array>& in) { return std::vector{sum(ck(in)[0])}; })({x});
  EXPECT_EQ(forward_calls, 2);  // once forward, once recomputed in the backward pass
  expect_values(gc[0], {1.0, std::exp(1.0)});

  JvpFunction tangent = [](const std::vector<array>&, const std::vector<array>& t) {
    return std::vector{multiply(array(7.0, float64), t[0])};
  };
  auto cj = custom_function(f, std::nullopt, tangent);
  auto [o, t] = jvp(cj, {x}, {vec({1.0, 1.0})});
  expect_values(t[0], {7.0, 7.0});

  VjpFunction wrong = [](const std::vector<array>&, const std::vector<array>&,
                         const std::vector<array>&) { return std::vector{vec({1.0})}; };
  auto bad = custom_vjp(f, wrong);
  auto loss = [&](const std::vector<array>& in) { return std::vector{sum(bad(in)[0])}; };
  EXPECT_THROW(grad(loss)({x}), std::invalid_argument);
}

TEST(Transforms, StopGradientAndDepends) {
  auto f = [](const array& a) { return sum(multiply(stop_gradient(a), a)); };
  expect_values(grad(f)(vec({3.0, 4.0})), {3.0, 4.0});
  array a = vec({1.0}), b = vec({2.0});
  auto d = depends({a}, {b});
  ASSERT_EQ(d.size(), 1u);
  expect_values(d[0], {1.0});
  eval({d[0]});
  EXPECT_TRUE(b.is_available());  // the dependency ran first
}

TEST(Transforms, OutputsOfOnePrimitiveShareOneSiblingList) {
  // n outputs hold n handles between them, not n - 1 each (quadratic in memory and time).
  const int n = 50;
  array x = vec({1.0});
  std::vector<array> ins;
  for (int i = 0; i < n; ++i) ins.push_back(add(x, vec({double(i)})));
  size_t base = get_active_memory();
  {
    std::vector<array> d = depends(ins, {x});
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(d[i].use_count(), 2) << i;  // `d` and the shared list
      EXPECT_EQ(&d[i].sibling_group(), &d[0].sibling_group());
      EXPECT_EQ(d[i].position(), i);
    }
    std::vector<array> all = d[n / 2].outputs();
    ASSERT_EQ(all.size(), size_t(n));
    for (int i = 0; i < n; ++i) EXPECT_TRUE(all[i].is_same(d[i])) << i;
    all.clear();
    EXPECT_TRUE(x.sibling_group().empty());
    eval({d[3]});  // evaluation fills every output and unlinks them
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(d[i].is_available());
      EXPECT_EQ(d[i].use_count(), 1) << i;
      EXPECT_TRUE(d[i].sibling_group().empty());
    }
    expect_values(d[7], {8.0});
  }
  // Unevaluated outputs dropped in any order free their nodes: the list's cycle is broken.
  std::vector<std::vector<int>> orders = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}};
  for (auto& order : orders) {
    std::vector<array> d = depends({add(x, x), add(x, x), add(x, x), add(x, x)}, {x});
    std::weak_ptr<Primitive> prim = d[0].primitive_ptr();
    std::vector<array> again = d[1].outputs();  // handles given out again are counted
    for (int i : order) d[i] = x;
    EXPECT_FALSE(prim.expired());
    again.clear();
    EXPECT_TRUE(prim.expired());
  }
  synchronize();
  EXPECT_EQ(get_active_memory(), base);
}

TEST(Transforms, EvalInsideKeepsGraphOnlyWhileTracing) {
  array seen = vec({0.0});
  auto f = [&](const array& a) {
    array y = exp(a);
    eval({y});  // a tracer: its graph survives evaluation for the backward pass
    EXPECT_TRUE(y.has_primitive());
    seen = y;
    return sum(y);
  };
  expect_values(grad(f)(vec({0.0, 1.0})), {1.0, std::exp(1.0)});
  EXPECT_FALSE(seen.is_tracer());  // no transform is tracing any more
  array z = exp(seen);
  eval({z});
  EXPECT_FALSE(z.has_primitive());
}

TEST(Transforms, TracedIntermediatesAreNotDonated) {
  // sin's vjp reads its input after the forward evaluation: the input's memory must not have
  // been handed to sin's output even though nothing else refers to it.
  auto f = [](const array& a) {
    array y = sin(multiply(a, array(2.0, float64)));
    eval({y});
    return sum(y);
  };
  expect_values(grad(f)(vec({0.25, 0.5})), {2 * std::cos(0.5), 2 * std::cos(1.0)});
}

TEST(Transforms, DeepGraphs) {
  auto f = [](const array& a) {
    array x = a;
    for (int i = 0; i < 100000; ++i) x = add(x, array(1e-6, float64));
    return sum(multiply(x, x));
  };
  expect_values(grad(f)(vec({1.0})), {2 * 1.1}, 1e-9);
}
