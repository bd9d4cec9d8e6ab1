// CPU evaluation of Compiled: the region runs tile by tile. Each tile of the output's
// elements goes through the region's steps with the vectorized elementwise loops
// (kiln/backend/cpu/tiles.h); intermediate values live in tile-sized buffers that stay in
// the cache, and tiles are spread over the thread pool. No compiler is involved.
//
// Inputs are read in place when their layout matches the iteration (dense inputs sharing one
// layout, or row-contiguous ones when the iteration is row-major); one-element inputs are
// read as one value; anything else (broadcast, transposed, sliced) is gathered into a buffer
// per tile. Values computed only from one-element inputs are computed once per tile. Steps
// write outputs in place, except large outputs: those are computed into a tile buffer and
// streamed to memory.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/stream_store.h"
#include "kiln/backend/cpu/tiles.h"
#include "kiln/primitives/compiled.h"
#include "kiln/primitives/compiled_access.h"

namespace kiln {

namespace {

using Kind = FusedStep::Kind;

// Elements per tile: a few float tiles fit in L1 next to each other.
constexpr int64_t kTile = 2048;
constexpr int64_t kSlotBytes = kTile * 8;  // the widest element is 8 bytes
constexpr int64_t kScratchBytes = 16;
// Gathered inputs may keep this many dimensions after merging the mergeable ones.
constexpr int kMaxGatherDims = 16;

// How a value is reached in a tile.
enum class Where : uint8_t {
  input,     // in place in an input: base + first element of the tile
  uniform,   // one value at base (a one-element input)
  gathered,  // an input copied into a slot at the start of the tile
  slot,      // a step's result in a tile buffer
  output,    // a step's result written straight into an output
  scratch,   // a step's one-element result (all its arguments are one value)
};

struct ValuePlan {
  Where where = Where::slot;
  size_t itemsize = 0;
  const char* base = nullptr;  // input and uniform
  int slot = -1;               // gathered, slot, scratch
  int output = -1;             // output
  CollapsedLayout layout;      // gathered: the input seen through the row-major iteration
};

struct StepPlan {
  Kind kind;
  cpu::UnaryTile unary = nullptr;
  cpu::BinaryTile binary = nullptr;
  cpu::SelectTile select = nullptr;
  cpu::CastTile cast = nullptr;
  int args[3] = {-1, -1, -1};
  int value = -1;
};

// Outputs that are not written by their step (one-element results, inputs passed through a
// broadcast, large outputs): copied into the output at the end of each tile.
struct Finish {
  int output;
  int value;
  bool stream = false;  // with streaming stores
};

// Copies elements [begin, begin + n) of the row-major iteration of an input (layout over the
// collapsed shape: strides[0] row-major, strides[1] the input's) into dst.
template <typename U>
void gather(const U* src, const CollapsedLayout& l, int64_t begin, int64_t n, U* dst) {
  int nd = int(l.shape.size());
  const Strides& st = l.strides[1];
  int64_t idx[kMaxGatherDims] = {};
  int64_t off = 0;
  int64_t r = begin;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = r % l.shape[d];
    r /= l.shape[d];
    off += idx[d] * st[d];
  }
  int64_t inner = l.shape[nd - 1], s = st[nd - 1];
  while (n > 0) {
    int64_t m = std::min(inner - idx[nd - 1], n);
    if (s == 1) {
      std::memcpy(dst, src + off, size_t(m) * sizeof(U));
    } else if (s == 0) {
      std::fill(dst, dst + m, src[off]);
    } else {
      for (int64_t i = 0; i < m; ++i) dst[i] = src[off + i * s];
    }
    dst += m;
    n -= m;
    off += m * s;
    idx[nd - 1] += m;
    for (int d = nd - 1; d > 0 && idx[d] == l.shape[d]; --d) {
      off -= idx[d] * st[d];
      idx[d] = 0;
      ++idx[d - 1];
      off += st[d - 1];
    }
  }
}

void gather_bits(size_t itemsize, const char* src, const CollapsedLayout& l, int64_t begin,
                 int64_t n, char* dst) {
  switch (itemsize) {
    case 1: return gather(reinterpret_cast<const uint8_t*>(src), l, begin, n,
                          reinterpret_cast<uint8_t*>(dst));
    case 2: return gather(reinterpret_cast<const uint16_t*>(src), l, begin, n,
                          reinterpret_cast<uint16_t*>(dst));
    case 4: return gather(reinterpret_cast<const uint32_t*>(src), l, begin, n,
                          reinterpret_cast<uint32_t*>(dst));
    default: return gather(reinterpret_cast<const uint64_t*>(src), l, begin, n,
                           reinterpret_cast<uint64_t*>(dst));
  }
}

void fill_bits(size_t itemsize, const char* value, int64_t n, char* dst) {
  switch (itemsize) {
    case 1: return (void)std::memset(dst, *value, size_t(n));
    case 2: {
      uint16_t v;
      std::memcpy(&v, value, 2);
      std::fill_n(reinterpret_cast<uint16_t*>(dst), n, v);
      return;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, value, 4);
      std::fill_n(reinterpret_cast<uint32_t*>(dst), n, v);
      return;
    }
    default: {
      uint64_t v;
      std::memcpy(&v, value, 8);
      std::fill_n(reinterpret_cast<uint64_t*>(dst), n, v);
      return;
    }
  }
}

