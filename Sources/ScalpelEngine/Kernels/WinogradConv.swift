/// A 3×3, stride-1, ungrouped convolution by Winograd F(4×4, 3×3): every 6×6 input tile (4×4
/// outputs) becomes 36 transformed values, and each of the 36 tile positions is one SGEMM of the
/// transformed filters with the transformed tiles of a block of images.
///
/// The transforms interpolate at 0, ±3/2, ±2/3 and ∞ rather than the usual 0, ±1, ±2, ∞: the same
/// operations, with smaller coefficients (Alam et al. 2022, points of the form ±c, ±1/c), so a
/// layer's rms rounding error against float64 is about half (1.1e-6 against 2.4e-6 relative at
/// 128 channels) and its largest a quarter.
struct WinogradConv {
    /// Output values per tile side, input values per tile side, and tile positions (6×6).
    static let step = 4, span = 6, positions = 36
    /// Tiles transformed together, one per SIMD lane.
    static let lanes = 8
    /// Bytes of transformed tiles (or of products) a block of images may fill, by default.
    static let blockBytes = 4 << 20
    /// Tiles a block should hold by default, so that each SGEMM has enough columns.
    static let blockTiles = 256

    /// Input channels, filters, input and output sides, and the padding before each axis.
    let c, m, h, w, oh, ow, padTop, padLeft: Int
    let tilesY, tilesX: Int
    /// Images whose tiles one round of SGEMMs covers.
    let imagesPerBlock: Int
    /// Transformed filters: positions × filters × channels.
    let filters: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    /// Scratch: transformed tiles (positions × channels × block tiles) and products (positions × filters × block tiles).
    let tiles, products: UnsafeMutablePointer<Float>

    /// A convolution of `images` images at a time: filters (m × c × 3 × 3) transformed now,
    /// scratch for one block (at most `blockBytes` per buffer, at least one image) taken from `allocate`.
    /// By default a block holds `blockBytes` or, for small planes, enough images for `blockTiles` tiles.
    /// With `flipped`, `weights` are another convolution's c × m × 3 × 3 filters, used flipped in
    /// space with inputs and outputs swapped (the filters of that convolution's input gradient).
    init(c: Int, m: Int, h: Int, w: Int, oh: Int, ow: Int, padTop: Int, padLeft: Int, images: Int,
         weights: UnsafePointer<Float>, flipped: Bool = false, bias: UnsafePointer<Float>?, blockBytes: Int? = nil,
         allocate: (Int) -> UnsafeMutablePointer<Float>) {
        (self.c, self.m, self.h, self.w, self.oh, self.ow, self.padTop, self.padLeft) = (c, m, h, w, oh, ow, padTop, padLeft)
        (tilesY, tilesX) = ((oh + Self.step - 1) / Self.step, (ow + Self.step - 1) / Self.step)
        let sizes = Self.scratch(c: c, m: m, oh: oh, ow: ow, images: images, blockBytes: blockBytes)
        imagesPerBlock = sizes.imagesPerBlock
        let filters = allocate(sizes.filters)
        Self.transformFilters(weights, m: m, c: c, flipped: flipped, into: filters)
        self.filters = UnsafePointer(filters)
        self.bias = bias
        tiles = allocate(sizes.tiles)
        products = allocate(sizes.products)
    }

    /// Images per block, and the floats of the transformed filters, tiles and products such a
    /// convolution allocates.
    static func scratch(c: Int, m: Int, oh: Int, ow: Int, images: Int, blockBytes: Int? = nil)
        -> (imagesPerBlock: Int, filters: Int, tiles: Int, products: Int) {
        let planeTiles = ((oh + step - 1) / step) * ((ow + step - 1) / step)
        let bytesPerImage = positions * max(c, m) * planeTiles * MemoryLayout<Float>.size
        let budget = blockBytes ?? max(Self.blockBytes, Self.blockTiles / planeTiles * bytesPerImage)
        let imagesPerBlock = max(1, min(images, budget / max(1, bytesPerImage)))
        let blockTiles = imagesPerBlock * planeTiles
        return (imagesPerBlock, positions * m * c, positions * c * blockTiles, positions * m * blockTiles)
    }

