import CEncoderKernels

/// A `[k, n]` weight matrix quantised for `sr_int8_gemm`: int8 values in the kernel's panel layout and one
/// float scale per column. Immutable after init.
final class QuantizedMatrix: @unchecked Sendable {
    let rows: Int
    let columns: Int
    private let values: UnsafeMutablePointer<Int8>
    private let scales: UnsafeMutablePointer<Float>

    /// Whether the kernel takes a `[k, n]` matrix: `k` even, `n` a multiple of the panel width.
    static func fits(rows: Int, columns: Int) -> Bool {
        rows % 2 == 0 && columns % Int(SR_INT8_PANEL) == 0
    }

    init(_ weights: Tensor, rows: Int, columns: Int) {
        precondition(Self.fits(rows: rows, columns: columns) && weights.count == rows * columns)
        self.rows = rows
        self.columns = columns
        values = .allocate(capacity: rows * columns)
        scales = .allocate(capacity: columns)
        sr_int8_pack(weights.pointer, Int32(rows), Int32(columns), values, scales)
    }

    deinit {
        values.deallocate()
        scales.deallocate()
    }

    /// output[m, n] = input[m, k] · self (+ output when `accumulate`); `workspace` provides the int16 scratch.
    func multiply(_ input: UnsafePointer<Float>, rows m: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool,
                  workspace: EncoderWorkspace) {
        sr_int8_gemm(input, Int32(m), Int32(rows), Int32(rows), values, scales, Int32(columns), output, Int32(columns),
                     accumulate ? 1 : 0, workspace.quantizedActivations, workspace.rowScales)
    }
}
