// ClassifierCore: being built (see docs/architecture.md).
