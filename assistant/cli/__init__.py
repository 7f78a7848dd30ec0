"""Command line: a thin shell over `pipeline`, one module per command group."""
