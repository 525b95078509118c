import Foundation
import Testing
@testable import ScalpelData

/// The error message a throwing call produces, nil when it succeeds.
func message(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite struct NPYReadTests {
    typealias D = DataFiles

    @Test func readsEveryDTypeFromHandWrittenHeaders() throws {
        func decode(_ descr: String, _ shape: String, _ payload: [UInt8]) throws -> NumericArray {
            try NPY.decode(D.npy(descr: descr, shape: shape, payload: payload), source: "t.npy")
        }
        #expect(try decode("<f4", "(2, 2)", D.f32([1, -2.5, 0, 3])) == NumericArray(shape: [2, 2], values: .float32([1, -2.5, 0, 3])))
        #expect(try decode("<f8", "(2,)", D.le([Double(0.25).bitPattern, Double(-1e300).bitPattern])).values == .float64([0.25, -1e300]))
        #expect(try decode("|u1", "(3,)", [0, 128, 255]).values == .uint8([0, 128, 255]))
        #expect(try decode("|i1", "(3,)", [0x80, 0xFF, 5]).values == .int64([-128, -1, 5]))
        #expect(try decode("<i2", "(2,)", D.le([Int16.min, 300])).values == .int64([-32768, 300]))
        #expect(try decode("<u2", "(2,)", D.le([UInt16.max, 7])).values == .int64([65535, 7]))
        #expect(try decode("<i4", "(2,)", D.le([Int32.min, -3])).values == .int64([Int64(Int32.min), -3]))
        #expect(try decode("<u4", "(1,)", D.le([UInt32.max])).values == .int64([4_294_967_295]))
        #expect(try decode("<i8", "(2,)", D.le([Int64.min, 9])).values == .int64([Int64.min, 9]))
        #expect(try decode("<u8", "(1,)", D.le([UInt64(42)])).values == .int64([42]))
        #expect(try decode("|b1", "(3,)", [0, 1, 1]).values == .int64([0, 1, 1]))
        let int32 = try decode("<i4", "(1,)", D.le([Int32(1)]))
        #expect(int32.dtype == "int32")
        #expect(!int32.isFloatingPoint)
    }

    @Test func readsShapesNumpyWrites() throws {
        let scalar = try NPY.decode(D.npy(descr: "<f4", shape: "()", payload: D.f32([7])), source: "s.npy")
        #expect(scalar.shape == [] && scalar.values == .float32([7]))
        let empty = try NPY.decode(D.npy(descr: "<f4", shape: "(0, 3)", payload: []), source: "e.npy")
        #expect(empty.shape == [0, 3] && empty.count == 0)
        // Python 2 numpy wrote long integers with an L suffix.
        let py2 = try NPY.decode(D.npy(descr: "<i8", shape: "(1L, 2L)", payload: D.le([Int64(4), 5])), source: "p.npy")
        #expect(py2.shape == [1, 2])
        // A 1-D array is the same in Fortran and C order.
        let fortran1D = try NPY.decode(D.npy(descr: "<f4", shape: "(2,)", fortran: true, payload: D.f32([1, 2])), source: "f.npy")
        #expect(fortran1D.values == .float32([1, 2]))
        // Trailing bytes after the data are ignored, as numpy does.
        #expect(try NPY.decode(D.npy(descr: "|u1", shape: "(1,)", payload: [9, 9, 9]), source: "t.npy").values == .uint8([9]))
    }

    @Test func readsVersions2And3AndFloat16() throws {
        for name in ["v2.npy", "v3.npy"] {
            let array = try NPY.read(path: D.fixture(name))
            #expect(array.shape == [2, 3])
            #expect(array.values == .int64([-2, -1, 0, 1, 2, 3]))
            #expect(array.dtype == "int16")
        }
        // np.float16 values 0.5, -2, 65504 (largest), 2^-14 (smallest normal), 2^-24 (smallest subnormal).
        let half = try NPY.read(path: D.fixture("half.npy"))
        #expect(half.values == .float32([0.5, -2, 65504, 0x1p-14, 0x1p-24]))
        #expect(half.dtype == "float16")
        #expect(ElementKind.halfToFloat(0x7C00) == .infinity)
        #expect(ElementKind.halfToFloat(0xFC00) == -.infinity)
        #expect(ElementKind.halfToFloat(0x7E00).isNaN)
        #expect(ElementKind.halfToFloat(0x8000).sign == .minus)
    }

    @Test func refusesWhatItCannotRead() {
        let fortran = message { try NPY.read(path: D.fixture("fortran.npy")) }
        #expect(fortran?.contains("fortran.npy' stores its array in Fortran order; save np.ascontiguousarray(x)") == true)
        let big = message { try NPY.read(path: D.fixture("bigendian.npy")) }
        #expect(big?.contains("bigendian.npy' stores big-endian '>f4'") == true)
        let strings = message { try NPY.read(path: D.fixture("strings.npy")) }
        #expect(strings?.contains("strings.npy': element type '<U2' is not supported; convert it to float32") == true)
        let complex = message { try NPY.decode(D.npy(descr: "<c8", shape: "(1,)", payload: [UInt8](repeating: 0, count: 8)), source: "c.npy") }
        #expect(complex == "'c.npy': element type '<c8' is not supported; convert it to float32 or an integer type (e.g. x.astype(np.float32))")
        let structured = Array("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }\n".utf8)
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0] + DataFiles.le(UInt16(structured.count)) + structured + [UInt8](repeating: 0, count: 8)
        #expect(message { try NPY.decode(bytes, source: "r.npy") }?.contains("element type '[('a', '<f4'), ('b', '<i4')]' is not supported") == true)
    }

    @Test func reportsTruncatedAndMalformedFiles() {
        let full = D.npy(descr: "<f4", shape: "(2, 3)", payload: D.f32([1, 2, 3, 4, 5, 6]))
        #expect(message { try NPY.decode(Array(full.dropLast(5)), source: "t.npy") }
            == "'t.npy' is truncated: shape (2, 3) of float32 needs 24 bytes of data but 19 follow the header; copy or save the file again")
        #expect(message { try NPY.decode(Array(full.prefix(30)), source: "t.npy") }
            == "'t.npy' is truncated: the .npy header announces \(full.count - 34) bytes but 20 follow; copy or save the file again")
        #expect(message { try NPY.decode(Array(full.prefix(4)), source: "t.npy") }?.contains("ends inside the .npy magic") == true)
        #expect(message { try NPY.decode(Array("hello world".utf8), source: "h.npy") }
            == "'h.npy' is malformed: it does not start with the .npy magic \\x93NUMPY; copy or save the file again")
        var v4 = full
        v4[6] = 4
        #expect(message { try NPY.decode(v4, source: "v.npy") }?.contains(".npy format version 4.0 is not supported (1.0, 2.0 and 3.0 are)") == true)
        let noDescr = Array("{'fortran_order': False, 'shape': (1,), }\n".utf8)
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0] + DataFiles.le(UInt16(noDescr.count)) + noDescr
        #expect(message { try NPY.decode(bytes, source: "n.npy") }?.contains("the .npy header has no 'descr'") == true)
        let notDict = Array("nonsense\n".utf8)
        let bytes2: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0] + DataFiles.le(UInt16(notDict.count)) + notDict
        #expect(message { try NPY.decode(bytes2, source: "n.npy") }?.contains("the .npy header 'nonsense' is not a Python dictionary") == true)
        #expect(message { try NPY.read(path: "/nonexistent/a.npy") } == "'/nonexistent/a.npy': no such file; check the path")
    }
}

