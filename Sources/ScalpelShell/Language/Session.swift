import Foundation
import ScalpelCore

/// The model being worked on, where it came from, and what is known about it.
public struct Session: Sendable {
    /// The current model.
    public private(set) var model: Model
    /// Inferred types of the current model's values.
    public private(set) var shapes: ShapeInfo
    /// The file the model was loaded from.
    public private(set) var path: String

    /// Loads a model from disk and infers its shapes.
    public init(loading path: String) throws {
        self.init(model: try Model.load(path: path), path: path)
    }

    /// A session over an already loaded model.
    public init(model: Model, path: String) {
        self.model = model
        self.shapes = ShapeInference.infer(model.graph)
        self.path = path
    }

    /// A resolver for layer names in the current model.
    public var layers: LayerResolver { LayerResolver(graph: model.graph, shapes: shapes) }

    /// The file name of the loaded model, for prompts and headings.
    public var modelName: String { URL(fileURLWithPath: path).lastPathComponent }
}
