import Foundation
import ScalpelCore

/// Number formatting shared by the renderers.
enum Format {
    /// `11,689,512`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `1.82G`, `115.6M`, `36.9K`, `512`.
    static func compact(_ n: Int) -> String {
        let v = Double(n)
        for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")] where abs(v) >= scale {
            return String(format: "%.\(abs(v) >= scale * 100 ? 0 : 1)f%@", v / scale, suffix)
        }
        return String(n)
    }

    /// `44.6 MB`.
    static func bytes(_ n: Int) -> String {
        let v = Double(n)
        for (scale, suffix) in [(1_073_741_824.0, "GiB"), (1_048_576.0, "MiB"), (1024.0, "KiB")] where v >= scale {
            return String(format: "%.1f %@", v / scale, suffix)
        }
        return "\(n) B"
    }

    /// Shapes of several values, `[N, 3, 224, 224], [N, 64]`.
    static func shapes(_ types: [ValueType]) -> String {
        types.map(\.shapeDescription).joined(separator: ", ")
    }

    /// A float in a short fixed form for statistics.
    static func stat(_ v: Double) -> String { String(format: "%.4g", v) }

    /// `97.33%`.
    static func percent(_ fraction: Double) -> String { String(format: "%.2f%%", fraction * 100) }
}
