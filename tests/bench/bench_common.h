/* A small deterministic random generator shared by the benchmark programs. */
#ifndef WH_BENCH_COMMON_H
#define WH_BENCH_COMMON_H

#include <stdint.h>
#include <time.h>

/* xorshift64*: fixed seeds give the same catalog and toggles on every run. */
static inline uint64_t bench_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dull;
}

static inline uint32_t bench_below(uint64_t *state, uint32_t limit)
{
    return (uint32_t)(bench_random(state) % limit);
}

static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#endif
