// Peak throughput of the instructions the encoder's kernels are built on, for docs/benchmarks.md: how many
// nanoseconds one vpmaddwd (int16 pairs → int32, the int8 product), one FMA (float32 attention) and one
// vpmaddwd + vpaddd pair (what the int8 kernel's inner loop does per multiply) take when nothing else limits
// them (12 independent chains, no memory). Build and run:
//   clang -O2 -mavx2 -mfma -o /tmp/simd-throughput hack/bench-simd-throughput.c && /tmp/simd-throughput
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 12
static const long rounds = 100000000;

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) static __m256i madd_chains(long n, __m256i w) {
    __m256i a[CHAINS];
    for (int i = 0; i < CHAINS; i++) a[i] = _mm256_set1_epi16((short)i);
    for (long i = 0; i < n; i++)
        for (int j = 0; j < CHAINS; j++) a[j] = _mm256_madd_epi16(a[j], w);
    __m256i s = a[0];
    for (int i = 1; i < CHAINS; i++) s = _mm256_add_epi32(s, a[i]);
    return s;
}

__attribute__((noinline)) static __m256 fma_chains(long n, __m256 w) {
    __m256 a[CHAINS];
    for (int i = 0; i < CHAINS; i++) a[i] = _mm256_set1_ps((float)i);
    for (long i = 0; i < n; i++)
        for (int j = 0; j < CHAINS; j++) a[j] = _mm256_fmadd_ps(a[j], w, w);
    __m256 s = a[0];
    for (int i = 1; i < CHAINS; i++) s = _mm256_add_ps(s, a[i]);
    return s;
}

/// acc += madd(a, w) as in the kernel, with a changing each round so nothing is hoisted.
__attribute__((noinline)) static __m256i madd_add_chains(long n, __m256i w) {
    __m256i a[CHAINS / 2], acc[CHAINS / 2];
    for (int i = 0; i < CHAINS / 2; i++) acc[i] = a[i] = _mm256_set1_epi16((short)i);
    for (long i = 0; i < n; i++)
        for (int j = 0; j < CHAINS / 2; j++) {
            acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(a[j], w));
            a[j] = _mm256_add_epi32(a[j], w);
        }
    __m256i s = acc[0];
    for (int i = 1; i < CHAINS / 2; i++) s = _mm256_add_epi32(s, _mm256_add_epi32(acc[i], a[i]));
    return s;
}

int main(void) {
    volatile __m256i integer_sink;
    volatile __m256 float_sink;
    double start = seconds();
    integer_sink = madd_chains(rounds, _mm256_set1_epi16(1));
    printf("vpmaddwd:              %.3f ns each\n", (seconds() - start) / (rounds * CHAINS) * 1e9);
    start = seconds();
    float_sink = fma_chains(rounds, _mm256_set1_ps(0.999f));
    printf("vfmadd231ps:           %.3f ns each\n", (seconds() - start) / (rounds * CHAINS) * 1e9);
    start = seconds();
    integer_sink = madd_add_chains(rounds, _mm256_set1_epi16(1));
    printf("vpmaddwd + 2 vpaddd:   %.3f ns per vpmaddwd\n", (seconds() - start) / (rounds * (CHAINS / 2)) * 1e9);
    (void)integer_sink;
    (void)float_sink;
    return 0;
}
