/// Finds the layer a user means: by exact node name, by index in `summary`, by a unique
/// suffix of its module path (`layer1.0.conv1` for `/layer1/layer1.0/conv1/Conv`), or by the
/// name its framework gave it (`conv1` for `functional_1/conv1_1/convolution`).
public struct LayerResolver: Sendable {
    private let graph: Graph
    private let layers: LayerList
    private let paths: [(position: Int, path: String)]

    /// A resolver over a graph's layers.
    public init(graph: Graph, shapes: ShapeInfo) {
        self.graph = graph
        self.layers = LayerList(graph: graph, shapes: shapes)
        self.paths = layers.positions.map { ($0, Self.modulePath(of: graph.nodes[$0])) }
    }

    /// The position in the graph's node list of the layer `query` names.
    public func resolve(_ query: String) throws -> Int {
        if let exact = graph.nodes.firstIndex(where: { $0.name == query }) { return exact }
        let digits = query.hasPrefix("#") ? String(query.dropFirst()) : query
        if let index = Int(digits) {
            guard index >= 0, index < layers.positions.count else {
                throw CoreError.unknownLayer(name: query, suggestions: ["an index from 0 to \(layers.positions.count - 1)"])
            }
            return layers.positions[index]
        }
        if let generated = graph.nodes.firstIndex(where: { $0.name.isEmpty && graph.displayName(of: $0) == query }) {
            return generated
        }
        let trimmed = query.hasPrefix("/") ? String(query.dropFirst()) : query
        let exactPath = paths.filter { $0.path == trimmed }
        if exactPath.count == 1 { return exactPath[0].position }
        let suffix = paths.filter { p in
            p.path.hasSuffix("." + trimmed) || p.path.hasSuffix("/" + trimmed)
                || graph.nodes[p.position].name.hasSuffix("/" + trimmed)
        }
        let matches = exactPath.isEmpty ? suffix : exactPath
        if matches.count == 1 { return matches[0].position }
        if matches.count > 1 {
            throw CoreError.ambiguousLayer(name: query, matches: matches.map { graph.displayName(of: graph.nodes[$0.position]) })
        }
        if let position = try frameworkLayer(trimmed) { return position }
        throw CoreError.unknownLayer(name: query, suggestions: suggestions(for: trimmed))
    }

    /// The layer a framework calls `query`, for names scoped as TensorFlow writes them
    /// (`sequential_1/conv1_1/BiasAdd` is layer `conv1` of model `sequential`; Keras 3 adds the
    /// `_1`): the nodes of that scope, of which the Conv, Gemm or MatMul is the layer.
    private func frameworkLayer(_ query: String) throws -> Int? {
        func scopes(_ name: String) -> [Substring] {
            let parts = name.split(separator: "/")
            return name.hasPrefix("/") || parts.count < 3 ? [] : Array(parts.dropFirst().dropLast())
        }
        func names(_ scope: Substring, _ query: String) -> Bool {
            guard scope.hasPrefix(query) else { return false }
            let rest = scope.dropFirst(query.count)
            return rest.isEmpty || (rest.first == "_" && rest.count > 1 && rest.dropFirst().allSatisfy(\.isNumber))
        }
        let wanted = query.split(separator: "/").map(String.init)
        let matches = layers.positions.filter { position in
            let chain = scopes(graph.nodes[position].name)
            return chain.count >= wanted.count && (0...(chain.count - wanted.count)).contains { start in
                zip(chain[start..<(start + wanted.count)], wanted).allSatisfy { names($0, $1) }
            }
        }
        let producers = matches.filter { ChannelDependency.isProducer(graph.nodes[$0]) }
        let chosen = producers.isEmpty ? matches : producers
        if chosen.count > 1 {
            throw CoreError.ambiguousLayer(name: query, matches: chosen.map { graph.displayName(of: graph.nodes[$0]) })
        }
        return chosen.first
    }

    /// Up to three layer names closest to `query` by edit distance.
    private func suggestions(for query: String) -> [String] {
        let scored = paths.map { p -> (Int, String) in
            let name = graph.displayName(of: graph.nodes[p.position])
            return (min(EditDistance.between(query, p.path), EditDistance.between(query, name)), p.path.isEmpty ? name : p.path)
        }
        let limit = max(2, query.count / 2)
        return Array(scored.filter { $0.0 <= limit }.sorted { $0.0 < $1.0 }.map(\.1).prefix(3))
    }

    /// The scope of a node's name, for naming a new layer beside it: `/layer1/layer1.0/conv1/Conv`
    /// → `/layer1/layer1.0/conv1/`; empty for names without slashes.
    public static func scope(of node: Node) -> String {
        guard let slash = node.name.lastIndex(of: "/") else { return "" }
        return String(node.name[...slash])
    }

    /// The dotted module path of a node named like PyTorch's exporter does:
    /// `/layer1/layer1.0/conv1/Conv` → `layer1.0.conv1`. Other names are returned as they are.
    public static func modulePath(of node: Node) -> String {
        var parts = node.name.split(separator: "/").map(String.init)
        guard node.name.hasPrefix("/"), !parts.isEmpty else { return node.name }
        if parts.last == node.opType || parts.last?.hasPrefix(node.opType + "_") == true { parts.removeLast() }
        // Each scope repeats its parent's own name: `layer2.0` under `layer2`, `downsample.0` under
        // `downsample`; only the new suffix joins the path.
        var path = "", previous = ""
        for part in parts {
            if path.isEmpty {
                path = part
            } else if part.hasPrefix(previous + ".") {
                path += part.dropFirst(previous.count)
            } else {
                path += "." + part
            }
            previous = part
        }
        return path
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
public enum EditDistance {
    /// The number of single-character edits turning `a` into `b`.
    public static func between(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if x.isEmpty { return y.count }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[y.count]
    }
}
