import Foundation
import Testing
@testable import ScalpelData

@Suite struct NPZTests {
    typealias D = DataFiles

    static let x = D.npy(descr: "<f4", shape: "(2, 2)", payload: D.f32([0.5, 1, -1, 2]))
    static let y = D.npy(descr: "<i8", shape: "(2,)", payload: D.le([Int64(1), 0]))

    @Test(arguments: [false, true])
    func readsStoredMembers(zip64: Bool) throws {
        let archive = try NPZ(bytes: D.zip([("x.npy", Self.x), ("y.npy", Self.y), ("notes", Self.y)], zip64: zip64), source: "a.npz")
        #expect(archive.keys == ["x", "y", "notes"])
        #expect(archive.contains("x") && !archive.contains("x.npy"))
        #expect(try archive.array("x") == NumericArray(shape: [2, 2], values: .float32([0.5, 1, -1, 2])))
        #expect(try archive.array("y").values == .int64([1, 0]))
        #expect(message { try archive.array("z") }
            == "'a.npz' has no array named 'z' (it has 'x', 'y', 'notes'); save it with np.savez(FILE, x=images, y=labels)")
    }

    @Test func readsDeflatedMembersOfSavezCompressed() throws {
        let arrays = try NPZ.read(path: D.fixture("compressed.npz"))
        #expect(Set(arrays.keys) == ["x", "y", "wave"])
        let x = try #require(arrays["x"])
        #expect(x.shape == [5, 4, 4, 3])
        // Read with numpy: x[0,0,0] = [139, 74, 229], x[2,1,2] = [103, 122, 31], x[4,3,3] = [54, 157, 131].
        guard case let .uint8(bytes) = x.values else { Issue.record("x is \(x.dtype)"); return }
        #expect(Array(bytes[0..<3]) == [139, 74, 229])
        let middle = 2 * 48 + 1 * 12 + 2 * 3
        #expect(Array(bytes[middle..<(middle + 3)]) == [103, 122, 31])
        #expect(Array(bytes.suffix(3)) == [54, 157, 131])
        #expect(arrays["y"]?.values == .int64([3, 0, 2, 1, 3]))
        // wave = sin(arange(3000) / 50) as float32; numpy gives wave[1234] = -0.4374319612979889, wave[2999] = -0.2857022285461426.
        let wave = try #require(arrays["wave"]).floats()
        #expect(wave.count == 3000)
        #expect(wave[1234] == Float(-0.4374319612979889))
        #expect(wave[2999] == Float(-0.2857022285461426))
    }

    @Test func checksCRCsAndBounds() throws {
        let bad = message { try NPZ(bytes: D.zip([("x.npy", Self.x)], crcOverride: 1234), source: "c.npz").array("x") }
        #expect(bad == "'c.npz' is malformed: member 'x.npy' fails its CRC-32 check (corrupt copy?); copy or save the file again")
        let bzip2 = message { try NPZ(bytes: D.zip([("x.npy", Self.x)], method: 12), source: "b.npz").array("x") }
        #expect(bzip2 == "member 'x.npy' of 'b.npz' uses zip compression method 12; save it with np.savez or np.savez_compressed")
        let zip = D.zip([("x.npy", Self.x)])
        #expect(message { try NPZ(bytes: Array(zip.suffix(10)), source: "s.npz") }
            == "'s.npz' is truncated: it is too short to be a zip archive; copy or save the file again")
        #expect(message { try NPZ(bytes: Array(zip.dropLast(4)), source: "t.npz") }?.contains("the zip directory at its end is missing") == true)
        // Remove bytes from the member data: the directory no longer sits where the end record says.
        var shifted = zip
        shifted.removeSubrange(40..<60)
        #expect(message { try NPZ(bytes: shifted, source: "m.npz") }
            == "'m.npz' is malformed: zip directory entry 0 is broken; copy or save the file again")
        // Flip a byte inside the deflated 'wave' member (the largest part of the file).
        var compressed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: D.fixture("compressed.npz"))))
        compressed[compressed.count / 2] ^= 0xFF
        let corrupt = message { try NPZ(bytes: compressed, source: "z.npz").array("wave") }
        #expect(corrupt?.contains("'z.npz") == true)
    }
}
