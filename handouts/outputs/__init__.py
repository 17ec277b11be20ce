"""Outputs: one build (prepare, render, atomic write), batches and their executors,
manifests, the clinician report."""
