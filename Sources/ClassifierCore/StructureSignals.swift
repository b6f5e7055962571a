/// Language-agnostic shape of the prompt: reported by `/v1/classify`, cheap to compute.
public struct StructureSignals: Sendable, Encodable, Hashable {
    /// Estimated tokens: about four UTF-8 bytes per token, at least one per word.
    public var estimatedTokens: Int
    public var characters: Int
    public var lines: Int
    /// Fenced code blocks (```), counted by pairs of fences.
    public var codeBlocks: Int
    public var questionMarks: Int
    /// Number of user turns in the conversation.
    public var userTurns: Int

    init(prompt: String, userTurns: Int) {
        var bytes = 0, lines = 1, questions = 0, words = 0, fences = 0
        var inWord = false
        var backticks = 0
        for b in prompt.utf8 {
            bytes += 1
            if b == UInt8(ascii: "\n") { lines += 1 }
            if b == UInt8(ascii: "?") { questions += 1 }
            if b == UInt8(ascii: "`") {
                backticks += 1
                if backticks == 3 { fences += 1 }
            } else {
                backticks = 0
            }
            let space = b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
            if !space && !inWord { words += 1 }
            inWord = !space
        }
        estimatedTokens = max(words, (bytes + 3) / 4)
        characters = prompt.count
        self.lines = prompt.isEmpty ? 0 : lines
        codeBlocks = fences / 2
        questionMarks = questions
        self.userTurns = userTurns
    }
}
