"""Ingest: files → load → docmeta → chunk → embed → the index (catalog, Chroma, BM25), consistent under kill -9."""
