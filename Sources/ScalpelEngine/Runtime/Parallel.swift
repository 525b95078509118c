import Dispatch
import Foundation

/// Work split over the cores. Callers give bodies whose iterations touch disjoint memory,
/// which is what makes sharing them across threads safe.
enum Parallel {
    /// Runs `body` over `0..<count` in contiguous chunks on all cores; small counts run inline.
    static func chunks(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
        let parts = min(ProcessInfo.processInfo.activeProcessorCount, max(1, count / grain))
        guard parts > 1 else { return body(0..<count) }
        let size = (count + parts - 1) / parts
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let start = p * size
                if start < count { work(start..<min(count, start + size)) }
            }
        }
    }

    /// Runs `body(i)` for each of `count` independent items (planes, images) on all cores.
    static func each(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else { if count == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: count) { work($0) }
        }
    }
}
