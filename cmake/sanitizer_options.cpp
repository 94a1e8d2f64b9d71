// Options the sanitizer runtimes read at start-up (environment variables still add to them),
// baked in so ctest, Catch2's test discovery and a hand run all behave the same.
// fast_unwind_on_malloc stays at its default: turning it off deadlocks lavapipe's JIT.
extern "C" {

const char* __asan_default_options() {
  return "detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1";
}

const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

// Qt 6.4, FFmpeg, GDAL (loaded by OpenCV's video I/O) and libgomp are not built with TSan:
// they synchronise through futexes and atomics TSan cannot see (Qt's QMutex waits on a futex,
// FFmpeg hands frames between its decoding threads), so the memory functions they call from
// their own threads would be reported as races. Those calls are ignored; every access made
// by ViTLens's own code is still checked.
const char* __tsan_default_options() { return "ignore_noninstrumented_modules=1"; }

// Qt's own hand-offs are invisible for the same reason, and Debian's Qt has no symbols for
// its internal frames, so these name our side of them:
// - destroying a QWaitCondition after a QThread's wait() is reported as a race with its
//   wakeAll, which Qt orders internally (docs/fuzzing.md);
// - the thumbnail task the UI thread builds is read by the QThreadPool thread that
//   QThreadPool::start handed it to (through its QMutex).
const char* __tsan_default_suppressions() {
  return "race:QWaitCondition::~QWaitCondition\nrace:vitlens::gui::ThumbnailCache::thumbnail\n";
}

}
