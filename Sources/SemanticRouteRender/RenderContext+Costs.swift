import SemanticRouteAPI

/// Money budgets: one AI Gateway CEL request cost prices each response by the backend that served it.
extension RenderContext {
    /// The dynamic-metadata key of a response's price, in millionths of the route's currency.
    static let costMetadataKey = "llm_cost_micros"

    /// The CEL cost of a response when the route has a money budget, else nil. AI Gateway evaluates it after the
    /// response with its token counts (unsigned integers) and `backend`, which names the backendRef as
    /// `<route namespace>/<AIServiceBackend>/route/<route>/rule/<i>/ref/<j>`. Prices are exact integers in
    /// billionths per token (a price per million times 1000); the sum is divided by 1000, rounding up, so a
    /// response that used tokens never costs 0. A backend the chain does not recognise is charged the highest
    /// input and output prices of the route: a budget errs on the side of spending less.
    func costExpression() -> String? {
        guard (spec.rateLimits ?? []).contains(where: { $0.budget != nil }) else { return nil }
        let priced = spec.backends.compactMap { b -> (name: String, input: UInt64, output: UInt64)? in
            guard let p = b.pricing, let input = p.inputNanosPerToken, let output = p.outputNanosPerToken else { return nil }
            return (names.backend(b.name), input, output)
        }
        func price(_ input: UInt64, _ output: UInt64) -> String {
            "(input_tokens * \(input)u + output_tokens * \(output)u + 999u) / 1000u"
        }
        var expression = price(priced.map(\.input).max() ?? 0, priced.map(\.output).max() ?? 0)
        for backend in priced.reversed() {
            expression = "backend.startsWith('\(route.namespace)/\(backend.name)/') ? \(price(backend.input, backend.output)) : \(expression)"
        }
        return expression
    }
}
