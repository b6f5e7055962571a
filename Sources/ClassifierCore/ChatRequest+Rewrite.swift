extension ChatRequest {
    /// The body for the chosen decision: `model` replaced in place; `reasoning_effort` set when the
    /// decision asks for reasoning (OpenAI's chat-completions field, which AI Gateway passes through and
    /// translates for the providers it supports); the decision's system prompt prepended to an existing
    /// leading system/developer message (joined by a blank line; as a first text part when the content is
    /// an array) or inserted as a new first `system` message; and, with a redactor, every message's text
    /// with PII replaced by typed placeholders. All other fields stay as the client sent them.
    func rewritten(alias: String, reasoningEffort: String?, systemPrompt: String?, redactor: PIIDetector?)
        -> (body: ChatJSON, redacted: [PIIEntity]) {
        var body = json
        body.set("model", .string(alias))
        if let reasoningEffort { body.set("reasoning_effort", .string(reasoningEffort)) }
        var redacted: Set<PIIEntity> = []
        if var messages = body["messages"]?.arrayValue {
            if let redactor {
                for i in messages.indices {
                    messages[i] = Self.redact(messages[i], redactor, &redacted)
                }
            }
            if let systemPrompt, !systemPrompt.isEmpty {
                Self.prependSystemPrompt(systemPrompt, to: &messages)
            }
            body.set("messages", .array(messages))
        }
        return (body, redacted.sorted())
    }

    static func prependSystemPrompt(_ prompt: String, to messages: inout [ChatJSON]) {
        if let first = messages.first, let role = first["role"]?.stringValue, role == "system" || role == "developer" {
            var merged = first
            switch first["content"] {
            case .string(let existing)?:
                merged.set("content", .string(existing.isEmpty ? prompt : prompt + "\n\n" + existing))
                messages[0] = merged
                return
            case .array(var parts)?:
                parts.insert(.object([("type", .string("text")), ("text", .string(prompt))]), at: 0)
                merged.set("content", .array(parts))
                messages[0] = merged
                return
            default:
                break
            }
        }
        messages.insert(.object([("role", .string("system")), ("content", .string(prompt))]), at: 0)
    }

    static func redact(_ message: ChatJSON, _ redactor: PIIDetector, _ found: inout Set<PIIEntity>) -> ChatJSON {
        var message = message
        switch message["content"] {
        case .string(let text)?:
            let (clean, entities) = redactor.redact(text)
            if !entities.isEmpty {
                found.formUnion(entities)
                message.set("content", .string(clean))
            }
        case .array(var parts)?:
            var changed = false
            for i in parts.indices {
                guard parts[i]["type"]?.stringValue == "text", let text = parts[i]["text"]?.stringValue else { continue }
                let (clean, entities) = redactor.redact(text)
                if !entities.isEmpty {
                    found.formUnion(entities)
                    parts[i].set("text", .string(clean))
                    changed = true
                }
            }
            if changed { message.set("content", .array(parts)) }
        default:
            break
        }
        return message
    }
}
