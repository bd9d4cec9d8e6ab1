// What every custom kernel (mx.fast.cuda_kernel) sees: Kiln's element types and math, the
// by-value shape and strides parameters of its signature, and the atomic element type of
// atomic outputs. Generated kernels include this before the user's header.
#pragma once

#include "kiln/backend/cuda/kernels/params.cuh"
#include "kiln/types/cast.h"
#include "kiln/types/complex.h"
#include "kiln/types/half.h"
#include "kiln/types/math.h"

namespace kiln::cu {

// An input's shape or strides (in elements), passed by value: `x_shape[d]`, d < x_ndim.
struct Dims {
  long long v[kMaxDims];
  __device__ __forceinline__ const long long& operator[](int i) const { return v[i]; }
};

// Offset in elements of the row-major element index `elem` in an array of this layout.
__device__ __forceinline__ long long elem_to_loc(long long elem, const Dims& shape,
                                                 const Dims& strides, int ndim) {
  long long loc = 0;
  for (int d = ndim - 1; d >= 0 && elem > 0; --d) {
    loc += (elem % shape[d]) * strides[d];
    elem /= shape[d];
  }
  return loc;
}

namespace atomic_impl {

template <int Size> struct word_of;
template <> struct word_of<1> { using type = unsigned char; };
template <> struct word_of<2> { using type = unsigned short; };
template <> struct word_of<4> { using type = unsigned int; };
template <> struct word_of<8> { using type = unsigned long long; };

// Atomically replaces *p by f(*p) and returns the old value. Values of 4 or 8 bytes use a
// compare-and-swap on themselves; smaller ones on the aligned 32-bit word that holds them.
template <typename T, typename F>
__device__ T atomic_update(T* p, F f) {
  using W = typename word_of<sizeof(T)>::type;
  if constexpr (sizeof(T) >= 4) {
    W* w = reinterpret_cast<W*>(p);
    W old = *reinterpret_cast<volatile W*>(w), assumed;
    do {
      assumed = old;
      W next = bit_cast<W>(T(f(bit_cast<T>(assumed))));
      old = atomicCAS(w, assumed, next);
    } while (old != assumed);
    return bit_cast<T>(old);
  } else {
    unsigned long long addr = reinterpret_cast<unsigned long long>(p);
    unsigned int* w = reinterpret_cast<unsigned int*>(addr & ~3ull);
    unsigned int shift = unsigned(addr & 3ull) * 8;
    unsigned int mask = ((1u << (8 * sizeof(T))) - 1u) << shift;
    unsigned int old = *reinterpret_cast<volatile unsigned int*>(w), assumed;
    T current;
    do {
      assumed = old;
      current = bit_cast<T>(W((assumed & mask) >> shift));
      unsigned int bits = unsigned(bit_cast<W>(T(f(current)))) << shift;
      old = atomicCAS(w, assumed, (assumed & ~mask) | bits);
    } while (old != assumed);
    return current;
  }
}

}  // namespace atomic_impl

enum memory_order { memory_order_relaxed };

// An element of an atomic output: the layout of T, updated with relaxed device-scope atomics.
// Integer and float adds, and integer min/max, of 4 and 8 bytes use the hardware
// instructions; other types and operations use a compare-and-swap loop.
template <typename T>
struct atomic {
  T value;

  __device__ T load() const {
    using W = typename atomic_impl::word_of<sizeof(T)>::type;
    return bit_cast<T>(*reinterpret_cast<const volatile W*>(&value));
  }
  __device__ void store(T v) { exchange(v); }
  __device__ T exchange(T v) {
    return atomic_impl::atomic_update(&value, [v](T) { return v; });
  }
  // Stores `desired` if the value equals `expected`; else loads the value into `expected`.
  __device__ bool compare_exchange(T& expected, T desired) {
    using W = typename atomic_impl::word_of<sizeof(T)>::type;
    W want = bit_cast<W>(expected);
    T old = atomic_impl::atomic_update(&value, [want, desired](T cur) {
      return bit_cast<W>(cur) == want ? desired : cur;
    });
    bool ok = bit_cast<W>(old) == want;
    expected = old;
    return ok;
  }
  __device__ T fetch_add(T v) {
    if constexpr (is_same_type<T, float>::value || is_same_type<T, double>::value ||
                  is_same_type<T, int>::value || is_same_type<T, unsigned int>::value ||
                  is_same_type<T, unsigned long long>::value) {
      return atomicAdd(&value, v);
    } else if constexpr (is_same_type<T, long long>::value) {
      // Two's complement: adding the unsigned bits adds the signed values.
      return (long long)atomicAdd(reinterpret_cast<unsigned long long*>(&value),
                                  (unsigned long long)v);
    } else {
      return atomic_impl::atomic_update(&value, [v](T cur) { return T(cur + v); });
    }
  }
  __device__ T fetch_sub(T v) {
    return atomic_impl::atomic_update(&value, [v](T cur) { return T(cur - v); });
  }
  __device__ T fetch_max(T v) {
    if constexpr (is_same_type<T, int>::value || is_same_type<T, unsigned int>::value ||
                  is_same_type<T, long long>::value ||
                  is_same_type<T, unsigned long long>::value) {
      return atomicMax(&value, v);
    } else {
      return atomic_impl::atomic_update(&value, [v](T cur) { return cur < v ? v : cur; });
    }
  }
  __device__ T fetch_min(T v) {
    if constexpr (is_same_type<T, int>::value || is_same_type<T, unsigned int>::value ||
                  is_same_type<T, long long>::value ||
                  is_same_type<T, unsigned long long>::value) {
      return atomicMin(&value, v);
    } else {
      return atomic_impl::atomic_update(&value, [v](T cur) { return v < cur ? v : cur; });
    }
  }
};

// Metal's spelling, so kernels written for mx.fast.metal_kernel port with few changes.
template <typename T>
__device__ T atomic_load_explicit(const atomic<T>* a, memory_order) { return a->load(); }
template <typename T, typename U>
__device__ void atomic_store_explicit(atomic<T>* a, U v, memory_order) { a->store(T(v)); }
template <typename T, typename U>
__device__ T atomic_exchange_explicit(atomic<T>* a, U v, memory_order) {
  return a->exchange(T(v));
}
template <typename T, typename U>
__device__ T atomic_fetch_add_explicit(atomic<T>* a, U v, memory_order) {
  return a->fetch_add(T(v));
}
template <typename T, typename U>
__device__ T atomic_fetch_sub_explicit(atomic<T>* a, U v, memory_order) {
  return a->fetch_sub(T(v));
}
template <typename T, typename U>
__device__ T atomic_fetch_max_explicit(atomic<T>* a, U v, memory_order) {
  return a->fetch_max(T(v));
}
template <typename T, typename U>
__device__ T atomic_fetch_min_explicit(atomic<T>* a, U v, memory_order) {
  return a->fetch_min(T(v));
}
template <typename T, typename U>
__device__ bool atomic_compare_exchange_weak_explicit(atomic<T>* a, T* expected, U desired,
                                                      memory_order, memory_order) {
  return a->compare_exchange(*expected, T(desired));
}

}  // namespace kiln::cu
