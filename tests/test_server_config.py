"""Server settings of .streamlit/config.toml: in the file, as Streamlit reads them, and on a running server."""

import json
import shutil
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request

import pytest

from tools.server import CHROMIUM, CHROMIUM_ARGS, ROOT, serve

CSV_LIMIT_MB = 5  # the Playground's own CSV limit (README: 5 MB / 20,000 rows)
PORT = 8618


def test_config_file_states_each_setting():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["maxUploadSize"] == CSV_LIMIT_MB
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["fileWatcherType"] == "none"
    assert cfg["runner"]["postScriptGC"] is False
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["client"]["toolbarMode"] == "viewer"
    assert cfg["browser"]["gatherUsageStats"] is False


def test_streamlit_reads_the_settings_from_the_project():
    # a misspelt option is only a warning to Streamlit: read the values back through its own config
    code = (
        "import json, streamlit.config as c; c.get_config_options(force_reparse=True); print(json.dumps("
        "{k: c.get_option(k) for k in ('server.maxUploadSize', 'server.enableXsrfProtection', "
        "'client.showErrorDetails', 'client.toolbarMode', 'server.fileWatcherType', "
        "'runner.postScriptGC')}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {
        "server.maxUploadSize": CSV_LIMIT_MB,
        "server.enableXsrfProtection": True,
        "client.showErrorDetails": "none",
        "client.toolbarMode": "viewer",
        "server.fileWatcherType": "none",
        "runner.postScriptGC": False,
    }


def test_running_server_guards_uploads_and_names_the_home_page():
    with serve(PORT) as (url, _):
        with urllib.request.urlopen(f"{url}/_stcore/health") as r:
            assert "_streamlit_xsrf=" in r.headers.get("set-cookie", "")
        put = urllib.request.Request(f"{url}/_stcore/upload_file/s/f", data=b"x", method="PUT")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(put)
        assert refused.value.code == 403  # no XSRF token: refused before anything is read

        if not shutil.which(CHROMIUM):
            pytest.skip("no chromium for the navigation check")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            # a shared link is often a fresh server's first visit: it must get the app's navigation too
            # (with a pages/ folder, Streamlit ran the page alone under a sidebar of file names and "app")
            page.goto(f"{url}/Glossary", wait_until="domcontentloaded")
            page.get_by_role("heading", name="Glossary").first.wait_for(timeout=60_000)
            page.locator("[data-testid='stSidebarNav'] a").first.wait_for(timeout=30_000)
            first = [
                t.split("\n")[-1].strip() for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
            ]
            assert first[:2] == ["Home", "Training playground"], first
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_role("link", name="Open Training playground").wait_for(timeout=60_000)
            nav = page.locator("[data-testid='stSidebarNav'] a")
            names = [t.split("\n")[-1].strip() for t in nav.all_inner_texts()]
            assert names[:2] == ["Home", "Training playground"], names
            assert page.locator("[data-testid='stAppDeployButton']").count() == 0
            page.get_by_role("link", name="Open Training playground").click()
            page.wait_for_url(f"{url}/Playground", timeout=30_000)  # the pages keep their URLs
            browser.close()
