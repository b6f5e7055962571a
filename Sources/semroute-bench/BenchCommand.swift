import ArgumentParser

// semroute-bench: measures what docs/benchmarks.md records. Run in release, e.g.
//   swift run -c release semroute-bench render --routes 1000
// Each benchmark is a subcommand in its own file; results go to docs/benchmarks.md with the command.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "semroute-bench",
        abstract: "semroute benchmarks (run with -c release).",
        subcommands: [
            RenderBenchmark.self, APIServerBenchmark.self, OperatorBenchmark.self,
            EncoderBenchmark.self, DecisionBenchmark.self, ExtProcBenchmark.self, CRDValidationBenchmark.self,
            ConversationBenchmark.self, RolloutBenchmark.self, TracingBenchmark.self, PrecisionComparison.self,
        ]
    )
}
