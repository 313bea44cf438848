/* sha256.h — SHA-256 (FIPS 180-4) of a byte string, for the scenario hash stored in the output. */
#ifndef C5SIM_SHA256_H
#define C5SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

enum { SHA256_DIGEST_BYTES = 32, SHA256_HEX_CHARS = 65 /* 64 digits and the terminating NUL */ };

/* Digest of data[0 .. length - 1] into digest[32]. */
void sha256_digest(const void *data, size_t length, uint8_t digest[SHA256_DIGEST_BYTES]);

/* Lower-case hexadecimal digest into hex[65] (NUL-terminated). */
void sha256_hex(const void *data, size_t length, char hex[SHA256_HEX_CHARS]);

#endif
