"""A generated home brought up in Home Assistant the way ``scripts/develop`` does it.

Shared by the tests that run a synthetic home through the real Home Assistant: the
configuration folder (the home saved for the ``homeiq_sim`` integration, which Home
Assistant's own loader finds at ``<config>/custom_components/homeiq_sim``, a link to
``tools/homeiq_sim``) and the integrations the home needs (sun, zone, persons, scripts, its
structure, its automations).

Home Assistant mounts the configuration folder on ``sys.path`` only while it first imports
``custom_components``; under pytest that package already comes from the repository, so the
folder stays mounted for the test.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
import yaml

from custom_components.homeiq.core.home import Home
from tools.generate import SIM_HOME, automation_configs
from tools.homefile import save_home
from tools.synthetic import SyntheticHome

REPO = Path(__file__).resolve().parents[2]


def make_sim_config(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    synthetic: SyntheticHome,
    *,
    automations_file: bool = False,
) -> Path:
    """The configuration folder as ``scripts/generate ha-config`` + ``scripts/develop``
    leave it: the home in ``homeiq_sim_home/``, ``custom_components/homeiq_sim`` linked and,
    with ``automations_file``, the home's automations in ``automations.yaml`` included from
    ``configuration.yaml`` (where the automation editor keeps its own)."""
    config = Path(hass.config.config_dir)
    save_home(config / SIM_HOME, synthetic)
    (config / "custom_components").mkdir(exist_ok=True)
    # The test harness's configuration folder makes custom_components a regular package;
    # a user's (and scripts/develop's) has no __init__.py, a namespace package portion.
    (config / "custom_components" / "__init__.py").unlink(missing_ok=True)
    (config / "custom_components" / "homeiq_sim").symlink_to(REPO / "tools" / "homeiq_sim")
    if automations_file:
        (config / "configuration.yaml").write_text("automation: !include automations.yaml\n")
        (config / "automations.yaml").write_text(
            yaml.safe_dump(automation_configs(synthetic.home), sort_keys=False)
        )
    monkeypatch.syspath_prepend(str(config))
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # scan custom_components again
    return config


async def async_bring_up(hass: HomeAssistant, home: Home) -> None:
    """Home Assistant's own sun, zone, persons and scripts, the synthetic home, and its
    automations (a service they call that nothing provides is registered as a no-op)."""
    persons = [
        {"id": e.partition(".")[2], "name": entity.name or e}
        for e, entity in home.entities.items()
        if entity.domain == "person"
    ]
    scripts: dict[str, dict[str, object]] = {
        e.partition(".")[2]: {"alias": entity.name, "sequence": []}
        for e, entity in home.entities.items()
        if entity.domain == "script"
    }
    # The home's place: nights and weekdays are local; zone.home is called Home.
    await hass.config.async_set_time_zone(home.time_zone)
    hass.config.location_name = "Home"
    assert await async_setup_component(hass, "zone", {})
    assert await async_setup_component(hass, "sun", {"sun": {}})
    assert await async_setup_component(hass, "person", {"person": persons})
    assert await async_setup_component(hass, "script", {"script": scripts})
    assert await async_setup_component(hass, "homeiq_sim", {"homeiq_sim": {"home": SIM_HOME}})
    for automation in home.automations:
        for service in automation.action_services:
            domain, _, name = service.partition(".")
            if not hass.services.has_service(domain, name):
                hass.services.async_register(domain, name, lambda call: None)
    assert await async_setup_component(hass, "automation", {"automation": automation_configs(home)})
    await hass.async_block_till_done()
