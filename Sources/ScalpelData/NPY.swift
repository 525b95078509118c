import Foundation

/// Reads and writes numpy's `.npy` format (versions 1.0, 2.0 and 3.0; C order; little-endian).
public enum NPY {
    /// Reads the array stored in the `.npy` file at `path`.
    public static func read(path: String) throws -> NumericArray {
        try decode(FileBytes.contents(of: path), source: path)
    }

    /// Decodes the bytes of a `.npy` file; `source` names the file in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> NumericArray {
        try bytes.withUnsafeBytes { try decode($0, source: source) }
    }

    static func decode(_ raw: UnsafeRawBufferPointer, source: String) throws -> NumericArray {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard raw.count >= 6, Array(raw[0..<6]) == magic else {
            throw raw.count < 6 && Array(raw) == Array(magic.prefix(raw.count))
                ? DataError.truncated(path: source, detail: "it ends inside the .npy magic")
                : DataError.malformed(path: source, reason: "it does not start with the .npy magic \\x93NUMPY")
        }
        guard raw.count >= 8 else { throw DataError.truncated(path: source, detail: "it ends before the .npy version") }
        let (major, minor) = (raw[6], raw[7])
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            guard raw.count >= 10 else { throw DataError.truncated(path: source, detail: "it ends inside the .npy header") }
            headerStart = 10
            headerLength = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        case 2, 3:
            guard raw.count >= 12 else { throw DataError.truncated(path: source, detail: "it ends inside the .npy header") }
            headerStart = 12
            headerLength = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        default:
            throw DataError.malformed(path: source, reason: ".npy format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)")
        }
        let dataStart = headerStart + headerLength
        guard raw.count >= dataStart else {
            throw DataError.truncated(path: source, detail: "the .npy header announces \(headerLength) bytes but \(raw.count - headerStart) follow")
        }
        let header = try NPYHeader(parsing: Array(raw[headerStart..<dataStart]), source: source)
        let (count, overflow) = header.shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, header.shape.allSatisfy({ $0 >= 0 }) else {
            throw DataError.malformed(path: source, reason: "the shape \(DataError.format(header.shape)) is impossible")
        }
        let (byteCount, tooBig) = count.multipliedReportingOverflow(by: header.kind.size)
        let available = raw.count - dataStart
        guard !tooBig, available >= byteCount else {
            throw DataError.truncated(path: source, detail: "shape \(DataError.format(header.shape)) of \(header.kind.name) needs \(byteCount) bytes of data but \(available) follow the header")
        }
        let body = UnsafeRawBufferPointer(rebasing: raw[dataStart..<(dataStart + byteCount)])
        let values = try header.kind.decode(body, count: count, bigEndian: false, path: source)
        return NumericArray(checkedShape: header.shape, values: values, dtype: header.kind.name)
    }
}

