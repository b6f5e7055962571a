/// Why an encoder's model files could not be loaded. Every case names the file.
public enum EncoderError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist (run `hack/fetch-model.sh`, or pass `--model-dir`).
    case missingFile(path: String)
    /// The file exists but cannot be used; `reason` says why.
    case invalidFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            "model file \(path) does not exist (run hack/fetch-model.sh, or point --model-dir / $\(ModelLocation.environmentVariable) at the model folder)"
        case .invalidFile(let path, let reason):
            "model file \(path) is invalid: \(reason)"
        }
    }
}
