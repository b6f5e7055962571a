import ArgumentParser
import ClassifierCore

/// Loads the sentence encoder for `semroute classifier` and `semroute dev`: a precision this CPU cannot run is
/// reported against the `--encoder-precision` flag (a usage error), any other load failure as it is.
enum EncoderLoader {
    static func load(directory: String, precision: EncoderPrecision) throws -> MiniLMEncoder {
        do {
            return try MiniLMEncoder(modelDirectory: directory, precision: precision)
        } catch let error as EncoderError {
            if case .unsupportedPrecision = error { throw ValidationError("--encoder-precision: \(error)") }
            throw error
        }
    }
}
