"""Answer: evidence units, the prompt, the model's choice, verified citations, the evidence gate, the answerer."""
