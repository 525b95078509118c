/// Ops that move, cut, join or repeat tensor data.
public enum LayoutOp: String, OpFamily, ShapeDeclaring {
    case flatten = "Flatten", reshape = "Reshape", transpose = "Transpose", concat = "Concat", split = "Split"
    case slice = "Slice", squeeze = "Squeeze", unsqueeze = "Unsqueeze", pad = "Pad", resize = "Resize"
    case upsample = "Upsample", expand = "Expand", tile = "Tile", gather = "Gather", gatherElements = "GatherElements"
    case depthToSpace = "DepthToSpace", spaceToDepth = "SpaceToDepth", scatterND = "ScatterND"

    var shapeRule: ShapeRule {
        switch self {
        case .flatten: LayoutRules.flatten
        case .reshape: LayoutRules.reshape
        case .transpose: LayoutRules.transpose
        case .concat: LayoutRules.concat
        case .split: LayoutRules.split
        case .slice: LayoutRules.slice
        case .squeeze: LayoutRules.squeeze
        case .unsqueeze: LayoutRules.unsqueeze
        case .pad: LayoutRules.pad
        case .resize, .upsample: LayoutRules.resize
        case .expand: LayoutRules.expand
        case .tile: LayoutRules.tile
        case .gather: LayoutRules.gather
        case .gatherElements: LayoutRules.gatherElements
        case .depthToSpace: { c in try LayoutRules.blockRearrange(&c, toDepth: false) }
        case .spaceToDepth: { c in try LayoutRules.blockRearrange(&c, toDepth: true) }
        case .scatterND: ElementwiseRules.sameAsInput
        }
    }

    public var channels: Facet<ChannelRule> {
        switch self {
        case .flatten, .reshape: .supported(.reshape)
        case .transpose: .supported(.transpose)
        case .concat: .supported(.concat)
        case .split: .supported(.split)
        case .squeeze, .unsqueeze: .supported(.squeeze)
        case .pad: .supported(.pad)
        case .resize, .upsample: .supported(.passThrough)
        case .slice: .supported(.slice)
        case .expand, .tile: .unsupported("Scalpel does not follow channels through repetition yet")
        case .gather, .gatherElements: .unsupported("Scalpel does not follow channels through an index lookup yet")
        case .depthToSpace, .spaceToDepth: .unsupported("it moves channels into space (or back), which Scalpel does not follow yet")
        case .scatterND: .unsupported("Scalpel does not follow channels through a scatter yet")
        }
    }

    public var macs: MACRule { .notCounted }

    public var parameters: ParameterSlots { .none }

    public var inputCount: ClosedRange<Int> {
        switch self {
        case .flatten, .transpose, .depthToSpace, .spaceToDepth: 1...1
        case .reshape, .split, .squeeze, .unsqueeze, .upsample: 1...2
        case .concat: 1...Int.max
        case .slice: 1...5
        case .pad, .resize: 1...4
        case .expand, .gather, .gatherElements: 2...2
        case .tile: 2...3
        case .scatterND: 3...3
        }
    }

    public var insertion: Insertion? { nil }
}
