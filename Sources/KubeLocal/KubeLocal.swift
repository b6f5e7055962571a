// KubeLocal: being built (see docs/architecture.md).