/// The dictionary at the start of a `.npy` file: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NPYHeader {
    var kind: ElementKind
    var shape: [Int]

    init(parsing text: [UInt8], source: String) throws {
        var parser = LiteralParser(bytes: text)
        guard let entries = parser.parseDictionary() else {
            throw DataError.malformed(path: source, reason: "the .npy header '\(Self.printable(text))' is not a Python dictionary")
        }
        guard case let .string(descr)? = entries["descr"] else {
            if let raw = entries["descr"], case let .other(text) = raw {
                throw DataError.unsupportedDType(path: source, dtype: text)
            }
            throw DataError.malformed(path: source, reason: "the .npy header has no 'descr'")
        }
        guard case let .tuple(shape)? = entries["shape"] else {
            throw DataError.malformed(path: source, reason: "the .npy header has no 'shape' tuple")
        }
        guard case let .bool(fortran)? = entries["fortran_order"] else {
            throw DataError.malformed(path: source, reason: "the .npy header has no 'fortran_order'")
        }
        // A Fortran-ordered array with at most one dimension above 1 has the same bytes in C order.
        if fortran, shape.filter({ $0 > 1 }).count > 1 {
            throw DataError.fortranOrder(path: source)
        }
        self.kind = try Self.kind(descr: descr, source: source)
        self.shape = shape
    }

    /// Maps a numpy type string (`<f4`, `|u1`, `<i8`…) to an element kind.
    static func kind(descr: String, source: String) throws -> ElementKind {
        var code = Substring(descr)
        var order: Character = "|"
        if let first = code.first, "<>|=".contains(first) {
            order = first
            code = code.dropFirst()
        }
        let kinds: [Substring: ElementKind] = [
            "b1": .bool, "?": .bool, "u1": .uint8, "i1": .int8, "i2": .int16, "u2": .uint16,
            "i4": .int32, "u4": .uint32, "i8": .int64, "u8": .uint64,
            "f2": .float16, "f4": .float32, "f8": .float64,
        ]
        guard let kind = kinds[code] else {
            throw DataError.unsupportedDType(path: source, dtype: descr)
        }
        if order == ">", kind.size > 1 {
            throw DataError.bigEndian(path: source, dtype: descr)
        }
        return kind
    }

    static func printable(_ text: [UInt8]) -> String {
        String(decoding: text.prefix(80), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A parser for the few Python literals a `.npy` header holds: strings, booleans, tuples of ints.
struct LiteralParser {
    enum Literal: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        /// Anything else (a list of fields for structured dtypes…), as written.
        case other(String)
    }

    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDictionary() -> [String: Literal]? {
        skipSpace()
        guard take(UInt8(ascii: "{")) else { return nil }
        var entries: [String: Literal] = [:]
        while true {
            skipSpace()
            if take(UInt8(ascii: "}")) { return entries }
            guard case let .string(key)? = parseValue() else { return nil }
            skipSpace()
            guard take(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            guard let value = parseValue() else { return nil }
            entries[key] = value
            skipSpace()
            if take(UInt8(ascii: ",")) { continue }
            skipSpace()
            return take(UInt8(ascii: "}")) ? entries : nil
        }
    }

    private mutating func parseValue() -> Literal? {
        guard position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return parseString().map(Literal.string)
        case UInt8(ascii: "("):
            return parseTuple().map(Literal.tuple)
        default:
            if takeWord("True") { return .bool(true) }
            if takeWord("False") { return .bool(false) }
            return parseOther()
        }
    }

    private mutating func parseString() -> String? {
        let quote = bytes[position]
        position += 1
        var out: [UInt8] = []
        while position < bytes.count {
            let c = bytes[position]
            position += 1
            if c == quote { return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\"), position < bytes.count {
                out.append(bytes[position])
                position += 1
            } else {
                out.append(c)
            }
        }
        return nil
    }

    private mutating func parseTuple() -> [Int]? {
        position += 1
        var values: [Int] = []
        while true {
            skipSpace()
            if take(UInt8(ascii: ")")) { return values }
            var digits = 0
            var value = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                value = s
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
            _ = take(UInt8(ascii: "L"))  // Python 2 long literals: (3L, 4L)
            values.append(value)
            skipSpace()
            if take(UInt8(ascii: ",")) { continue }
            skipSpace()
            return take(UInt8(ascii: ")")) ? values : nil
        }
    }

    /// Skips a value this parser does not model, up to the next top-level `,` or `}`.
    private mutating func parseOther() -> Literal? {
        let start = position
        var depth = 0
        var quote: UInt8?
        while position < bytes.count {
            let c = bytes[position]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                quote = c
            } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "(") || c == UInt8(ascii: "{") {
                depth += 1
            } else if c == UInt8(ascii: "]") || c == UInt8(ascii: ")") || c == UInt8(ascii: "}") {
                if depth == 0 { break }
                depth -= 1
            } else if c == UInt8(ascii: ","), depth == 0 {
                break
            }
            position += 1
        }
        guard position > start else { return nil }
        return .other(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    private mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    private mutating func takeWord(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard bytes.count - position >= w.count, Array(bytes[position..<(position + w.count)]) == w else { return false }
        position += w.count
        return true
    }
}
