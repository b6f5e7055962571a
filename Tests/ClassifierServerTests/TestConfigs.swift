import ClassifierConfig

/// Keyword-only configs (no encoder needed), as the operator would write them.
enum TestConfigs {
    static func keywordRoute(failOpen: Bool = true, shadow: ClassifierConfig.Shadow? = nil, piiAction: String = "Block",
                             mathAlias: String = "llm-mom.math") -> ClassifierConfig {
        ClassifierConfig(
            route: "llm/mom", models: ["MoM", "auto"],
            decisions: [
                .init(name: "math", alias: mathAlias, priority: 100,
                      when: .init(keywords: .init(any: ["integral", "derivative"])),
                      reasoningEffort: "high", systemPrompt: "You are a careful mathematician."),
                .init(name: "code", alias: "llm-mom.code", priority: 50, when: .init(keywords: .init(any: ["python", "rust"]))),
            ],
            defaultAlias: "llm-mom.default",
            safety: .init(piiAction: piiAction, piiEntities: ["EMAIL", "CREDIT_CARD", "US_SSN"]),
            shadow: shadow,
            failOpen: failOpen)
    }
}
