import Foundation
import ScalpelShell

/// Standard output or error as a ``Console``: knows the terminal's width and whether colour is wanted.
struct Terminal: Console {
    let handle: FileHandle
    let width: Int?
    let colors: Bool

    /// Standard output.
    static var standardOutput: Terminal { Terminal(handle: .standardOutput, descriptor: STDOUT_FILENO) }
    /// Standard error.
    static var standardError: Terminal { Terminal(handle: .standardError, descriptor: STDERR_FILENO) }

    private init(handle: FileHandle, descriptor: Int32) {
        self.handle = handle
        let tty = isatty(descriptor) == 1
        var size = winsize()
        width = tty && ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : nil
        colors = tty && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Writes `text`, its control characters (from names in a file, say) made visible.
    mutating func write(_ text: String) { handle.write(Data(TerminalText.safe(text).utf8)) }
}