    /// Whether a convolution's geometry suits this kernel and is big enough to gain from it.
    static func applies(_ g: ConvKernels.Geometry) -> Bool {
        g.padTop >= 0 && g.padLeft >= 0 && worthwhile(outputs: g.oh * g.ow, c: g.c, m: g.m)
            && suits(c: g.c, m: g.m, kernel: [g.kh, g.kw], strides: [g.sh, g.sw], dilations: [g.dh, g.dw], group: g.group)
    }

    /// Output positions per plane below which the transforms cost more than they save (planes up to 8×8).
    static let minimumOutputs = 65
    /// Channels × filters from which even small planes gain (the SGEMMs then dwarf the transforms).
    static let manyChannels = 256 * 256

    /// Whether the transforms pay for themselves: planes larger than 8×8, or many channels and filters.
    static func worthwhile(outputs: Int, c: Int, m: Int) -> Bool { outputs >= minimumOutputs || c * m >= manyChannels }

    /// Whether a convolution is 3×3, stride 1, undilated and ungrouped, with enough channels
    /// and filters that the SGEMMs outweigh the transforms.
    static func suits(c: Int, m: Int, kernel: [Int], strides: [Int], dilations: [Int], group: Int) -> Bool {
        group == 1 && kernel == [3, 3] && strides.allSatisfy { $0 == 1 } && dilations.allSatisfy { $0 == 1 } && c >= 16 && m >= 16
    }

