#include "backend/cpu/denormals.hpp"

#include <omp.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace vitlens::cpu {
namespace {

#if defined(__SSE__)
constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
#endif

}  // namespace

FlushDenormals::FlushDenormals(int threads) : threads_(threads), saved_(static_cast<size_t>(threads)) {
#if defined(__SSE__)
#pragma omp parallel num_threads(threads_)
  {
    const auto t = static_cast<size_t>(omp_get_thread_num());
    saved_[t] = _mm_getcsr();
    _mm_setcsr(saved_[t] | kFlushToZero | kDenormalsAreZero);
  }
#endif
}

FlushDenormals::~FlushDenormals() {
#if defined(__SSE__)
#pragma omp parallel num_threads(threads_)
  _mm_setcsr(saved_[static_cast<size_t>(omp_get_thread_num())]);
#endif
}

}  // namespace vitlens::cpu
