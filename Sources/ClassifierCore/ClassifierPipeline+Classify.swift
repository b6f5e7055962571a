/// A body `/v1/classify` cannot classify.
public struct ClassifyError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}

extension ClassifierPipeline {
    /// `POST /v1/classify`: the pipeline on an OpenAI chat body, whatever its `model`, with every signal
    /// computed (embedding-based ones too, when an encoder is loaded) and explained. Nothing is rewritten,
    /// cached or blocked; `blocked` says what the request path would do. `headers` stand in for the request
    /// headers `when.headers` conditions test (lower-cased names, repeated headers joined by `,`). Throws
    /// ``ClassifyError`` when the body is not a JSON object.
    public func classify(body: [UInt8], headers: [String: String] = [:]) throws -> ClassificationReport {
        try classify(body: body, headers: headers, modelMissing: false)
    }

    private func classify(body: [UInt8], headers: [String: String], modelMissing: Bool) throws -> ClassificationReport {
        let clock = ContinuousClock()
        let start = clock.now
        let request: ChatRequest
        do {
            request = try ChatRequest(body: body)
        } catch {
            switch error {
            case .notJSON(let reason): throw ClassifyError(message: "body is not JSON: \(reason)")
            case .notAnObject: throw ClassifyError(message: "body must be a JSON object (an OpenAI chat-completions request)")
            case .noModel:
                // The model does not matter here; re-parse with a placeholder.
                var patched = (try? ChatJSON.parse(body)) ?? .object([])
                patched.set("model", .string(config.models[0]))
                return try classify(body: patched.bytes, headers: headers, modelMissing: true)
            }
        }
        var timings = StageTimings()
        var mark = clock.now
        timings.parseMicros = Self.micros(mark - start)

        let signals = SignalContext(prompt: request.prompt, headers: headers, encoder: encoder, domainHead: domainHead,
                                    exampleSets: exampleSets)
        let verdict = safetyVerdict(request, signals: signals)
        let piiCounts: [ClassificationReport.PIIFinding] = {
            guard let piiDetector else { return [] }
            var counts: [PIIEntity: Int] = [:]
            for text in request.allTexts { for m in piiDetector.find(in: text) { counts[m.entity, default: 0] += 1 } }
            return counts.keys.sorted().map { ClassificationReport.PIIFinding(entity: $0.rawValue, count: counts[$0]!) }
        }()
        // With jailbreak detection off the report still shows the pattern score; on, it shows what blocking used.
        let jailbreak = jailbreakAction == .off ? JailbreakDetector().score(request.userTexts)
                                                : (verdict.jailbreakScore, verdict.jailbreakFamilies)
        // The encoder is its own stage, whether the trained jailbreak head or a decision ran it.
        let encoderInSafety = signals.encoderDuration.map(Self.micros) ?? 0
        timings.safetyMicros = max(0, Self.micros(clock.now - mark) - encoderInSafety)
        mark = clock.now

        let choice = choose(request, signals: signals, pin: false)
        let chosen = choice.decision
        // Everything else, eagerly, for the report.
        var domain: ClassificationReport.DomainScore?
        if let p = signals.domainProbabilities(), let head = domainHead {
            let scores = zip(head.labels, p).map { ClassificationReport.LabelScore(label: $0, probability: Double($1)) }
                .sorted { $0.probability > $1.probability }
            domain = ClassificationReport.DomainScore(label: scores[0].label, probability: scores[0].probability,
                                                      minProbability: head.minProbability, scores: scores)
        }
        let examples = exampleSets.indices.map { i in
            ClassificationReport.ExampleScore(decision: exampleSets[i].decision, similarity: signals.exampleSimilarity(i).map(Double.init),
                                              threshold: exampleSets[i].threshold)
        }
        let keywordMatches = decisions.compactMap { decision in
            decision.condition.keywordMatches(signals.prompt).map {
                ClassificationReport.KeywordMatch(decision: decision.name, keywords: $0.keywords, regex: $0.regex)
            }
        }
        let headerMatches = decisions.compactMap { decision in
            decision.condition.headerResults(headers).map {
                ClassificationReport.HeaderMatch(decision: decision.name, matched: $0.matched, unmatched: $0.unmatched)
            }
        }
        timings.encoderMicros = Self.encoderTime(signals, choice).map(Self.micros)
        timings.decisionMicros = max(0, Self.micros(clock.now - mark) - ((timings.encoderMicros ?? 0) - encoderInSafety))
        timings.totalMicros = Self.micros(clock.now - start)

        let redacted = piiAction == .redact ? verdict.piiFound.map(\.rawValue) : []
        let (alias, experiment) = aliasAndArm(decision: chosen, headers: headers)
        let arm = experiment.map { " in experiment \($0.experiment), arm \($0.arm)" } ?? ""
        let extProc: ClassificationReport.ExtProcPreview
        if modelMissing {
            extProc = .init(action: .passThrough, reason: PassThroughReason.noModel.rawValue,
                            detail: "the body has no string \"model\"; ext_proc passes the request through unchanged (the report classifies it as \(config.models[0]))")
        } else if !models.contains(request.model) {
            extProc = .init(action: .passThrough, reason: PassThroughReason.otherModel.rawValue,
                            detail: "model \"\(request.model)\" is not \(config.models.map { "\"\($0)\"" }.joined(separator: " or ")); ext_proc passes the request through unchanged (the report shows what it would do for this route's model)")
        } else if let block = verdict.block {
            extProc = .init(action: .block, reason: nil, detail: "ext_proc answers 403 (\(block.rawValue)); the request never reaches a model")
        } else {
            extProc = .init(action: .rewrite, reason: nil,
                            detail: "ext_proc rewrites model \"\(request.model)\" to \"\(alias)\" (decision \(chosen?.name ?? "default")\(arm))\(cache == nil ? "" : "; the semantic cache may answer it instead (not consulted here)")")
        }
        return ClassificationReport(
            text: request.prompt,
            signals: .init(keywordMatches: keywordMatches, domain: domain, examples: examples, pii: piiCounts,
                           jailbreak: .init(score: jailbreak.0, patterns: jailbreak.1, headScore: verdict.jailbreakHeadScore),
                           structure: StructureSignals(prompt: request.prompt, userTurns: request.userTexts.count),
                           headerMatches: headerMatches),
            decision: chosen?.name ?? "default", alias: alias, decidedOn: choice.basis,
            blocked: verdict.block?.rawValue, redacted: redacted, extProc: extProc, timings: timings)
    }
}
