"""The install tests run by hack/test-install.py, one module per concern."""
