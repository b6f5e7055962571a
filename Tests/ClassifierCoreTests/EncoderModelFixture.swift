import Foundation
@testable import ClassifierCore

/// The real all-MiniLM-L6-v2 files, resolved like the classifier does (`$SEMROUTE_MODEL_DIR`, else
/// `<repo>/models/all-minilm-l6-v2`). Missing files fail the tests that need them (CI runs hack/fetch-model.sh).
enum EncoderModelFixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let directory = ModelLocation.resolve(searchFrom: repositoryRoot)

    struct Missing: Error, CustomStringConvertible {
        var underlying: Error
        var description: String {
            "the encoder model is not available: \(underlying)"
        }
    }

    private static let loaded: Result<MiniLMEncoder, Missing> = Result {
        try MiniLMEncoder(modelDirectory: directory)
    }.mapError { Missing(underlying: $0) }

    /// The shared encoder (loaded once; maxTokens 128).
    static func encoder() throws -> MiniLMEncoder { try loaded.get() }

    /// The real vocabulary's tokenizer.
    static func tokenizer() throws -> WordPieceTokenizer { try encoder().tokenizer }
}