class TileProgram {
 public:
  TileProgram(const FusedGraph& g, const std::vector<array>& inputs, std::vector<array>& outputs,
              const Stream& s)
      : g_(g), inputs_(inputs), outputs_(outputs), stream_(s), values_(size_t(g.num_values())) {
    shape_ = outputs[0].shape();
    for (auto& o : outputs) {
      if (o.shape() != shape_) {
        throw std::logic_error("[Compiled] the outputs of a region must share one shape");
      }
    }
    size_ = shape_size(shape_);
  }

  void run() {
    if (size_ == 0) {
      for (auto& o : outputs_) o.allocate();
      return;
    }
    resolve_aliases();
    plan_inputs();
    plan_steps();
    allocate_outputs();
    int64_t tiles = (size_ + kTile - 1) / kTile;
    cpu::parallel_for(tiles, std::max<int64_t>(1, cpu::kElementwiseGrain / kTile),
                      [&](int64_t t0, int64_t t1) {
                        size_t bytes = size_t(slots_) * kSlotBytes +
                                       size_t(scratch_) * kScratchBytes + 64;
                        std::unique_ptr<char, decltype(&std::free)> mem(
                            static_cast<char*>(std::aligned_alloc(64, bytes / 64 * 64)),
                            &std::free);
                        if (!mem) throw std::bad_alloc();
                        for (int64_t t = t0; t < t1; ++t) {
                          int64_t b = t * kTile;
                          run_tile(mem.get(), b, std::min(kTile, size_ - b));
                        }
                        cpu::stream_fence();
                      });
  }

 private:
  // A broadcast step is its argument seen at the region's shape: the same value.
  void resolve_aliases() {
    canon_.resize(size_t(g_.num_values()));
    for (int v = 0; v < g_.num_values(); ++v) {
      canon_[v] = v;
      if (v >= g_.num_inputs()) {
        const FusedStep& s = g_.steps[v - g_.num_inputs()];
        if (s.kind == Kind::broadcast) canon_[v] = canon_[s.args[0]];
      }
    }
  }

  void plan_inputs() {
    plan_ = plan_access(g_, inputs_, shape_);
    Strides rows = row_strides(shape_);
    for (int i = 0; i < g_.num_inputs(); ++i) {
      const array& in = inputs_[i];
      ValuePlan& v = values_[i];
      v.itemsize = in.itemsize();
      v.base = in.data<char>();
      switch (plan_.inputs[i]) {
        case Access::literal:  // read from memory like any one-element input
        case Access::uniform: v.where = Where::uniform; break;
        case Access::dense: v.where = Where::input; break;
        case Access::gathered:
          v.where = Where::gathered;
          v.layout = collapse_contiguous_dims(shape_, {rows, broadcast_strides(in, shape_)});
          if (int(v.layout.shape.size()) > kMaxGatherDims) {
            throw std::invalid_argument("[Compiled] an input with more than " +
                                        std::to_string(kMaxGatherDims) +
                                        " non-mergeable dimensions is not supported");
          }
          break;
      }
    }
  }