    /// Writes filters (m × c × 3 × 3) transformed to G·g·Gᵀ into `out`, laid out positions × m × c;
    /// eight channels of a filter at a time, one per SIMD lane. With `flipped`, filter f's channel
    /// ch is `weights`' filter ch, channel f, flipped in space (`weights` being c × m × 3 × 3).
    static func transformFilters(_ weights: UnsafePointer<Float>, m: Int, c: Int, flipped: Bool = false,
                                 into out: UnsafeMutablePointer<Float>) {
        let stride = m * c
        Parallel.each(m, elementsEach: c * 9) { filter in
            // One filter's 36 positions × c channels, built here and copied out a position at a
            // time: writing each channel's 36 values straight out would touch 36 distant rows.
            let local = UnsafeMutablePointer<Float>.allocate(capacity: positions * c)
            let left = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: span * 3)  // G·g, 6 × 3
            defer { local.deallocate(); left.deallocate() }
            for first in Swift.stride(from: 0, to: c, by: lanes) {
                let count = min(lanes, c - first)
                let k = flipped ? weights + (first * m + filter) * 9 + 8 : weights + (filter * c + first) * 9
                let (laneStride, tapStride) = flipped ? (m * 9, -1) : (9, 1)
                func tap(_ t: Int) -> SIMD8<Float> {
                    var v = SIMD8<Float>()
                    for l in 0..<count { v[l] = k[l * laneStride + t * tapStride] }
                    return v
                }
                for j in 0..<3 {
                    expand(tap(j), tap(3 + j), tap(6 + j)) { i, v in left[i * 3 + j] = v }
                }
                for i in 0..<span {
                    expand(left[i * 3], left[i * 3 + 1], left[i * 3 + 2]) { j, v in
                        store(v, to: local + (i * span + j) * c + first, lanes: count)
                    }
                }
            }
            for p in 0..<positions { (out + p * stride + filter * c).update(from: local + p * c, count: c) }
        }
    }

    /// G·v for one column v of three values (F(4×4, 3×3)'s filter transform).
    @inline(__always)
    private static func expand(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ emit: (Int, SIMD8<Float>) -> Void) {
        let near = a * (8.0 / 65 as Float) + c * (18.0 / 65 as Float), nearOdd = b * (12.0 / 65 as Float)
        let far = a * (-81.0 / 130 as Float) - c * (18.0 / 65 as Float), farOdd = b * (27.0 / 65 as Float)
        emit(0, a)
        emit(1, near + nearOdd)
        emit(2, near - nearOdd)
        emit(3, far - farOdd)
        emit(4, far + farOdd)
        emit(5, c)
    }

    /// Transforms new filter values (m × c × 3 × 3) into the kernel's filters, as at initialisation.
    func transformFilters(from weights: UnsafePointer<Float>) {
        Self.transformFilters(weights, m: m, c: c, into: UnsafeMutablePointer(mutating: filters))
    }

    /// Runs the convolution on `images` images: x (images × c × h × w) to out (images × m × oh × ow),
    /// adding the bias and applying `activation` as the output is written.
    func run(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, images: Int, activation: Epilogue) {
        let planeTiles = tilesY * tilesX
        for first in stride(from: 0, to: images, by: imagesPerBlock) {
            let count = min(imagesPerBlock, images - first), blockTiles = count * planeTiles
            transformInput(x + first * c * h * w, images: count)
            // The 36 products are independent: the cores take them in turn, one thread each.
            Parallel.each(Self.positions, elementsEach: m * c * blockTiles) { p in
                Gemm.multiply(m: m, n: blockTiles, k: c, filters + p * m * c, lda: c, tiles + p * c * blockTiles, ldb: blockTiles,
                              products + p * m * blockTiles, ldc: blockTiles, split: false)
            }
            transformOutput(out + first * m * oh * ow, images: count, activation: activation)
        }
    }

    /// Runs `body` over `0..<count` split into up to 32 ranges, which idle cores take in turn.
    private static func inPieces(_ count: Int, elementsEach: Int, _ body: (Range<Int>) -> Void) {
        let pieces = min(count, 32)
        Parallel.each(pieces, elementsEach: elementsEach * count / max(1, pieces)) { p in body((p * count / pieces)..<((p + 1) * count / pieces)) }
    }

    /// The first column of each group of eight that a row of `count` tile columns is transformed
    /// in. When the row has eight columns or more, the last group is moved back to end with the
    /// row (recomputing a few columns), so that every group fills all its lanes.
    private static func groupStarts(_ count: Int) -> [Int] {
        stride(from: 0, to: count, by: lanes).map { count >= lanes ? min($0, count - lanes) : $0 }
    }

    /// Lanes of a group whose tiles lie side by side, `step` floats apart, the first at `offset`.
    private struct Run {
        let offset: Int
        let lanes: Range<Int>
    }

    /// The runs of side-by-side tiles among the eight lanes from column `first` of a row of
    /// `count` columns: tiles that `fits` and whose `offset`s step by `step` from lane to lane.
    private static func runs(first: Int, count: Int, offset: (Int) -> Int, fits: (Int) -> Bool = { _ in true }) -> [Run] {
        var runs: [Run] = [], lane = 0
        while lane < lanes, first + lane < count {
            guard fits(first + lane) else { lane += 1; continue }
            let start = lane, base = offset(first + lane)
            lane += 1
            while lane < lanes, first + lane < count, fits(first + lane), offset(first + lane) == base + step * (lane - start) { lane += 1 }
            runs.append(Run(offset: base, lanes: start..<lane))
        }
        return runs
    }

    /// A run of the input transform as it reads: lane l's tile from `base + step × l`, over the
    /// lanes `lanes` marks (from the run's first on; a later run of the group overwrites its own).
    private struct TileRun {
        let base: Int
        let lanes: SIMDMask<SIMD8<Int32>>

        init(_ run: Run) {
            base = run.offset - WinogradConv.step * run.lanes.lowerBound
            var mask = SIMDMask<SIMD8<Int32>>()
            for l in run.lanes.lowerBound..<WinogradConv.lanes { mask[l] = true }
            lanes = mask
        }
    }

    /// Floats readable before and after the padded planes, for the windows of runs that start mid-group.
    private static let slack = 32

    /// Columns j = 0…5 of eight side-by-side tiles' row starting at p (the 36 floats from p, every fourth).
    @inline(__always)
    private static func window(_ p: UnsafePointer<Float>)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        @inline(__always)
        func pick(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ j: Int) -> SIMD8<Float> {
            SIMD8(a[j], a[j + 4], a[j + 8], a[j + 12], b[j], b[j + 4], b[j + 8], b[j + 12])
        }
        let a = p.vector(SIMD16<Float>.self), b = (p + 16).vector(SIMD16<Float>.self)
        let a4 = (p + 4).vector(SIMD16<Float>.self), b4 = (p + 20).vector(SIMD16<Float>.self)
        return (pick(a, b, 0), pick(a, b, 1), pick(a, b, 2), pick(a, b, 3), pick(a4, b4, 0), pick(a4, b4, 1))
    }

    /// Bᵀ·d·B of every tile of `images` images, into `tiles`. A channel's row of tiles holds all the
    /// block's images (column = image × plane tiles + tile): the channel's planes are copied into
    /// zero-bordered planes, then its columns are transformed eight at a time. Where a group's
    /// tiles form at most two runs along padded rows, each row of the group is read as whole
    /// vectors and split into its six columns; otherwise each value is gathered.
    private func transformInput(_ x: UnsafePointer<Float>, images: Int) {
        let planeTiles = tilesY * tilesX, blockTiles = images * planeTiles, positionStride = c * blockTiles
        let ph = tilesY * Self.step + 2, pw = tilesX * Self.step + 2, paddedSize = ph * pw
        let rows = min(h, ph - padTop), cols = min(w, pw - padLeft)
        // Each column's top-left corner among the padded planes, the last repeated to a whole group.
        let origins = (0..<max(blockTiles, Self.lanes)).map { column in
            let column = min(column, blockTiles - 1), t = column % planeTiles
            return column / planeTiles * paddedSize + (t / tilesX) * Self.step * pw + (t % tilesX) * Self.step
        }
        // Each group's first column and its runs: the first two, and how many there are.
        var groups: [(first: Int, runs: Int)] = [], runs: [TileRun] = []
        origins.withUnsafeBufferPointer { o in
            for first in Self.groupStarts(blockTiles) {
                let found = Self.runs(first: first, count: blockTiles) { o[$0] }.map(TileRun.init)
                groups.append((first, found.count))
                runs += found.prefix(2) + Array(repeating: found[0], count: max(0, 2 - found.count))
            }
        }
        origins.withUnsafeBufferPointer { o in groups.withUnsafeBufferPointer { groups in runs.withUnsafeBufferPointer { runs in
            Self.inPieces(c, elementsEach: images * h * w) { channels in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: images * paddedSize + 2 * Self.slack)
                let rowPass = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: Self.positions)
                defer { buffer.deallocate(); rowPass.deallocate() }
                buffer.initialize(repeating: 0, count: images * paddedSize + 2 * Self.slack)  // borders stay zero
                let padded = buffer + Self.slack
                for channel in channels {
                    for image in 0..<images {
                        let src = x + (image * c + channel) * h * w, plane = padded + image * paddedSize + padTop * pw + padLeft
                        for y in 0..<rows { (plane + y * pw).copyFloats(from: src + y * w, count: cols) }
                    }
                    let dst = tiles + channel * blockTiles
                    for (index, group) in groups.enumerated() {
                        let first = runs[2 * index], second = runs[2 * index + 1]
                        for r in 0..<Self.span {
                            let row = padded + r * pw
                            if group.runs <= 2 {
                                var v = Self.window(row + first.base)
                                if group.runs == 2 {
                                    let u = Self.window(row + second.base), mask = second.lanes
                                    v = (v.0.replacing(with: u.0, where: mask), v.1.replacing(with: u.1, where: mask),
                                         v.2.replacing(with: u.2, where: mask), v.3.replacing(with: u.3, where: mask),
                                         v.4.replacing(with: u.4, where: mask), v.5.replacing(with: u.5, where: mask))
                                }
                                Self.inputTransform(v.0, v.1, v.2, v.3, v.4, v.5) { k, v in rowPass[r * Self.span + k] = v }
                            } else {
                                func load(_ j: Int) -> SIMD8<Float> {
                                    let base = row + j, q = group.first
                                    return SIMD8(base[o[q]], base[o[q + 1]], base[o[q + 2]], base[o[q + 3]],
                                                 base[o[q + 4]], base[o[q + 5]], base[o[q + 6]], base[o[q + 7]])
                                }
                                Self.inputTransform(load(0), load(1), load(2), load(3), load(4), load(5)) { k, v in rowPass[r * Self.span + k] = v }
                            }
                        }
                        let lanes = min(Self.lanes, blockTiles - group.first)
                        for k in 0..<Self.span {
                            let column = rowPass + k
                            Self.inputTransform(column[0], column[6], column[12], column[18], column[24], column[30]) { i, v in
                                Self.store(v, to: dst + (i * Self.span + k) * positionStride + group.first, lanes: lanes)
                            }
                        }
                    }
                }
            }
        } } }
    }

    /// Aᵀ·X·A of every tile's products, plus bias and activation, into the output planes: a
    /// filter's row of products (all the block's images) eight columns at a time. A group's
    /// first two runs of whole, side-by-side tiles are interleaved into place a tile row at a
    /// time as vectors; the values of its other tiles are stored one by one.
    private func transformOutput(_ out: UnsafeMutablePointer<Float>, images: Int, activation: Epilogue) {
        let planeTiles = tilesY * tilesX, blockTiles = images * planeTiles, positionStride = m * blockTiles
        let bounds = activation.bounds
        let (low, high) = (SIMD8<Float>(repeating: bounds.low), SIMD8<Float>(repeating: bounds.high))
        // Each column's top-left output offset in its image, and whether all its 4×4 outputs lie inside the plane.
        let corners = (0..<blockTiles).map { column in
            let t = column % planeTiles, oy = (t / tilesX) * Self.step, ox = (t % tilesX) * Self.step
            return (offset: column / planeTiles * m * oh * ow + oy * ow + ox, rows: min(Self.step, oh - oy), cols: min(Self.step, ow - ox))
        }
        let starts = Self.groupStarts(blockTiles)
        // Each group's first two runs of whole tiles along output rows (either possibly empty), and which lanes they cover.
        var runs: [Run] = [], covered: [UInt8] = []
        for first in starts {
            let found = Self.runs(first: first, count: blockTiles, offset: { corners[$0].offset }) {
                corners[$0].rows == Self.step && corners[$0].cols == Self.step
            }.prefix(2)
            runs += found + Array(repeating: Run(offset: 0, lanes: 0..<0), count: 2 - found.count)
            covered.append(found.reduce(0) { mask, run in run.lanes.reduce(mask) { $0 | 1 << $1 } })
        }
        corners.withUnsafeBufferPointer { corners in runs.withUnsafeBufferPointer { runs in covered.withUnsafeBufferPointer { covered in
            Self.inPieces(m, elementsEach: images * oh * ow) { filters in
                let rowPass = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: Self.span * Self.step)
                let result = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: Self.step * Self.step)
                let line = UnsafeMutablePointer<Float>.allocate(capacity: Self.step * Self.lanes)
                defer { rowPass.deallocate(); result.deallocate(); line.deallocate() }
                let values = UnsafeMutableRawPointer(result).assumingMemoryBound(to: Float.self)
                for filter in filters {
                    let src = products + filter * blockTiles
                    let dst = out + filter * oh * ow, b = SIMD8<Float>(repeating: bias?[filter] ?? 0)
                    for (index, group) in starts.enumerated() {
                        let lanes = min(Self.lanes, blockTiles - group)
                        for r in 0..<Self.span {
                            func load(_ k: Int) -> SIMD8<Float> { Self.load(src + (r * Self.span + k) * positionStride + group, lanes: lanes) }
                            Self.outputTransform(load(0), load(1), load(2), load(3), load(4), load(5)) { j, v in rowPass[r * Self.step + j] = v }
                        }
                        for j in 0..<Self.step {
                            let column = rowPass + j
                            Self.outputTransform(column[0], column[4], column[8], column[12], column[16], column[20]) { i, v in
                                let x = v + b
                                result[i * Self.step + j] = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
                            }
                        }
                        if covered[index] != 0 {
                            for i in 0..<Self.step {
                                Self.interleave(values + i * Self.step * Self.lanes, into: line)
                                for run in runs[2 * index ..< 2 * index + 2] where !run.lanes.isEmpty {
                                    (dst + run.offset + i * ow).copyFloats(from: line + Self.step * run.lanes.lowerBound, count: Self.step * run.lanes.count)
                                }
                            }
                        }
                        for lane in 0..<lanes where covered[index] & (1 << lane) == 0 {
                            let corner = corners[group + lane], tile = values + lane
                            for i in 0..<corner.rows {
                                let line = dst + corner.offset + i * ow, row = tile + i * Self.step * Self.lanes
                                for j in 0..<corner.cols { line[j] = row[j * Self.lanes] }
                            }
                        }
                    }
                }
            }
        } } }
    }

    /// Row i of eight 4×4 tiles as they lie side by side: from the four vectors of the row's
    /// columns (lane = tile) at `row`, the 32 floats tile by tile into `line`.
    @inline(__always)
    private static func interleave(_ row: UnsafePointer<Float>, into line: UnsafeMutablePointer<Float>) {
        @inline(__always)
        func pick(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ l: Int) -> SIMD16<Float> {
            SIMD16(a[l], a[l + 8], b[l], b[l + 8], a[l + 1], a[l + 9], b[l + 1], b[l + 9],
                   a[l + 2], a[l + 10], b[l + 2], b[l + 10], a[l + 3], a[l + 11], b[l + 3], b[l + 11])
        }
        let a = row.vector(SIMD16<Float>.self), b = (row + 16).vector(SIMD16<Float>.self)
        line.store(pick(a, b, 0))
        (line + 16).store(pick(a, b, 4))
    }

    /// Bᵀ·d for one column d of six values (F(4×4, 3×3)'s input transform).
    @inline(__always)
    private static func inputTransform(_ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>,
                                       _ d4: SIMD8<Float>, _ d5: SIMD8<Float>, _ emit: (Int, SIMD8<Float>) -> Void) {
        let s: Float = 1.5, t: Float = 2.0 / 3, ss: Float = 2.25, tt: Float = 4.0 / 9, both: Float = 97.0 / 36
        let nearEven = d4 - tt * d2, nearOdd = s * d3 - t * d1
        let farEven = d4 - ss * d2, farOdd = t * d3 - s * d1
        emit(0, d0 - both * d2 + d4)
        emit(1, nearEven + nearOdd)
        emit(2, nearEven - nearOdd)
        emit(3, farEven + farOdd)
        emit(4, farEven - farOdd)
        emit(5, d1 - both * d3 + d5)
    }

    /// Aᵀ·x for one column x of six values (F(4×4, 3×3)'s output transform).
    @inline(__always)
    private static func outputTransform(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>,
                                        _ x4: SIMD8<Float>, _ x5: SIMD8<Float>, _ emit: (Int, SIMD8<Float>) -> Void) {
        let s: Float = 1.5, t: Float = 2.0 / 3, ss: Float = 2.25, tt: Float = 4.0 / 9, sss: Float = 3.375, ttt: Float = 8.0 / 27
        let sum12 = x1 + x2, diff12 = x1 - x2, sum34 = x3 + x4, diff34 = x3 - x4
        emit(0, x0 + sum12 + sum34)
        emit(1, s * diff12 + t * diff34)
        emit(2, ss * sum12 + tt * sum34)
        emit(3, sss * diff12 + ttt * diff34 + x5)
    }

    /// Stores the first `lanes` values of v at p.
    @inline(__always)
    private static func store(_ v: SIMD8<Float>, to p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == Self.lanes {
            p.store(v)
        } else {
            for l in 0..<lanes { p[l] = v[l] }
        }
    }

    /// Loads `lanes` values from p (zeros beyond).
    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>, lanes: Int) -> SIMD8<Float> {
        if lanes == Self.lanes { return p.vector() }
        var v = SIMD8<Float>()
        for l in 0..<lanes { v[l] = p[l] }
        return v
    }
}
