"""The pytest plugin: one messages-vcr server per run, a cassette per test module, a session per
test, and a miss that fails the test which caused it with the server's explanation."""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from .server import ServerNotFound, VCRServer, binary_environment, find_binary

MODES = ("replay", "record", "auto", "passthrough")
FLAVORS = ("ollama", "anthropic", "llamacpp")
BAD_RESULTS = ("miss", "exhausted", "error")
SERVER_KEY = pytest.StashKey["VCRServer | None"]()
USES_KEY = pytest.StashKey["tuple[str, str, str]"]()
CASSETTES_KEY = pytest.StashKey["set[str]"]()
DEFAULT_CASSETTE_KEY = pytest.StashKey["str | None"]()
FIXTURES = ("vcr_base_url", "anthropic_client", "async_anthropic_client")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("messages-vcr", "record and replay Anthropic Messages API traffic with messages-vcr")
    options = [
        ("--vcr-mode", "vcr_mode", "replay", f"replay (default), record, auto or passthrough"),
        ("--vcr-upstream", "vcr_upstream", None, "the Ollama (or other) server record/auto/passthrough forward to (default: $OLLAMA_HOST)"),
        ("--vcr-cassette-dir", "vcr_cassette_dir", None, "folder of cassettes (default: cassettes in the rootdir)"),
        ("--vcr-timing", "vcr_timing", "instant", "replay pacing: instant (default), original, fixed:MS or speed:X"),
        ("--vcr-flavor", "vcr_flavor", "ollama", "answer as ollama (default), as the real anthropic API (ping, msg_01/toolu_01 ids, request-id, key and version checked) or as llamacpp (llama.cpp's llama-server)"),
        ("--vcr-bin", "vcr_bin", None, "the messages-vcr binary (default: $MESSAGES_VCR_BIN, the wheel's, or messages-vcr on PATH)"),
    ]
    for flag, ini, default, help_text in options:
        group.addoption(flag, dest=ini, default=None, help=help_text + f" [ini: {ini}]")
        parser.addini(ini, help_text, default=default)
    group.addoption("--vcr-export", dest="vcr_export", action="store_true", default=None,
                    help="after a record or auto run, export each cassette used as NAME.json beside it, for review [ini: vcr_export]")
    parser.addini("vcr_export", "export cassettes as JSON after recording", type="bool", default=False)


def setting(config: pytest.Config, name: str):
    """A setting from the command line, else the ini file."""
    value = config.getoption(name)
    return value if value is not None else config.getini(name)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "vcr(cassette=None): the cassette this test records into and replays from (default: one per test module)")
    mode = setting(config, "vcr_mode")
    if mode not in MODES:
        raise pytest.UsageError(f"--vcr-mode {mode!r}: use one of {', '.join(MODES)}")
    flavor = setting(config, "vcr_flavor")
    if flavor not in FLAVORS:
        raise pytest.UsageError(f"--vcr-flavor {flavor!r}: use one of {', '.join(FLAVORS)}")
    config.stash[SERVER_KEY] = None
    config.stash[CASSETTES_KEY] = set()
    config.stash[DEFAULT_CASSETTE_KEY] = None


def pytest_collection_modifyitems(session, config: pytest.Config, items) -> None:
    # The server's own --cassette (created at start in record mode) is the first one a test uses,
    # so no stray cassette appears in the folder.
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in FIXTURES):
            config.stash[DEFAULT_CASSETTE_KEY] = cassette_name(item)
            return


def cassette_dir(config: pytest.Config) -> str:
    configured = setting(config, "vcr_cassette_dir")
    path = Path(configured) if configured else Path(config.rootpath) / "cassettes"
    if not path.is_absolute():
        path = Path(config.rootpath) / path
    return str(path)


def server_for(config: pytest.Config) -> VCRServer:
    """The run's server, started on first use."""
    server = config.stash[SERVER_KEY]
    if server is not None:
        return server
    try:
        binary = find_binary(setting(config, "vcr_bin"))
    except ServerNotFound as error:
        raise pytest.UsageError(str(error)) from None
    directory = cassette_dir(config)
    os.makedirs(directory, exist_ok=True)
    log = tempfile.NamedTemporaryFile(prefix="messages-vcr-", suffix=".log", delete=False)
    log.close()
    default = config.stash.get(DEFAULT_CASSETTE_KEY, None) or "messages-vcr"
    server = VCRServer(binary, setting(config, "vcr_mode"), directory, setting(config, "vcr_timing"),
                       setting(config, "vcr_upstream") or None, log.name, extra=["--cassette", default, "--flavor", setting(config, "vcr_flavor")])
    config.add_cleanup(lambda: os.path.exists(log.name) and os.unlink(log.name))  # runs after stop (cleanups are LIFO)
    server.start()
    config.stash[SERVER_KEY] = server
    config.add_cleanup(server.stop)
    return server


