#include "EncoderKernels.h"

#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Activations use 14 bits (±8191) so that a k = 1536 dot product of int16 × int8 can never overflow int32:
// 8191 · 127 · 1536 < 2^31.
#define SR_ACTIVATION_MAX 8191.0f

int sr_int8_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

void sr_int8_pack(const float *w, int k, int n, int8_t *packed, float *scales) {
    for (int c = 0; c < n; c++) {
        float amax = 0;
        for (int r = 0; r < k; r++) {
            float v = fabsf(w[(size_t)r * n + c]);
            if (v > amax) amax = v;
        }
        scales[c] = amax > 0 ? amax / 127.0f : 1.0f;
    }
    // Panel p, row pair kk: 16 columns × (w[2kk][c], w[2kk+1][c]) — the int16 pairs vpmaddwd multiplies.
    int pairs = k / 2;
    for (int p = 0; p < n / SR_INT8_PANEL; p++) {
        for (int kk = 0; kk < pairs; kk++) {
            int8_t *out = packed + ((size_t)p * pairs + kk) * 2 * SR_INT8_PANEL;
            for (int j = 0; j < SR_INT8_PANEL; j++) {
                int c = p * SR_INT8_PANEL + j;
                for (int e = 0; e < 2; e++) {
                    float q = rintf(w[(size_t)(2 * kk + e) * n + c] / scales[c]);
                    out[2 * j + e] = (int8_t)(q > 127 ? 127 : (q < -127 ? -127 : q));
                }
            }
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void quantize_rows(const float *a, int m, int k, int lda, int16_t *q, float *row_scales) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int r = 0; r < m; r++) {
        const float *row = a + (size_t)r * lda;
        __m256 vmax = _mm256_setzero_ps();
        int i = 0;
        for (; i + 8 <= k; i += 8) vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(row + i), abs_mask));
        float lanes[8];
        _mm256_storeu_ps(lanes, vmax);
        float amax = 0;
        for (int j = 0; j < 8; j++) if (lanes[j] > amax) amax = lanes[j];
        for (; i < k; i++) if (fabsf(row[i]) > amax) amax = fabsf(row[i]);
        float scale = amax > 0 ? amax / SR_ACTIVATION_MAX : 1.0f;
        row_scales[r] = scale;
        const __m256 inverse = _mm256_set1_ps(1.0f / scale);
        int16_t *out = q + (size_t)r * k;
        i = 0;
        for (; i + 16 <= k; i += 16) {
            __m256i lo = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + i), inverse));
            __m256i hi = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + i + 8), inverse));
            // packs works per 128-bit lane; the permute puts the 16 values back in order.
            _mm256_storeu_si256((__m256i *)(out + i), _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8));
        }
        for (; i < k; i++) out[i] = (int16_t)lrintf(row[i] / scale);
    }
}

#define SR_INLINE __attribute__((always_inline, target("avx2,fma"))) static inline

/// c[0 ..< R, 0 ..< 16] = a[0 ..< R] · panel for R ≤ SR_INT8_ROWS rows (a constant once inlined, so the
/// accumulators stay in registers): 2R int32 accumulators, plus 2 registers of weights and 1 broadcast.
SR_INLINE void panel_tile(const int R, int k, const int8_t *panel, const int16_t *a, const __m256 s0, const __m256 s1,
                          const float *row_scales, float *c, int ldc, int accumulate) {
    __m256i acc[SR_INT8_ROWS][2];
    const int32_t *rows[SR_INT8_ROWS];
    for (int r = 0; r < R; r++) {
        acc[r][0] = acc[r][1] = _mm256_setzero_si256();
        rows[r] = (const int32_t *)(a + (size_t)r * k);
    }
    const int pairs = k / 2;
    const int8_t *wp = panel;
    for (int kk = 0; kk < pairs; kk++, wp += 2 * SR_INT8_PANEL) {
        const __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)wp));
        const __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(wp + 16)));
        for (int r = 0; r < R; r++) {
            const __m256i b = _mm256_set1_epi32(rows[r][kk]);  // the row's int16 pair (a[2kk], a[2kk+1])
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(b, w0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(b, w1));
        }
    }
    for (int r = 0; r < R; r++) {
        const __m256 rs = _mm256_set1_ps(row_scales[r]);
        float *out = c + (size_t)r * ldc;
        __m256 v0 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][0]), _mm256_mul_ps(rs, s0));
        __m256 v1 = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[r][1]), _mm256_mul_ps(rs, s1));
        if (accumulate) {
            v0 = _mm256_add_ps(v0, _mm256_loadu_ps(out));
            v1 = _mm256_add_ps(v1, _mm256_loadu_ps(out + 8));
        }
        _mm256_storeu_ps(out, v0);
        _mm256_storeu_ps(out + 8, v1);
    }
}

