/// Whole SIMD vectors of floats read from and written to memory, with no alignment required.
extension UnsafePointer<Float> {
    /// The `V.scalarCount` floats from here, as one vector.
    @inline(__always)
    func vector<V: SIMD>(_: V.Type = V.self) -> V where V.Scalar == Float {
        UnsafeRawPointer(self).loadUnaligned(as: V.self)
    }
}

extension UnsafeMutablePointer<Float> {
    /// The `V.scalarCount` floats from here, as one vector.
    @inline(__always)
    func vector<V: SIMD>(_: V.Type = V.self) -> V where V.Scalar == Float {
        UnsafePointer(self).vector()
    }

    /// Writes `v`'s lanes to the floats from here.
    @inline(__always)
    func store<V: SIMD>(_ v: V) where V.Scalar == Float {
        UnsafeMutableRawPointer(self).storeBytes(of: v, as: V.self)
    }
}