  // Large outputs go to memory with streaming stores from a tile buffer: they outgrow the
  // cache, and a plain store would first read each line of the fresh buffer (the size
  // threshold is the elementwise kernels').
  bool streamed(int output) const { return outputs_[output].nbytes() >= cpu::kStreamBytes; }

  bool uniform(int v) const {
    Where w = values_[canon_[v]].where;
    return w == Where::uniform || w == Where::scratch;
  }

  void plan_steps() {
    int n_in = g_.num_inputs();
    int n_steps = int(g_.steps.size());
    // Last step reading each value; outputs copied at the end are read after every step.
    std::vector<int> last(size_t(g_.num_values()), -1);
    for (int k = 0; k < n_steps; ++k) {
      for (int a : g_.steps[k].args) last[canon_[a]] = k;
    }
    std::vector<int> direct_output(size_t(g_.num_values()), -1);
    for (size_t j = 0; j < g_.outputs.size(); ++j) {
      int v = g_.outputs[j];
      if (canon_[v] == v) {
        direct_output[v] = int(j);  // a computed value: maybe written in place
        if (streamed(int(j))) last[v] = n_steps;  // its tile buffer is copied at the end
      } else if (canon_[v] < n_in) {
        last[canon_[v]] = n_steps;  // an input passed through: copied after the steps
      }
    }
    std::vector<int> free_slots;
    auto take_slot = [&] {
      if (free_slots.empty()) return slots_++;
      int s = free_slots.back();
      free_slots.pop_back();
      return s;
    };
    auto release = [&](int v, int k) {
      ValuePlan& p = values_[v];
      if (last[v] == k && (p.where == Where::slot || p.where == Where::gathered)) {
        free_slots.push_back(p.slot);
      }
    };
    for (int i = 0; i < n_in; ++i) {
      if (values_[i].where == Where::gathered && last[i] >= 0) values_[i].slot = take_slot();
    }
    for (int k = 0; k < n_steps; ++k) {
      const FusedStep& s = g_.steps[k];
      int v = n_in + k;
      if (s.kind == Kind::broadcast) continue;  // an alias
      bool all_uniform = true;
      for (int a : s.args) all_uniform = all_uniform && uniform(a);
      ValuePlan& p = values_[v];
      p.itemsize = s.dtype.size;
      if (all_uniform) {
        p.where = Where::scratch;
        p.slot = scratch_++;
      } else if (direct_output[v] >= 0 && !streamed(direct_output[v])) {
        p.where = Where::output;
        p.output = direct_output[v];
      } else {
        p.where = Where::slot;
        p.slot = take_slot();
      }
      StepPlan sp{s.kind};
      for (size_t a = 0; a < s.args.size(); ++a) sp.args[a] = canon_[s.args[a]];
      sp.value = v;
      Dtype in = g_.value_dtype(s.args.back());
      switch (s.kind) {
        case Kind::unary: sp.unary = cpu::unary_tile(s.unary_op(), in); break;
        case Kind::binary: sp.binary = cpu::binary_tile(s.binary_op(), in); break;
        case Kind::select: sp.select = cpu::select_tile(s.dtype); break;
        case Kind::cast: sp.cast = cpu::cast_tile(in, s.dtype); break;
        case Kind::broadcast: break;
      }
      steps_.push_back(sp);
      for (size_t a = 0; a < s.args.size(); ++a) {
        bool repeated = false;  // x * x frees x's slot once
        for (size_t b = 0; b < a; ++b) repeated = repeated || canon_[s.args[b]] == canon_[s.args[a]];
        if (!repeated) release(canon_[s.args[a]], k);
      }
    }
    for (size_t j = 0; j < g_.outputs.size(); ++j) {
      int v = g_.outputs[j];
      const ValuePlan& p = values_[canon_[v]];
      if (p.where != Where::output) {
        finish_.push_back({int(j), canon_[v], p.where == Where::slot && streamed(int(j))});
      }
    }
    last_read_ = std::move(last);
  }

