import Foundation
import KubeCore
import SemanticRouteAPI
import SemanticRouteRender
import Testing

/// Money budgets as rendered: one AI Gateway CEL request cost that prices a response by the backend that
/// served it, and Envoy Gateway global rate-limit rules that count it in millionths of the currency.
@Suite("Money budgets", .timeLimit(.minutes(3)))
struct BudgetRenderTests {
    static func objects() throws -> [DesiredObject] { try Fixtures.render("budgets.yaml") }

    static func cost() throws -> String {
        let route = try #require(try objects().first { $0.kind == "AIGatewayRoute" })
        let costs = route[path: "spec", "llmRequestCosts"]?.arrayValue ?? []
        let cel = try #require(costs.first { $0["type"] == "CEL" })
        #expect(cel["metadataKey"] == "llm_cost_micros")
        #expect(costs.contains { $0["type"] == "TotalToken" && $0["metadataKey"] == "llm_total_token" }, "token budgets keep their own costs")
        return try #require(cel["cel"]?.stringValue)
    }

    @Test("prices are exact integers per token: decimal strings in, billionths out, with malformed ones refused")
    func fixedPoint() {
        #expect(Pricing.thousandths("0.15") == 150)
        #expect(Pricing.thousandths("2") == 2000)
        #expect(Pricing.thousandths("2.5") == 2500)
        #expect(Pricing.thousandths("0.075") == 75)
        #expect(Pricing.fixedPoint("4294.967295", decimals: 6) == 4_294_967_295)
        for bad in ["", ".5", "1.", "1.2345", "-1", "1e3", "0x10", "１"] { #expect(Pricing.thousandths(bad) == nil, "\(bad)") }
    }

    @Test("the CEL cost picks the price by the backend that served the response, rounds up, and uses only unsigned literals")
    func expression() throws {
        let cel = try Self.cost()
        #expect(cel == "backend.startsWith('llm/budgets-gpt-4o-mini/') ? (input_tokens * 150u + output_tokens * 600u + 999u) / 1000u : "
            + "backend.startsWith('llm/budgets-gpt-4-1/') ? (input_tokens * 2000u + output_tokens * 8000u + 999u) / 1000u : "
            + "(input_tokens * 2000u + output_tokens * 8000u + 999u) / 1000u")
        // AI Gateway's CEL environment gives token counts as uint, and cel-go has no mixed int/uint arithmetic:
        // every number must carry the `u` suffix or the expression does not compile.
        let code = cel.replacing(/'[^']*'/, with: "''")  // numbers only, not the digits of backend names
        let numbers = code.matches(of: /[0-9]+u?/).map { String($0.output) }
        #expect(!numbers.isEmpty && numbers.allSatisfy { $0.hasSuffix("u") }, "\(numbers)")
    }

    @Test("each budget is a global rate-limit rule counting millionths under the cost key, per client header")
    func rules() throws {
        let policy = try #require(try Self.objects().first { $0.kind == "BackendTrafficPolicy" })
        let rules = policy[path: "spec", "rateLimit", "global", "rules"]?.arrayValue ?? []
        #expect(rules.count == 3)
        let key: JSONValue = ["from": "Metadata", "metadata": ["namespace": "io.envoy.ai_gateway", "key": "llm_cost_micros"]]
        #expect(rules[0]["limit"] == ["requests": 5_000_000, "unit": "Day"])
        #expect(rules[0]["cost"]?["response"] == key)
        #expect(rules[0]["clientSelectors"] == [["headers": [["name": "x-user-id", "type": "Distinct"]]]])
        #expect(rules[1]["limit"] == ["requests": 2_000_000_000, "unit": "Day"])
        #expect(rules[1]["cost"]?["response"] == key)
        #expect(rules[2]["limit"] == ["requests": 100_000, "unit": "Minute"])
        #expect(rules[2]["cost"]?["response"]?["metadata"]?["key"] == "llm_total_token")
    }

    @Test("an independent CEL implementation (cel-python) computes the rendered cost as the prices say",
          .enabled(if: Self.celPython, "python3 with cel-python not found: python3 -m pip install cel-python"))
    func evaluated() throws {
        let cel = try Self.cost()
        // (backend name AI Gateway passes, input tokens, output tokens) → millionths of a USD, rounded up.
        let cases: [(String, UInt64, UInt64, UInt64)] = [
            ("llm/budgets-gpt-4o-mini/route/budgets/rule/1/ref/0", 1000, 500, 450),   // 0.15 + 0.30 = 450 µ$
            ("llm/budgets-gpt-4-1/route/budgets/rule/0/ref/0", 1000, 500, 6000),      // 2.00 + 4.00 = 6000 µ$
            ("llm/budgets-gpt-4o-mini/route/budgets/rule/1/ref/0", 1, 0, 1),          // 0.00015 µ$ rounds up to 1
            ("llm/budgets-gpt-4o-mini/route/budgets/rule/1/ref/0", 0, 0, 0),
            ("llm/unknown/route/budgets/rule/1/ref/0", 1000, 500, 6000),              // unknown: the highest prices
        ]
        let script = """
        import sys, json, celpy
        from celpy import celtypes
        env = celpy.Environment()
        program = env.program(env.compile(sys.argv[1]))
        for backend, i, o in json.loads(sys.argv[2]):
            print(int(program.evaluate({'backend': celtypes.StringType(backend), 'input_tokens': celtypes.UintType(i),
                                        'output_tokens': celtypes.UintType(o)})))
        """
        let input = "[" + cases.map { "[\"\($0.0)\", \($0.1), \($0.2)]" }.joined(separator: ",") + "]"
        let out = try Self.python(["-c", script, cel, input])
        #expect(out.split(separator: "\n").map(String.init) == cases.map { "\($0.3)" })
    }

    static let celPython: Bool = (try? python(["-c", "import celpy"])) != nil

    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: data, as: UTF8.self)
    }

    @Test("the validator refuses a budget without prices, mixed currencies, both kinds at once, neither, and an amount past the counter")
    func validation() throws {
        let base = try #require(try Fixtures.routes("budgets.yaml").first)
        #expect(SemanticRouteValidator.validate(base).isEmpty)
        func errors(_ edit: (inout SemanticRouteSpec) -> Void) -> [String] {
            var route = base
            edit(&route.spec)
            return SemanticRouteValidator.validate(route).map(\.path.description)
        }
        #expect(errors { $0.backends[1].pricing = nil } == ["spec.backends[1].pricing"])
        #expect(errors { $0.backends[1].pricing?.currency = "EUR" } == ["spec.backends[1].pricing.currency"])
        #expect(errors { $0.rateLimits?[1].budget?.currency = "EUR" } == ["spec.rateLimits[1].budget.currency"])
        #expect(errors { $0.rateLimits?[0].tokens = .input } == ["spec.rateLimits[0].budget"])
        #expect(errors { $0.rateLimits?[2].tokens = nil } == ["spec.rateLimits[2].tokens"])
        #expect(errors { $0.rateLimits?[1].budget = .init(amount: "4294.967296") } == ["spec.rateLimits[1].budget.amount"])
        #expect(errors { $0.rateLimits?[1].budget = .init(amount: "0") } == ["spec.rateLimits[1].budget.amount"])
        // Without any money budget, prices are optional.
        #expect(errors { $0.rateLimits = [$0.rateLimits![2]]; $0.backends[0].pricing = nil } == [])
    }
}
