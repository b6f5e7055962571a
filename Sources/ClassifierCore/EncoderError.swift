/// Why an encoder could not be loaded. Every file case names the file.
public enum EncoderError: Error, Equatable, CustomStringConvertible {
    /// The file does not exist (run `hack/fetch-model.sh`, or pass `--model-dir`).
    case missingFile(path: String)
    /// The file exists but cannot be used; `reason` says why.
    case invalidFile(path: String, reason: String)
    /// The requested `EncoderPrecision` cannot run here; `reason` says why.
    case unsupportedPrecision(EncoderPrecision, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            "model file \(path) does not exist (run hack/fetch-model.sh, or point --model-dir / $\(ModelLocation.environmentVariable) at the model folder)"
        case .invalidFile(let path, let reason):
            "model file \(path) is invalid: \(reason)"
        case .unsupportedPrecision(let precision, let reason):
            "encoder precision \(precision.rawValue) is not available: \(reason) (use float32)"
        }
    }
}
