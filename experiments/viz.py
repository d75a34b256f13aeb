"""An interactive view with Mesa's SolaraViz: ``solara run experiments/viz.py``.

Needs the ``viz`` extra of Mesa (installed with ``.[dev]``). The model is used unchanged: the
plots read the DataCollector's model-level reporters.
"""

from mesa.visualization import SolaraViz, make_plot_component

from abm import HybridThreatModel

model_params = {
    "scenario": {
        "type": "Select",
        "value": "grid_shock",
        "values": ["peacetime", "grid_shock", "coastal_storm", "regional_blackout"],
        "label": "Scenario",
    },
    "horizon_days": {
        "type": "SliderInt",
        "value": 14,
        "min": 1,
        "max": 60,
        "step": 1,
        "label": "Horizon (days)",
    },
    "rng": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
}

page = SolaraViz(
    HybridThreatModel(scenario="grid_shock", rng=0, horizon_days=14),
    components=[
        make_plot_component("mean_service"),
        make_plot_component("assets_down"),
        make_plot_component("total_loss"),
    ],
    model_params=model_params,
    name="Hybrid threats and resilience in Belgium",
)
