"""Benchmarks: each module runs on its own throwaway database (`python -m bench.<name>`)."""
