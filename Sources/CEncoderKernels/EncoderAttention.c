#include "EncoderAttention.h"

#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

int sr_fma_kernels_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
#else
    return 0;
#endif
}

/// Score rows are padded to a multiple of 16 columns (two vectors), the width of the score tile.
static int padded_columns(int n) { return (n + 15) / 16 * 16; }

size_t sr_attention_scratch_count(int n, int head_size) {
    size_t np = (size_t)padded_columns(n);
    // The head's keys transposed ([d, np]) and its scores ([n, np]).
    return (size_t)head_size * np + (size_t)n * np;
}

#if defined(__x86_64__)
#define SR_INLINE __attribute__((always_inline, target("avx2,fma"))) static inline

/// e^x for x ≤ 0, eight at a time: the same range reduction and degree-7 polynomial as the Swift
/// `TensorKernels.expNonPositive` (relative error ≤ 2e-7; x below −87 gives about 1e-38).
SR_INLINE __m256 exp_nonpositive(__m256 x) {
    const __m256 clamped = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    const __m256 magic = _mm256_set1_ps(12582912.0f);  // 1.5·2^23: rounds to an integer k in the low bits
    const __m256 shifted = _mm256_fmadd_ps(clamped, _mm256_set1_ps(1.44269504f), magic);
    const __m256 k = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.69314575f), clamped);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.4286068e-6f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i exponent = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000)), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
}

SR_INLINE float horizontal_max(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

SR_INLINE float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/// Exponentiates row[0 ..< n] in place after subtracting its maximum, zeroes row[n ..< padded], and returns
/// 1 / Σ (the caller scales by it).
SR_INLINE float exp_row(float *row, int n, int padded) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    int j = 0;
    for (; j + 8 <= n; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + j));
    float top = horizontal_max(vmax);
    for (; j < n; j++) top = row[j] > top ? row[j] : top;
    const __m256 shift = _mm256_set1_ps(top);
    __m256 vsum = _mm256_setzero_ps();
    j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(row + j), shift));
        _mm256_storeu_ps(row + j, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    if (j < n) {
        // The tail: lanes at or past n become 0 (the padding of a score row is inside the scratch).
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n - j), lane));
        __m256 e = _mm256_and_ps(exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(row + j), shift)), keep);
        _mm256_storeu_ps(row + j, e);
        vsum = _mm256_add_ps(vsum, e);
        j += 8;
    }
    for (; j < padded; j += 8) _mm256_storeu_ps(row + j, _mm256_setzero_ps());
    return 1.0f / horizontal_sum(vsum);
}

