/// The last, partly typed word of a line, read the way ``Tokenizer`` reads words.
struct PartialWord: Equatable {
    /// The word's text with quotes and backslashes removed.
    var text = ""
    /// How many Unicode scalars the word takes on the line, quotes and backslashes included.
    var typedLength = 0
    /// The quote the word has open, if any.
    var quote: Character?
    /// Whether the line ends with a backslash that escapes the next character.
    var pendingEscape = false

    /// The word that ends `line` (empty when `line` ends with unquoted whitespace).
    init(endOf line: String) {
        for ch in line {
            typedLength += ch.unicodeScalars.count
            if pendingEscape {
                text.append(ch)
                pendingEscape = false
            } else if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { pendingEscape = true } else { text.append(ch) }
            } else if ch == "\\" {
                pendingEscape = true
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch.isWhitespace {
                text = ""
                typedLength = 0
            } else {
                text.append(ch)
            }
        }
    }

    /// `text` written so that, typed right after this word, it reads back as itself.
    func escaped(_ text: Substring) -> String {
        Self.escaped(text, quote: quote, afterBackslash: pendingEscape)
    }

    /// `text` with a backslash before each character that would otherwise not read as itself
    /// inside `quote` (or outside quotes); none before the first when a backslash precedes it.
    static func escaped(_ text: Substring, quote: Character?, afterBackslash: Bool) -> String {
        var out = ""
        for (i, ch) in text.enumerated() {
            let special: Bool
            switch quote {
            case "\""?: special = ch == "\"" || ch == "\\"
            case "'"?: special = false
            default: special = ch.isWhitespace || ch == "\"" || ch == "'" || ch == "\\"
            }
            if special && !(i == 0 && afterBackslash) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}

/// What a Tab press does to the line.
enum CompletionAction: Equatable {
    /// Nothing to complete: ring the bell.
    case beep
    /// Delete `delete` characters before the cursor, then insert `insert`.
    case edit(delete: Int, insert: String)
    /// Show these candidates below the line.
    case list([String])

    /// The action for `candidates` (each a whole word) completing `word`.
    init(completing word: PartialWord, with candidates: [String]) {
        var seen = Set<String>()
        let unique = candidates.filter { seen.insert($0).inserted }
        guard let first = unique.first else {
            self = .beep
            return
        }
        let common = unique.dropFirst().reduce(first) { commonPrefix($0, $1) }
        let whole = unique.count == 1 && !common.hasSuffix("/")
        if common.hasPrefix(word.text) && (unique.count == 1 || common.count > word.text.count) {
            let closing = whole ? (word.quote.map(String.init) ?? "") + " " : ""
            self = .edit(delete: 0, insert: word.escaped(common.dropFirst(word.text.count)) + closing)
        } else if unique.count == 1 {
            let text = PartialWord.escaped(Substring(common), quote: nil, afterBackslash: false)
            self = .edit(delete: word.typedLength, insert: text + (whole ? " " : ""))
        } else {
            self = .list(unique)
        }
    }
}

/// The longest string both `a` and `b` start with.
private func commonPrefix(_ a: String, _ b: String) -> String {
    String(zip(a, b).prefix { $0 == $1 }.map(\.0))
}

/// `items` in columns (filled top to bottom, like `ls`) that fit in `width` characters.
func columnLayout(_ items: [String], width: Int) -> String {
    let cell = (items.map(\.count).max() ?? 0) + 2
    let perRow = max(1, (width + 2) / cell)
    let rows = (items.count + perRow - 1) / perRow
    var out = ""
    for row in 0..<rows {
        var line = ""
        for index in stride(from: row, to: items.count, by: rows) {
            line += items[index] + String(repeating: " ", count: cell - items[index].count)
        }
        while line.last == " " { line.removeLast() }
        out += line + "\n"
    }
    return out
}
