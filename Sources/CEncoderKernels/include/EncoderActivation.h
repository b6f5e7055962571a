#ifndef SEMROUTE_ENCODER_ACTIVATION_H
#define SEMROUTE_ENCODER_ACTIVATION_H
// The encoder's feed-forward activation in AVX2 + FMA, eight values at a time; call it only when
// sr_fma_kernels_supported() (EncoderAttention.h). See docs/encoder.md.

/// x ← GELU(x + bias) for each of `rows` rows of `columns` values, with the exact (erf) GELU computed as the
/// Swift `TensorKernels.gelu` does (Abramowitz & Stegun 7.1.28 erf; absolute error ≤ 1e-6).
void sr_bias_gelu(float *x, int rows, int columns, const float *bias);

#endif
