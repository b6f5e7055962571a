/// What a request's decision was taken on.
public enum DecisionBasis: String, Sendable, Hashable, Codable {
    /// The last user turn alone matched a decision, or nothing matched (the default).
    case lastTurn = "last_turn"
    /// The last user turn matched no decision; together with earlier user turns it did (a follow-up).
    case conversation
    /// The session's pinned decision (`spec.session`); nothing was evaluated.
    case session
}

extension ClassifierPipeline {
    /// The outcome of choosing a decision.
    struct Choice {
        /// nil: the default.
        var decision: CompiledDecision?
        var basis: DecisionBasis
        /// The conversation window's signals, when the decisions were tried on it (its encoder time counts too).
        var context: SignalContext?
        /// True when this request's decision was pinned for its session now.
        var pinned = false
    }

    /// The decision for `request`: the session's pin when it has a live one (a decision the config no longer has
    /// is decided again), else ``decide(_:signals:)``, pinned for the session when `pin` (the request path;
    /// `/v1/classify` only looks).
    func choose(_ request: ChatRequest, signals: SignalContext, pin: Bool) -> Choice {
        guard let sessions, let header = sessionHeader, let id = signals.headers[header], SessionPins.accepts(id) else {
            return decide(request, signals: signals)
        }
        if let live = sessions.pin(of: id) {
            guard let name = live.decision else { return Choice(decision: nil, basis: .session) }
            if let decision = decisions.first(where: { $0.name == name }) { return Choice(decision: decision, basis: .session) }
        }
        var choice = decide(request, signals: signals)
        if pin {
            sessions.pin(id, decision: choice.decision?.name)
            choice.pinned = true
        }
        return choice
    }

    /// The first decision (by priority) that holds for the last user turn; when none does and the request has
    /// earlier user turns, the first that holds for the conversation window (``window(_:contextTurns:)``).
    /// A short follow-up ("and in Python?") then keeps its conversation's decision, while a turn that matches a
    /// decision on its own is never dragged back to an old topic.
    func decide(_ request: ChatRequest, signals: SignalContext) -> Choice {
        if let decision = decisions.first(where: { $0.condition.holds(signals) }) {
            return Choice(decision: decision, basis: .lastTurn)
        }
        guard contextTurns > 0, request.userTexts.count > 1, !decisions.isEmpty else { return Choice(decision: nil, basis: .lastTurn) }
        let context = SignalContext(prompt: Self.window(request.userTexts, contextTurns: contextTurns), headers: signals.headers,
                                    encoder: encoder, domainHead: domainHead, exampleSets: exampleSets)
        if let decision = decisions.first(where: { $0.condition.holds(context) }) {
            return Choice(decision: decision, basis: .conversation, context: context)
        }
        return Choice(decision: nil, basis: .lastTurn, context: context)
    }

    /// The text follow-ups are classified on: the last user turn, then up to `contextTurns` earlier user turns,
    /// newest first, one per line. Newest first because the encoder reads a bounded number of tokens: older
    /// context is what gets cut, never the turn being answered.
    static func window(_ userTexts: [String], contextTurns: Int) -> String {
        userTexts.suffix(contextTurns + 1).reversed().joined(separator: "\n")
    }

    /// The encoder time of a request: the last turn's signals plus the window's, when it was embedded.
    static func encoderTime(_ signals: SignalContext, _ choice: Choice?) -> Duration? {
        let spent = [signals.encoderDuration, choice?.context?.encoderDuration].compactMap { $0 }
        return spent.isEmpty ? nil : spent.reduce(.zero, +)
    }
}
