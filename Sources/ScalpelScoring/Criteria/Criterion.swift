/// A way to score a layer's output channels; higher scores mean more important channels.
public enum Criterion: String, Sendable, CaseIterable {
    /// Sum of absolute filter weights (Li et al. 2017).
    case l1
    /// Euclidean norm of the filter.
    case l2
    /// |γ| of the BatchNorm after the layer (Liu et al. 2017, network slimming).
    case bnGamma = "bn-gamma"
    /// Distance of the filter from the others: filters near the geometric median are redundant (He et al. 2019).
    case fpgm
    /// A seeded random score, the baseline.
    case random
    /// Mean activation after the layer's nonlinearity over the data.
    case meanActivation = "mean-activation"
    /// 1 − average percentage of zeros after ReLU over the data (Hu et al. 2016).
    case apoz
    /// Fraction of positions where the channel is active; 0 marks a dead channel.
    case dead
    /// Mutual information (bits) between the channel's pooled activation and the label.
    case informationGain = "information-gain"
    /// First-order Taylor estimate of the loss change: |mean over samples and positions of
    /// a · ∂L/∂a|, L the mean cross-entropy over the data (Molchanov et al. 2017).
    case taylor
    /// Increase in mean loss when the channel is removed (Molchanov et al.'s oracle).
    case oracleLoss = "oracle-loss"
    /// Drop in top-1 accuracy when the channel is removed.
    case oracleAccuracy = "oracle-accuracy"
    /// 1 − the highest cosine similarity of the channel's activation maps to another channel's:
    /// channels that duplicate another score near 0 (functionality-oriented pruning, Qin et al. 2018).
    case redundancy
    /// Class-wise importance (Dimovska & Johnston 2019): the sum over classes of each class's mean
    /// loss increase when the channel is removed, so every class counts alike and ranks are
    /// continuous; the per-class accuracy drop is kept too, and `critical` leads with it.
    case classwise = "class"

    /// What the criterion measures, in one line (for `help`).
    public var explanation: String {
        switch self {
        case .l1: "sum of |filter weights| (Li et al. 2017)"
        case .l2: "Euclidean norm of the filter"
        case .bnGamma: "|γ| of the BatchNorm after the layer (network slimming, Liu et al. 2017)"
        case .fpgm: "distance from the other filters; near the geometric median is redundant (He et al. 2019)"
        case .random: "a seeded random score, the baseline"
        case .meanActivation: "mean activation after the layer's nonlinearity"
        case .apoz: "fraction of positions active after the rectifier (1 − APoZ, Hu et al. 2016)"
        case .dead: "fraction active after a rectifier; 0 is dead, unrectified layers are never dead"
        case .informationGain: "mutual information between the pooled activation and the label (needs labels)"
        case .taylor: "|mean(a · ∂L/∂a)|, first-order Taylor (Molchanov et al. 2017; needs labels)"
        case .oracleLoss: "loss increase when the channel is removed (needs labels)"
        case .oracleAccuracy: "top-1 accuracy drop when the channel is removed (needs labels)"
        case .redundancy: "1 − the highest cosine similarity to another channel's maps (Qin et al. 2018)"
        case .classwise: "per-class loss increase summed over classes (Dimovska & Johnston 2019; needs labels)"
        }
    }

    /// Whether the criterion needs a dataset.
    public var needsData: Bool {
        switch self {
        case .l1, .l2, .bnGamma, .fpgm, .random: false
        default: true
        }
    }

    /// Whether the criterion is a statistic of the layer's activation alone, so every layer's
    /// scores come from one pass over the data.
    public var isActivationStatistic: Bool { [.meanActivation, .apoz, .dead, .informationGain].contains(self) }

    /// Whether the criterion reruns the network once per channel.
    public var isOracle: Bool { self == .oracleLoss || self == .oracleAccuracy || self == .classwise }
}

/// Scores of one layer's channels, with what was learned on the way.
public struct ChannelScores: Sendable {
    /// The criterion.
    public let criterion: Criterion
    /// One score per channel.
    public let scores: [Double]
    /// Channels never active on the data (or with |γ| ≈ 0); empty for weight criteria that cannot tell.
    public let dead: Set<Int>
    /// For `class`: the accuracy drop of each class (columns) when each channel (rows) is removed.
    public let perClassDrop: [[Double]]?
    /// For `class`: the mean loss increase of each class's samples (columns) when each channel (rows) is removed.
    public var perClassLossIncrease: [[Double]]? = nil
    /// For `redundancy`: each channel's most similar other channel and their cosine similarity.
    public var nearest: [(channel: Int, similarity: Double)]? = nil
    /// For `redundancy`: groups of channels whose maps are at least 0.9 similar (single linkage), largest first.
    public var clusters: [[Int]]? = nil

    /// Ranks (0 = most important) of each channel.
    public var ranks: [Int] {
        let order = scores.indices.sorted { (scores[$0], -$0) > (scores[$1], -$1) }
        var rank = [Int](repeating: 0, count: scores.count)
        for (r, k) in order.enumerated() { rank[k] = r }
        return rank
    }
}
