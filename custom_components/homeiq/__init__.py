"""HomeIQ: machine learning on the home it runs in."""

from __future__ import annotations

from pathlib import Path
import shutil

from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN, LOGGER
from .coordinator import (
    RESULTS_STORE,
    RESULTS_VERSION,
    RUNS_STORE,
    STORAGE_VERSION,
    HomeIQConfigEntry,
    HomeIQCoordinator,
    HomeIQRuntime,
)
from .home.reader import STORE_DIR
from .services import async_setup_services
from .suggestions import SYNERGY_VERSION, synergy_store_key

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register HomeIQ's actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HomeIQConfigEntry) -> bool:
    """Set up HomeIQ from a config entry; training is scheduled, never run here (a new
    HomeIQ's first run starts in the background a minute after Home Assistant started)."""
    coordinator = HomeIQCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = HomeIQRuntime(coordinator=coordinator)
    coordinator.async_schedule_nightly()
    entry.async_on_unload(async_track_device_removal(hass, entry, coordinator))
    coordinator.async_schedule_first_run()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


@callback
def async_track_device_removal(
    hass: HomeAssistant, entry: HomeIQConfigEntry, coordinator: HomeIQCoordinator
) -> CALLBACK_TYPE:
    """Forget a device as soon as it leaves the device registry; return the unsubscribe.

    Its report and repair issue go at once; the per-device entities follow from the
    coordinator update (see ``entity.device_entities_adder``).
    """

    @callback
    def _is_removal(data: dr.EventDeviceRegistryUpdatedData) -> bool:
        return data["action"] == "remove"

    @callback
    def _removed(event: Event[dr.EventDeviceRegistryUpdatedData]) -> None:
        # In this same event the entity registry unlinks HomeIQ's entities from the device;
        # removing them before that update is handled would break the entities' own
        # handling of it, so the removal runs next.
        entry.async_create_task(
            hass, coordinator.async_forget_device(event.data["device_id"]), eager_start=False
        )

    return hass.bus.async_listen(
        dr.EVENT_DEVICE_REGISTRY_UPDATED, _removed, event_filter=_is_removal
    )


async def async_unload_entry(hass: HomeAssistant, entry: HomeIQConfigEntry) -> bool:
    """Unload a config entry; a running training run is cancelled.

    The run's executor thread cannot be stopped, so the entry's model registry and history
    store are closed: whatever that thread still tries to save or promote is refused, and
    the entry set up next (a reload) owns the models and the history alone.
    """
    coordinator = entry.runtime_data.coordinator
    await coordinator.async_cancel_run()
    await hass.async_add_executor_job(coordinator.registry.close)
    await hass.async_add_executor_job(coordinator.reader.close)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: HomeIQConfigEntry) -> None:
    """Delete what HomeIQ stored: history store, models, runs, results, suggestions with
    their answers, and repair issues (the automations created from suggestions stay: they
    are the user's now)."""
    directory = Path(hass.config.path(".storage", STORE_DIR))
    await hass.async_add_executor_job(_remove_directory, directory)
    await Store[dict[str, object]](hass, STORAGE_VERSION, RUNS_STORE).async_remove()
    await Store[dict[str, object]](hass, RESULTS_VERSION, RESULTS_STORE).async_remove()
    await Store[dict[str, object]](
        hass, SYNERGY_VERSION, synergy_store_key(entry.entry_id)
    ).async_remove()
    issues = ir.async_get(hass)
    for domain, issue_id in list(issues.issues):
        if domain == DOMAIN:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def _remove_directory(directory: Path) -> None:
    """Delete ``directory`` and everything in it; a missing directory is fine."""

    def _log(function: object, path: str, error: BaseException) -> None:
        LOGGER.warning("Could not delete %s: %s", path, error)

    if directory.is_dir():
        shutil.rmtree(directory, onexc=_log)
