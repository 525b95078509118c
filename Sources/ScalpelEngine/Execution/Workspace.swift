/// The buffers one plan runs in: one allocation per slot, kept between runs of the same plan,
/// so running a batch allocates nothing.
final class Workspace: @unchecked Sendable {
    private(set) var buffers: [UnsafeMutablePointer<Float>]
    let sizes: [Int]

    /// Allocates a buffer of each size.
    init(sizes: [Int]) {
        self.sizes = sizes
        buffers = sizes.map { size in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, size))
            p.initialize(repeating: 0, count: max(1, size))
            return p
        }
    }

    deinit {
        for (p, size) in zip(buffers, sizes) {
            p.deinitialize(count: max(1, size))
            p.deallocate()
        }
    }

    /// The buffer of a slot.
    subscript(_ slot: Int) -> UnsafeMutablePointer<Float> { buffers[slot] }
}
