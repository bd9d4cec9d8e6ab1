#include "kiln/transforms.h"

#include <mutex>
#include <unordered_set>

#include "kiln/backend/gpu.h"
#include "kiln/primitive.h"

namespace kiln {

namespace {

// Depth-first post-order of the unscheduled nodes the outputs depend on: each node after
// its inputs, so that intermediates are consumed soon after they are produced. Iterative,
// because graphs can be far deeper than the call stack.
std::vector<array> build_tape(const std::vector<array>& outputs) {
  std::vector<array> tape;
  std::unordered_set<uintptr_t> seen;
  std::vector<std::pair<array, size_t>> stack;
  auto visit = [&](const array& a) {
    if (a.status() != Status::unscheduled || !seen.insert(a.id()).second) return false;
    for (auto& s : a.sibling_group()) seen.insert(s.id());
    return true;
  };
  for (auto& out : outputs) {
    if (!visit(out)) continue;
    stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        array in = node.inputs()[next++];
        if (visit(in)) stack.emplace_back(std::move(in), 0);
      } else {
        tape.push_back(std::move(node));
        stack.pop_back();
      }
    }
  }
  return tape;
}

// The first error among the inputs: a failed input fails its consumers without running them.
std::exception_ptr input_error(const array& arr) {
  for (auto& in : arr.inputs()) {
    if (in.error()) return in.error();
  }
  return nullptr;
}

void fail(std::vector<array>& outputs, const std::exception_ptr& err) {
  for (auto& o : outputs) {
    o.set_error(err);
    o.set_status(Status::available);
  }
}

// Runs one node's primitive on the CPU (on its stream's worker thread).
void run_cpu(array& arr) {
  std::vector<array> outputs = arr.outputs();
  std::exception_ptr err = input_error(arr);
  // A tracer keeps its inputs for the backward pass: holding them here keeps their memory
  // from being donated to the outputs.
  std::vector<array> keep;
  if (arr.is_tracer()) keep = arr.inputs();
  if (!err) {
    try {
      arr.primitive().eval_cpu(arr.inputs(), outputs);
    } catch (...) {
      err = std::current_exception();
    }
  }
  if (err) {
    fail(outputs, err);
  } else {
    for (auto& o : outputs) {
      // The host copy may have been written: any device copy is stale now.
      if (o.data_shared_ptr()) o.data_shared_ptr()->host_written();
      o.set_status(Status::available);
    }
  }
  if (!arr.is_tracer()) arr.detach();
}

// Encodes one node's kernels on its GPU stream (on the calling thread). The outputs become
// available when the stream reaches the eval's end event.
void run_gpu(array& arr) {
  std::exception_ptr err = input_error(arr);
  std::vector<array> keep;  // as in run_cpu
  if (arr.is_tracer()) keep = arr.inputs();
  if (!err) {
    try {
      gpu::eval(arr);
    } catch (...) {
      err = std::current_exception();
    }
  }
  if (err) {
    std::vector<array> outputs = arr.outputs();
    fail(outputs, err);
  }
  if (!arr.is_tracer()) arr.detach();
}

// Scheduling is one thread at a time: an evaluator marks every node it takes as scheduled
// before it lets go, so a second evaluator of the same graph (another thread) finds those
// nodes taken and only waits for them; no node runs twice and no node's inputs are read
// while a worker detaches them. Waiting happens outside the lock, so evaluations of
// separate graphs from several threads still run concurrently.
std::mutex schedule_mutex;

void schedule(const std::vector<array>& outputs) {
  std::lock_guard<std::mutex> lock(schedule_mutex);
  std::vector<array> tape = build_tape(outputs);

  // One event per stream marks the end of this eval's work on it.
  std::vector<Event> stream_end;
  auto end_event = [&](const Stream& s) -> Event& {
    for (auto& e : stream_end) {
      if (e.stream() == s) return e;
    }
    return stream_end.emplace_back(s);
  };

  for (auto& node : tape) {
    array arr = std::move(node);  // the tape must not keep nodes (or their memory) alive
    const Stream s = arr.primitive().stream();
    for (auto& in : arr.inputs()) {
      if (in.status() == Status::available || !in.event().valid()) continue;
      if (in.event().stream() == s) continue;
      // A marker placed now on the producer's stream follows the producer's work.
      Event e(in.event().stream());
      e.signal();
      e.wait_on(s);
    }
    Event& ev = end_event(s);
    for (auto& o : arr.outputs()) {
      o.set_event(ev);
      o.set_status(Status::scheduled);
    }
    if (s.device.type == Device::cpu) {
      scheduler::enqueue(s, [arr = std::move(arr)]() mutable { run_cpu(arr); });
    } else {
      run_gpu(arr);
    }
  }
  for (auto& e : stream_end) e.signal();
}

void eval_impl(std::vector<array> outputs, bool async) {
  schedule(outputs);
  if (!async) {
    for (auto& o : outputs) o.wait();
  }
}

}  // namespace

void eval(std::vector<array> outputs) { eval_impl(std::move(outputs), false); }
void async_eval(std::vector<array> outputs) { eval_impl(std::move(outputs), true); }

}  // namespace kiln
