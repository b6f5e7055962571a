import Testing
@testable import ClassifierServer
