/* summary: modular inverse for an odd modulus of up to 256 bits, in variable time —
 * for public values only (a signature's s), never for secrets. */
#ifndef STIRPROBE_MODINV_H
#define STIRPROBE_MODINV_H

#include <stdbool.h>
#include <stdint.h>

/* A modulus, prepared once: its value in signed 62-bit limbs and its inverse mod 2^62. */
struct modinv_modulus {
    int64_t m[5];
    uint64_t m_inv62;
};

/* m is big-endian, odd and greater than 1; false otherwise. */
bool modinv_init(struct modinv_modulus *mod, const uint8_t m[32]);

/* out = x^-1 mod m (big-endian). False when x is not invertible (x = 0 mod m, or a common
 * factor); x may be any 256-bit value. */
bool modinv(const struct modinv_modulus *mod, const uint8_t x[32], uint8_t out[32]);

#endif
