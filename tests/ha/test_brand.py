"""HomeIQ ships its own icon, which Home Assistant serves for the integration's cards."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

BRAND = Path(__file__).parents[2] / "custom_components" / "homeiq" / "brand"


async def test_icon_is_served(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> None:
    """``/api/brands/integration/homeiq/icon.png`` is HomeIQ's own PNG, not the CDN's."""
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    for image in ("icon.png", "icon@2x.png"):
        response = await client.get(f"/api/brands/integration/homeiq/{image}")
        assert response.status == 200
        assert await response.read() == (BRAND / image).read_bytes()
