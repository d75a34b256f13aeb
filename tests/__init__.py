"""The test suite, a package so that its helpers import as ``tests.<module>`` both under pytest
and from the checkout (``make bench`` uses the per-agent reference, ``tests.reference``)."""
