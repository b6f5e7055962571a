/// Element-wise kernels for the encoder (the matrix products go to CBLAS or the int8 kernel). Written as plain
/// loops over raw buffers so the compiler vectorises them; reductions use explicit SIMD accumulators. These are
/// the portable versions: on CPUs with AVX2 and FMA the encoder runs GELU and attention in C instead
/// (`MiniLMEncoder.fmaKernels`), because Swift code is compiled for baseline x86-64.
enum TensorKernels {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    // MARK: exp and erf

    /// e^x for x ≤ 0, relative error ≤ 2e-7 (x below −87 gives about 1e-38 instead of a denormal or 0).
    /// Branch-free so loops calling it vectorise.
    @inline(__always)
    static func expNonPositive(_ x: Float) -> Float {
        let clamped = x < -87 ? -87 : x
        // Round x·log2(e) to the nearest integer k by adding and subtracting 1.5·2^23 (exact for |k| < 2^22);
        // the low bits of the shifted value are k itself, which builds 2^k without a float-to-int conversion.
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let k = shifted - 12_582_912
        // r = x − k·ln2 in two parts so r keeps its precision; |r| ≤ ln2/2.
        let r = clamped - k * 0.693_145_75 - k * 1.428_606_8e-6
        // e^r by its Taylor series to r^7 (truncation error < 1.2e-7 relative).
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
        return p * Float(bitPattern: UInt32(bitPattern: exponent))
    }

    /// erf(x) as 1 − 1/(1 + a₁x + … + a₆x⁶)¹⁶ (Abramowitz & Stegun 7.1.28): only multiplications and one
    /// division, about twice as fast as the exp-based 7.1.26. Absolute error ≤ 2e-6 in Float (≤ 9e-7 in the
    /// GELU built on it). Branch-free.
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let magnitude = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
        let a = magnitude > 6 ? 6 : magnitude  // erf(6) = 1 in Float; keeps the 16th power finite
        var p: Float = 0.000_043_063_8
        p = p * a + 0.000_276_567_2
        p = p * a + 0.000_152_014_3
        p = p * a + 0.009_270_527_2
        p = p * a + 0.042_282_012_3
        p = p * a + 0.070_523_078_4
        p = p * a + 1
        var q = p * p
        q = q * q
        q = q * q
        q = q * q
        let result = 1 - 1 / q
        return Float(bitPattern: result.bitPattern | (x.bitPattern & 0x8000_0000))
    }

    /// The exact (erf-based) GELU: x·Φ(x) = ½x(1 + erf(x/√2)).
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + erf(x * 0.707_106_77))
    }

    // MARK: Row kernels

    /// x ← GELU(x + bias) for each of `rows` rows of `columns` values.
    static func addBiasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>, columns: Int) {
        for row in 0..<rows {
            let base = x + row * columns
            for j in 0..<columns { base[j] = gelu(base[j] + bias[j]) }
        }
    }

    /// x ← LayerNorm(x + bias) · gamma + beta for each of `rows` rows of `columns` values.
    static func addBiasLayerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        for row in 0..<rows {
            let base = x + row * columns
            for j in 0..<columns { base[j] += bias[j] }
            let mean = sum(base, count: columns) / Float(columns)
            var squares = Vector(), j = 0
            while j + width <= columns {
                let d = UnsafeRawPointer(base + j).loadUnaligned(as: Vector.self) - mean
                squares += d * d
                j += width
            }
            var variance = squares.sum()
            while j < columns { variance += (base[j] - mean) * (base[j] - mean); j += 1 }
            let scale = 1 / (variance / Float(columns) + epsilon).squareRoot()
            for j in 0..<columns { base[j] = (base[j] - mean) * scale * gamma[j] + beta[j] }
        }
    }

    /// Row-wise softmax of `rows` contiguous rows of `columns` values.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows {
            let base = x + row * columns
            let top = maximum(base, count: columns)
            for j in 0..<columns { base[j] = expNonPositive(base[j] - top) }
            let scale = 1 / sum(base, count: columns)
            for j in 0..<columns { base[j] *= scale }
        }
    }

    // MARK: Reductions

    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = Vector(), j = 0
        while j + width <= count {
            accumulator += UnsafeRawPointer(x + j).loadUnaligned(as: Vector.self)
            j += width
        }
        var total = accumulator.sum()
        while j < count { total += x[j]; j += 1 }
        return total
    }

    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = Vector(repeating: -.infinity), j = 0
        while j + width <= count {
            let v = UnsafeRawPointer(x + j).loadUnaligned(as: Vector.self)
            accumulator.replace(with: v, where: v .> accumulator)
            j += width
        }
        var top = accumulator.max()
        while j < count { top = Swift.max(top, x[j]); j += 1 }
        return top
    }
}
