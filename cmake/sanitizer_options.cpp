// Options the sanitizer runtimes read at start-up (environment variables still add to them),
// baked in so ctest, Catch2's test discovery and a hand run all behave the same.
// fast_unwind_on_malloc stays at its default: turning it off deadlocks lavapipe's JIT.
extern "C" {

const char* __asan_default_options() {
  return "detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1";
}

const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

// Qt 6.4 is not built with TSan: destroying a QWaitCondition after a QThread's wait() is
// reported as a race with its wakeAll, which Qt orders internally (docs/fuzzing.md).
const char* __tsan_default_suppressions() { return "race:QWaitCondition::~QWaitCondition\n"; }

}
