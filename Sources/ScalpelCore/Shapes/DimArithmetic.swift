extension Dim {
    /// The product of two sizes; a factor of 1 keeps a symbol, anything else unknown is unknown,
    /// and so is a product that overflows.
    static func * (a: Dim, b: Dim) -> Dim {
        switch (a, b) {
        case let (.value(x), .value(y)):
            x.multipliedReportingOverflow(by: y).overflow ? .unknown : .value(x * y)
        case (.value(1), _): b
        case (_, .value(1)): a
        default: .unknown
        }
    }

    /// The product of sizes.
    static func product<S: Sequence>(_ dims: S) -> Dim where S.Element == Dim {
        dims.reduce(.value(1), *)
    }

    /// The size times `factor` (unknown stays unknown); a ``ShapeError`` when the product would
    /// exceed ``SizeLimit/elements``.
    func times(_ factor: Int) throws -> Dim {
        guard case let .value(v) = self else { return factor == 1 ? self : .unknown }
        let (product, overflow) = v.multipliedReportingOverflow(by: factor)
        guard !overflow, product <= SizeLimit.elements else {
            throw ShapeError("\(v) × \(factor) would exceed \(SizeLimit.description)")
        }
        return .value(product)
    }

    /// Applies `f` to a known size; symbols and unknowns become unknown.
    func map(_ f: (Int) -> Int) -> Dim {
        if case let .value(v) = self { return .value(f(v)) }
        return .unknown
    }
}

/// NumPy-style broadcasting of several shapes.
enum Broadcast {
    /// The broadcast shape, or a ``ShapeError`` when two known sizes clash.
    static func dims(_ shapes: [[Dim]]) throws -> [Dim] {
        let rank = shapes.map(\.count).max() ?? 0
        var out = [Dim](repeating: .value(1), count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (i, d) in shape.enumerated() {
                out[offset + i] = try combine(out[offset + i], d, shapes)
            }
        }
        return out
    }

    private static func combine(_ a: Dim, _ b: Dim, _ shapes: [[Dim]]) throws -> Dim {
        switch (a, b) {
        case _ where a == b: return a
        case (.value(1), _): return b
        case (_, .value(1)): return a
        case let (.value(x), .value(y)):
            let list = shapes.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" }.joined(separator: " and ")
            throw ShapeError("shapes \(list) cannot broadcast (\(x) vs \(y))")
        case (.value, _): return a
        case (_, .value): return b
        default: return .unknown
        }
    }
}
