// Replaced by Piped.
