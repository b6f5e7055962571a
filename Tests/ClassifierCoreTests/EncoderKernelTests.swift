import Foundation
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

@Suite("Encoder kernels", .timeLimit(.minutes(10)), .uses(.cpu))
struct EncoderKernelTests {
    @Test("the vectorised GELU matches the exact erf GELU within 1e-6")
    func geluAccuracy() {
        var values = stride(from: Float(-12), through: 12, by: 0.001).map { $0 }
        values += [0, -0, .leastNormalMagnitude, 1e-8, -1e-8, 50, -50]
        let count = values.count
        let bias = [Float](repeating: 0, count: count)
        var computed = values
        computed.withUnsafeMutableBufferPointer { x in
            bias.withUnsafeBufferPointer { TensorKernels.addBiasGELU(x.baseAddress!, rows: 1, bias: $0.baseAddress!, columns: count) }
        }
        var worst: Double = 0
        for (x, y) in zip(values, computed) {
            let exact = 0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            worst = max(worst, abs(Double(y) - exact))
        }
        #expect(worst <= 1e-6, "worst absolute GELU error \(worst)")
    }

    @Test("exp is accurate to 1e-6 relative on the softmax range and never overflows")
    func expAccuracy() {
        var worst: Double = 0
        for x in stride(from: Float(-87), through: 0, by: 0.0037) {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(TensorKernels.expNonPositive(x)) - exact) / exact)
        }
        #expect(worst <= 1e-6, "worst relative exp error \(worst)")
        #expect(TensorKernels.expNonPositive(-1e6) >= 0)
        #expect(TensorKernels.expNonPositive(-1e6) < 1e-37)
        #expect(TensorKernels.expNonPositive(-.infinity) < 1e-37)
    }

    @Test("softmax rows are probability distributions in the input's order")
    func softmax() {
        var rows: [Float] = [1, 2, 3, -1000, 0, 1000, 5, 5, 5]
        rows.withUnsafeMutableBufferPointer { TensorKernels.softmaxRows($0.baseAddress!, rows: 3, columns: 3) }
        let first = [1, 2, 3].map { Foundation.exp(Float($0)) }
        let total = first.reduce(0, +)
        for j in 0..<3 { #expect(abs(rows[j] - first[j] / total) <= 1e-6) }
        // e^-2000 underflows: the kernel floors it at about 1e-38 rather than producing denormals.
        #expect(rows[3] < 1e-30 && rows[4] < 1e-30 && rows[5] == 1)
        for j in 6..<9 { #expect(abs(rows[j] - 1.0 / 3) <= 1e-6) }
    }

    @Test("softmax handles rows longer than a vector with a remainder")
    func softmaxRemainder() {
        let columns = 37
        var row = (0..<columns).map { Float($0) * 0.25 - 3 }
        let exact = row.map { Foundation.exp(Double($0)) }
        let total = exact.reduce(0, +)
        row.withUnsafeMutableBufferPointer { TensorKernels.softmaxRows($0.baseAddress!, rows: 1, columns: columns) }
        for j in 0..<columns { #expect(abs(Double(row[j]) - exact[j] / total) <= 1e-6) }
    }

    @Test("layer norm adds the bias, then normalises to gamma·x̂ + beta")
    func layerNorm() {
        let columns = 40
        var x = (0..<(2 * columns)).map { Float(($0 * 7) % 13) - 4 }
        let bias = (0..<columns).map { Float($0) * 0.1 }
        let gamma = (0..<columns).map { 1 + Float($0) * 0.01 }
        let beta = (0..<columns).map { Float($0) * -0.02 }
        let input = x
        x.withUnsafeMutableBufferPointer { x in
            TensorKernels.addBiasLayerNorm(x.baseAddress!, rows: 2, columns: columns, bias: bias, gamma: gamma, beta: beta, epsilon: 1e-12)
        }
        for row in 0..<2 {
            let v = (0..<columns).map { Double(input[row * columns + $0] + bias[$0]) }
            let mean = v.reduce(0, +) / Double(columns)
            let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(columns)
            for j in 0..<columns {
                let expected = (v[j] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[j]) + Double(beta[j])
                #expect(abs(Double(x[row * columns + j]) - expected) <= 1e-5)
            }
        }
    }
}
