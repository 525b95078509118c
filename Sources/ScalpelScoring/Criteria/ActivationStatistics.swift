import ScalpelData
import ScalpelEngine

/// Per-channel sums over batches of one activation: what mean activation, APoZ, dead and
/// information gain are computed from.
struct ActivationStatistics {
    private var sum: [Double] = []
    private var active: [Double] = []
    private var positions = 0.0
    /// Per channel, each sample's mean activation (for information gain).
    private var pooled: [[Double]] = []
    private var labels: [Int] = []

    /// Adds a batch of the activation (N × C × …), with the batch's labels when there are any.
    mutating func add(_ a: Activation, labels batchLabels: [Int]?) {
        let count = a.shape.first ?? 0
        let channels = a.shape.count > 1 ? a.shape[1] : 1
        let spatial = a.shape.dropFirst(2).reduce(1, *)
        if sum.isEmpty { (sum, active, pooled) = (Array(repeating: 0, count: channels), Array(repeating: 0, count: channels), Array(repeating: [], count: channels)) }
        for n in 0..<count {
            for c in 0..<channels {
                var s = 0.0, on = 0.0
                let base = (n * channels + c) * spatial
                for i in base..<(base + spatial) {
                    let v = Double(a.values[i])
                    s += v
                    if v > 0 { on += 1 }
                }
                sum[c] += s
                active[c] += on
                pooled[c].append(s / Double(spatial))
            }
        }
        positions += Double(count * spatial)
        labels += batchLabels ?? []
    }

    /// The scores of `criterion` over everything added (`samples` of them); `rectified` says
    /// whether a rectifier precedes the activation, so that never positive means dead.
    func scores(_ criterion: Criterion, rectified: Bool, samples: Int) throws -> ChannelScores {
        let fractionActive = active.map { $0 / positions }
        // Without a rectifier a channel that is never positive is merely negative, not dead: no
        // marks, and `dead` ranks every channel alike.
        let dead = rectified ? Set(fractionActive.indices.filter { fractionActive[$0] == 0 }) : []
        let scores: [Double]
        switch criterion {
        case .meanActivation: scores = sum.map { $0 / positions }
        case .apoz: scores = fractionActive
        case .dead: scores = rectified ? fractionActive : Array(repeating: 1, count: fractionActive.count)
        case .informationGain:
            guard labels.count == samples else { throw DataError.noLabels(purpose: "information-gain") }
            scores = pooled.map { DataCriteria.mutualInformation($0, labels) }
        default: throw ScoringError("\(criterion.rawValue) is not an activation criterion")
        }
        return ChannelScores(criterion: criterion, scores: scores, dead: dead, perClassDrop: nil)
    }
}
