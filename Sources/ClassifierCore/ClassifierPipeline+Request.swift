extension ClassifierPipeline {
    /// The request phase of ext_proc. `path` is `:path` (query string allowed), `contentType` the request's
    /// content-type header (nil when absent), `body` the whole buffered request body, `headers` the request's
    /// headers for `when.headers` (lower-cased names, repeated headers joined by `,`). Never throws, never
    /// crashes on input: anything that is not a chat-completions request for this route passes through.
    public func processRequest(path: String, contentType: String?, body: [UInt8], headers: [String: String] = [:]) -> RequestOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        guard ChatRequest.isChatCompletionsPath(path) else { return .passThrough(.notChatCompletions) }
        guard ChatRequest.isJSONContentType(contentType) else { return .passThrough(.notJSONContentType) }
        let request: ChatRequest
        do {
            request = try ChatRequest(body: body)
        } catch {
            switch error {
            case .notJSON, .notAnObject: return .passThrough(.notJSON)
            case .noModel: return .passThrough(.noModel)
            }
        }
        guard models.contains(request.model) else { return .passThrough(.otherModel) }
        var timings = StageTimings()
        var mark = clock.now
        timings.parseMicros = Self.micros(mark - start)

        // Safety first. The signals are shared with the decisions: an embedding the trained jailbreak
        // detector computed is not computed again.
        let signals = SignalContext(prompt: request.prompt, headers: headers, encoder: encoder, domainHead: domainHead,
                                    exampleSets: exampleSets)
        if piiDetector != nil || jailbreakAction != .off {
            let verdict = safetyVerdict(request, signals: signals)
            // The encoder's time is its own stage, wherever it ran.
            timings.encoderMicros = signals.encoderDuration.map(Self.micros)
            timings.safetyMicros = max(0, Self.micros(clock.now - mark) - (timings.encoderMicros ?? 0))
            mark = clock.now
            if let block = verdict.block {
                timings.totalMicros = Self.micros(clock.now - start)
                return .respond(Self.blockReply(block, entities: verdict.piiFound, timings: timings))
            }
        }

        // Decisions. (Encoder time spent after this point is taken out of the decision stage below.)
        let encoderBeforeDecisions = timings.encoderMicros ?? 0
        let choice = choose(request, signals: signals, pin: true)
        let chosen = choice.decision
        let decisionName = chosen?.name ?? "default"
        let (alias, experiment) = aliasAndArm(decision: chosen, headers: headers)

        // Semantic cache (not for streams: a cached JSON body cannot answer an SSE request).
        var cacheToken: CacheToken?
        if let cache, !request.stream {
            let embedding = signals.embedding()
            let cacheStart = clock.now
            if let embedding {
                // Partitioned by the alias the request goes out under: the decision's, or its experiment arm's,
                // so one arm's answers never serve another arm's users.
                if let hit = cache.lookup(embedding, decision: alias) {
                    timings.cacheMicros = Self.micros(clock.now - cacheStart)
                    timings.encoderMicros = Self.encoderTime(signals, choice).map(Self.micros)
                    timings.decisionMicros = max(0, Self.micros(cacheStart - mark) - ((timings.encoderMicros ?? 0) - encoderBeforeDecisions))
                    timings.totalMicros = Self.micros(clock.now - start)
                    return .respond(ImmediateReply(
                        status: 200,
                        headers: [HeaderField("content-type", "application/json"), HeaderField("x-semroute-decision", decisionName),
                                  HeaderField("x-semroute-cache", "hit")],
                        body: hit, reason: .cacheHit, decision: decisionName, timings: timings))
                }
                cacheToken = CacheToken(embedding: embedding, decision: alias)
            }
            timings.cacheMicros = Self.micros(clock.now - cacheStart)
            timings.decisionMicros = Self.micros(cacheStart - mark)
        } else {
            timings.decisionMicros = Self.micros(clock.now - mark)
        }
        timings.encoderMicros = Self.encoderTime(signals, choice).map(Self.micros)
        if let e = timings.encoderMicros, let d = timings.decisionMicros { timings.decisionMicros = max(0, d - (e - encoderBeforeDecisions)) }

        // Rewrite.
        mark = clock.now
        let redactor = piiAction == .redact ? piiDetector : nil
        let (json, redacted) = request.rewritten(alias: alias, reasoningEffort: chosen?.reasoningEffort,
                                                 systemPrompt: chosen?.systemPrompt, redactor: redactor)
        let newBody = json.bytes
        var headers = [HeaderField("x-semroute-decision", decisionName)]
        if let experiment { headers.append(HeaderField("x-semroute-experiment", "\(experiment.experiment)=\(experiment.arm)")) }
        let domain = (choice.basis == .conversation ? choice.context?.computedDomainLabel : nil) ?? signals.computedDomainLabel
        if let domain { headers.append(HeaderField("x-semroute-domain", domain)) }
        headers.append(HeaderField("content-length", String(newBody.count)))
        timings.rewriteMicros = Self.micros(clock.now - mark)
        timings.totalMicros = Self.micros(clock.now - start)
        let decidedOn = (choice.basis == .conversation ? choice.context : nil) ?? signals
        return .rewrite(RequestRewrite(body: newBody, headers: headers, decision: decisionName, alias: alias, domain: domain,
                                       redacted: redacted.map(\.rawValue), cacheToken: cacheToken, timings: timings,
                                       shadowEligible: chosen != nil, basis: choice.basis, pinned: choice.pinned,
                                       experiment: experiment, signals: decidedOn.summary,
                                       text: loggedText(decidedOn.prompt.string, redactor: redactor)))
    }

    /// The classified text for the decision log, only when the route asks for prompts there; with PII redaction
    /// on, redacted as the backend sees it, so the log never holds what the route keeps from its models.
    func loggedText(_ text: String, redactor: PIIDetector?) -> String {
        guard config.decisionLog?.includePrompt == true else { return "" }
        let cut = String(text.prefix(512))
        return redactor.map { $0.redact(cut).text } ?? cut
    }

    /// The alias a request gets: its arm's when its decision runs an experiment and the request names a user,
    /// else the decision's (or the default alias).
    func aliasAndArm(decision: CompiledDecision?, headers: [String: String]) -> (String, ExperimentArm?) {
        let alias = decision?.alias ?? config.defaultAlias
        guard let experiment = experiments[decision?.name ?? "default"], let arm = experiment.arm(headers: headers) else {
            return (alias, nil)
        }
        return (arm.alias, ExperimentArm(experiment: experiment.name, arm: arm.name))
    }

    /// The response phase: stores a 200 JSON response for the request that carried `token` in the
    /// semantic cache. Anything else (other statuses, SSE or non-JSON bodies, cache off) is ignored.
    public func recordResponse(_ token: CacheToken, status: Int, body: [UInt8]) {
        guard let cache, status == 200 else { return }
        guard let first = body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
              first == UInt8(ascii: "{") else { return }
        cache.insert(token.embedding, decision: token.decision, body: body)
    }

    struct SafetyVerdict {
        var block: ImmediateReply.Reason?
        var piiFound: [PIIEntity] = []
        var jailbreakScore: Double = 0
        var jailbreakFamilies: [String] = []
        /// P(jailbreak) from the trained head, when the route uses it.
        var jailbreakHeadScore: Double?
    }

    func safetyVerdict(_ request: ChatRequest, signals: SignalContext) -> SafetyVerdict {
        var verdict = SafetyVerdict()
        if let piiDetector {
            var found = Set<PIIEntity>()
            for text in request.allTexts { found.formUnion(piiDetector.find(in: text).map(\.entity)) }
            verdict.piiFound = found.sorted()
            if piiAction == .block, !found.isEmpty { verdict.block = .pii }
        }
        if jailbreakAction != .off {
            var (score, families) = JailbreakDetector().score(request.userTexts)
            // The trained head reads the latest user message (earlier turns were screened when they were sent).
            if let jailbreakHead, let embedding = signals.embedding(),
               let index = jailbreakHead.labels.firstIndex(of: "jailbreak") {
                let p = Double(jailbreakHead.probabilities(embedding: embedding, text: request.prompt)[index])
                verdict.jailbreakHeadScore = p
                score = max(score, p)
            }
            verdict.jailbreakScore = score
            verdict.jailbreakFamilies = families
            if verdict.block == nil, jailbreakAction == .block, score >= jailbreakThreshold { verdict.block = .jailbreak }
        }
        return verdict
    }

    static func blockReply(_ reason: ImmediateReply.Reason, entities: [PIIEntity], timings: StageTimings) -> ImmediateReply {
        let message: String
        let code: String
        if reason == .pii {
            message = "The request was blocked because it contains personal data (\(entities.map(\.rawValue).joined(separator: ", ")))."
            code = "pii_detected"
        } else {
            message = "The request was blocked because it looks like a jailbreak or prompt-injection attempt."
            code = "jailbreak_detected"
        }
        let body = ChatJSON.object([("error", .object([
            ("message", .string(message)), ("type", .string("invalid_request_error")), ("param", .null), ("code", .string(code)),
        ]))]).bytes
        return ImmediateReply(status: 403,
                              headers: [HeaderField("content-type", "application/json"), HeaderField("x-semroute-blocked", reason.rawValue)],
                              body: body, reason: reason, decision: nil, timings: timings)
    }

    static func micros(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
    }
}

extension SignalContext {
    /// The domain label if some evaluated decision computed it (never computes it itself).
    var computedDomainLabel: String? { hasDomain ? domainLabel() : nil }
}
