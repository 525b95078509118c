/// Integers the engine holds as floats (indices, bit patterns): converted without trapping on
/// NaN, infinities or values beyond Int64, which a file's data may hold.
enum IndexValues {
    /// The position `value` names on an axis of `size` (negative counts from the end), or nil
    /// when it is not a whole number inside the axis.
    static func position(_ value: Float, size: Int) -> Int? {
        guard value.isFinite, value.magnitude <= Float(size) else { return nil }
        let i = Int(value) < 0 ? Int(value) + size : Int(value)
        return i >= 0 && i < size ? i : nil
    }

    /// `value` as an Int64, rounded toward zero and saturated at Int64's ends; NaN is 0.
    static func saturating(_ value: Float) -> Int64 {
        guard !value.isNaN else { return 0 }
        if value >= 0x1p63 { return .max }
        if value < -0x1p63 { return .min }
        return Int64(value)
    }
}
