/// A small description of a layer to insert or to replace another with, as typed in the shell:
/// `Relu`, `Dropout 0.2`, `BatchNormalization`, `Conv out=32 kernel=3 pad=1`, `LeakyRelu alpha=0.1`.
public struct LayerSpec: Sendable, Equatable, CustomStringConvertible {
    /// The ONNX op.
    public let opType: String
    /// `key=value` settings (a bare number sets the op's main value, e.g. Dropout's ratio).
    public let settings: [String: Double]

    /// The ops a spec may name, with the settings each takes (each family's ``OpFamily/insertion``).
    public static let known: [String: [String]] = Dictionary(uniqueKeysWithValues: OpType.known.compactMap { op in
        op.insertion.map { (op.name, $0.settings) }
    })

    /// Parses the words of a spec; the error names what is wrong and what is allowed.
    public init(words: [String]) throws {
        guard let op = words.first else { throw CoreError.editRefused("describe the layer, e.g. `Relu` or `Conv out=32 kernel=3 pad=1`") }
        guard let allowed = Self.known[op] else {
            let names = Self.known.keys.sorted()
            let near = names.min { EditDistance.between(op, $0) < EditDistance.between(op, $1) }
            throw CoreError.editRefused("unknown layer type '\(op)'" + (near.map { " (did you mean \($0)?)" } ?? "") + "; known: \(names.joined(separator: ", "))")
        }
        var settings: [String: Double] = [:]
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            let key = parts.count == 2 ? parts[0] : allowed.first ?? ""
            guard let value = Double(parts.last ?? ""), allowed.contains(key) else {
                throw CoreError.editRefused("\(op) takes \(allowed.isEmpty ? "no settings" : allowed.map { "\($0)=…" }.joined(separator: " ")); '\(word)' is not one of them")
            }
            guard value.isFinite, abs(value) <= Double(SizeLimit.window) else {
                throw CoreError.editRefused("\(op)'s \(key)=\(parts.last ?? "") must be a finite number of at most \(SizeLimit.window)")
            }
            settings[key] = value
        }
        opType = op
        self.settings = settings
    }

    /// A setting as a whole number, or `fallback`.
    func int(_ key: String, _ fallback: Int) -> Int { settings[key].map { Int($0) } ?? fallback }

    /// `Conv kernel=3 out=32`.
    public var description: String {
        ([opType] + settings.keys.sorted().map { k in
            let v = settings[k] ?? 0
            return "\(k)=\(v == v.rounded() ? String(Int(v)) : String(v))"
        }).joined(separator: " ")
    }
}
