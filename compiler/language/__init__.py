"""The formula language: its IR, the parser into it, the printer out of it, exact evaluation."""
