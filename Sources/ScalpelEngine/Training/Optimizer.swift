import Foundation
import ScalpelCore

/// Updates parameters from their gradients the way PyTorch's `torch.optim.SGD` and
/// `torch.optim.Adam` do (weight decay added to the gradient, as their `weight_decay`).
public struct Optimizer: Sendable {
    /// The update rule and its settings.
    public enum Method: String, Sendable, CaseIterable {
        /// Stochastic gradient descent with optional (heavy-ball) momentum.
        case sgd
        /// Adam (Kingma & Ba) with bias correction.
        case adam
    }

    /// The update rule.
    public let method: Method
    /// Step size.
    public var learningRate: Float
    /// SGD momentum; Adam's β₁ is ``beta1``.
    public let momentum: Float
    /// L2 penalty added to each gradient as `weightDecay · parameter`.
    public let weightDecay: Float
    /// Adam's decay rates of the first and second moment estimates, and its ε.
    public let beta1: Float, beta2: Float, epsilon: Float
    private var firstMoments: [ValueID: [Float]] = [:]
    private var secondMoments: [ValueID: [Float]] = [:]
    private var steps = 0

    /// An optimizer with PyTorch's defaults for what is not given (Adam: β = (0.9, 0.999), ε = 1e-8).
    public init(_ method: Method, learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
                beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.method = method
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Applies one step to every parameter named in `gradients`; `parameters` maps the same
    /// names to their current values, changed in place.
    public mutating func step(_ parameters: inout [ValueID: [Float]], gradients: [ValueID: [Float]]) {
        steps += 1
        for (name, gradient) in gradients where parameters[name]?.count == gradient.count {
            // Taken out of the dictionaries while they change, so no copy is made of them.
            guard var p = parameters.removeValue(forKey: name) else { continue }
            switch method {
            case .sgd: sgd(&p, gradient, name)
            case .adam: adam(&p, gradient, name)
            }
            parameters[name] = p
        }
    }

    /// buf ← g on the first step, then buf ← μ·buf + g; p ← p − lr·buf (g includes weight decay).
    private mutating func sgd(_ p: inout [Float], _ gradient: [Float], _ name: ValueID) {
        let (lr, decay, mu) = (learningRate, weightDecay, momentum)
        guard mu != 0 else {
            for i in p.indices { p[i] -= lr * (gradient[i] + decay * p[i]) }
            return
        }
        if var buffer = firstMoments.removeValue(forKey: name) {
            for i in p.indices {
                buffer[i] = mu * buffer[i] + (gradient[i] + decay * p[i])
                p[i] -= lr * buffer[i]
            }
            firstMoments[name] = buffer
        } else {
            var buffer = gradient
            for i in p.indices {
                buffer[i] = gradient[i] + decay * p[i]
                p[i] -= lr * buffer[i]
            }
            firstMoments[name] = buffer
        }
    }

    /// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
    private mutating func adam(_ p: inout [Float], _ gradient: [Float], _ name: ValueID) {
        var m = firstMoments.removeValue(forKey: name) ?? [Float](repeating: 0, count: p.count)
        var v = secondMoments.removeValue(forKey: name) ?? [Float](repeating: 0, count: p.count)
        let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(steps))), c2 = 1 - Float(Foundation.pow(Double(beta2), Double(steps)))
        let stepSize = learningRate / c1, c2Root = c2.squareRoot()
        for i in p.indices {
            let g = gradient[i] + weightDecay * p[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / c2Root + epsilon)
        }
        firstMoments[name] = m
        secondMoments[name] = v
    }
}
