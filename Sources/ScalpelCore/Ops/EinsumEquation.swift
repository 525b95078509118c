/// An Einsum equation ("bhid,bhjd->bhij", "...ij,...jk", "ii->i" is refused) resolved against
/// its operands' ranks: every axis of every operand and of the output named by a label.
public struct EinsumEquation: Sendable, Equatable {
    /// The labels of each operand's axes, in order. Letters are their character codes; the
    /// axes an ellipsis covers are -1 (last), -2, … counted from the ellipsis' end.
    public let operands: [[Int]]
    /// The labels of the output's axes, in order.
    public let output: [Int]

    /// Parses `equation` for operands of `ranks`, or throws a ``ShapeError`` naming what is wrong.
    public init(_ equation: String, ranks: [Int]) throws {
        let text = equation.filter { $0 != " " }
        let sides = text.components(separatedBy: "->")
        guard sides.count <= 2 else { throw ShapeError("Einsum equation '\(equation)' has more than one '->'") }
        let terms = sides[0].components(separatedBy: ",")
        guard terms.count == ranks.count else {
            throw ShapeError("Einsum equation '\(equation)' names \(terms.count) operands, the node has \(ranks.count)")
        }
        var ellipsisRank = 0
        var operands: [[Int]] = []
        for (term, rank) in zip(terms, ranks) {
            let labels = try Self.labels(term, rank: rank, equation: equation)
            ellipsisRank = max(ellipsisRank, labels.filter { $0 < 0 }.count)
            guard Set(labels).count == labels.count else {
                throw ShapeError("Einsum term '\(term)' repeats a label (a diagonal), which Scalpel does not run")
            }
            operands.append(labels)
        }
        let output: [Int]
        if sides.count == 2 {
            output = try Self.labels(sides[1], rank: nil, ellipsisRank: ellipsisRank, equation: equation)
            let known = Set(operands.joined())
            if let missing = output.first(where: { !known.contains($0) }) {
                throw ShapeError("Einsum output label '\(Self.describe(missing))' appears in no operand of '\(equation)'")
            }
            guard Set(output).count == output.count else { throw ShapeError("Einsum output of '\(equation)' repeats a label") }
        } else {
            // Implicit output: the ellipsis' axes, then the letters used once, alphabetically.
            let counts = Dictionary(operands.joined().filter { $0 > 0 }.map { ($0, 1) }, uniquingKeysWith: +)
            output = Self.ellipsis(ellipsisRank) + counts.filter { $0.value == 1 }.keys.sorted()
        }
        (self.operands, self.output) = (operands, output)
    }

    /// A term's labels; an ellipsis covers the axes the letters leave of `rank` (or, in the
    /// output, `ellipsisRank` axes).
    private static func labels(_ term: String, rank: Int?, ellipsisRank: Int = 0, equation: String) throws -> [Int] {
        let parts = term.components(separatedBy: "...")
        guard parts.count <= 2 else { throw ShapeError("Einsum term '\(term)' of '\(equation)' has more than one ellipsis") }
        let letters = try parts.map { part in
            try part.unicodeScalars.map { s -> Int in
                guard (s.value >= 65 && s.value <= 90) || (s.value >= 97 && s.value <= 122) else {
                    throw ShapeError("Einsum equation '\(equation)' has '\(s)', which is not a letter")
                }
                return Int(s.value)
            }
        }
        let lettered = letters.joined().count
        guard parts.count == 2 else {
            if let rank, rank != lettered {
                throw ShapeError("Einsum term '\(term)' names \(lettered) axes, its operand has \(rank)")
            }
            return letters[0]
        }
        let covered = rank.map { $0 - lettered } ?? ellipsisRank
        guard covered >= 0 else { throw ShapeError("Einsum term '\(term)' names more axes than its operand's \(rank ?? 0)") }
        return letters[0] + Self.ellipsis(covered) + letters[1]
    }

    /// The labels of `count` axes an ellipsis covers: -count … -1.
    private static func ellipsis(_ count: Int) -> [Int] { (0..<count).map { $0 - count } }

    /// A label as the equation writes it.
    static func describe(_ label: Int) -> String {
        label > 0 ? String(UnicodeScalar(UInt8(label))) : "..."
    }

    /// Each label's size from the operands' shapes, or throws when two axes of one label disagree.
    public func sizes(_ shapes: [[Dim]]) throws -> [Int: Dim] {
        var sizes: [Int: Dim] = [:]
        for (labels, dims) in zip(operands, shapes) {
            for (label, d) in zip(labels, dims) {
                if let known = sizes[label]?.value, let v = d.value, known != v {
                    throw ShapeError("Einsum label '\(Self.describe(label))' has size \(known) in one operand and \(v) in another")
                }
                if sizes[label]?.value == nil { sizes[label] = d }
            }
        }
        return sizes
    }
}
