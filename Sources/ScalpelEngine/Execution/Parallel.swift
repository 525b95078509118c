import Dispatch
import Foundation

/// Work split over the cores. Callers give bodies whose iterations touch disjoint memory,
/// which is what makes sharing them across threads safe.
enum Parallel {
    /// The cores work is split over, read once (the query reads cgroup files each time).
    static let cores = ProcessInfo.processInfo.activeProcessorCount
    /// Work below this many elements runs on the calling thread.
    static let inlineBelow = 32_768

    /// Runs `body` over `0..<count` in contiguous chunks on all cores; small counts run inline.
    static func chunks(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
        let parts = min(cores, max(1, count / grain))
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

    /// Runs `body(i)` for each of `count` independent items (planes, images) on all cores; when
    /// the items together touch fewer than `inlineBelow` elements (`elementsEach` each), inline,
    /// as waking threads would cost more than the work.
    static func each(_ count: Int, elementsEach: Int = .max, _ body: (Int) -> Void) {
        let small = elementsEach < inlineBelow && count * elementsEach < inlineBelow
        guard count > 1, !small else { for i in 0..<count { body(i) }; return }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: count) { work($0) }
        }
    }
}
