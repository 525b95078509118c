@testable import ScalpelEngine
import Testing

/// Slice reads where ONNX Runtime reads, steps of the extreme integers included.
@Suite struct SliceLayoutTests {
    @Test func stepsLongerThanTheAxisReadOneElement() {
        // x is [1, 3, 8, 8]; dense strides are [192, 64, 8, 1].
        let down = LayoutKernels.sliceLayout([1, 3, 8, 8], starts: [7], ends: [Int.min], axes: [3], steps: [Int.min])
        #expect(down.base == 7)
        #expect(down.strides.prefix(3) == [192, 64, 8])
        let up = LayoutKernels.sliceLayout([1, 3, 8, 8], starts: [0], ends: [Int.max], axes: [2], steps: [Int.max])
        #expect(up.base == 0)
        #expect(up.strides[0] == 192 && up.strides[1] == 64 && up.strides[3] == 1)
    }

    @Test func ordinaryStepsScaleTheStride() {
        // Every second row from 1, then columns backwards from 6.
        let s = LayoutKernels.sliceLayout([2, 8, 8], starts: [1, 6], ends: [8, -100], axes: [1, -1], steps: [2, -1])
        #expect(s.base == 1 * 8 + 6)
        #expect(s.strides == [64, 16, -1])
    }
}
