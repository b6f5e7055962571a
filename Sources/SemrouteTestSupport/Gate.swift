import KubeRuntime

/// A gate a task waits at until the test opens it: KubeRuntime's ``Latch`` (cancellable waits; a cancelled waiter
/// returns with the gate still closed, so a test that ends early does not leave a task stuck here).
public typealias Gate = Latch
