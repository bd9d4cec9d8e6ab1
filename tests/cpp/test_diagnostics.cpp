// Diagnostics: export_to_dot's graph text and the upcast report's callback.
#include <gtest/gtest.h>

#include <sstream>

#include "kiln/kiln.h"

using namespace kiln;

namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(ExportToDot, NodesAndEdgesOfAKnownGraph) {
  array x({1.0f, 2.0f}), y({3.0f, 4.0f});
  array z = add(multiply(x, y), x);
  std::ostringstream os;
  export_to_dot(os, {z}, {"z"});
  std::string dot = os.str();
  EXPECT_EQ(dot.rfind("digraph", 0), 0u);
  // x, y, x*y, z; Multiply, Add.
  EXPECT_EQ(count(dot, "shape=ellipse"), 4) << dot;
  EXPECT_EQ(count(dot, "shape=box"), 2) << dot;
  // x, y -> Multiply -> t; t, x -> Add -> z.
  EXPECT_EQ(count(dot, " -> "), 6) << dot;
  EXPECT_NE(dot.find("label=\"Multiply\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"z\\n(2,) float32\""), std::string::npos) << dot;
}

TEST(ExportToDot, EvaluatedArraysAreSources) {
  array x({1.0f, 2.0f});
  array z = exp(x);
  eval({z});
  std::ostringstream os;
  export_to_dot(os, {z});
  EXPECT_EQ(count(os.str(), " -> "), 0);
  EXPECT_EQ(count(os.str(), "shape=ellipse"), 1);
}

TEST(Upcast, ReportsHalfPromotedByAnArray) {
  std::vector<std::string> seen;
  set_upcast_callback([&](const char* op, const std::vector<Dtype>& from, Dtype to) {
    seen.push_back(std::string(op) + ":" + dtype_name(to));
  });
  array h = astype(array({1.0f, 2.0f}), float16);
  array f({1.0f, 2.0f});
  multiply(h, f);  // off by default
  EXPECT_TRUE(seen.empty());
  set_promotion_warnings(true);
  multiply(h, f);
  multiply(h, astype(f, float16));             // no promotion
  add(h, astype(f, bfloat16));                 // float16 + bfloat16 -> float32
  matmul(reshape(h, {1, 2}), reshape(f, {2, 1}));
  where(array(true), h, f);
  multiply(f, f);                              // no half involved
  set_promotion_warnings(false);
  set_upcast_callback({});
  std::vector<std::string> want = {"multiply:float32", "add:float32", "matmul:float32",
                                   "where:float32"};
  EXPECT_EQ(seen, want);
}
