import KubeCore

/// How much of a conversation a decision reads.
public struct ConversationPolicy: Sendable, Hashable, Codable {
    public var contextTurns: Int?

    public init(contextTurns: Int? = nil) {
        self.contextTurns = contextTurns
    }

    public static let defaultContextTurns = 2
    public static let maxContextTurns = 8

    static var schema: JSONSchema {
        .object("How decisions read a multi-turn conversation. The last user turn is classified on its own first; when no decision matches it (a follow-up such as \"and now in Python?\"), the decisions are tried again on that turn together with up to `contextTurns` earlier user turns.", [
            "contextTurns": .integer("Earlier user turns a follow-up is classified with; 0 classifies the last user turn alone.",
                                     minimum: 0, maximum: maxContextTurns, default: defaultContextTurns),
        ])
    }
}
