"""The eval wing: costs turned into time and memory on a device (`kc eval`, `kc roofline`, `kc hardware`).

It uses the compiler only through the public API of `compiler`, as a client would.
"""