@Suite struct NPYWriteTests {
    @Test func writesVersion1Float32ThatReadsBack() throws {
        try DataFiles.withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("out.npy").path
            let values: [Float] = [1.5, -2, 0, .pi, 1e-30, 7]
            try NPY.write(values, shape: [1, 2, 3], to: path)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect(Array(bytes[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
            #expect((10 + headerLength) % 64 == 0)
            let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
            #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }"))
            #expect(header.hasSuffix(" \n"))
            #expect(Array(bytes[(10 + headerLength)...]) == DataFiles.f32(values))
            let back = try NPY.read(path: path)
            #expect(try back == NumericArray(shape: [1, 2, 3], values: .float32(values)))
            // Overwrites atomically: no temporary file is left beside it.
            try NPY.write([9], shape: [1], to: path)
            #expect(try NPY.read(path: path).values == .float32([9]))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.npy"])
        }
    }

    @Test func encodesEachPrecisionAndOneDimensionalShapes() throws {
        for array in [
            try NumericArray(shape: [3], values: .float64([1, 2, 3])),
            try NumericArray(shape: [2, 1], values: .int64([-5, Int64.max])),
            try NumericArray(shape: [], values: .uint8([200])),
        ] {
            #expect(try NPY.decode(NPY.encode(array), source: "mem") == array)
        }
        let header = String(decoding: NPY.encode(try NumericArray(shape: [4], values: .float32([0, 0, 0, 0])))[10..<64], as: UTF8.self)
        #expect(header.contains("'shape': (4,)"))
    }

    @Test func refusesWrongCountsAndMissingFolders() {
        #expect(message { try NPY.encode([1, 2, 3], shape: [2, 2]) } == "array: shape (2, 2) holds 4 values but 3 were given")
        let missing = message { try NPY.write([1], shape: [1], to: "/nonexistent-folder/x.npy") }
        #expect(missing?.hasPrefix("cannot write '/nonexistent-folder/x.npy': folder /nonexistent-folder does not exist") == true)
    }
}
