"""The shipped .streamlit/config.toml (issue 13): every setting is one Streamlit knows, and what
a read-only deployment does not need is off; docs/security.md says how to close the rest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit import config as st_config

REPO = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())


def _flat() -> dict[str, object]:
    return {f"{sec}.{k}": v for sec, opts in CONFIG.items() for k, v in opts.items()}


def test_every_shipped_setting_is_a_real_streamlit_option() -> None:
    # A misspelt option is ignored silently (with a warning in the log): the feature it was
    # meant to switch off would stay on.
    unknown = [k for k in _flat() if k not in st_config._config_options_template]
    assert unknown == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("server.enableStaticServing", False),
        ("server.enableAgentApi", False),
        ("server.scriptHealthCheckEnabled", False),
        ("server.enableExpensiveMemoryStats", False),
        ("server.enableXsrfProtection", True),
        ("server.enableCORS", True),
        ("server.fileWatcherType", "none"),
        ("server.runOnSave", False),
        ("global.developmentMode", False),
        ("client.showErrorDetails", "none"),
        ("client.toolbarMode", "viewer"),
        ("browser.gatherUsageStats", False),
    ],
)
def test_what_a_deployment_does_not_need_is_off(option: str, value: object) -> None:
    assert _flat()[option] == value


def test_security_doc_covers_the_metrics_endpoint_and_the_settings() -> None:
    doc = (REPO / "docs" / "security.md").read_text()
    assert "/_stcore/metrics" in doc and "location" in doc  # the proxy rule that blocks it
    for option in ("enableStaticServing", "enableAgentApi", "showErrorDetails"):
        assert option in doc
