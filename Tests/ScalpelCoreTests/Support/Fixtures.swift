import Foundation
import ScalpelCore

/// The committed test fixtures (made by scripts/make-fixtures.py) and their golden data.
enum Fixtures {
    /// Tests/Fixtures.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Fixture names that have golden data.
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".golden.json") }.map { String($0.dropLast(".golden.json".count)) }.sorted()
    }()

    /// The path of a fixture's model.
    static func path(_ name: String) -> String { directory.appendingPathComponent(name + ".onnx").path }

    /// A fixture's golden data, as ONNX Runtime and PyTorch measured it.
    struct Golden {
        var batch: Int
        var params: Int
        var macs: Int
        var values: [String: [Int]]
    }

    /// Reads `NAME.golden.json`.
    static func golden(_ name: String) throws -> Golden {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".golden.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let values = (json["values"] as? [String: [Int]]) ?? [:]
        return Golden(batch: json["batch"] as? Int ?? -1, params: json["params"] as? Int ?? -1,
                      macs: json["macs"] as? Int ?? -1, values: values)
    }

    /// A fresh temporary folder, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
