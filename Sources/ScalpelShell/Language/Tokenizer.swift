/// Splits a command line into words, shell style: whitespace separates, single and double
/// quotes group (so names with spaces or slashes stay whole), backslash escapes the next
/// character, and `#` at the start of a word begins a comment.
public enum Tokenizer {
    /// The words of a line, or ``ShellError/syntax(_:)`` for an unclosed quote.
    public static func words(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in line {
            if escaped {
                current.append(ch)
                escaped = false
                inWord = true
            } else if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
            } else if ch == "\\" {
                escaped = true
            } else if ch == "\"" || ch == "'" {
                quote = ch
                inWord = true
            } else if ch.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else if ch == "#" && !inWord {
                break
            } else {
                current.append(ch)
                inWord = true
            }
        }
        if let q = quote { throw ShellError.syntax("unclosed \(q) quote in: \(line)") }
        if inWord { words.append(current) }
        return words
    }

    /// A word quoted so that ``words(_:)`` reads it back unchanged.
    public static func quote(_ word: String) -> String {
        let plain = !word.isEmpty && word.allSatisfy { !$0.isWhitespace && !"\"'\\#".contains($0) }
        guard !plain else { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\"'\"'") + "'"
    }
}
