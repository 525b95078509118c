import Foundation
import Synchronization

/// Ctrl-C during a long command (fine-tuning): caught as a request to stop at the next safe
/// point instead of killing the process, so the session keeps what was finished.
enum Interruption {
    private static let requested = Atomic<Bool>(false)

    /// Runs `body` with SIGINT caught; `body` polls the function it is given to learn whether
    /// Ctrl-C was pressed. The previous SIGINT handling is restored afterwards.
    static func catching<T>(_ body: (_ wasRequested: () -> Bool) throws -> T) rethrows -> T {
        requested.store(false, ordering: .relaxed)
        let previous = signal(SIGINT) { _ in Interruption.requested.store(true, ordering: .relaxed) }
        defer { signal(SIGINT, previous) }
        return try body { requested.load(ordering: .relaxed) }
    }
}
