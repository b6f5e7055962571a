/// Vectorised element-wise kernels for the encoder (the matrix products go to CBLAS).
/// All work on raw float buffers; lengths need not be multiples of the vector width.
enum TensorKernels {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    // MARK: exp and erf

    /// e^x for every lane, relative error ≤ 2e-7 for x in [-87, 88] (inputs outside are clamped).
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let clamped = x.clamped(lowerBound: Vector(repeating: -87.3), upperBound: Vector(repeating: 88.3))
        let k = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        // r = x - k·ln2, in two parts so r keeps its precision.
        let r = clamped - k * 0.693_145_75 - k * 1.428_606_8e-6
        // exp(r) for |r| ≤ ln2/2 by its Taylor series to r^7.
        var p = Vector(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (SIMD16<Int32>(k, rounding: .towardZero) &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: Vector.self)
    }

    /// erf(x) for every lane, absolute error ≤ 3e-7 (Abramowitz & Stegun 7.1.26).
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        let signBit = unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x8000_0000
        let a = unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
        let t = 1 / (1 + 0.327_591_1 * a)
        var poly = Vector(repeating: 1.061_405_429)
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        poly = poly * t
        let magnitude = 1 - poly * exp(-(a * a))
        // Copy the sign of x onto the magnitude.
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) | signBit, to: Vector.self)
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>, count: Int) -> Vector {
        if count >= width { return UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self) }
        var v = Vector()
        for i in 0..<count { v[i] = pointer[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: Vector, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= width { UnsafeMutableRawPointer(pointer).storeBytes(of: v, as: Vector.self); return }
        for i in 0..<count { pointer[i] = v[i] }
    }

    // MARK: Row kernels

    /// x ← GELU(x + bias) with the exact (erf) GELU, for each of `rows` rows of `bias.count` columns.
    static func addBiasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, bias: UnsafePointer<Float>, columns: Int) {
        for row in 0..<rows {
            let base = x + row * columns
            var j = 0
            while j < columns {
                let n = min(width, columns - j)
                let v = load(base + j, count: n) + load(bias + j, count: n)
                store(0.5 * v * (1 + erf(v * 0.707_106_77)), base + j, count: n)
                j += width
            }
        }
    }

    /// x ← LayerNorm(x + bias) · gamma + beta for each of `rows` rows of `columns` values.
    static func addBiasLayerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        for row in 0..<rows {
            let base = x + row * columns
            var sum = Vector()
            var j = 0
            while j < columns {
                let n = min(width, columns - j)
                let v = load(base + j, count: n) + load(bias + j, count: n)
                store(v, base + j, count: n)
                sum += v
                j += width
            }
            let mean = sum.sum() / Float(columns)
            var squares = Vector()
            j = 0
            while j < columns {
                let n = min(width, columns - j)
                var d = load(base + j, count: n) - mean
                if n < width { for i in n..<width { d[i] = 0 } }
                squares += d * d
                j += width
            }
            let scale = 1 / (squares.sum() / Float(columns) + epsilon).squareRoot()
            j = 0
            while j < columns {
                let n = min(width, columns - j)
                let v = (load(base + j, count: n) - mean) * scale
                store(v * load(gamma + j, count: n) + load(beta + j, count: n), base + j, count: n)
                j += width
            }
        }
    }

    /// Row-wise softmax of `rows` rows of `columns` values, each row starting `stride` after the previous.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
        for row in 0..<rows {
            let base = x + row * stride
            var maximum = Vector(repeating: -.infinity)
            var j = 0
            while j < columns {
                let n = min(width, columns - j)
                var v = load(base + j, count: n)
                if n < width { for i in n..<width { v[i] = -.infinity } }
                maximum = pointwiseMax(maximum, v)
                j += width
            }
            let top = maximum.max()
            var sum = Vector()
            j = 0
            while j < columns {
                let n = min(width, columns - j)
                var e = exp(load(base + j, count: n) - top)
                if n < width { for i in n..<width { e[i] = 0 } }
                store(e, base + j, count: n)
                sum += e
                j += width
            }
            let scale = 1 / sum.sum()
            j = 0
            while j < columns {
                let n = min(width, columns - j)
                store(load(base + j, count: n) * scale, base + j, count: n)
                j += width
            }
        }
    }
}
