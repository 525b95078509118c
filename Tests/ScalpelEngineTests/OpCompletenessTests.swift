@testable import ScalpelCore
@testable import ScalpelEngine
import Testing

/// Every op Scalpel knows is complete facet by facet, or says why not, and the facets agree
/// with one another: one walk over ``OpType/known``.
@Suite struct OpCompletenessTests {
    @Test func everyOpHasEveryFacetOrSaysWhyNot() {
        for op in OpType.known {
            #expect(op.engine != nil, "\(op)'s family has no engine declaration")
            #expect(op.infersShapes, "\(op) has no shape rule")
            if let gap = op.channels.gap { #expect(!gap.isEmpty, "\(op) blocks channels without a reason") }
            if let gap = EngineSupport.kernelGap(op) { #expect(!gap.isEmpty, "\(op) has no kernel and no reason") }
            if let gap = EngineSupport.gradientGap(op) { #expect(!gap.isEmpty, "\(op) has no gradient and no reason") }
        }
    }

    @Test func namesAreUniqueAndRoundTrip() {
        #expect(Set(OpType.known.map(\.name)).count == OpType.known.count)
        for op in OpType.known { #expect(OpType(op.name) == op, "\(op) does not parse back from its name") }
        #expect(OpType("Relu", domain: "com.example") == .other("com.example.Relu"))
        #expect(OpType("Mish2") == .other("Mish2"))
        #expect(OpType("Mish2").channels.gap != nil && EngineSupport.kernelGap(OpType("Mish2")) != nil)
    }

    @Test func everyDifferentiatedOpRuns() {
        for op in OpType.known where EngineSupport.gradientGap(op) == nil {
            #expect(EngineSupport.kernelGap(op) == nil, "\(op) has a gradient rule but no kernel")
        }
    }

    @Test func producersCountTheirCostAndTheirWeights() {
        for op in OpType.known where op.channels.value?.produces == true {
            #expect(op.macs != .notCounted, "\(op) makes channels but its MACs are not counted")
            #expect(op.parameters.weight != nil, "\(op) makes channels but declares no weight layout")
            #expect(!op.parameters.trained.isEmpty, "\(op) makes channels but trains nothing")
        }
        // Einsum's products are counted though Scalpel does not follow channels through its equations.
        for op in OpType.known where op.macs != .notCounted && op.macs != .einsum { #expect(op.channels.value?.produces == true, "\(op)") }
    }

    @Test func everyInsertableOpRunsAndCarriesChannels() {
        for op in OpType.known where op.insertion != nil {
            #expect(EngineSupport.kernelGap(op) == nil, "\(op) can be inserted but not run")
            #expect(op.channels.value != nil, "\(op) can be inserted but blocks channels")
            #expect(LayerSpec.known[op.name] == op.insertion?.settings)
        }
    }
}
