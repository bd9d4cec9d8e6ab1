// The per-thread side of streams. Each thread has its own default stream per device (taken
// from a pool when it first needs one and given back when the thread ends), and `with
// mx.stream(...)` changes the default device and stream of its own thread only. Any stream
// may still be used from any thread: an array built on one thread may be evaluated on
// another, and eval is safe to call from several threads at once.
// (Kept apart from stream.h, which every file includes, so that adding to it stays cheap.)
#pragma once

#include <optional>

#include "kiln/stream.h"

namespace kiln {

// A handle that stands for a different stream on each thread that uses it (MLX's
// ThreadLocalStream): `to_stream` gives the calling thread's, made on its first use there.
struct ThreadLocalStream {
  int index;
  Device device;
  bool operator==(const ThreadLocalStream& o) const { return index == o.index; }
};

ThreadLocalStream new_thread_local_stream(Device d);
Stream to_stream(const ThreadLocalStream& s);

// Forgets the streams the calling thread was given (its default streams and its streams of
// thread-local handles) and returns them to the pool; the thread gets streams again when it
// next needs them. Work already queued on them still runs, and arrays built on them still
// evaluate.
void clear_streams();

namespace detail {
// The calling thread's own default device, set while a StreamContext lives on it; nullopt
// gives the process-wide default back.
void set_thread_default_device(std::optional<Device> d);
}  // namespace detail

}  // namespace kiln
