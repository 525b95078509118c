import Foundation
import ScalpelCore

/// `graph FILE.dot`: the graph in Graphviz DOT.
enum GraphCommand {
    static let spec = CommandSpec(
        name: "graph",
        summary: "the graph as Graphviz DOT (`dot -Tsvg FILE.dot -o graph.svg`)",
        positionals: [Positional("FILE.dot", .path)],
        example: "graph resnet18.dot",
        run: { args, session, console in
            let path = try args.positionals(1, "the .dot file to write")[0]
            let doc = try session.current()
            let dot = DOTRenderer.render(graph: doc.model.graph, shapes: doc.shapes)
            try session.write(Data(dot.utf8), to: path, message: "wrote \(path) (\(doc.model.graph.nodes.count) nodes)", console: &console)
        })
}

/// Renders a graph as Graphviz DOT: a box per layer labelled with its op, name and output
/// shape; graph inputs and outputs as ellipses; edges labelled with the tensor's shape.
enum DOTRenderer {
    /// The DOT text for a graph.
    static func render(graph: Graph, shapes: ShapeInfo) -> String {
        let layers = LayerList(graph: graph, shapes: shapes)
        let shown = Set(layers.positions.map { graph.nodes[$0].id })
        var producer: [ValueID: String] = [:]
        var out = "digraph \"\(escape(graph.name))\" {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n"
        for (i, input) in graph.dataInputs.enumerated() {
            let id = "in\(i)"
            producer[input.id] = id
            out += "  \(id) [shape=ellipse, label=\"\(escape(input.id.name))\\n\(escape(shapes[input.id].shapeDescription))\"];\n"
        }
        for node in graph.nodes where shown.contains(node.id) {
            let id = "n\(node.id.rawValue)"
            let shape = node.outputs.first.map { shapes[$0].shapeDescription } ?? ""
            out += "  \(id) [label=\"\(escape(node.opType))\\n\(escape(graph.displayName(of: node)))\\n\(escape(shape))\"];\n"
            for v in node.outputs where !v.isAbsent { producer[v] = id }
        }
        for node in graph.nodes where shown.contains(node.id) {
            for v in node.inputs where !v.isAbsent {
                guard let from = producer[v] else { continue }
                out += "  \(from) -> n\(node.id.rawValue) [label=\"\(escape(shapes[v].shapeDescription))\"];\n"
            }
        }
        for (i, output) in graph.outputs.enumerated() {
            out += "  out\(i) [shape=ellipse, label=\"\(escape(output.id.name))\\n\(escape(shapes[output.id].shapeDescription))\"];\n"
            if let from = producer[output.id] { out += "  \(from) -> out\(i);\n" }
        }
        return out + "}\n"
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
