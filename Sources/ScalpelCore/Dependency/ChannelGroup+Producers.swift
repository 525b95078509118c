extension ChannelGroup {
    /// The layers whose output channels move with all `count` channels of the root, the root
    /// first, each with its channels in the order of the root's: `channels[k]` goes with the
    /// root's channel k (a residual branch's channel k, or an offset one through a Concat).
    public func coupledProducers(count: Int, graph: Graph) -> [(position: Int, channels: [Int])] {
        let ordered = [root] + sources.filter { $0 != root }
        return ordered.compactMap { id in
            guard let position = graph.position(of: id), let output = graph.nodes[position].outputs.first,
                  let channels = spaces.first(where: { $0.key.value == output })?.value, channels.count == count else { return nil }
            return (position, channels)
        }
    }

    /// Every layer the deletion changes (parameters sliced or attributes adjusted), in discovery order.
    public var changedLayers: [NodeID] {
        var seen = Set<NodeID>()
        let adjusted = adjustments.map { adjustment -> NodeID in
            switch adjustment {
            case let .convGroups(id, _), let .splitSizes(id, _), let .sliceBounds(id, _, _, _), let .reshapeTarget(id, _, _): id
            }
        }
        return (slices.map(\.node) + adjusted).filter { seen.insert($0).inserted }
    }

    /// The root's channel count, from its output's channel space.
    public func rootChannels(graph: Graph) -> Int { rootChannelIndices(graph: graph).count }

    /// The root's channels the group takes, ascending.
    public func rootChannelIndices(graph: Graph) -> [Int] {
        guard let output = graph.node(root)?.outputs.first else { return [] }
        return spaces.first { $0.key.value == output }?.value ?? []
    }
}
