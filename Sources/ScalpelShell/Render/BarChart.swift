import Foundation

/// A bar chart of per-channel scores as a standalone SVG file.
enum BarChart {
    /// The SVG text: one bar per channel (dead channels in red), axis labels and a title.
    static func svg(title: String, scores: [Double], highlighted: Set<Int>) -> String {
        let width = max(480, 40 + scores.count * 12), height = 320
        let plotLeft = 60.0, plotRight = Double(width) - 20, plotTop = 40.0, plotBottom = Double(height) - 40
        let high = max(scores.max() ?? 1, 0), low = min(scores.min() ?? 0, 0)
        let span = high - low == 0 ? 1 : high - low
        func y(_ v: Double) -> Double { plotBottom - (v - low) / span * (plotBottom - plotTop) }
        let slot = (plotRight - plotLeft) / Double(max(1, scores.count))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(plotLeft)\" y=\"22\" font-size=\"14\">\(escape(title))</text>\n"
        out += "<line x1=\"\(plotLeft)\" y1=\"\(y(0))\" x2=\"\(plotRight)\" y2=\"\(y(0))\" stroke=\"#444\"/>\n"
        for tick in 0...4 {
            let v = low + span * Double(tick) / 4
            out += "<text x=\"\(plotLeft - 6)\" y=\"\(format(y(v) + 4))\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>\n"
            out += "<line x1=\"\(plotLeft)\" y1=\"\(format(y(v)))\" x2=\"\(plotRight)\" y2=\"\(format(y(v)))\" stroke=\"#ddd\"/>\n"
        }
        for (k, v) in scores.enumerated() {
            let x = plotLeft + Double(k) * slot + slot * 0.1
            let top = min(y(v), y(0)), h = abs(y(v) - y(0))
            let color = highlighted.contains(k) ? "#c0392b" : "#2c7fb8"
            out += "<rect x=\"\(format(x))\" y=\"\(format(top))\" width=\"\(format(slot * 0.8))\" height=\"\(format(h))\" fill=\"\(color)\"><title>channel \(k): \(v)</title></rect>\n"
            if scores.count <= 64 || k % 8 == 0 {
                out += "<text x=\"\(format(x + slot * 0.4))\" y=\"\(format(plotBottom + 14))\" text-anchor=\"middle\" font-size=\"9\">\(k)</text>\n"
            }
        }
        out += "<text x=\"\(format((plotLeft + plotRight) / 2))\" y=\"\(height - 6)\" text-anchor=\"middle\">channel</text>\n"
        return out + "</svg>\n"
    }

    private static func format(_ v: Double) -> String { String(format: "%.1f", v) }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
