import Foundation

/// The body of `POST /v1/feedback`: `{"requestId": "...", "rating": "positive"|"negative", "label": "..."}`,
/// with `requestId` the `x-request-id` of the rated request and at least one of `rating` and `label`.
struct FeedbackRequest: Sendable, Equatable {
    enum Rating: String, Sendable {
        case positive, negative
    }

    struct Invalid: Error {
        var message: String
    }

    static let maxBytes = 4096

    var requestID: String
    var rating: Rating?
    var label: String?

    init(json: [UInt8]) throws(Invalid) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] else {
            throw Invalid(message: "the body must be a JSON object: {\"requestId\": \"...\", \"rating\": \"positive\"|\"negative\", \"label\": \"...\"}")
        }
        guard let id = object["requestId"] as? String, !id.isEmpty, id.utf8.count <= FeedbackLedger.maxIDBytes else {
            throw Invalid(message: "requestId: required, the x-request-id of the rated request (1 to \(FeedbackLedger.maxIDBytes) bytes)")
        }
        requestID = id
        if let value = object["rating"] {
            guard let text = value as? String, let rating = Rating(rawValue: text) else {
                throw Invalid(message: "rating: must be \"positive\" or \"negative\"")
            }
            self.rating = rating
        }
        if let value = object["label"] {
            guard let text = value as? String, text.wholeMatch(of: /[a-z][a-z0-9_]{0,31}/) != nil else {
                throw Invalid(message: "label: must be a lower-case word of at most 32 characters (a-z, 0-9, _), e.g. \"wrong_language\"")
            }
            label = text
        }
        guard rating != nil || label != nil else {
            throw Invalid(message: "rating or label: at least one is required")
        }
    }
}
