import KubeCore

/// Prompt safety rules the classifier enforces before routing.
public struct SafetyPolicy: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        case block = "Block"
        case redact = "Redact"
        case allow = "Allow"
    }

    public enum PIIEntity: String, Sendable, Hashable, Codable, CaseIterable {
        case email = "EMAIL"
        case phone = "PHONE"
        case creditCard = "CREDIT_CARD"
        case usSSN = "US_SSN"
        case ipAddress = "IP_ADDRESS"
        case iban = "IBAN"
    }

    public struct PII: Sendable, Hashable, Codable {
        public var action: Action
        public var entities: [PIIEntity]?
        public init(action: Action, entities: [PIIEntity]? = nil) {
            self.action = action
            self.entities = entities
        }
    }

    public struct Jailbreak: Sendable, Hashable, Codable {
        /// How the jailbreak score is computed.
        public enum Detector: String, Sendable, Hashable, Codable, CaseIterable {
            /// Phrase patterns only: microseconds, no encoder.
            case patterns = "Patterns"
            /// Patterns plus the trained head over the prompt's embedding: one encoder pass per request
            /// (shared with the decisions that need it).
            case trained = "Trained"
        }

        public var action: Action
        public var threshold: Double?
        public var detector: Detector?
        public init(action: Action, threshold: Double? = nil, detector: Detector? = nil) {
            self.action = action
            self.threshold = threshold
            self.detector = detector
        }
    }

    public var pii: PII?
    public var jailbreak: Jailbreak?

    public init(pii: PII? = nil, jailbreak: Jailbreak? = nil) {
        self.pii = pii
        self.jailbreak = jailbreak
    }

    static var schema: JSONSchema {
        .object("Safety rules applied to every request for this route's model before routing.", [
            "pii": .object("Personal data in prompts.", required: ["action"], [
                "action": .string("Block rejects the request (403); Redact replaces each entity with a typed placeholder such as `[EMAIL]`; Allow only reports it.",
                                  enum: Action.allCases.map(\.rawValue)),
                "entities": .array("The entity types detected; default all.", of: .string("An entity type.", enum: PIIEntity.allCases.map(\.rawValue)),
                                   minItems: 1, maxItems: 6, listType: "set"),
            ]),
            "jailbreak": .object("Prompt-injection and jailbreak attempts.", required: ["action"], [
                "action": .string("Block rejects the request (403); Allow only reports it.", enum: [Action.block.rawValue, Action.allow.rawValue]),
                "threshold": .number("The detector score (0 to 1) at or above which a prompt counts as a jailbreak.", minimum: 0, maximum: 1, default: 0.8),
                "detector": .string("Patterns scores phrase patterns only (microseconds). Trained also runs the trained jailbreak head on the latest user message's embedding and takes the higher score: better recall, but one encoder pass per request (shared with decisions that need the embedding).",
                                    enum: Jailbreak.Detector.allCases.map(\.rawValue), default: Jailbreak.Detector.patterns.rawValue),
            ]),
        ])
    }
}
