#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// Writes the SHA-256 digest of `length` bytes at `data` into `digest` (32 bytes).
/// Uses the CPU's SHA instructions (x86-64 SHA-NI, AArch64 SHA2) when it has them.
void csha256_hash(const uint8_t *data, size_t length, uint8_t digest[32]);

#endif
