// KubeClient: being built (see docs/architecture.md).
