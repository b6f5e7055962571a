#include "EncoderActivation.h"

#include <stddef.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#if defined(__x86_64__)
/// ½x(1 + erf(x/√2)) for eight values; erf(a) = 1 − 1/(1 + a₁a + … + a₆a⁶)¹⁶ on |a| ≤ 6, sign restored.
__attribute__((always_inline, target("avx2,fma"))) static inline __m256 gelu8(__m256 x) {
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    const __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710677f));
    const __m256 a = _mm256_min_ps(_mm256_andnot_ps(sign_mask, z), _mm256_set1_ps(6.0f));
    __m256 p = _mm256_set1_ps(0.0000430638f);
    p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(0.0002765672f));
    p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(0.0001520143f));
    p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(0.0092705272f));
    p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(0.0422820123f));
    p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(0.0705230784f));
    p = _mm256_fmadd_ps(p, a, _mm256_set1_ps(1.0f));
    __m256 q = _mm256_mul_ps(p, p);
    q = _mm256_mul_ps(q, q);
    q = _mm256_mul_ps(q, q);
    q = _mm256_mul_ps(q, q);
    const __m256 magnitude = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(1.0f), q));
    const __m256 erf = _mm256_or_ps(magnitude, _mm256_and_ps(z, sign_mask));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), erf));
}

__attribute__((target("avx2,fma")))
static void bias_gelu_avx2(float *x, int rows, int columns, const float *bias) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * columns;
        int j = 0;
        for (; j + 8 <= columns; j += 8)
            _mm256_storeu_ps(row + j, gelu8(_mm256_add_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(bias + j))));
        if (j < columns) {
            float tail[8] = {0};
            for (int t = 0; t < columns - j; t++) tail[t] = row[j + t] + bias[j + t];
            _mm256_storeu_ps(tail, gelu8(_mm256_loadu_ps(tail)));
            for (int t = 0; t < columns - j; t++) row[j + t] = tail[t];
        }
    }
}
#endif

void sr_bias_gelu(float *x, int rows, int columns, const float *bias) {
#if defined(__x86_64__)
    bias_gelu_avx2(x, rows, columns, bias);
#else
    (void)x; (void)rows; (void)columns; (void)bias;
#endif
}
