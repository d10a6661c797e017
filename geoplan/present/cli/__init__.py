"""Command-line subcommands, one module each, and what they share."""
