#if canImport(Glibc)
import CHeap
#endif

/// How the C heap treats the tensors an engine frees after each batch.
enum HeapPolicy {
    /// Keeps freed blocks of up to 32 MiB (the most glibc allows) in the process instead of
    /// unmapping them, and never trims the heap: the next batch's tensors, of the same sizes,
    /// then reuse memory already paged in. Left to its defaults, glibc returns them to the
    /// system and every batch pays a page fault per 4 KiB it touches again (a fifth of a
    /// resnet18 training step). Applied once, when the first engine is made.
    static let retainFreedMemory: Void = {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }()
}
