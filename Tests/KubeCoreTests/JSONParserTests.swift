import Testing
@testable import KubeCore

@Suite("JSONParser and JSONWriter", .timeLimit(.minutes(2)))
struct JSONParserTests {
    @Test("objects keep key order and round-trip byte for byte through the compact writer")
    func roundTrip() throws {
        let text = #"{"z":1,"a":[true,false,null],"m":{"k":"v","e":{}},"d":2.5,"s":"x","l":[]}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == ["z", "a", "m", "d", "s", "l"])
        #expect(JSONWriter.string(value) == text)
        #expect(try JSONParser.parse(JSONWriter.string(value, pretty: true)) == value)
    }

    @Test("unicode escapes decode, including surrogate pairs")
    func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u00e9\u4e2d""#) == "é中")
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == "😀")
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{08}\u{0C}\n\r\t")
        #expect(try JSONParser.parse("\"raw 😀 é\"") == "raw 😀 é")
    }

    @Test("unpaired or malformed surrogates are rejected", arguments: [
        #""\ud83d""#, #""\ud83dx""#, #""\ude00""#, #""\ud83d\u0041""#, #""\u12""#, #""\uzzzz""#,
    ])
    func badSurrogates(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test("the writer escapes control characters and round-trips every string")
    func writerEscapes() throws {
        for s in ["", "\u{0}", "\u{1F}", "\u{7F}", "a\"b", "back\\slash", "\u{2028}\u{2029}", "tab\there", "😀é中"] {
            let text = JSONWriter.string(.string(s))
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 })
            #expect(try JSONParser.parse(text) == .string(s))
        }
        #expect(JSONWriter.string("\u{1}") == #""\u0001""#)
    }

    @Test("integers stay ints, everything with a fraction or exponent is a double")
    func intsVersusDoubles() throws {
        #expect(try JSONParser.parse("42") == .int(42))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("42.0") == .double(42))
        #expect(try JSONParser.parse("4e2") == .double(400))
        #expect(try JSONParser.parse("-1.5E-3") == .double(-0.0015))
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(JSONWriter.string(.double(42)) == "42.0")
        #expect(JSONWriter.string(.int(42)) == "42")
        for d in [0.1, 1e-5, 1e20, 1.7976931348623157e308, -2.5e-300, 123456.789] {
            #expect(try JSONParser.parse(JSONWriter.string(.double(d))) == .double(d))
        }
    }

    @Test("malformed numbers are rejected", arguments: ["01", "1.", ".5", "+1", "1e", "-", "1.e5", "0x10", "NaN", "Infinity"])
    func badNumbers(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test("duplicate keys are rejected, like Kubernetes' strict decoding")
    func duplicateKeys() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(#"{"o":{"x":1,"x":1}}"#) }
        let error = #expect(throws: JSONParser.Error.self) { try JSONParser.parse(#"{"a":1,"a":2}"#) }
        #expect(error?.reason == #"duplicate key "a""#)
    }

    @Test("trailing garbage is rejected, trailing whitespace is fine", arguments: [
        #"{"a":1}x"#, "1 2", "[1]]", "{} {}", "null,", "truex",
    ])
    func trailingGarbage(text: String) {
        let error = #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
        #expect(error != nil)
    }

    @Test("whitespace around the value is allowed")
    func whitespace() throws {
        #expect(try JSONParser.parse(" \n\t{ \"a\" : [ 1 , 2 ] }\r\n ") == ["a": [1, 2]])
    }

    @Test("other syntax errors are rejected", arguments: [
        "", "   ", "{", "[1,]", #"{"a":1,}"#, "{a:1}", "'x'", #""unterminated"#, "[1 2]", "\"tab\there\"", "nul", "{\"a\" 1}",
    ])
    func syntaxErrors(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test("nesting up to the depth limit parses; deeper is refused instead of overflowing the stack")
    func depthLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let error = #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
        #expect(error?.reason.contains("nesting") == true)
        let hostile = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(hostile) }
    }

    @Test("errors carry the byte offset")
    func errorOffset() {
        let error = #expect(throws: JSONParser.Error.self) { try JSONParser.parse(#"{"a":tru}"#) }
        #expect(error?.offset == 8)
        #expect(error?.description.hasPrefix("invalid JSON at byte 8") == true)
    }

    @Test("pretty output is two-space indented and stable")
    func pretty() throws {
        let value: JSONValue = ["a": [1, ["b": "c"]], "e": [:], "f": []]
        #expect(JSONWriter.string(value, pretty: true) == """
            {
              "a": [
                1,
                {
                  "b": "c"
                }
              ],
              "e": {},
              "f": []
            }
            """)
    }
}
