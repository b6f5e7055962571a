import Testing
@testable import ClassifierCore

@Suite("WordPiece tokenizer", .timeLimit(.minutes(2)))
struct TokenizerTests {
    // Golden ids: DESIGN §4.1 (sentence-transformers) and the reference fast tokenizer (tokenizers 0.23.3 with
    // the model's tokenizer.json) for the edge cases.
    @Test("produces the reference ids", arguments: [
        ("What is the derivative of x^2 * sin(x)?",
         [101, 2054, 2003, 1996, 13819, 1997, 1060, 1034, 1016, 1008, 8254, 1006, 1060, 1007, 1029, 102]),
        ("Write a Python function that reverses a linked list.",
         [101, 4339, 1037, 18750, 3853, 2008, 7901, 2015, 1037, 5799, 2862, 1012, 102]),
        ("Héllo, naïve café! I'm 100% sure: C++ isn't Rust.",
         [101, 7592, 1010, 15743, 7668, 999, 1045, 1005, 1049, 2531, 1003, 2469, 1024, 1039, 1009, 1009, 3475, 1005, 1056, 18399, 1012, 102]),
        ("中文字符 and 日本語", [101, 1746, 1861, 100, 100, 1998, 1864, 1876, 1950, 102]),
        ("I love 🍕 pizza 😀", [101, 1045, 2293, 100, 10733, 100, 102]),
        ("naïve Ångström Øresund straße", [101, 15743, 17076, 15687, 1100, 6072, 8630, 2358, 27807, 102]),
        ("hello,world!!(ok)", [101, 7592, 1010, 2088, 999, 999, 1006, 7929, 1007, 102]),
        ("hel\u{7}lo wor\u{200B}ld", [101, 7592, 2088, 102]),
        ("unaffable", [101, 14477, 20961, 3468, 102]),
        ("a-b_c@d#e", [101, 1037, 1011, 1038, 1035, 1039, 1030, 1040, 1001, 1041, 102]),
        ("Σίσυφος ΣΊΣΥΦΟΣ", [101, 1173, 18199, 29733, 29735, 29736, 15297, 1173, 18199, 29733, 29735, 29736, 29730, 29733, 102]),
        ("İstanbul", [101, 9960, 102]),
        ("１２３ ＡＢＣ", [101, 100, 100, 102]),
        ("¿Qué tal? «bien»", [101, 1094, 10861, 21368, 1029, 1077, 29316, 1090, 102]),
        ("x\u{A0}y\u{2003}z\u{2028}w", [101, 1060, 1061, 1062, 1059, 102]),
        ("Hello\r\nWorld", [101, 7592, 2088, 102]),
        ("한국어", [101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 102]),
        ("カタカナ ひらがな", [101, 1700, 30235, 30226, 30241, 1673, 30211, 30177, 30193, 102]),
        ("ab\u{E000}cd", [101, 5925, 2094, 102]),
    ] as [(String, [Int32])])
    func referenceIDs(text: String, ids: [Int32]) throws {
        #expect(try EncoderModelFixture.tokenizer().encode(text, maxTokens: 512) == ids)
    }

    @Test("empty and whitespace-only text is just [CLS] [SEP]", arguments: ["", "   \t\n ", "\u{0}\u{FFFD}\u{200B}"])
    func emptyText(text: String) throws {
        let tokenizer = try EncoderModelFixture.tokenizer()
        #expect(tokenizer.encode(text, maxTokens: 128) == [tokenizer.classID, tokenizer.separatorID])
    }

    @Test("lowercases and strips accents, so spelling variants share ids")
    func caseAndAccents() throws {
        let tokenizer = try EncoderModelFixture.tokenizer()
        #expect(tokenizer.tokens("Café CAFÉ cafe") == ["cafe", "cafe", "cafe"])
    }

    @Test("gives each CJK ideograph its own token")
    func cjkSpacing() throws {
        let tokenizer = try EncoderModelFixture.tokenizer()
        #expect(tokenizer.tokens("中文") == ["中", "文"])
        #expect(tokenizer.encode("中文", maxTokens: 16) == tokenizer.encode("中 文", maxTokens: 16))
    }

