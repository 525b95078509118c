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

    /// Renders the table, each line ending in a newline.
    public func render() -> String {
        let widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
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
        return format(headers) + format(rule) + rows.map(format).joined()
    }
}
