"""The one error type a user sees for bad input: a key and what is allowed, no traceback."""


class ConfigError(ValueError):
    """A configuration value that cannot be run.

    Args:
        key: The dotted config path of the offending value (``scenario.shocks[0].region``).
        allowed: What would be accepted, in a few words.
    """

    def __init__(self, key: str, allowed: str) -> None:
        super().__init__(f"{key}: {allowed}")
        self.key = key
        self.allowed = allowed
