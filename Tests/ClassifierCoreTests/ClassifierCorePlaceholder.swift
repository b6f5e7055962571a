import Testing
@testable import ClassifierCore
