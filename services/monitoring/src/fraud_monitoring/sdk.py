"""Every grafana-foundation-sdk module this package uses, imported without deprecation noise.

Several SDK modules warn at import time that the classic dashboard model is superseded by
dashboardv2, which only Grafana 12's new storage API loads. File provisioning and the Kubernetes
dashboard sidecar take the classic JSON model, so that is the one this package builds. Import
SDK names from here, never from the SDK directly, so the filter applies before the first import.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.builders import common as common_builders
    from grafana_foundation_sdk.builders import stat, timeseries
    from grafana_foundation_sdk.builders.dashboard import (
        Dashboard,
        DatasourceVariable,
        Row,
        ThresholdsConfig,
    )
    from grafana_foundation_sdk.builders.prometheus import Dataquery
    from grafana_foundation_sdk.cog import builder as cogbuilder
    from grafana_foundation_sdk.cog import variants as cogvariants
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models.dashboard import Threshold, ThresholdsMode

__all__ = [
    "Dashboard",
    "Dataquery",
    "DatasourceVariable",
    "JSONEncoder",
    "Row",
    "Threshold",
    "ThresholdsConfig",
    "ThresholdsMode",
    "cogbuilder",
    "cogvariants",
    "common",
    "common_builders",
    "stat",
    "timeseries",
]
