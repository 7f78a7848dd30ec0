"""Shared text vocabulary: Vietnamese normalisation, document numbers, key terms and sentences."""
