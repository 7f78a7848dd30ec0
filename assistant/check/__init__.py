"""Draft consistency checker: statements of a draft against the directives it implements.

`statements` splits a draft, `mentions` and `compare` hold the deterministic comparisons, `judge` the
LLM's part, `references` document dates and superseded documents, `checker` decides, `results` holds
the dataclasses, `report` and `html` render them. `Pipeline.check` is the entry point.
"""
