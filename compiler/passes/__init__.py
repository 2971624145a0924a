"""The compiler passes, one verb per module, in the order `compiler.pipeline.PIPELINE` runs them."""
