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

    /// Copies `count` floats from `src` with inline vector moves: for short rows, cheaper than a memmove call.
    @inline(__always)
    func copyFloats(from src: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { (self + i).store((src + i).vector(SIMD8<Float>.self)); i += 8 }
        if i + 4 <= count { (self + i).store((src + i).vector(SIMD4<Float>.self)); i += 4 }
        while i < count { self[i] = src[i]; i += 1 }
    }
}
