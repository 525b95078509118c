/// A plain-text table with aligned columns.
public struct Table: Sendable {
    /// How a column's cells line up.
    public enum Alignment: Sendable { case left, right }

    /// Column headings.
    public var headers: [String]
    /// Column alignments, one per heading.
    public var alignments: [Alignment]
    /// Rows of cells.
    public var rows: [[String]] = []

    /// An empty table with these columns.
    public init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    /// Renders the table to fit a console: its width, and bold headings where it takes colour.
    public func render(for console: any Console) -> String {
        render(width: console.width, bold: console.colors)
    }

    /// Renders the table, each line ending in a newline. With a `width`, the widest
    /// left-aligned column is shortened (an ellipsis in the middle) until lines fit.
    public func render(width: Int? = nil, bold: Bool = false) -> String {
        var widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        var cells = rows
        if let width, let c = widths.indices.filter({ alignments[$0] == .left }).max(by: { widths[$0] < widths[$1] }) {
            let total = widths.reduce(0, +) + 2 * (widths.count - 1)
            let target = max(headers[c].count, 12, widths[c] - (total - width))
            if total > width, target < widths[c] {
                widths[c] = target
                for r in cells.indices { cells[r][c] = Self.shorten(cells[r][c], to: target) }
            }
        }
        func format(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return alignments[c] == .left ? cell + pad : pad + cell
            }
            var line = padded.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line + "\n"
        }
        let rule = widths.map { String(repeating: "─", count: $0) }
        let heading = bold ? "\u{1B}[1m" + format(headers).dropLast() + "\u{1B}[0m\n" : format(headers)
        return heading + format(rule) + cells.map(format).joined()
    }

    /// `text` cut to `limit` characters with an ellipsis in the middle.
    static func shorten(_ text: String, to limit: Int) -> String {
        guard text.count > limit, limit > 1 else { return text }
        let head = (limit - 1) / 2, tail = limit - 1 - head
        return String(text.prefix(head)) + "…" + String(text.suffix(tail))
    }
}
