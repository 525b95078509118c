import Foundation
import ScalpelCore
import Testing

/// The prunable groups of a model partition its channels: no channel of any activation, and no
/// layer, belongs to two groups (a depthwise convolution is a member of its producer's group,
/// not the root of a second one), so a global prune never cuts the same channels twice.
@Suite struct GroupPartitionTests {
    @Test(arguments: Fixtures.names)
    func noChannelIsInTwoGroups(name: String) throws {
        let model = try Model.load(path: Fixtures.path(name))
        let shapes = ShapeInference.infer(model.graph)
        let pruning = GlobalPruning(graph: model.graph, shapes: shapes, norm: .l1)
        var owner: [String: Int] = [:]
        var layerOwner: [NodeID: Int] = [:]
        for (g, group) in pruning.groups.enumerated() {
            for (space, channels) in group.structure.spaces {
                for k in channels {
                    let key = "\(space)#\(k)"
                    #expect(owner[key] == nil, "\(name): channel \(k) of \(space) is in groups \(owner[key] ?? -1) and \(g)")
                    owner[key] = g
                }
            }
            for source in group.structure.sources {
                #expect(layerOwner[source] == nil, "\(name): layer \(source) is in groups \(layerOwner[source] ?? -1) and \(g)")
                layerOwner[source] = g
            }
        }
    }

    /// Every depthwise convolution of torchvision's MobileNets (BN kept and folded) lies in exactly
    /// one group, and a global prune applies: the model re-infers without problems, keeps its
    /// output shape, and keeps the parameter fraction asked for.
    @Test(arguments: ["mobilenet_v2_slim", "mobilenet_v2_slim_fused", "mobilenet_v3_slim", "mobilenet_v3_slim_fused"])
    func globalPruneCutsDepthwiseModels(name: String) throws {
        let model = try Model.load(path: Fixtures.path(name))
        let shapes = ShapeInference.infer(model.graph)
        let pruning = GlobalPruning(graph: model.graph, shapes: shapes, norm: .l1)
        let depthwise = model.graph.nodes.filter { $0.opType == "Conv" && $0.int("group", default: 1) > 1 }.map(\.id)
        #expect(!depthwise.isEmpty)
        for id in depthwise {
            let holders = pruning.groups.filter { $0.structure.sources.contains(id) }.count
            let blocked = pruning.refused.contains { $0.layer == model.graph.node(id).map(model.graph.displayName) }
            #expect(holders == 1 || blocked, "\(name): depthwise \(id) is in \(holders) groups")
        }
        let before = ModelSummary(graph: model.graph, shapes: shapes).totalParameters
        for target in [0.9, 0.7, 0.5] {
            let counts = pruning.plan(.parameters(target), minChannels: 1)
            var graph = model.graph
            try graph.delete(try pruning.deletion(counts, shapes: shapes), shapes: shapes, opset: model.opsetVersion() ?? 17)
            let after = ShapeInference.infer(graph)
            #expect(after.problems.isEmpty, "\(name) at \(target): \(after.problems)")
            #expect(after[graph.outputs[0].id].dims == shapes[model.graph.outputs[0].id].dims)
            // The plan prices every parameter, the exporter's Identity aliases too (mobilenet_v3's
            // zero SE biases), as the edit leaves it.
            let kept = Double(ModelSummary(graph: graph, shapes: after).totalParameters) / Double(before)
            let planned = pruning.fraction(counts, .parameters(target))
            #expect(abs(kept - planned) <= 1e-9, "\(name): kept \(kept), planned \(planned)")
            #expect(kept >= target && kept <= target + 0.05, "\(name): kept \(kept) of the parameters for a target of \(target)")
        }
    }

    /// tf2onnx writes a Keras Conv1D as Unsqueeze → Conv → Squeeze: the channel axis moves through
    /// both, so each Conv1D's filters form a group with the next layer's inputs (ONNX Runtime checks
    /// the pruned model in scripts/check-surgery.py).
    @Test func conv1DChannelsFlowThroughSqueezeAndUnsqueeze() throws {
        let model = try Model.load(path: Fixtures.directory.appendingPathComponent("keras/conv1d_keras.onnx").path)
        let shapes = ShapeInference.infer(model.graph)
        let pruning = GlobalPruning(graph: model.graph, shapes: shapes, norm: .l1)
        #expect(pruning.groups.count == 2, "refused: \(pruning.refused)")
        let first = try #require(pruning.groups.first)
        let roles = first.structure.slices.map { "\($0.tensor.name):\($0.role):\($0.axis)" }
        #expect(roles.contains { $0.hasSuffix(":in-channels:1") }, "the second Conv1D loses input channels: \(roles)")
        var graph = model.graph
        let counts = pruning.plan(.parameters(0.5), minChannels: 1)
        try graph.delete(try pruning.deletion(counts, shapes: shapes), shapes: shapes, opset: model.opsetVersion() ?? 17)
        #expect(ShapeInference.infer(graph).problems.isEmpty)
    }
}
