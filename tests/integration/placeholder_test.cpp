// Replaced by the harness self-tests.
