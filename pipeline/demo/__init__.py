"""The sample period of `make demo` and the tests: agencies' returns with planted mistakes."""
