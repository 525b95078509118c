import Foundation
import Testing
import ScalpelData

@Suite struct DatasetTests {
    typealias D = DataFiles

    @Test func loadsTheBundledDigits() throws {
        let data = try Dataset.load(path: D.examples.appendingPathComponent("digits_test.npz").path)
        #expect(data.count == 450)
        #expect(data.shape == [450, 1, 8, 8])
        #expect(data.sampleShape == [1, 8, 8] && data.sampleSize == 64)
        let labels = try #require(data.labels)
        #expect(labels.allSatisfy { (0...9).contains($0) })
        #expect(data.classCount == 10)
        // Expected values read with numpy from examples/digits_test.npz:
        // y[:10], y[-5:], np.bincount(y), x[0,0,0,:], x[200,0,3,:], x[449,0,7,:], x.sum().
        #expect(Array(labels.prefix(10)) == [2, 0, 4, 9, 4, 1, 2, 4, 6, 7])
        #expect(Array(labels.suffix(5)) == [9, 9, 1, 1, 9])
        #expect((0...9).map { c in labels.filter { $0 == c }.count } == [45, 46, 44, 46, 45, 46, 45, 45, 43, 45])
        #expect(Array(data.images[0..<8]) == [0, 0, 0.4375, 1, 0.875, 0.1875, 0, 0])
        #expect(Array(data.images[(200 * 64 + 24)..<(200 * 64 + 32)]) == [0, 0, 0.625, 1, 0.9375, 0.8125, 0.0625, 0])
        #expect(Array(data.images[(449 * 64 + 56)..<(449 * 64 + 64)]) == [0, 0, 0, 0, 0.75, 0.375, 0, 0])
        #expect(data.images.reduce(0.0) { $0 + Double($1) } == 8794.5625)
    }

    @Test func splitsIntoBatches() throws {
        let data = try Dataset.load(path: D.examples.appendingPathComponent("digits_test.npz").path)
        #expect(data.batches(size: 128) == [0..<128, 128..<256, 256..<384, 384..<450])
        #expect(data.batches(size: 1000) == [0..<450])
        #expect(data.batches(size: 0).count == 450)
        let batch = data.images(in: 384..<450)
        #expect(batch.count == 66 * 64)
        #expect(batch == Array(data.images[(384 * 64)...]))
        #expect(data.images(in: 440..<500).count == 10 * 64)
        #expect(data.labels(in: 0..<3) == [2, 0, 4])
        let empty = try Dataset(images: [], shape: [0, 1, 2, 2])
        #expect(empty.batches(size: 4).isEmpty && empty.labels == nil && empty.classCount == nil)
    }

