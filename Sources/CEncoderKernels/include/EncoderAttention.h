#ifndef SEMROUTE_ENCODER_ATTENTION_H
#define SEMROUTE_ENCODER_ATTENTION_H
// Scaled dot-product attention for the sentence encoder in float32 (AVX2 + FMA): one sequence, all heads,
// scores, softmax and the weighted sum of values in one pass per head, without a BLAS call per head.
// See docs/encoder.md ("How the forward pass runs").
#include <stddef.h>

/// 1 when this CPU runs the float32 kernels, sr_attention and sr_bias_gelu (x86-64 with AVX2 and FMA), else 0.
int sr_fma_kernels_supported(void);

/// Floats of scratch `sr_attention` needs for a sequence of `n` tokens and heads of `head_size` values.
size_t sr_attention_scratch_count(int n, int head_size);

/// context[i, h·d ..< (h+1)·d] = softmax_j(scale · q_i·k_j) · v_j for every token i < n and head h < heads, with
/// q, k, v read from the fused projection rows `qkv` (row stride 3·hidden: queries at column 0, keys at
/// `hidden`, values at 2·hidden; head h at h·d within each, d = hidden / heads, a multiple of 8).
/// `context` rows are `ldc` floats apart.
void sr_attention(const float *qkv, int n, int hidden, int heads, float scale, float *scratch, float *context, int ldc);

#endif