/// Rows of activations the kernel streams per pass over the panels: about 128 KiB of int16 (a quarter of L2), so
/// a batch of thousands of tokens does not re-read megabytes from L3 for every 16 columns. A multiple of 6.
static int row_chunk(int k) {
    int rows = 65536 / k / SR_INT8_ROWS * SR_INT8_ROWS;
    return rows < SR_INT8_ROWS ? SR_INT8_ROWS : rows;
}

__attribute__((target("avx2,fma")))
static void panels_avx2(int m, int k, const int8_t *packed, const float *scales, int panel_begin, int panel_end,
                        float *c, int ldc, int accumulate, const int16_t *scratch, const float *row_scales) {
    const int pairs = k / 2, chunk = row_chunk(k);
    for (int first = 0; first < m; first += chunk) {
        const int last = first + chunk < m ? first + chunk : m;
        for (int p = panel_begin; p < panel_end; p++) {
            const int8_t *panel = packed + (size_t)p * pairs * 2 * SR_INT8_PANEL;
            const __m256 s0 = _mm256_loadu_ps(scales + p * SR_INT8_PANEL), s1 = _mm256_loadu_ps(scales + p * SR_INT8_PANEL + 8);
            float *cp = c + p * SR_INT8_PANEL;
            int r0 = first;
            for (; r0 + SR_INT8_ROWS <= last; r0 += SR_INT8_ROWS)
                panel_tile(SR_INT8_ROWS, k, panel, scratch + (size_t)r0 * k, s0, s1, row_scales + r0, cp + (size_t)r0 * ldc, ldc, accumulate);
            // The last m mod 6 rows in a tile of their own height: no padding rows are multiplied.
            const int16_t *a = scratch + (size_t)r0 * k;
            const float *rs = row_scales + r0;
            float *out = cp + (size_t)r0 * ldc;
            switch (last - r0) {
            case 1: panel_tile(1, k, panel, a, s0, s1, rs, out, ldc, accumulate); break;
            case 2: panel_tile(2, k, panel, a, s0, s1, rs, out, ldc, accumulate); break;
            case 3: panel_tile(3, k, panel, a, s0, s1, rs, out, ldc, accumulate); break;
            case 4: panel_tile(4, k, panel, a, s0, s1, rs, out, ldc, accumulate); break;
            case 5: panel_tile(5, k, panel, a, s0, s1, rs, out, ldc, accumulate); break;
            default: break;
            }
        }
    }
}
#endif

void sr_int8_quantize(const float *a, int m, int k, int lda, int16_t *scratch, float *row_scales) {
#if defined(__x86_64__)
    quantize_rows(a, m, k, lda, scratch, row_scales);
#else
    (void)a; (void)m; (void)k; (void)lda; (void)scratch; (void)row_scales;
#endif
}

void sr_int8_gemm_panels(int m, int k, const int8_t *packed, const float *scales, int panel_begin, int panel_end,
                         float *c, int ldc, int accumulate, const int16_t *scratch, const float *row_scales) {
#if defined(__x86_64__)
    panels_avx2(m, k, packed, scales, panel_begin, panel_end, c, ldc, accumulate, scratch, row_scales);
#else
    (void)m; (void)k; (void)packed; (void)scales; (void)panel_begin; (void)panel_end; (void)c; (void)ldc;
    (void)accumulate; (void)scratch; (void)row_scales;
#endif
}

void sr_int8_gemm(const float *a, int m, int k, int lda, const int8_t *packed, const float *scales, int n,
                  float *c, int ldc, int accumulate, int16_t *scratch, float *row_scales) {
    sr_int8_quantize(a, m, k, lda, scratch, row_scales);
    sr_int8_gemm_panels(m, k, packed, scales, 0, n / SR_INT8_PANEL, c, ldc, accumulate, scratch, row_scales);
}
