"""Search: the index's stores (catalog, Chroma, BM25), query understanding, hybrid retrieval, rerank, context."""