def session_name(nodeid: str) -> str:
    """A session name for a test: its node id made URL-safe, with a hash so distinct ids stay distinct."""
    readable = re.sub(r"[^A-Za-z0-9._~-]+", "_", nodeid)[:150].strip("_") or "test"
    return f"{readable}-{hashlib.sha1(nodeid.encode()).hexdigest()[:8]}"


def cassette_name(item: pytest.Item) -> str:
    marker = item.get_closest_marker("vcr")
    name = (marker.kwargs.get("cassette") or (marker.args[0] if marker.args else None)) if marker else None
    name = name or Path(str(item.fspath)).stem
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name) or ".." in name:
        raise pytest.UsageError(f"cassette name {name!r} for {item.nodeid}: use 1 to 100 of A-Z a-z 0-9 . _ -")
    return name


@pytest.fixture(scope="session")
def vcr_server(pytestconfig: pytest.Config) -> VCRServer:
    """The run's messages-vcr server: `.url`, `.journal(session=None)`, `.report()`."""
    return server_for(pytestconfig)


@pytest.fixture
def vcr_base_url(request: pytest.FixtureRequest, vcr_server: VCRServer) -> str:
    """A base URL for any client (an SDK, Claude Code, plain HTTP) that records into and replays
    from this test's cassette, in this test's own session."""
    session = session_name(request.node.nodeid)
    cassette = cassette_name(request.node)
    vcr_server.reset(session)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    request.node.stash[USES_KEY] = (session, cassette, started)
    request.config.stash[CASSETTES_KEY].add(cassette)
    return f"{vcr_server.url}/c/{cassette}/s/{session}"


@pytest.fixture
def anthropic_client(vcr_base_url: str):
    """An `anthropic.Anthropic` client talking to this test's cassette."""
    anthropic = pytest.importorskip("anthropic")
    return anthropic.Anthropic(base_url=vcr_base_url, api_key=os.environ.get("ANTHROPIC_API_KEY") or "messages-vcr")


@pytest.fixture
def async_anthropic_client(vcr_base_url: str):
    """An `anthropic.AsyncAnthropic` client talking to this test's cassette."""
    anthropic = pytest.importorskip("anthropic")
    return anthropic.AsyncAnthropic(base_url=vcr_base_url, api_key=os.environ.get("ANTHROPIC_API_KEY") or "messages-vcr")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    uses = item.stash.get(USES_KEY, None)
    server = item.config.stash.get(SERVER_KEY, None)
    if report.when != "call" or uses is None or server is None:
        return
    session, cassette, started = uses
    try:
        # The journal's times and `started` are both UTC ISO 8601 with milliseconds: they sort as text.
        entries = [entry for entry in server.journal(session=session) if entry.get("time", "") >= started]
    except OSError as error:
        entries = [{"result": "error", "method": "-", "path": "-", "detail": f"the messages-vcr server did not answer: {error}"}]
    bad = [entry for entry in entries if entry.get("result") in BAD_RESULTS]
    if not bad:
        return
    lines = [f"messages-vcr: {len(bad)} request(s) of this test got no recorded answer (cassette {cassette}, session {session}):"]
    for entry in bad:
        lines.append(f"  {entry.get('method')} {entry.get('path')} → {entry.get('result')} {entry.get('status', '')}: {entry.get('detail', '')}")
        if entry.get("miss"):
            lines.append(f"    diff in a browser: {server.url}/__vcr/ui/misses/{entry['miss']}")
    if server.mode == "replay":
        lines.append("  Record it again with --vcr-mode record (or auto), or fix the request.")
    original = str(report.longrepr) if report.failed and report.longrepr else ""
    report.outcome = "failed"
    report.longrepr = "\n".join(lines) + (f"\n\nThe test itself then failed with:\n{original}" if original else "")
    report.sections.append(("messages-vcr server log (last lines)", server.log_tail()))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    server = config.stash.get(SERVER_KEY, None)
    if server is None or server.process is None or server.process.poll() is not None:
        return
    try:
        report = server.report()
    except OSError:
        return
    names = sorted(config.stash[CASSETTES_KEY])
    if server.mode == "replay":
        for cassette in (c for c in report.get("cassettes", []) if c.get("name") in names):
            if cassette["unused"]:
                terminalreporter.write_line(
                    f"messages-vcr: {len(cassette['unused'])} recording(s) of cassette {cassette['name']} no test used in this run: "
                    + ", ".join(cassette["unused"]))
    if server.mode in ("record", "auto") and setting(config, "vcr_export"):
        server.stop()
        for name in names:
            out = Path(server.cassette_dir) / f"{name}.json"
            subprocess.run([server.binary, "export", "--cassette-dir", server.cassette_dir, "--cassette", name, "--out", str(out)],
                           check=True, env=binary_environment(server.binary))
            terminalreporter.write_line(f"messages-vcr: exported cassette {name} to {out}")
