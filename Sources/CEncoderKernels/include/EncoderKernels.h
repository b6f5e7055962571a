#ifndef SEMROUTE_ENCODER_KERNELS_H
#define SEMROUTE_ENCODER_KERNELS_H
// Int8 matrix products for the sentence encoder: weights quantised per output column to int8 once at load,
// activations per row to int16 on every call, products accumulated exactly in int32 (AVX2 vpmaddwd), then
// scaled back to float. See docs/encoder.md ("Precision").
#include <stddef.h>
#include <stdint.h>

/// Columns per packed panel; `n` must be a multiple of it.
#define SR_INT8_PANEL 16
/// Rows per micro-kernel step (the last m mod 6 rows run in a shorter step, without padding).
#define SR_INT8_ROWS 6

/// 1 when this CPU runs the int8 kernels (x86-64 with AVX2), else 0.
int sr_int8_supported(void);

/// Quantises `w` ([k, n] row-major, `k` even, `n` a multiple of SR_INT8_PANEL) into `packed` (k·n bytes) and
/// `scales` (n floats, one per column).
void sr_int8_pack(const float *w, int k, int n, int8_t *packed, float *scales);

/// c[m, n] = a[m, k] · W (+ c when `accumulate`), W packed by sr_int8_pack. `scratch` holds m·k int16s and
/// `row_scales` m floats.
/// Equivalent to sr_int8_quantize, then sr_int8_gemm_panels over all n / SR_INT8_PANEL panels.
void sr_int8_gemm(const float *a, int m, int k, int lda, const int8_t *packed, const float *scales, int n,
                  float *c, int ldc, int accumulate, int16_t *scratch, float *row_scales);

/// The first half of sr_int8_gemm: a[m, k] into int16 `scratch` with one scale per row.
void sr_int8_quantize(const float *a, int m, int k, int lda, int16_t *scratch, float *row_scales);

/// The second half, for panels [panel_begin, panel_end) only (columns 16·begin ..< 16·end): threads may run
/// disjoint panel ranges at once over the same quantised activations.
void sr_int8_gemm_panels(int m, int k, const int8_t *packed, const float *scales, int panel_begin, int panel_end,
                         float *c, int ldc, int accumulate, const int16_t *scratch, const float *row_scales);

#endif
