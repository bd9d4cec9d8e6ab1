// The runtime beneath the ops: graph walk, detach, donation, errors, allocator, scheduler.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kiln/allocator.h"
#include "kiln/backend/cpu/thread_pool.h"
#include "kiln/kiln.h"
#include "kiln/primitive.h"

using namespace kiln;

TEST(Graph, LazyThenEvaluated) {
  array a({1.0f, 2.0f, 3.0f});
  array b = add(a, array(1.0f));
  EXPECT_FALSE(b.is_available());
  EXPECT_TRUE(b.has_primitive());
  eval({b});
  EXPECT_TRUE(b.is_available());
  EXPECT_FALSE(b.has_primitive());  // detached after eval
  EXPECT_TRUE(b.inputs().empty());
  EXPECT_FLOAT_EQ(b.data<float>()[2], 4.0f);
}

TEST(Graph, DeepChainIsIterative) {
  array x(0);
  for (int i = 0; i < 300000; ++i) x = add(x, array(1));
  EXPECT_EQ(x.item<int>(), 300000);
}

TEST(Graph, SharedInputsEvaluateOnce) {
  array a = exp(array({0.0f, 1.0f}));
  array b = add(a, a);
  array c = multiply(a, b);
  eval({c, b});
  EXPECT_FLOAT_EQ(c.data<float>()[0], 2.0f);
}

TEST(Graph, DonationReusesInputMemory) {
  array x = zeros({1 << 16});
  eval({x});
  array y = exp(add(x, array(1.0f)));
  const void* before = nullptr;
  {
    array t = add(x, array(1.0f));
    eval({t});
    before = t.data<float>();
    array u = exp(t);
    t = array(0.0f);  // drop the only external reference: u may take t's memory
    eval({u});
    EXPECT_EQ(u.data<float>(), before);
  }
  eval({y});
}

// A primitive that fails, to check that errors reach the caller and poison dependents.
class Failing : public UnaryPrimitive {
 public:
  using UnaryPrimitive::UnaryPrimitive;
  void eval_cpu(const std::vector<array>&, array&) override {
    throw std::runtime_error("deliberate failure");
  }
  const char* name() const override { return "Failing"; }
};

TEST(Graph, ErrorsReachCallerAndDependents) {
  array a({1.0f});
  array bad(Shape{1}, float32, std::make_shared<Failing>(default_stream(Device::cpu)), {a});
  array dep = add(bad, array(1.0f));
  EXPECT_THROW(eval({dep}), std::runtime_error);
  EXPECT_THROW(bad.eval(), std::runtime_error);
  // The stream is still usable.
  array ok = add(a, array(1.0f));
  EXPECT_FLOAT_EQ(ok.item<float>(), 2.0f);
}

TEST(Allocator, SizeClasses) {
  EXPECT_EQ(allocator::size_class(1), 16u);
  EXPECT_EQ(allocator::size_class(17), 32u);
  EXPECT_EQ(allocator::size_class(4096), 4096u);
  size_t c = allocator::size_class(5000);
  EXPECT_GE(c, 5000u);
  EXPECT_LE(c, 5000u * 9 / 8 + 512);
}

TEST(Allocator, CacheAndCounters) {
  size_t allocs = 0, frees = 0;
  allocator::CachingAllocator alloc(
      "test", [&](size_t n) { ++allocs; return std::malloc(n); },
      [&](void* p, size_t) { ++frees; std::free(p); }, 1 << 20, 1 << 16);
  void* p = alloc.allocate(1000);
  EXPECT_EQ(alloc.active(), 1024u);
  alloc.release(p, 1000);
  EXPECT_EQ(alloc.active(), 0u);
  EXPECT_EQ(alloc.cache(), 1024u);
  void* q = alloc.allocate(1000);  // reused from the cache
  EXPECT_EQ(q, p);
  EXPECT_EQ(allocs, 1u);
  alloc.release(q, 1000);
  EXPECT_THROW(alloc.allocate(2 << 20), out_of_memory);  // over the memory limit
  alloc.clear_cache();
  EXPECT_EQ(alloc.cache(), 0u);
  EXPECT_EQ(frees, 1u);
  EXPECT_EQ(alloc.peak(), 1024u);
}

TEST(Scheduler, StreamsRunInOrderAndCrossStreamWaits) {
  Stream s1 = new_stream(Device::cpu);
  array a = arange(0.0, 1000.0, 1.0, float32, false, s1);
  array b = multiply(a, array(2.0f));  // default stream, waits for s1
  eval({b});
  EXPECT_FLOAT_EQ(b.data<float>()[999], 1998.0f);
  std::atomic<int> order{0};
  int seen[3];
  for (int i = 0; i < 3; ++i) scheduler::enqueue(s1, [&, i] { seen[i] = order++; });
  synchronize(s1);
  EXPECT_EQ(seen[0], 0);
  EXPECT_EQ(seen[2], 2);
}

TEST(ThreadPool, CoversRangeOnceAndRethrows) {
  std::vector<std::atomic<int>> hits(100000);
  cpu::parallel_for(100000, 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  EXPECT_THROW(cpu::parallel_for(100000, 1000,
                                 [](int64_t, int64_t) { throw std::runtime_error("x"); }),
               std::runtime_error);
}

TEST(Memory, CountersReturnToBaseline) {
  synchronize();  // earlier tests' GPU memory returns first
  size_t base = get_active_memory();
  {
    array x = ones({1 << 18});
    array y = exp(x);
    eval({y});
    EXPECT_GE(get_active_memory(), base + (1 << 20));
  }
  synchronize();  // GPU memory returns once the GPU has passed its last use
  EXPECT_EQ(get_active_memory(), base);
}
