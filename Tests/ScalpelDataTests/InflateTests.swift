import Foundation
import Testing
@testable import ScalpelData

@Suite struct InflateTests {
    func inflate(_ bytes: [UInt8], limit: Int? = nil) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try Inflate.inflate($0, limit: limit, source: "s.gz").output }
    }

    @Test func decodesStreamsMadeByZlib() throws {
        // zlib.compressobj(9, DEFLATED, -15) of b'abcabcabcabcabcabcXYZ' * 3: a fixed-Huffman block with back-references.
        let fixed: [UInt8] = [75, 76, 74, 78, 68, 69, 17, 145, 81, 137, 68, 11, 2, 0]
        #expect(try inflate(fixed) == Array(String(repeating: "abcabcabcabcabcabcXYZ", count: 3).utf8))
        // The same at level 0: one stored block.
        let stored: [UInt8] = [1, 5, 0, 250, 255, 104, 101, 108, 108, 111]
        #expect(try inflate(stored) == Array("hello".utf8))
        let consumed = try (stored + [9, 9]).withUnsafeBytes { try Inflate.inflate($0, source: "s").consumed }
        #expect(consumed == stored.count)
    }

    @Test func refusesCorruptStreams() {
        #expect(message { try inflate([0x07]) } == "'s.gz' is malformed: compressed data is corrupt (reserved block type 3); copy or save the file again")
        #expect(message { try inflate([1, 5, 0, 0, 0]) }?.contains("stored block length check fails") == true)
        #expect(message { try inflate([1, 5, 0, 250, 255, 104]) } == "'s.gz' is truncated: the compressed data stops in a stored block; copy or save the file again")
        #expect(message { try inflate([75, 76, 74, 78, 68, 69, 17]) } == "'s.gz' is truncated: the compressed data stops in the middle; copy or save the file again")
        #expect(message { try inflate([]) }?.contains("truncated") == true)
        #expect(message { try inflate([1, 5, 0, 250, 255, 104, 101, 108, 108, 111], limit: 4) }?.contains("more than the 4 bytes announced") == true)
    }

    @Test func checksGzipTrailer() throws {
        var gz = [UInt8](try Data(contentsOf: URL(fileURLWithPath: DataFiles.fixture("labels-idx1-ubyte.gz"))))
        gz[gz.count - 6] ^= 1
        let error = message { try gz.withUnsafeBytes { try Inflate.gunzip($0, source: "l.gz") } }
        #expect(error == "'l.gz' is malformed: the gzip CRC-32 or length does not match the data (corrupt download?); copy or save the file again")
        let header: [UInt8] = [0x1F, 0x8B, 8, 0]
        #expect(message { try header.withUnsafeBytes { try Inflate.gunzip($0, source: "h.gz") } } == "'h.gz' is truncated: it ends inside a gzip header; copy or save the file again")
        let notDeflate: [UInt8] = [0x1F, 0x8B, 9, 0, 0, 0, 0, 0, 0, 0]
        #expect(message { try notDeflate.withUnsafeBytes { try Inflate.gunzip($0, source: "h.gz") } }?.contains("not a gzip stream with deflate compression") == true)
    }

    @Test func crc32MatchesReference() {
        // The standard check value: CRC-32 of "123456789" is 0xCBF43926.
        #expect(Array("123456789".utf8).withUnsafeBytes { Inflate.crc32($0) } == 0xCBF4_3926)
        #expect(DataFiles.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
