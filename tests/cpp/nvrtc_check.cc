// Compiles every registered kernel instantiation with NVRTC. Needs no GPU, so CI runs it
// (`kiln_nvrtc_check sm_90`) to catch a broken kernel source; `--only gemv.cuh` checks one
// file. With --warm it instead fills the on-disk kernel cache one instantiation at a time, in
// parallel, exactly as the run-time compiler would, so a GPU machine starts with warm kernels.
// With --list it compiles nothing and prints "file instantiation" lines, sorted (to compare
// the registered set before and after a change).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kiln/backend/cuda/instances.h"

using namespace kiln::cuda;

int main(int argc, char** argv) {
  std::string arch = argc > 1 ? argv[1] : "sm_90";
  bool warm = false, list_only = false;
  std::string only;  // --only FILE: just that kernel file (quick checks while editing)
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--warm") == 0) warm = true;
    if (std::strcmp(argv[i], "--list") == 0) list_only = true;
    if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
  }
  struct Job {
    std::string file;
    std::vector<std::string> instances;
  };
  std::vector<Job> jobs;
  size_t total = 0;
  std::vector<std::string> listing;
  // Batches keep each NVRTC program (and its memory) moderate in the check mode.
  constexpr size_t kBatch = 150;
  for (auto& [file, list] : registered_instances()) {
    if (!only.empty() && file != only) continue;
    total += list.size();
    if (list_only) {
      for (auto& inst : list) listing.push_back(file + " " + inst);
    } else if (warm) {
      for (auto& inst : list) jobs.push_back({file, {inst}});
    } else {
      for (size_t i = 0; i < list.size(); i += kBatch) {
        jobs.push_back({file, std::vector<std::string>(
                                  list.begin() + i, list.begin() + std::min(list.size(), i + kBatch))});
      }
    }
  }
  if (list_only) {
    std::sort(listing.begin(), listing.end());
    for (auto& line : listing) std::printf("%s\n", line.c_str());
    return 0;
  }
  std::atomic<size_t> next{0}, compiled{0};
  std::atomic<bool> failed{false};
  std::mutex print;
  auto worker = [&] {
    for (size_t j; (j = next++) < jobs.size();) {
      try {
        if (warm) {
          compiled += warm_cache(source_for(jobs[j].file), jobs[j].instances[0], arch);
        } else {
          compile(source_for(jobs[j].file), jobs[j].instances, arch);
          compiled += jobs[j].instances.size();
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(print);
        std::fprintf(stderr, "FAILED %s:\n%.4000s\n", jobs[j].file.c_str(), e.what());
        failed = true;
      }
    }
  };
  unsigned n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  std::printf("%s %zu kernel instantiations for %s (%zu compiled)\n",
              failed ? "FAILED:" : (warm ? "warmed" : "compiled"), total, arch.c_str(),
              compiled.load());
  return failed ? 1 : 0;
}
