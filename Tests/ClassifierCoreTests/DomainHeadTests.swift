import Foundation
import Testing
@testable import ClassifierCore
import SemrouteTestSupport

@Suite("Domain head", .timeLimit(.minutes(10)), .uses(.cpu))
struct DomainHeadTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("word splitting and hashing agree with hack/train-domain-head.py")
    func featuresMatchTrainingScript() {
        // Expected values computed by the script's words() and fnv1a32().
        let s = "Héllo, naïve CAFÉ! x^2 — 100% sure: C++ isn't Rust ½ 東京"
        #expect(DomainHead.words(s) == ["héllo", "naïve", "café", "x", "2", "100", "sure", "c", "isn", "t", "rust", "½", "東京"])
        #expect(DomainHead.fnv1a32("integral".utf8) == 2_111_105_165)
        #expect(DomainHead.fnv1a32("naïve café".utf8) == 1_954_863_637)
    }

    @Test("the committed head loads, and a missing folder is an error naming the file")
    func loads() throws {
        let heads = try ClassifierHeads(directory: HeadsLocation.resolve(searchFrom: Self.repositoryRoot))
        #expect(heads.domainLabels == DomainLabels.all)
        #expect((heads.domainHeldOutAccuracy ?? 0) >= 0.8)
        #expect(throws: HeadsError.self) { try ClassifierHeads(directory: "/nonexistent/heads") }
    }

    static let clearPrompts: [(String, String)] = [
        ("What is the derivative of x^2 * sin(x)?", "math"),
        ("Solve for x: 3x + 7 = 22.", "math"),
        ("Write a Python function that reverses a linked list.", "computer science"),
        ("What are the elements required to form a valid contract?", "law"),
        ("Which enzyme unwinds the DNA double helix during replication?", "biology"),
        ("Balance the chemical equation for the combustion of methane.", "chemistry"),
        ("What is the first-line drug treatment for high blood pressure in adults?", "health"),
        ("What caused the fall of the Western Roman Empire?", "history"),
        ("How does an increase in the interest rate affect inflation and unemployment?", "economics"),
        ("Explain Newton's second law of motion with an example.", "physics"),
        ("What is classical conditioning, as shown by Pavlov's dogs?", "psychology"),
        ("What is Kant's categorical imperative?", "philosophy"),
    ]

    /// The head scores 82% on held-out MMLU; on these unambiguous prompts it must get at least 10 of 12,
    /// and the two the routing samples rely on most (math, code) always.
    @Test("clearly-domain prompts get their domain with the real model (run hack/fetch-model.sh if the model is missing)")
    func realModel() throws {
        let encoder = try EncoderModelFixture.encoder()
        let heads = try ClassifierHeads(directory: HeadsLocation.resolve(searchFrom: Self.repositoryRoot))
        var misses: [String] = []
        for (prompt, domain) in Self.clearPrompts {
            let p = heads.domain.probabilities(embedding: encoder.embed(prompt), text: prompt)
            #expect(abs(p.reduce(0, +) - 1) < 1e-4)
            let best = heads.domain.labels[p.indices.max { p[$0] < p[$1] }!]
            if best != domain { misses.append("\(prompt) → \(best), expected \(domain)") }
            if domain == "math" || domain == "computer science" { #expect(best == domain, "\(prompt)") }
        }
        #expect(misses.count <= 2, "\(misses)")
    }
}
