import CEncoderKernels

/// Scratch buffers for one forward pass, reused across calls (see `MiniLMEncoder`'s pool) so the hot path
/// allocates nothing. Used by one call at a time: the pool hands each workspace to a single caller.
final class EncoderWorkspace: @unchecked Sendable {
    let hidden: Int
    let intermediate: Int
    let heads: Int
    private(set) var tokenCapacity = 0
    private(set) var sequenceCapacity = 0
    /// [T, H] hidden states.
    private(set) var states: UnsafeMutablePointer<Float>
    /// [T, 3H] fused query/key/value projections.
    private(set) var qkv: UnsafeMutablePointer<Float>
    /// [T, H] attention context (heads concatenated).
    private(set) var context: UnsafeMutablePointer<Float>
    /// [T, H] sub-layer output plus residual.
    private(set) var residual: UnsafeMutablePointer<Float>
    /// [T, I] feed-forward activations.
    private(set) var activations: UnsafeMutablePointer<Float>
    /// [heads, n, n] attention scores for one sequence (OpenBLAS), or the attention kernel's scratch.
    private(set) var scores: UnsafeMutablePointer<Float>
    /// [T, I] int16 activations and their per-row scales
    /// (`EncoderPrecision.int8` only; allocated on first use).
    private(set) var quantizedActivations: UnsafeMutablePointer<Int16>
    private(set) var rowScales: UnsafeMutablePointer<Float>
    private var quantizedCapacity = 0

    init(hidden: Int, intermediate: Int, heads: Int) {
        self.hidden = hidden
        self.intermediate = intermediate
        self.heads = heads
        states = .allocate(capacity: 1); qkv = .allocate(capacity: 1); context = .allocate(capacity: 1)
        residual = .allocate(capacity: 1); activations = .allocate(capacity: 1); scores = .allocate(capacity: 1)
        quantizedActivations = .allocate(capacity: 1); rowScales = .allocate(capacity: 1)
    }

    deinit { release() }

    /// Makes room for `tokens` tokens in total and sequences of up to `longest` tokens.
    func reserve(tokens: Int, longest: Int) {
        if tokens > tokenCapacity {
            let capacity = max(tokens, tokenCapacity * 3 / 2)
            states.deallocate(); qkv.deallocate(); context.deallocate(); residual.deallocate(); activations.deallocate()
            states = .allocate(capacity: capacity * hidden)
            qkv = .allocate(capacity: capacity * hidden * 3)
            context = .allocate(capacity: capacity * hidden)
            residual = .allocate(capacity: capacity * hidden)
            activations = .allocate(capacity: capacity * intermediate)
            tokenCapacity = capacity
        }
        if longest > sequenceCapacity {
            scores.deallocate()
            let kernelScratch = sr_attention_scratch_count(Int32(longest), Int32(hidden / heads))
            scores = .allocate(capacity: max(heads * longest * longest, kernelScratch))
            sequenceCapacity = longest
        }
    }

    /// Makes room for the int8 kernel's scratch for `tokens` rows.
    func reserveQuantized(tokens rows: Int) {
        guard rows > quantizedCapacity else { return }
        quantizedActivations.deallocate(); rowScales.deallocate()
        quantizedActivations = .allocate(capacity: rows * max(hidden, intermediate))
        rowScales = .allocate(capacity: rows)
        quantizedCapacity = rows
    }

    private func release() {
        states.deallocate(); qkv.deallocate(); context.deallocate(); residual.deallocate(); activations.deallocate()
        scores.deallocate(); quantizedActivations.deallocate(); rowScales.deallocate()
    }
}
