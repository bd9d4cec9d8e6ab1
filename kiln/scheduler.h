// The runtime's queues: one worker thread per CPU stream, CUDA streams for the GPU, and
// events that order work across streams and let the host wait.
#pragma once

#include <functional>
#include <memory>

#include "kiln/stream.h"

namespace kiln {

struct EventState;

// A one-shot marker in a stream's queue. `signal()` places it; once the stream reaches it,
// host waiters wake and streams that wait on it proceed.
class Event {
 public:
  Event() = default;
  explicit Event(Stream s);
  bool valid() const { return state_ != nullptr; }
  const Stream& stream() const;
  void signal();                      // mark the current end of the stream's queue
  void wait() const;                  // block the calling thread until reached
  void wait_on(const Stream& s) const;  // make stream s wait (on the device for GPU streams)
  bool is_signaled() const;
  bool operator==(const Event& o) const { return state_ == o.state_; }

 private:
  std::shared_ptr<EventState> state_;
};

namespace scheduler {

// Runs `task` on the CPU stream's worker thread after everything queued before it.
void enqueue(const Stream& s, std::function<void()> task);
// The number of tasks queued on CPU stream s and not yet finished.
size_t pending(const Stream& s);

}  // namespace scheduler
}  // namespace kiln
