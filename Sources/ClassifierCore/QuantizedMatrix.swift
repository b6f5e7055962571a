import CEncoderKernels
import Dispatch

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
    /// With `threads` > 1 the column panels are split between that many threads (as OpenBLAS splits a product).
    func multiply(_ input: UnsafePointer<Float>, rows m: Int, into output: UnsafeMutablePointer<Float>, accumulate: Bool,
                  workspace: EncoderWorkspace, threads: Int = 1) {
        let panels = columns / Int(SR_INT8_PANEL)
        let scratch = workspace.quantizedActivations, rowScales = workspace.rowScales
        // Below ~2 M multiply-adds a thread hand-off costs more than it saves.
        guard threads > 1, m * rows * columns >= 2_000_000 else {
            sr_int8_gemm(input, Int32(m), Int32(rows), Int32(rows), values, scales, Int32(columns), output, Int32(columns),
                         accumulate ? 1 : 0, scratch, rowScales)
            return
        }
        sr_int8_quantize(input, Int32(m), Int32(rows), Int32(rows), scratch, rowScales)
        let parts = min(threads, panels)
        let (k, values, scales, ldc) = (Int32(rows), UnsafePointer(values), UnsafePointer(scales), Int32(columns))
        let shared = SendablePointers(output: output, scratch: UnsafePointer(scratch), rowScales: UnsafePointer(rowScales),
                                      values: values, scales: scales)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let begin = panels * part / parts, end = panels * (part + 1) / parts
            sr_int8_gemm_panels(Int32(m), k, shared.values, shared.scales, Int32(begin), Int32(end), shared.output, ldc,
                                accumulate ? 1 : 0, shared.scratch, shared.rowScales)
        }
    }

    /// The buffers one product's threads share: each writes only its own columns of `output`.
    private struct SendablePointers: @unchecked Sendable {
        let output: UnsafeMutablePointer<Float>
        let scratch: UnsafePointer<Int16>
        let rowScales: UnsafePointer<Float>
        let values: UnsafePointer<Int8>
        let scales: UnsafePointer<Float>
    }
}
