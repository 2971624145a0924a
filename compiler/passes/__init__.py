"""The compiler passes, one verb per module; `compiler.pipeline.PIPELINE` lists them in the order they run."""
