import Foundation
import ScalpelCore
@testable import ScalpelShell
import Testing

/// `input-shape` fixes an input's dimensions; what was dynamic becomes concrete downstream.
@Suite struct InputShapeTests {
    @Test func fixingTheSizeScalesTheMACsAndUndoes() throws {
        var session = try SessionTests.load("grouped_cnn")
        let before = try session.current().summary.totalMACs
        #expect(before == 308_544)  // the fixture's golden count at 16×16
        let message = try SessionTests.run(["input-shape x=1x3x32x32"], on: &session)
        #expect(message.contains("input 'x': [N, 3, 16, 16] → [1, 3, 32, 32]"), "\(message)")
        // Every convolution's MACs grow with the plane, 4×; the Linear's 320 stay.
        let doc = try session.current()
        #expect(doc.summary.totalMACs == 4 * (308_544 - 320) + 320)
        let stem = try #require(doc.model.graph.nodes.first?.outputs.first)
        #expect(doc.shapes[stem].dims == [.value(1), .value(16), .value(16), .value(16)])
        _ = try SessionTests.run(["undo"], on: &session)
        #expect(try session.current().summary.totalMACs == before)
    }

    @Test(arguments: [
        ("input-shape 1x3x16", "input 'x' has rank 4 ([N, 3, 16, 16]); give 4 dimensions, not 3"),
        ("input-shape y=1x3x16x16", "the model has no input 'y'; its inputs are x"),
        ("input-shape 1x3x0x16", "dimension 0 of input 'x' is not a positive size"),
        ("input-shape 1x3xHx16", "'1x3xHx16' is not NAME=DIMS or DIMS with sizes joined by x"),
    ])
    func badShapesChangeNothing(line: String, message: String) throws {
        var session = try SessionTests.load("grouped_cnn")
        #expect { try SessionTests.run([line], on: &session) } throws: { "\($0)".contains(message) }
        #expect(try session.current().summary.totalMACs == 308_544)
        #expect(try session.current().model.graph.inputs[0].declaredType?.dims?[0] == .symbol("N"))
    }
}