/// scores[r, j0 ..< j0+16] = scale · q_r · k_j for R query rows (R ≤ 4): 2R accumulators over the head's
/// transposed keys.
SR_INLINE void score_tile(const int R, const float *q, int q_stride, const float *kt, int np, int d, int j0, float scale,
                          float *scores) {
    __m256 acc[4][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int e = 0; e < d; e++) {
        const __m256 k0 = _mm256_loadu_ps(kt + (size_t)e * np + j0), k1 = _mm256_loadu_ps(kt + (size_t)e * np + j0 + 8);
        for (int r = 0; r < R; r++) {
            const __m256 b = _mm256_broadcast_ss(q + (size_t)r * q_stride + e);
            acc[r][0] = _mm256_fmadd_ps(b, k0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(b, k1, acc[r][1]);
        }
    }
    const __m256 s = _mm256_set1_ps(scale);
    for (int r = 0; r < R; r++) {
        _mm256_storeu_ps(scores + (size_t)r * np + j0, _mm256_mul_ps(acc[r][0], s));
        _mm256_storeu_ps(scores + (size_t)r * np + j0 + 8, _mm256_mul_ps(acc[r][1], s));
    }
}

/// out[r, c0 ..< c0+8·C] = inverse[r] · Σ_j p[r, j] · v[j, c0 ..< c0+8·C] for R rows (R ≤ 2, C ≤ 4).
SR_INLINE void context_tile(const int R, const int C, const float *p, int np, int n, const float *v, int v_stride,
                            const float *inverse, float *out, int ldc) {
    __m256 acc[2][4];
    for (int r = 0; r < R; r++) for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    for (int j = 0; j < n; j++) {
        __m256 vv[4];
        for (int c = 0; c < C; c++) vv[c] = _mm256_loadu_ps(v + (size_t)j * v_stride + 8 * c);
        for (int r = 0; r < R; r++) {
            const __m256 b = _mm256_broadcast_ss(p + (size_t)r * np + j);
            for (int c = 0; c < C; c++) acc[r][c] = _mm256_fmadd_ps(b, vv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < R; r++) {
        const __m256 s = _mm256_set1_ps(inverse[r]);
        for (int c = 0; c < C; c++) _mm256_storeu_ps(out + (size_t)r * ldc + 8 * c, _mm256_mul_ps(acc[r][c], s));
    }
}

/// One head's context columns [c0, c0 + 8·C) for all rows, two rows at a time.
SR_INLINE void context_columns(const int C, const float *scores, int np, int n, const float *v, int v_stride,
                               const float *inverse, float *out, int ldc) {
    int i = 0;
    for (; i + 2 <= n; i += 2) context_tile(2, C, scores + (size_t)i * np, np, n, v, v_stride, inverse + i, out + (size_t)i * ldc, ldc);
    if (i < n) context_tile(1, C, scores + (size_t)i * np, np, n, v, v_stride, inverse + i, out + (size_t)i * ldc, ldc);
}

__attribute__((target("avx2,fma")))
static void attention_avx2(const float *qkv, int n, int hidden, int heads, float scale, float *scratch, float *context, int ldc) {
    const int d = hidden / heads, stride = 3 * hidden, np = padded_columns(n);
    float *kt = scratch, *scores = scratch + (size_t)d * np;
    // 1 / Σ per row; sequences are at most a few hundred tokens, so this fits the stack.
    float inverse[n];
    for (int h = 0; h < heads; h++) {
        const float *q = qkv + h * d, *k = qkv + hidden + h * d, *v = qkv + 2 * hidden + h * d;
        // Keys transposed so a score tile reads 16 consecutive keys per head dimension; padding keys are 0.
        for (int e = 0; e < d; e++) {
            float *row = kt + (size_t)e * np;
            for (int j = 0; j < n; j++) row[j] = k[(size_t)j * stride + e];
            for (int j = n; j < np; j++) row[j] = 0;
        }
        for (int i0 = 0; i0 < n; i0 += 4) {
            const float *qi = q + (size_t)i0 * stride;
            float *si = scores + (size_t)i0 * np;
            for (int j0 = 0; j0 < np; j0 += 16) {
                switch (n - i0) {
                case 1: score_tile(1, qi, stride, kt, np, d, j0, scale, si); break;
                case 2: score_tile(2, qi, stride, kt, np, d, j0, scale, si); break;
                case 3: score_tile(3, qi, stride, kt, np, d, j0, scale, si); break;
                default: score_tile(4, qi, stride, kt, np, d, j0, scale, si); break;
                }
            }
        }
        for (int i = 0; i < n; i++) inverse[i] = exp_row(scores + (size_t)i * np, n, np);
        float *out = context + h * d;
        int c0 = 0;
        for (; c0 + 32 <= d; c0 += 32) context_columns(4, scores, np, n, v + c0, stride, inverse, out + c0, ldc);
        for (; c0 < d; c0 += 8) context_columns(1, scores, np, n, v + c0, stride, inverse, out + c0, ldc);
    }
}

#endif

void sr_attention(const float *qkv, int n, int hidden, int heads, float scale, float *scratch, float *context, int ldc) {
    if (n <= 0) return;  // an empty sequence has no context (and the kernel's per-row buffer would be empty)
#if defined(__x86_64__)
    attention_avx2(qkv, n, hidden, heads, scale, scratch, context, ldc);
#else
    (void)qkv; (void)n; (void)hidden; (void)heads; (void)scale; (void)scratch; (void)context; (void)ldc;
#endif
}
