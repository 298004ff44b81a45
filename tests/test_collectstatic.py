"""collectstatic with the production storage (whitenoise's compressed manifest) succeeds.

The manifest storage rewrites every reference a CSS or JS file makes (url(), sourceMappingURL)
and refuses to collect when a referenced file is missing; the gunicorn smoke test runs it before
serving. This test finds such a break in the ordinary suite, within seconds, instead of at the end
of CI: a vendored build (Chart.js) that names a map file not copied beside it failed exactly so.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_collectstatic_with_the_manifest_storage(tmp_path):
    vendor = Path(settings.BASE_DIR, "jpki", "static", "vendor", "chartjs")
    if (vendor / "chart.umd.js").exists():
        assert (vendor / "chart.umd.js.map").exists(), "chart.umd.js names its map: copy it beside the file"
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list((tmp_path / "jpki").glob("*.*.js")) or list((tmp_path / "jpki").rglob("*.*.js"))
    if (vendor / "chart.umd.js").exists():
        assert list((tmp_path / "vendor" / "chartjs").glob("chart.umd.*.js")), "hashed Chart.js not collected"
