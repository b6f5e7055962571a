import Testing
@testable import SemanticRouteController
