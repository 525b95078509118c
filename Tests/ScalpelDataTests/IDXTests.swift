import Testing
@testable import ScalpelData

@Suite struct IDXTests {
    typealias D = DataFiles

    @Test func readsEveryIDXTypeBigEndian() throws {
        func decode(_ type: UInt8, _ shape: [Int], _ payload: [UInt8]) throws -> NumericArray {
            try IDX.decode(D.idx(type: type, shape: shape, payload: payload), source: "t-idx")
        }
        #expect(try decode(0x08, [2, 2], [0, 1, 254, 255]) == NumericArray(shape: [2, 2], values: .uint8([0, 1, 254, 255])))
        #expect(try decode(0x09, [2], [0xFF, 0x7F]).values == .int64([-1, 127]))
        #expect(try decode(0x0B, [2], D.be(Int16(-300), Int16(2))).values == .int64([-300, 2]))
        #expect(try decode(0x0C, [1], D.be(Int32(-70000))).values == .int64([-70000]))
        #expect(try decode(0x0D, [2], D.be(Float(1.5).bitPattern, Float(-0.25).bitPattern)).values == .float32([1.5, -0.25]))
        #expect(try decode(0x0E, [1], D.be(Double(1e-200).bitPattern)).values == .float64([1e-200]))
        #expect(try decode(0x08, [3], [1, 2, 3]).dtype == "uint8")
    }

    @Test func readsGzippedFiles() throws {
        let images = try IDX.read(path: D.fixture("images-idx3-ubyte.gz"))
        #expect(images.shape == [6, 5, 5])
        // Read with Python's gzip: the first five bytes are 133 69 42 68 243, the last three 186 124 92.
        guard case let .uint8(pixels) = images.values else { Issue.record("images are \(images.dtype)"); return }
        #expect(Array(pixels.prefix(5)) == [133, 69, 42, 68, 243])
        #expect(Array(pixels.suffix(3)) == [186, 124, 92])
        #expect(try IDX.read(path: D.fixture("labels-idx1-ubyte.gz")).values == .uint8([7, 2, 1, 0, 4, 1]))
        // Level-0 (stored-block) gzip in two members, float32 big-endian: (arange(18) - 4.5) / 4.
        let floats = try IDX.read(path: D.fixture("floats-idx3.gz"))
        #expect(floats.shape == [2, 3, 3])
        #expect(floats.values == .float32((0..<18).map { (Float($0) - 4.5) / 4 }))
    }

    @Test func reportsBadFiles() {
        let full = D.idx(type: 0x08, shape: [2, 3], payload: [1, 2, 3, 4, 5, 6])
        #expect(message { try IDX.decode(Array(full.dropLast()), source: "t-idx") }
            == "'t-idx' is truncated: shape (2, 3) of uint8 needs 6 bytes of data but 5 follow the header; copy or save the file again")
        #expect(message { try IDX.decode(Array(full.prefix(9)), source: "t-idx") }?.contains("ends inside the 2 IDX dimensions") == true)
        #expect(message { try IDX.decode([0, 0, 0x0A, 1, 0, 0, 0, 0], source: "u-idx") }
            == "'u-idx': element type 'IDX type 0xa' is not supported; convert it to float32 or an integer type (e.g. x.astype(np.float32))")
        #expect(message { try IDX.decode([1, 2, 3, 4, 5], source: "m-idx") }?.contains("does not start with an IDX magic number") == true)
    }
}
