// Default sanitizer options, linked into every executable of a sanitizer build (the daemon, the
// test binaries, the helper children) so that a report fails whatever ran it, with or without
// ctest: ASan, UBSan (built with -fno-sanitize-recover) and LSan stop the process with a
// non-zero status; TSan reports every race and exits 66. ASAN_OPTIONS, UBSAN_OPTIONS,
// LSAN_OPTIONS and TSAN_OPTIONS in the environment still add to or override these.
// HASHSINK_TSAN_SUPPRESSIONS is the absolute path of tests/sanitizers/tsan.supp.

extern "C" {

#if defined(HASHSINK_SANITIZE)
const char* __asan_default_options() {
    return "halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:"
           "print_summary=1";
}

const char* __ubsan_default_options() {
    return "halt_on_error=1:print_stacktrace=1:print_summary=1";
}

const char* __lsan_default_options() { return "print_suppressions=0"; }
#endif

#if defined(HASHSINK_TSAN)
const char* __tsan_default_options() {
    return "halt_on_error=0:exitcode=66:second_deadlock_stack=1:history_size=4:"
           "suppressions=" HASHSINK_TSAN_SUPPRESSIONS;
}
#endif
}
