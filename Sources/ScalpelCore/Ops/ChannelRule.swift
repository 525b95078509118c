/// How channel indices flow through an op: what each op family declares (``OpFamily/channels``),
/// what `ChannelDependency` dispatches on and what `ops` reports.
public enum ChannelRule: String, Sendable, CaseIterable {
    /// Output channel i depends only on input channel i (activations, pooling, resizing, casts).
    case passThrough = "passes through"
    /// Broadcasting arithmetic: every input with a full channel axis couples to the output.
    case elementwise = "couples inputs"
    /// PRelu: the slope is sliced like a per-channel constant.
    case prelu = "passes through, slices its slope"
    /// BatchNormalization, InstanceNormalization: per-channel parameters are sliced.
    case normalization = "passes through, slices its parameters"
    /// Conv, ConvTranspose: consumes input channels, produces output channels (depthwise: passes through).
    case convolution = "consumes and produces"
    /// Gemm: consumes input features, produces output features.
    case gemm = "consumes and produces features"
    /// MatMul with a constant matrix: consumes the last axis, produces it.
    case matMul = "consumes and produces the last axis"
    /// Flatten or a flattening Reshape: channel k expands to the run of features it spans.
    case reshape = "expands (flatten)"
    /// Concat: channels move by the offset of their input.
    case concat = "offsets"
    /// Split: each output takes its own range of channels.
    case split = "splits"
    /// Slice: the output takes one range of the channels (step 1).
    case slice = "keeps a range"
    /// Transpose: the channel axis moves with the permutation.
    case transpose = "permutes the axis"
    /// Squeeze, Unsqueeze: the channel axis moves as unit axes leave or join.
    case squeeze = "moves the axis (squeeze/unsqueeze)"
    /// Pad: the channels pass through (spatial padding).
    case pad = "passes through (padding)"
    /// Reductions: the channels pass through other axes' reduction and end in one across them.
    case reduction = "passes through other axes' reduction, ends in one across them"
    /// Softmax and LogSoftmax over another axis: the channels pass through.
    case softmax = "passes through (normalises another axis)"
    /// LayerNormalization: the last-axis scale and bias are sliced.
    case layerNormalization = "passes through, slices its scale and bias"
    /// Shape and Size: the channels end there (only the shape is read).
    case shapeOnly = "ends (reads the shape only)"

    /// Whether the op's output channels are its own, so they can start a group (Conv, ConvTranspose, Gemm, MatMul).
    public var produces: Bool { self == .convolution || self == .gemm || self == .matMul }
}
