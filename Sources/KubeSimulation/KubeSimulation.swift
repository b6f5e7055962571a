// KubeSimulation: being built (issue 4).
