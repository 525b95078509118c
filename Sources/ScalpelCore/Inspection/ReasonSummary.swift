/// Layers that failed for one reason or another, told in one line.
public enum ReasonSummary {
    /// The layers grouped by reason, most common first: up to three reasons, each with its count
    /// and up to two of its layers (`2 layers ('a', 'b'): reason; 1 layer ('c'): other`).
    public static func line(_ failures: [(layer: String, reason: String)]) -> String {
        let byReason = Dictionary(grouping: failures, by: \.reason).sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
        let parts = byReason.prefix(3).map { reason, layers in
            let names = layers.prefix(2).map { "'\($0.layer)'" }.joined(separator: ", ") + (layers.count > 2 ? ", …" : "")
            return "\(layers.count) layer\(layers.count == 1 ? "" : "s") (\(names)): \(reason)"
        }
        return parts.joined(separator: "; ") + (byReason.count > 3 ? "; and \(byReason.count - 3) other reason(s)" : "")
    }
}
