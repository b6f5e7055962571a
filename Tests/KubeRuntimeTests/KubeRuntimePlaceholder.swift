import Testing
@testable import KubeRuntime