    @Test func findsArraysUnderTheirOtherNames() throws {
        let x = D.npy(descr: "<f4", shape: "(2, 1, 1, 2)", payload: D.f32([1, 2, 3, 4]))
        let y = D.npy(descr: "|u1", shape: "(2,)", payload: [1, 0])
        let unlabelled = D.npy(descr: "<f8", shape: "(2, 2, 2)", payload: D.le([1.0, 2, 3, 4, 5, 6, 7, 8].map(\.bitPattern)))
        try D.withTemporaryDirectory { dir in
            let a = try D.write(D.zip([("images.npy", x), ("targets.npy", y)]), "a.npz", in: dir)
            let loaded = try Dataset.load(path: a)
            #expect(loaded.shape == [2, 1, 1, 2] && loaded.images == [1, 2, 3, 4] && loaded.labels == [1, 0])
            let b = try D.write(D.zip([("labels.npy", y), ("data.npy", unlabelled)]), "b.npz", in: dir)
            let second = try Dataset.load(path: b)
            #expect(second.shape == [2, 1, 2, 2] && second.images == [1, 2, 3, 4, 5, 6, 7, 8] && second.labels == [1, 0])
            let c = try D.write(D.zip([("x.npy", x)]), "c.npz", in: dir)
            #expect(try Dataset.load(path: c).labels == nil)
            let wrong = try D.write(D.zip([("pixels.npy", x)]), "d.npz", in: dir)
            #expect(message { try Dataset.load(path: wrong) }
                == "'\(wrong)' has no array named 'x' or 'images' or 'data' (it has 'pixels'); save it with np.savez(FILE, x=images, y=labels)")
        }
    }

    @Test func loadsChannelsLastUInt8AndNormalises() throws {
        let path = D.fixture("compressed.npz")
        let data = try Dataset.load(path: path, channelsLast: true)
        #expect(data.shape == [5, 3, 4, 4])
        #expect(data.labels == [3, 0, 2, 1, 3])
        // numpy: x[0,0,0] = [139, 74, 229] (one pixel's three channels), x[2,1,2] = [103, 122, 31], x[4,3,3] = [54, 157, 131].
        func pixel(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Float { data.images[((n * 3 + c) * 4 + h) * 4 + w] }
        func scaled(_ bytes: [Float]) -> [Float] { bytes.map { $0 / 255 } }
        let first: [Float] = [pixel(0, 0, 0, 0), pixel(0, 1, 0, 0), pixel(0, 2, 0, 0)]
        let middle: [Float] = [pixel(2, 0, 1, 2), pixel(2, 1, 1, 2), pixel(2, 2, 1, 2)]
        let last: [Float] = [pixel(4, 0, 3, 3), pixel(4, 1, 3, 3), pixel(4, 2, 3, 3)]
        #expect(first == scaled([139, 74, 229]))
        #expect(middle == scaled([103, 122, 31]))
        #expect(last == scaled([54, 157, 131]))
        let mean: [Float] = [0.5, 0.4, 0.3], std: [Float] = [0.2, 0.25, 0.5]
        let normalised = try Dataset.load(path: path, channelsLast: true, mean: mean, std: std)
        for (i, v) in normalised.images.enumerated() {
            let c = (i / 16) % 3
            #expect(v == (data.images[i] - mean[c]) / std[c])
        }
        let single = try Dataset.load(path: path, channelsLast: true, mean: [0.5])
        #expect(single.images == data.images.map { ($0 - 0.5) / 1 })
    }

    @Test func loadsIDXAndNPYWithSeparateLabels() throws {
        let mnist = try Dataset.load(path: D.fixture("images-idx3-ubyte.gz"), labels: D.fixture("labels-idx1-ubyte.gz"))
        #expect(mnist.shape == [6, 1, 5, 5])
        #expect(mnist.labels == [7, 2, 1, 0, 4, 1])
        #expect(Array(mnist.images.prefix(2)) == [Float(133) / 255, Float(69) / 255])
        try D.withTemporaryDirectory { dir in
            let x = try D.write(D.npy(descr: "<f4", shape: "(3, 2, 2)", payload: D.f32((0..<12).map(Float.init))), "x.npy", in: dir)
            let y = try D.write(D.npy(descr: "<f4", shape: "(3, 1)", payload: D.f32([2, 0, 1])), "y.npy", in: dir)
            let data = try Dataset.load(path: x, labels: y)
            #expect(data.shape == [3, 1, 2, 2] && data.labels == [2, 0, 1] && data.images == (0..<12).map(Float.init))
            // A labels argument replaces the labels inside an .npz.
            let npz = try D.write(D.zip([("x.npy", D.npy(descr: "<f4", shape: "(3, 1, 1, 1)", payload: D.f32([1, 2, 3]))),
                                         ("y.npy", D.npy(descr: "<i8", shape: "(3,)", payload: D.le([Int64(5), 5, 5])))]), "d.npz", in: dir)
            #expect(try Dataset.load(path: npz, labels: y).labels == [2, 0, 1])
            #expect(try Dataset.load(path: npz).labels == [5, 5, 5])
        }
    }

    @Test func reportsEachProblemWithTheFileAndTheFix() throws {
        try D.withTemporaryDirectory { dir in
            func file(_ name: String, _ bytes: [UInt8]) throws -> String { try D.write(bytes, name, in: dir) }
            let images = try file("x.npy", D.npy(descr: "<f4", shape: "(3, 1, 1, 1)", payload: D.f32([1, 2, 3])))
            let missing = dir.appendingPathComponent("nope.npz").path
            #expect(message { try Dataset.load(path: missing) } == "'\(missing)': no such file; check the path")
            #expect(message { try Dataset.load(path: dir.path) } == "cannot read '\(dir.path)': it is a folder; give a .npy, .npz or IDX file")
            let text = try file("notes.txt", Array("just text".utf8))
            #expect(message { try Dataset.load(path: text) }
                == "'\(text)' is not a .npy, .npz or IDX (MNIST-style) file, nor one of those gzipped; save the data with numpy.save or numpy.savez")
            let cut = try file("cut.npy", Array(D.npy(descr: "<f4", shape: "(3, 1, 1, 1)", payload: D.f32([1, 2, 3])).dropLast(2)))
            #expect(message { try Dataset.load(path: cut) }
                == "'\(cut)' is truncated: shape (3, 1, 1, 1) of float32 needs 12 bytes of data but 10 follow the header; copy or save the file again")
            #expect(message { try Dataset.load(path: D.fixture("strings.npy")) }?.hasSuffix("element type '<U2' is not supported; convert it to float32 or an integer type (e.g. x.astype(np.float32))") == true)
            let flat = try file("flat.npy", D.npy(descr: "<f4", shape: "(4,)", payload: D.f32([1, 2, 3, 4])))
            #expect(message { try Dataset.load(path: flat) }
                == "samples in '\(flat)' have shape (4,); expected N×C×… (N×C×H×W images, N×C×L sequences, N×F features; N×H×W is read as one channel; use channelsLast for N×…×C)")
            #expect(message { try Dataset.load(path: images, sampleRank: 1) }
                == "samples in '\(images)' have shape (3, 1, 1, 1), but the model takes samples of rank 1 (N×F with 2 axes in all); reshape the data, or give channelsLast for N×…×C")
            let two = try file("two.npy", D.npy(descr: "<i8", shape: "(2,)", payload: D.le([Int64(0), 1])))
            #expect(message { try Dataset.load(path: images, labels: two) }
                == "'\(images)' has 3 images but '\(two)' has 2 labels; give the labels that belong to these images")
            let negative = try file("neg.npy", D.npy(descr: "<i4", shape: "(3,)", payload: D.le([Int32(0), -1, 2])))
            #expect(message { try Dataset.load(path: images, labels: negative) }
                == "label 1 in '\(negative)' is -1; labels must be class indices 0, 1, 2, …")
            let fraction = try file("frac.npy", D.npy(descr: "<f8", shape: "(3,)", payload: D.le([0.0, 1.5, 2].map(\.bitPattern))))
            #expect(message { try Dataset.load(path: images, labels: fraction) }
                == "label 1 in '\(fraction)' is 1.5, not a whole number; labels must be class indices 0, 1, 2, …")
            let oneHot = try file("onehot.npy", D.npy(descr: "<f4", shape: "(3, 2)", payload: D.f32([1, 0, 0, 1, 1, 0])))
            #expect(message { try Dataset.load(path: images, labels: oneHot) }
                == "labels in '\(oneHot)' have shape (3, 2); expected one integer class per sample (N or N×1), not one-hot")
            #expect(message { try Dataset.load(path: images, mean: [0.1, 0.2]) }
                == "mean has 2 values but the images have 1 channel; give one value, or one per channel")
            #expect(message { try Dataset.load(path: D.fixture("compressed.npz"), channelsLast: true, std: [1, 1]) }
                == "std has 2 values but the images have 3 channels; give one value, or one per channel")
            #expect(message { try Dataset.load(path: D.fixture("compressed.npz"), channelsLast: true, std: [1, 0, 1]) }
                == "std for channel 1 is 0; every std value must be non-zero")
        }
    }

    @Test func checksDatasetsBuiltInMemory() throws {
        let data = try Dataset(images: [1, 2, 3, 4], shape: [2, 1, 2, 1], labels: [0, 3])
        #expect(data.count == 2 && data.classCount == 4)
        #expect(message { try Dataset(images: [1, 2, 3], shape: [2, 1, 2, 1]) } == "dataset images: shape (2, 1, 2, 1) holds 4 values but 3 were given")
        #expect(message { try Dataset(images: [1, 2], shape: [2]) }?.contains("have shape (2,); expected N×C×…") == true)
        #expect(message { try Dataset(images: [1, 2], shape: [2, 1, 1, 1], labels: [0]) }
            == "'images given in memory' has 2 images but 'labels given in memory' has 1 label; give the labels that belong to these images")
        #expect(message { try Dataset(images: [1, 2], shape: [2, 1, 1, 1], labels: [0, -4]) }?.contains("label 1 in 'labels given in memory' is -4") == true)
    }

    /// The model's sample rank decides what a rank-3 array is: N×C×L sequences for a 1-D model,
    /// grayscale N×H×W images (given C = 1) for a 2-D one; channelsLast moves the last axis to 1.
    @Test func samplesTakeTheShapeTheModelTakes() throws {
        try D.withTemporaryDirectory { dir in
            let values: [Float] = (0..<24).map(Float.init)
            let path = try D.write(D.npy(descr: "<f4", shape: "(2, 3, 4)", payload: D.f32(values)), "x.npy", in: dir)
            let sequences = try Dataset.load(path: path, sampleRank: 2)
            #expect(sequences.shape == [2, 3, 4] && sequences.images == values && sequences.sampleSize == 12)
            let images = try Dataset.load(path: path, sampleRank: 3)
            #expect(images.shape == [2, 1, 3, 4] && images.images == values)
            #expect(try Dataset.load(path: path).shape == [2, 1, 3, 4])
            // N×L×C (a Keras Conv1D's input) to N×C×L: element (n, l, c) moves to (n, c, l).
            let channelsLast = try Dataset.load(path: path, channelsLast: true, sampleRank: 2)
            #expect(channelsLast.shape == [2, 4, 3])
            #expect(channelsLast.images[0 * 12 + 1 * 3 + 2] == values[0 * 12 + 2 * 4 + 1])
            #expect(channelsLast.images[1 * 12 + 3 * 3 + 0] == values[1 * 12 + 0 * 4 + 3])
            let features = try Dataset.load(path: try D.write(D.npy(descr: "<f4", shape: "(3, 2)", payload: D.f32([1, 2, 3, 4, 5, 6])), "f.npy", in: dir),
                                            std: [2], sampleRank: 1)
            #expect(features.shape == [3, 2] && features.images == [0.5, 1, 1.5, 2, 2.5, 3])
        }
    }
}
