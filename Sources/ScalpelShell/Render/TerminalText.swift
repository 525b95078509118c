/// Text made safe for a terminal: the control characters a model's names or a file's paths may
/// carry (escape sequences, carriage returns, bells) are shown as `\x1b`-style escapes instead
/// of acting on the terminal; newlines, tabs and Scalpel's own bold on/off stay.
public enum TerminalText {
    /// The escape sequences Scalpel writes itself.
    static let ownSequences = ["\u{1B}[1m", "\u{1B}[0m"]

    /// `text` with every other control character written as `\xHH` (or `\u{HHHH}` above 0xFF).
    public static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        var rest = Substring(text)
        while let scalar = rest.unicodeScalars.first {
            if let own = ownSequences.first(where: { rest.hasPrefix($0) }) {
                out += own
                rest = rest.dropFirst(own.count)
                continue
            }
            if isControl(scalar) {
                out += scalar.value <= 0xFF ? "\\x" + hex(scalar.value, width: 2) : "\\u{" + hex(scalar.value, width: 4) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            rest = Substring(rest.unicodeScalars.dropFirst())
        }
        return out
    }

    /// C0 and C1 controls and DEL, other than newline and tab; also the bidirectional overrides.
    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        (s.value < 0x20 && s != "\n" && s != "\t") || (0x7F...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value)
            || (0x2066...0x2069).contains(s.value)
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
