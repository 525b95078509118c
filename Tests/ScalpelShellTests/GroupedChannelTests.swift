import Foundation
@testable import ScalpelCore
@testable import ScalpelShell
import Testing

/// Grouped convolutions, channel slices and channel shuffles, with the groups worked out by hand
/// from the fixtures' architectures (scripts/make-fixtures.py: GroupedCNN, ShuffleBlock).
@Suite struct GroupedChannelTests {
    private func analyse(_ fixture: String, _ layer: String, _ channels: [Int], coupled: Bool = false) throws -> (ChannelGroup, Graph) {
        let doc = try SessionTests.load(fixture).current()
        let position = try LayerResolver(graph: doc.model.graph, shapes: doc.shapes).resolve(layer)
        let graph = doc.model.graph
        let group = coupled ? try ChannelDependency.closure(of: position, channels: channels, graph: graph, shapes: doc.shapes)
            : try ChannelDependency.group(of: position, channels: channels, graph: graph, shapes: doc.shapes)
        return (group, graph)
    }

    private func sliced(_ g: ChannelGroup) -> [String: [Int]] {
        Dictionary(g.slices.map { ("\($0.tensor.name)@\($0.axis)", $0.indices) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func groupedConvolutionTakesTheSameChannelsFromEachGroup() throws {
        // block1.grouped: 16 → 16, 4 groups of 4 input channels, so channel 1 goes with 5, 9 and 13.
        #expect(throws: DependencyError.self) { try analyse("grouped_cnn", "/block1/reduce/reduce.0/reduce.0.0/Conv", [1]) }
        let (g, _) = try analyse("grouped_cnn", "/block1/reduce/reduce.0/reduce.0.0/Conv", [1], coupled: true)
        let s = sliced(g)
        #expect(s["block1.reduce.0.0.weight@0"] == [1, 5, 9, 13])
        #expect(s["block1.grouped.0.0.weight@1"] == [1])  // the weight's in-channels are per group
        #expect(s.count == 6)
        // Parameters by hand: 4 filters of 16 (64), 4 × 4 BN entries (16), and one of 4 in-channels of
        // each 3×3 filter of the grouped conv (16 × 9 = 144): 224.
        var session = try SessionTests.load("grouped_cnn")
        let before = try session.current().model.graph.parameterCount
        _ = try SessionTests.run(["delete channels /block1/reduce/reduce.0/reduce.0.0/Conv 1 --coupled"], on: &session)
        let doc = try session.current()
        #expect(before - doc.model.graph.parameterCount == 224)
        let grouped = try #require(doc.model.graph.nodes.first { $0.name == "/block1/grouped/grouped.0/grouped.0.0/Conv" })
        #expect(grouped.int("group", default: 1) == 4)
        #expect(doc.model.graph.initializers[grouped.inputs[1]]?.shape == [16, 3, 3, 3])
    }

    @Test func depthwiseMultiplierTakesWholeGroups() throws {
        // widen: 16 → 32 with 16 groups, 2 outputs each; head: 32 → 32 in 2 groups of 16.
        // Stem channel 3 is widen's group 3 (outputs 6, 7), which head reads as its channels 6, 7
        // of the first group: the same of the second group are 22, 23, widen's group 11.
        let (g, _) = try analyse("grouped_cnn", "/stem/stem.0/stem.0.0/Conv", [3], coupled: true)
        let s = sliced(g)
        #expect(s["stem.0.0.weight@0"] == [3, 11])
        #expect(s["widen.0.0.weight@0"] == [6, 7, 22, 23])
        #expect(s["head.0.0.weight@1"] == [6, 7])
        let widen = try #require(g.slices.first { $0.tensor.name == "widen.0.0.weight" }?.node)
        #expect(g.adjustments.contains(.convGroups(widen, removed: 2)))
    }

    @Test func shuffleAndChunkCoupleTheUnits() throws {
        // ShuffleNetV2: out[2j] = x[j] (the half that passes), out[2j+1] = branch[j]. Branch
        // channel 2 of unit 1 sits at shuffled position 5; the shuffle's groups of 8 then
        // take position 4, which is the stem's channel 2. In unit 2 positions 4 and 5 pass
        // through to 8…11, and bring unit 2's branch channels 4 and 5 along.
        let (g, graph) = try analyse("shuffle_block", "/unit1/branch/branch.3/branch.3.0/Conv", [2])
        let s = sliced(g)
        #expect(s["unit1.branch.3.0.weight@0"] == [2])
        #expect(s["stem.0.0.weight@0"] == [2])
        #expect(s["unit2.branch.3.0.weight@0"] == [4, 5])
        #expect(s["head.0.0.weight@1"] == [8, 9, 10, 11])
        #expect(s.count == 16)
        #expect(Set(g.sources.compactMap { graph.node($0)?.name }) == ["/unit1/branch/branch.3/branch.3.0/Conv", "/unit2/branch/branch.3/branch.3.0/Conv", "/stem/stem.0/stem.0.0/Conv"])
    }

    @Test func channelIndicesPermuteAndCloseByHand() {
        // Axes (2, 8) read as (8, 2): index i·8 + j becomes j·2 + i.
        #expect(ChannelDependency.permute([0, 9, 15], sizes: [2, 8], order: [1, 0]) == [0, 3, 15])
        // Over (2, 8), channel 10 = (1, 2) closes to both groups' channel 2; over (8, 2), channel
        // 5 = (2, 1) closes to the pair (2, 0), (2, 1): the partial axis is the larger one.
        #expect(ChannelDependency.productClosure([10], sizes: [2, 8]) == [2, 10])
        #expect(ChannelDependency.productClosure([5], sizes: [8, 2]) == [4, 5])
        #expect(ChannelDependency.productClosure([2, 10], sizes: [2, 8]) == [2, 10])
    }

    @Test func globalPruneKeepsGroupsWhole() throws {
        var session = try SessionTests.load("grouped_cnn")
        _ = try SessionTests.run(["prune --global --by l1 --target-params 0.5"], on: &session)
        let graph = try session.current().model.graph
        for node in graph.nodes where node.opType == "Conv" {
            let group = node.int("group", default: 1)
            let weight = try #require(graph.initializers[node.inputs[1]]?.shape)
            #expect(weight[0] % group == 0, "\(node.name): \(weight[0]) filters in \(group) groups")
        }
        #expect(Double(graph.parameterCount) >= 0.5 * 5_914)
    }
}
