import KubeCore
import Testing
@testable import KubeClient

@Suite("Status bodies decode into typed errors", .timeLimit(.minutes(2)))
struct KubeErrorTests {
    func status(_ reason: String?, _ code: Int, causes: [Status.Cause]? = nil, retryAfter: Int? = nil) -> Status {
        Status(message: "msg", reason: reason, details: Status.Details(causes: causes, retryAfterSeconds: retryAfter),
               code: code)
    }

    @Test("the Status reason decides the error; the HTTP code decides when there is no reason")
    func mapping() {
        let table: [(Int, String?, String)] = [
            (404, "NotFound", "NotFound"), (404, nil, "NotFound"),
            (409, "AlreadyExists", "AlreadyExists"), (409, "Conflict", "Conflict"), (409, nil, "Conflict"),
            (410, "Expired", "Gone"), (410, "Gone", "Gone"), (410, nil, "Gone"),
            (422, "Invalid", "Invalid"), (400, "BadRequest", "Invalid"),
            (403, "Forbidden", "Forbidden"), (401, "Unauthorized", "Unauthorized"),
            (429, "TooManyRequests", "TooManyRequests"), (429, nil, "TooManyRequests"),
            (500, "InternalError", "ServerError"), (503, "ServiceUnavailable", "ServerError"),
            (405, "MethodNotAllowed", "UnexpectedStatus"),
        ]
        for (code, reason, expected) in table {
            let error = KubeError(code: code, status: status(reason, code))
            #expect(error.reason == expected, "\(code) \(reason ?? "nil")")
            #expect(error.code == code || (code == 400 && error.code == 400))
        }
    }

    @Test("invalid carries the field causes, and the description names them")
    func invalidCauses() {
        let causes = [Status.Cause(reason: "FieldValueInvalid", message: "Invalid value: 0: must be >= 1",
                                   field: "spec.replicas")]
        let error = KubeError(code: 422, status: status("Invalid", 422, causes: causes))
        guard case .invalid(_, let decoded) = error else { Issue.record("not invalid: \(error)"); return }
        #expect(decoded == causes)
        #expect(error.description.contains("spec.replicas"))
    }

    @Test("Retry-After comes from the header, else from details.retryAfterSeconds")
    func retryAfter() {
        #expect(KubeError(code: 429, status: status("TooManyRequests", 429, retryAfter: 3)).retryAfter == .seconds(3))
        #expect(KubeError(code: 429, status: status(nil, 429, retryAfter: 3), retryAfterHeader: "7").retryAfter
            == .seconds(7))
        #expect(KubeError(code: 503, status: nil, retryAfterHeader: " 2 ").retryAfter == .seconds(2))
        #expect(KubeError(code: 429, status: nil).retryAfter == nil)
    }

    @Test("an absent body still gives a typed error with a message naming the code")
    func noBody() {
        let error = KubeError(code: 502, status: nil)
        #expect(error.reason == "ServerError")
        #expect(error.message.contains("502"))
    }

    @Test("only 429 is retried for non-idempotent calls; 5xx and transport only for idempotent ones")
    func retryDecisions() {
        let policy = RetryPolicy()
        let tooMany = KubeError(code: 429, status: nil)
        let server = KubeError(code: 500, status: nil)
        let transport = KubeError.transport("reset")
        let conflict = KubeError(code: 409, status: nil)
        #expect(policy.shouldRetry(tooMany, idempotent: false))
        #expect(policy.shouldRetry(server, idempotent: true))
        #expect(!policy.shouldRetry(server, idempotent: false))
        #expect(policy.shouldRetry(transport, idempotent: true))
        #expect(!policy.shouldRetry(transport, idempotent: false))
        #expect(!policy.shouldRetry(conflict, idempotent: true))
        #expect(!policy.shouldRetry(KubeError(code: 501, status: status("NotImplemented", 501)), idempotent: false))
    }

    @Test("a server's Retry-After is honoured up to the cap; otherwise the jittered backoff applies")
    func retryDelay() {
        let policy = RetryPolicy(backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0),
                                 maxRetryAfter: .seconds(10))
        #expect(policy.delay(after: KubeError(code: 429, status: nil, retryAfterHeader: "3"), attempt: 0) == .seconds(3))
        #expect(policy.delay(after: KubeError(code: 429, status: nil, retryAfterHeader: "60"), attempt: 0) == .seconds(10))
        #expect(policy.delay(after: KubeError(code: 500, status: nil), attempt: 2) == .milliseconds(400))
    }
}
