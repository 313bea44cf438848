/* test_sha256.c — SHA-256 against FIPS 180-4 vectors and padding-boundary lengths. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "io/sha256.h"
#include "../common/leak_check.h"

static void expect_hex(const void *data, size_t length, const char *expected) {
    char hex[SHA256_HEX_CHARS];
    sha256_hex(data, length, hex);
    cr_expect_str_eq(hex, expected, "length %zu", length);
}

Test(sha256, fips_180_vectors) {
    expect_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_hex(two_blocks, strlen(two_blocks),
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect_no_leaks();
}

Test(sha256, one_million_a) {
    size_t length = 1000000;
    char *text = malloc(length);
    cr_assert_not_null(text);
    memset(text, 'a', length);
    expect_hex(text, length, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(text);
    expect_no_leaks();
}

/* Lengths either side of the point where the padding needs a second block (55/56, 119/120) and
 * of whole blocks (63/64); expected digests from Python's hashlib. */
Test(sha256, padding_boundaries) {
    static const struct {
        size_t length;
        const char *hex;
    } cases[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char text[128];
    memset(text, 'a', sizeof text);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_hex(text, cases[i].length, cases[i].hex);
    expect_no_leaks();
}

Test(sha256, raw_digest_matches_hex) {
    uint8_t digest[SHA256_DIGEST_BYTES];
    sha256_digest("abc", 3, digest);
    cr_expect_eq(digest[0], 0xba);
    cr_expect_eq(digest[31], 0xad);
    expect_no_leaks();
}
