/* leak_check.h — fail a test that leaks, in sanitizer builds.
 *
 * Criterion runs each test in a worker process that exits without LeakSanitizer's report, so
 * leaks would pass unseen. Each test ends with expect_no_leaks(), which asks LeakSanitizer
 * directly (and is empty in builds without AddressSanitizer).
 */
#ifndef C5SIM_TEST_LEAK_CHECK_H
#define C5SIM_TEST_LEAK_CHECK_H

#include <criterion/criterion.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define expect_no_leaks()                                                                          \
    cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "LeakSanitizer found leaks (on stderr)")
#else
#define expect_no_leaks() ((void)0)
#endif

#endif
