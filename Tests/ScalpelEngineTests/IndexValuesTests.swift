@testable import ScalpelEngine
import Testing

/// Indices and bit patterns the engine holds as floats convert without trapping, whatever a file holds.
@Suite struct IndexValuesTests {
    @Test func positionsInsideTheAxisCountNegativesFromTheEnd() {
        #expect(IndexValues.position(0, size: 5) == 0)
        #expect(IndexValues.position(4, size: 5) == 4)
        #expect(IndexValues.position(-1, size: 5) == 4)
        #expect(IndexValues.position(-5, size: 5) == 0)
    }

    @Test func positionsOutsideTheAxisOrNotNumbersAreNone() {
        for value: Float in [5, -6, .nan, .infinity, -.infinity, 1e30, -1e30] {
            #expect(IndexValues.position(value, size: 5) == nil, "\(value)")
        }
    }

    @Test func saturatingConversionStopsAtInt64sEnds() {
        #expect(IndexValues.saturating(.nan) == 0)
        #expect(IndexValues.saturating(.infinity) == .max)
        #expect(IndexValues.saturating(-.infinity) == .min)
        #expect(IndexValues.saturating(1e30) == .max)
        #expect(IndexValues.saturating(-1e30) == .min)
        #expect(IndexValues.saturating(-7.9) == -7)
        #expect(IndexValues.saturating(12) == 12)
    }
}
