#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One block of memory holding all of a model's weights, aligned to 2 MiB and (on Linux) marked for
/// transparent huge pages: the forward pass streams ~42 MB of weights per call, and huge pages cut the TLB
/// misses of that stream. Immutable once filled; lives as long as the weights that point into it.
final class TensorArena: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Float>
    let capacity: Int
    private var used = 0

    init(floats capacity: Int) {
        let alignment = 2 << 20
        let bytes = (max(capacity, 1) * MemoryLayout<Float>.stride + alignment - 1) / alignment * alignment
        var raw: UnsafeMutableRawPointer?
        if posix_memalign(&raw, alignment, bytes) != 0 || raw == nil {
            raw = malloc(bytes)
        }
        precondition(raw != nil, "cannot allocate \(bytes >> 20) MiB for model weights")
        #if os(Linux)
        _ = madvise(raw, bytes, 14 /* MADV_HUGEPAGE */)
        #endif
        base = raw!.bindMemory(to: Float.self, capacity: capacity)
        self.capacity = capacity
    }

    deinit { free(base) }

    /// Reserves `count` floats, lets `fill` write them (only while loading), and returns a view of them.
    func tensor(count: Int, _ fill: (UnsafeMutablePointer<Float>) throws -> Void) rethrows -> Tensor {
        precondition(used + count <= capacity, "arena overflow")
        let destination = base + used
        try fill(destination)
        used += count
        return Tensor(pointer: UnsafePointer(destination), count: count)
    }
}

/// A read-only view of floats in a `TensorArena` (valid while the arena lives).
struct Tensor: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    let count: Int
}