    @Test("a word of more than 100 characters is one [UNK]; 100 characters are still split into pieces")
    func longWords() throws {
        let tokenizer = try EncoderModelFixture.tokenizer()
        #expect(tokenizer.encode(String(repeating: "a", count: 101), maxTokens: 512) == [101, 100, 102])
        let hundred = tokenizer.encode(String(repeating: "a", count: 100), maxTokens: 512)
        #expect(hundred.count > 3)
        #expect(!hundred.contains(tokenizer.unknownID))
    }

    @Test("truncates to maxTokens including [CLS] and [SEP]")
    func truncation() throws {
        let tokenizer = try EncoderModelFixture.tokenizer()
        let full = tokenizer.encode("one two three four five six seven", maxTokens: 512)
        #expect(full.count == 9)
        let truncated = tokenizer.encode("one two three four five six seven", maxTokens: 5)
        #expect(truncated == Array(full.prefix(4)) + [tokenizer.separatorID])
        #expect(tokenizer.encode("one two three", maxTokens: 2) == [tokenizer.classID, tokenizer.separatorID])
    }

    @Test("reading stops at the words truncation keeps: the first n words of any text are those of the whole text, and a 1 MB prompt encodes as its first kilobytes")
    func boundedReading() throws {
        let texts = ["What is the derivative of x^2 * sin(x)?", "Héllo, naïve café! I'm 100% sure: C++ isn't Rust.",
                     "中文字符 and 日本語", "hello,world!!(ok)", "hel\u{7}lo wor\u{200B}ld", "x\u{A0}y\u{2003}z\u{2028}w",
                     "Σίσυφος ΣΊΣΥΦΟΣ", "a-b_c@d#e", "  leading and trailing  ", ""]
        for text in texts {
            let all = WordPieceTokenizer.basicTokens(text)
            for limit in 0...(all.count + 2) {
                #expect(WordPieceTokenizer.basicTokens(text, limit: limit) == Array(all.prefix(limit)), "\(text) limit \(limit)")
            }
        }
        let tokenizer = try EncoderModelFixture.tokenizer()
        let sentence = "Please summarise the quarterly revenue report, then list the three largest risks. "
        let huge = String(repeating: sentence, count: 1_000_000 / sentence.utf8.count + 1)
        let head = String(repeating: sentence, count: 40)
        #expect(tokenizer.encode(huge, maxTokens: 128) == tokenizer.encode(head, maxTokens: 128))
        #expect(tokenizer.encode(huge, maxTokens: 128).count == 128)
    }

    @Test("WordPiece is greedy longest-match-first with ## continuations, and a word with no match is [UNK]")
    func wordPieceAlgorithm() throws {
        let tokenizer = try WordPieceTokenizer(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "una", "##ff", "a"])
        // "una" + "##ff" + "##able" would also cover the word, but the first piece is the longest match.
        #expect(tokenizer.encode("unaffable", maxTokens: 16) == [2, 7, 8, 6, 3])
        #expect(tokenizer.encode("unaffablex a", maxTokens: 16) == [2, 1, 9, 3])
        #expect(tokenizer.tokens("unaffable") == ["una", "##ff", "##able"])
    }

    @Test("a missing vocabulary file is an error naming the file")
    func missingVocabulary() {
        #expect(throws: EncoderError.missingFile(path: "/nonexistent/vocab.txt")) {
            try WordPieceTokenizer(vocabularyPath: "/nonexistent/vocab.txt")
        }
    }

    @Test("a vocabulary without the special tokens is rejected, naming the token")
    func vocabularyWithoutSpecials() {
        #expect(throws: EncoderError.invalidFile(path: "<memory>", reason: "vocabulary has no [UNK] token")) {
            try WordPieceTokenizer(tokens: ["[PAD]", "[CLS]", "[SEP]", "hello"])
        }
    }
}
