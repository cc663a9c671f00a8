// Replaced by bindings.
