// ClassifierServer: being built (see docs/architecture.md).
