// Replaced by the harness helper.
