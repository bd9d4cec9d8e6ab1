// compile: the per-function cache of traces, tracing on placeholders, and replay.
#include "kiln/compile.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "kiln/compile/graph.h"
#include "kiln/primitives/compiled.h"
#include "kiln/trace.h"

namespace kiln {

namespace {

bool disabled_by_env() {
  const char* v = std::getenv("KILN_DISABLE_COMPILE");
  return v && *v && std::strcmp(v, "0") != 0 && std::strcmp(v, "false") != 0;
}

std::atomic<bool> enabled{!disabled_by_env()};
std::atomic<size_t> total_traces{0};
thread_local bool shapeless_trace = false;

// Marks this thread's trace as shapeless or not while it lives (traces nest: a compiled
// function may call another).
class ShapelessTrace {
 public:
  explicit ShapelessTrace(bool on) : previous_(shapeless_trace) { shapeless_trace = on; }
  ~ShapelessTrace() { shapeless_trace = previous_; }

 private:
  bool previous_;
};

}  // namespace

void disable_compile() { enabled.store(false); }
void enable_compile() { enabled.store(true); }
bool compile_enabled() { return enabled.load(); }

namespace detail {

size_t compile_trace_count() { return total_traces.load(); }
bool in_shapeless_trace() { return shapeless_trace; }

// What a trace is valid for, and what it produced.
struct CompileCache::Entry {
  std::vector<Dtype> dtypes;
  std::vector<Shape> shapes;  // only the number of dimensions counts when shapeless
  int stream;                 // the default stream the trace's ops were put on
  Graph graph;
  std::shared_ptr<void> data;

  bool matches(const std::vector<array>& inputs, int s, bool shapeless) const {
    if (inputs.size() != dtypes.size() || s != stream) return false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].dtype() != dtypes[i]) return false;
      if (shapeless ? inputs[i].ndim() != int(shapes[i].size())
                    : inputs[i].shape() != shapes[i]) {
        return false;
      }
    }
    return true;
  }
};

CompileCache::Result CompileCache::call(const std::vector<array>& inputs,
                                        const TraceFunction& trace) {
  const int stream = to_stream({}).index;
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& e : entries_) {
      if (e->matches(inputs, stream, shapeless_)) {
        entry = e;
        break;
      }
    }
  }
  if (!entry) {
    // Not under the lock: the function may call compiled functions itself.
    entry = std::make_shared<Entry>();
    entry->stream = stream;
    std::vector<array> placeholders;
    for (auto& in : inputs) {
      entry->dtypes.push_back(in.dtype());
      entry->shapes.push_back(in.shape());
      array p(in.shape(), in.dtype(), std::make_shared<CompilePlaceholder>(to_stream({})), {});
      p.set_tracer(true);
      placeholders.push_back(std::move(p));
    }
    {
      Tracing tracing;
      ShapelessTrace mark(shapeless_);
      std::vector<array> outputs = trace(placeholders, entry->data);
      Tape tape = trace_tape(placeholders, outputs, /*cut_stop_gradient=*/false);
      entry->graph = build_graph(placeholders, tape.nodes, outputs, shapeless_);
    }
    simplify(entry->graph);
    fuse_reductions(entry->graph);
    fuse(entry->graph, shapeless_);
    total_traces.fetch_add(1);
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back(entry);
    ++traces_;
  }
  return {replay(entry->graph, inputs, shapeless_), entry->data};
}

size_t CompileCache::num_traces() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return traces_;
}

}  // namespace detail

Function compile(Function fun, bool shapeless) {
  auto cache = std::make_shared<detail::CompileCache>(shapeless);
  return [fun = std::move(fun), cache](const std::vector<array>& inputs) {
    if (!compile_enabled()) return fun(inputs);
    return cache
        ->call(inputs, [&](const std::vector<array>& x, std::shared_ptr<void>&) { return fun(x); })
        .outputs;
  };
}

}  // namespace kiln
