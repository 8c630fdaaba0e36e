"""The behavioural defaults are the ones the staged calibration found (docs/calibration.md)."""

import sim
from sim.validation import defaults


def test_the_scenario_defaults_are_the_fitted_values():
    scenario = sim.Scenario.__dataclass_fields__
    for path, value in defaults.FITTED.items():
        section, name = path.split(".")
        assert getattr(scenario[section].default, name) == value, path


def test_every_stage_fits_parameters_of_its_own():
    fitted = [path for stage in defaults.STAGES for path in stage.params]
    assert len(fitted) == len(set(fitted))
    assert set(fitted) < set(defaults.FITTED)
