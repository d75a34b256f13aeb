"""The analyst's dashboard, apart from its page: the model it steps and the views it draws.

:mod:`abm.dashboard.model` composes a run from the dashboard's controls and steps a compared run
alongside; :mod:`abm.dashboard.figures` draws its views from a running model's state. The
Solara page itself (controls, cards, layout) is ``experiments/dashboard.py``, which ``make
dashboard`` serves; the benchmark and the tests use these modules without a browser.
:mod:`abm.dashboard.exercise` is the app's second page (``/exercise``): a table-top exercise
played with :mod:`abm.exercise`.
"""