  // An output written straight by its step may take the memory of an input no later step
  // reads.
  void allocate_outputs() {
    place_outputs(plan_, inputs_, outputs_, stream_, [&](size_t j, size_t i) {
      int v = g_.outputs[j];
      return values_[v].where == Where::output && last_read_[i] <= v - g_.num_inputs();
    });
    for (auto& out : outputs_) out_base_.push_back(out.data<char>());
  }

  char* pointer(int v, char* mem, int64_t b) const {
    const ValuePlan& p = values_[v];
    switch (p.where) {
      case Where::input: return const_cast<char*>(p.base) + b * int64_t(p.itemsize);
      case Where::uniform: return const_cast<char*>(p.base);
      case Where::gathered:
      case Where::slot: return mem + p.slot * kSlotBytes;
      case Where::output: return out_base_[p.output] + b * int64_t(p.itemsize);
      case Where::scratch: return mem + slots_ * kSlotBytes + p.slot * kScratchBytes;
    }
    return nullptr;
  }

  void run_tile(char* mem, int64_t b, int64_t n) const {
    for (int i = 0; i < g_.num_inputs(); ++i) {
      const ValuePlan& p = values_[i];
      if (p.where == Where::gathered && p.slot >= 0) {
        gather_bits(p.itemsize, p.base, p.layout, b, n, pointer(i, mem, b));
      }
    }
    for (const StepPlan& s : steps_) {
      int64_t m = values_[s.value].where == Where::scratch ? 1 : n;
      char* out = pointer(s.value, mem, b);
      auto arg = [&](int k) { return pointer(s.args[k], mem, b); };
      auto step = [&](int k) { return int64_t(uniform(s.args[k]) ? 0 : 1); };
      switch (s.kind) {
        case Kind::unary: s.unary(arg(0), out, m); break;
        case Kind::binary: s.binary(arg(0), step(0), arg(1), step(1), out, m); break;
        case Kind::select:
          s.select(reinterpret_cast<const bool*>(arg(0)), step(0), arg(1), step(1), arg(2),
                   step(2), out, m);
          break;
        case Kind::cast: s.cast(arg(0), out, m); break;
        case Kind::broadcast: break;
      }
    }
    for (const Finish& f : finish_) {
      const ValuePlan& p = values_[f.value];
      char* dst = out_base_[f.output] + b * int64_t(p.itemsize);
      const char* src = pointer(f.value, mem, b);
      size_t bytes = size_t(n) * p.itemsize;
      if (uniform(f.value)) {
        fill_bits(p.itemsize, src, n, dst);
      } else if (f.stream && reinterpret_cast<uintptr_t>(dst) % 64 == 0) {
        size_t whole = bytes / 64 * 64;  // tiles start 64-byte aligned; the last may be short
        cpu::stream_store(dst, src, whole);
        std::memcpy(dst + whole, src + whole, bytes - whole);
      } else {
        std::memcpy(dst, src, bytes);
      }
    }
  }

  const FusedGraph& g_;
  const std::vector<array>& inputs_;
  std::vector<array>& outputs_;
  const Stream& stream_;
  Shape shape_;
  int64_t size_ = 0;
  AccessPlan plan_;
  std::vector<int> canon_;
  std::vector<ValuePlan> values_;
  std::vector<StepPlan> steps_;
  std::vector<Finish> finish_;
  std::vector<int> last_read_;
  std::vector<char*> out_base_;
  int slots_ = 0;
  int scratch_ = 0;
};

}  // namespace

void Compiled::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  TileProgram(graph(), inputs, outputs, stream()).run();
}

}  // namespace kiln
