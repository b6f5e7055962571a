/// A sentence encoder: text in, L2-normalised embedding out.
///
/// Implementations are thread-safe: any number of tasks may call `embed` at once.
public protocol TextEncoder: Sendable {
    /// Length of every embedding this encoder returns.
    var dimension: Int { get }
    /// The L2-normalised embedding of `text` (length `dimension`).
    func embed(_ text: String) -> [Float]
    /// Embeddings of `texts`, in order; each equals `embed(text)` up to float rounding.
    func embed(batch texts: [String]) -> [[Float]]
}

extension TextEncoder {
    /// Cosine similarity of two embeddings from this encoder (a dot product, since both are normalised).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "embeddings of different dimensions")
        var sum: Float = 0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
}
