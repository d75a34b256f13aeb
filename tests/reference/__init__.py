"""Reference implementations the tests check the model against and the benchmark times: not
used by the model, not installed with it (run from the checkout)."""
