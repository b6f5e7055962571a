import ClassifierConfig
import Testing
@testable import ClassifierCore

@Suite("PII signal", .timeLimit(.minutes(2)))
struct PIIDetectorTests {
    let detector = PIIDetector()

    func entities(_ text: String) -> [PIIEntity] { detector.find(in: text).map(\.entity) }

    @Test("payment cards need a valid Luhn checksum", arguments: [
        ("card 4111 1111 1111 1111 ok", [PIIEntity.creditCard]),
        ("card 4111-1111-1111-1111", [.creditCard]),
        ("card 5500005555555559", [.creditCard]),
        ("card 4111 1111 1111 1112 ok", []),
        ("order 1234567890123", []),
    ])
    func cards(text: String, expected: [PIIEntity]) {
        #expect(entities(text) == expected)
    }

    @Test("US SSNs exclude never-issued areas, group 00 and serial 0000", arguments: [
        ("ssn 123-45-6789", [PIIEntity.usSSN]),
        ("ssn 078 05 1120", [.usSSN]),
        ("ssn 000-12-3456", []),
        ("ssn 666-12-3456", []),
        ("ssn 900-12-3456", []),
        ("ssn 123-00-4567", []),
        ("ssn 123-45-0000", []),
    ])
    func ssn(text: String, expected: [PIIEntity]) {
        #expect(entities(text) == expected)
    }

    @Test("IBANs need a valid mod-97 check, compact or grouped", arguments: [
        ("pay DE89 3704 0044 0532 0130 00 today", [PIIEntity.iban]),
        ("pay GB82WEST12345698765432.", [.iban]),
        ("pay DE89 3704 0044 0532 0130 01 today", []),
    ])
    func iban(text: String, expected: [PIIEntity]) {
        #expect(entities(text) == expected)
    }

    @Test("e-mail, phone and IP addresses", arguments: [
        ("mail alice.smith+tag@example.co.uk now", [PIIEntity.email]),
        ("not an address: user@localhost", []),
        ("call +1 415 555 2671", [.phone]),
        ("call (415) 555-2671 or 415.555.2672", [.phone, .phone]),
        ("on 2024-01-15 at 10:30:45", []),
        ("host 192.168.1.10, port 80", [.ipAddress]),
        ("host 256.1.1.1 and version 1.2.3", []),
        ("v6 2001:db8::1 and fe80::1ff:fe23:4567:890a", [.ipAddress, .ipAddress]),
        ("std::vector<int> and Foo::bar()", []),
    ])
    func other(text: String, expected: [PIIEntity]) {
        #expect(entities(text) == expected)
    }

    @Test("redaction replaces each entity with its typed placeholder")
    func redaction() {
        let (text, found) = detector.redact("Mail bob@example.com, card 4111 1111 1111 1111, ssn 123-45-6789, ip 10.0.0.1.")
        #expect(text == "Mail [EMAIL], card [CREDIT_CARD], ssn [US_SSN], ip [IP_ADDRESS].")
        #expect(Set(found) == [.email, .creditCard, .usSSN, .ipAddress])
    }

    @Test("the entities filter limits what is detected")
    func filter() {
        let onlyEmail = PIIDetector(entities: [.email])
        #expect(onlyEmail.redact("bob@example.com 123-45-6789").text == "[EMAIL] 123-45-6789")
    }

    @Test("Block answers 403 with an OpenAI-style error naming the entity types")
    func block() throws {
        let p = try ClassifierPipeline(config: Fixtures.config([], safety: .init(piiAction: "Block")), encoder: nil, heads: nil)
        guard case .respond(let reply) = p.processRequest(path: "/v1/chat/completions", contentType: nil,
                                                          body: Fixtures.chat("my card is 4111 1111 1111 1111")) else {
            Issue.record("expected a block")
            return
        }
        #expect(reply.status == 403)
        #expect(reply.reason == .pii)
        let error = try #require(Fixtures.json(reply.body)["error"])
        #expect(error["code"] == .string("pii_detected"))
        #expect(error["type"] == .string("invalid_request_error"))
        #expect(error["message"]?.stringValue?.contains("CREDIT_CARD") == true)
        // An invalid checksum is not PII: the request goes on.
        #expect(Fixtures.rewrite(p, Fixtures.chat("my card is 4111 1111 1111 1112")) != nil)
    }

    @Test("Redact rewrites every message's text, string or parts, and reports the types")
    func redactBody() throws {
        let p = try ClassifierPipeline(config: Fixtures.config([], safety: .init(piiAction: "Redact", piiEntities: ["EMAIL", "US_SSN"])),
                                       encoder: nil, heads: nil)
        let body = Array(#"""
        {"model":"MoM","messages":[{"role":"system","content":"ops@corp.example is the admin"},
         {"role":"user","content":[{"type":"text","text":"I am 123-45-6789"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}
        """#.utf8)
        let r = try #require(Fixtures.rewrite(p, body))
        let messages = try #require(Fixtures.json(r.body)["messages"]?.arrayValue)
        #expect(messages[0]["content"] == .string("[EMAIL] is the admin"))
        let parts = try #require(messages[1]["content"]?.arrayValue)
        #expect(parts[0]["text"] == .string("I am [US_SSN]"))
        #expect(parts[1]["image_url"]?["url"] == .string("https://x/y.png"))
        #expect(r.redacted == ["EMAIL", "US_SSN"])
    }
}
