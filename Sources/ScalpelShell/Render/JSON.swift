import Foundation
import ScalpelCore

/// A JSON value with deterministic key order, rendered without Foundation's reordering.
public indirect enum JSON: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer.
    case int(Int)
    /// A number with a fraction (non-finite values render as `null`).
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSON])
    /// An object whose members keep the given order.
    case object([(String, JSON)])

    /// Compact-but-readable rendering: one array element or object member per line at the top level.
    public func render() -> String { render(indent: "") }

    private func render(indent: String) -> String {
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return d.isFinite ? String(d) : "null"
        case let .string(s): return JSON.quote(s)
        case let .array(items):
            guard !items.isEmpty else { return "[]" }
            if items.allSatisfy(\.isScalar) { return "[" + items.map { $0.render(indent: "") }.joined(separator: ", ") + "]" }
            let inner = indent + "  "
            return "[\n" + items.map { inner + $0.render(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case let .object(members):
            guard !members.isEmpty else { return "{}" }
            let inner = indent + "  "
            return "{\n" + members.map { inner + JSON.quote($0.0) + ": " + $0.1.render(indent: inner) }.joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    private static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension JSON {
    /// A shape: numbers, symbol names, and null for unknown dimensions; null for unknown rank.
    static func shape(_ type: ValueType) -> JSON {
        guard let dims = type.dims else { return .null }
        return .array(dims.map { d in
            switch d {
            case let .value(v): .int(v)
            case let .symbol(s): .string(s)
            case .unknown: .null
            }
        })
    }

    /// A value's element type and shape.
    static func type(_ type: ValueType) -> JSON {
        .object([("dtype", type.elementType.map { .string($0.description) } ?? .null), ("shape", shape(type))])
    }
}
