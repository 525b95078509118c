import Foundation
import ScalpelCore
@testable import ScalpelShell
import Testing

/// Numbers typed at the shell that no layer can take (channel ranges to 2⁶³, layers of 10¹¹
/// filters, NaN settings) are refused with the limit named, and the session is left as it was.
@Suite struct HostileCommandTests {
    /// The error `line` gives on mini_resnet, checking that the model did not change.
    private func refusal(_ line: String) throws -> String {
        var s = try SessionTests.load()
        let before = try s.current().model.serialized()
        var message = ""
        do {
            _ = try SessionTests.run([line], on: &s)
        } catch {
            message = "\(error)"
        }
        #expect(try s.current().model.serialized() == before, "\(line) changed the model")
        return message
    }

    @Test func channelRangesBeyondTheLayerAreRefusedBeforeTheyAreExpanded() throws {
        for line in ["delete channels conv1 0-9223372036854775807", "delete channels conv1 0-999999999", "group conv1 3 5-8"] {
            let message = try refusal(line)
            #expect(message.contains("'/conv1/Conv' has channels 0…7;") && message.contains("goes beyond them"), "\(line): \(message)")
        }
    }

    @Test func layersTooBigToBuildAreRefused() throws {
        #expect(try refusal("insert after conv1 Conv out=99999999999 kernel=3").contains("out=99999999999 must be a finite number of at most 2147483647"))
        #expect(try refusal("insert after conv1 Conv out=9999999 kernel=3").contains("would hold more than 268435456 weights"))
        #expect(try refusal("insert after conv1 Dropout nan").contains("ratio=nan must be a finite number"))
    }

    @Test func aNewNameThatFindsAnotherLayerIsRefused() throws {
        #expect(try refusal("rename conv1 layer1.conv1") == "'layer1.conv1' already names '/layer1/conv1/Conv'; pick another name")
        #expect(try refusal("rename conv1 /layer1/conv1/Conv") == "'/layer1/conv1/Conv' already names '/layer1/conv1/Conv'; pick another name")
    }

    @Test func topAndBottomTogetherAreRefused() throws {
        #expect(try refusal("score conv1 --by l1 --top 3 --bottom 3").contains("--top and --bottom each choose the channels shown; give one of them"))
    }

    @Test func anEditThatChangesWhatTheModelReturnsIsRefused() throws {
        #expect(try refusal("replace fc Relu") == "the edit would change the model output 'y' from [N, 10] to [N, 16], "
            + "and what the model returns must keep its shape; nothing was changed")
    }

    @Test func fixingAnInputRedeclaresTheOutputsItResizes() throws {
        var s = try SessionTests.load()
        let text = try SessionTests.run(["input-shape 3x3x16x16"], on: &s)
        #expect(text.contains("output y: [N, 10] → [3, 10] declared to match"), "\(text)")
        #expect(try s.current().model.graph.outputs.map { $0.declaredType?.shapeDescription } == ["[3, 10]"])
    }
}
