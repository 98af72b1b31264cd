"""The plugin, run the way its users run it: pytester writes a test module, pytest runs it in a
subprocess against the real messages-vcr binary ($MESSAGES_VCR_BIN) and a fake upstream."""

import os
import shutil
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fake_upstream import FakeUpstream  # noqa: E402

MODULE = '''
import json, urllib.request

def ask(client, text):
    reply = client.messages.create(model="qwen3", max_tokens=64, messages=[{"role": "user", "content": text}])
    return reply.content[0].text

def test_a(anthropic_client):
    assert ask(anthropic_client, "same question") == "answer 1: same question"

def test_b(anthropic_client):
    assert ask(anthropic_client, "same question") == "answer 2: same question"
    assert ask(anthropic_client, "PROMPT") == "answer 3: PROMPT"

def test_plain_http(vcr_base_url):
    body = json.dumps({"model": "qwen3", "max_tokens": 64, "messages": [{"role": "user", "content": "plain"}]}).encode()
    headers = {"content-type": "application/json", "x-api-key": "any", "anthropic-version": "2023-06-01"}
    request = urllib.request.Request(vcr_base_url + "/v1/messages", data=body, headers=headers)
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["content"][0]["text"] == "answer 4: plain"
'''

pytestmark = pytest.mark.skipif(not os.environ.get("MESSAGES_VCR_BIN"), reason="needs MESSAGES_VCR_BIN (a built messages-vcr)")


@pytest.fixture
def recorded(pytester):
    """The module recorded once through the plugin against the fake upstream, which is then gone."""
    pytester.makepyfile(test_chat=MODULE)
    pytester.makeini("[pytest]\nvcr_cassette_dir = recorded\n")
    with FakeUpstream() as upstream:
        result = pytester.runpytest_subprocess("--vcr-mode", "record", "--vcr-upstream", upstream.url, "--vcr-export")
    result.assert_outcomes(passed=3)
    assert (pytester.path / "recorded" / "test_chat.sqlite").is_file()
    assert (pytester.path / "recorded" / "test_chat.json").is_file()
    assert sorted(p.name for p in (pytester.path / "recorded").glob("*.sqlite")) == ["test_chat.sqlite"]  # no stray cassette
    result.stdout.fnmatch_lines(["*exported cassette test_chat to *test_chat.json"])
    return pytester


def test_replays_offline_with_no_upstream(recorded):
    result = recorded.runpytest_subprocess()
    result.assert_outcomes(passed=3)


def test_vcr_flavor_anthropic_replays_the_same_cassette_as_the_real_api(recorded):
    recorded.makepyfile(test_ids='''
import pytest

@pytest.mark.vcr(cassette="test_chat")
def test_ids(anthropic_client):
    reply = anthropic_client.messages.with_raw_response.create(
        model="qwen3", max_tokens=64, messages=[{"role": "user", "content": "PROMPT"}])
    message = reply.parse()
    assert message.content[0].text == "answer 3: PROMPT"
    assert message.id.startswith("msg_01") and len(message.id) == 28
    assert message.stop_sequence is None and reply.headers["request-id"].startswith("req_011C")
''')
    recorded.runpytest_subprocess("--vcr-flavor", "anthropic").assert_outcomes(passed=4)
    recorded.runpytest_subprocess("--vcr-flavor", "ollama", "test_ids.py").assert_outcomes(failed=1)
    result = recorded.runpytest_subprocess("--vcr-flavor", "openai")
    result.stderr.fnmatch_lines(["*--vcr-flavor 'openai': use one of ollama, anthropic, llamacpp*"])


def test_each_test_replays_its_own_recordings_in_any_order_or_alone(recorded):
    # test_b alone gets its own answer to the question test_a asked too.
    recorded.runpytest_subprocess("-k", "test_b").assert_outcomes(passed=1)
    # Reversed: test_b before test_a.
    source = (recorded.path / "test_chat.py").read_text()
    head, a, b = source.partition("def test_a")[0], "def test_a" + source.partition("def test_a")[2].partition("def test_b")[0], \
        "def test_b" + source.partition("def test_b")[2]
    (recorded.path / "test_chat.py").write_text(head + b + "\n" + a)
    recorded.runpytest_subprocess().assert_outcomes(passed=3)


def test_xdist_workers_replay_and_record_each_test_in_its_own_session(recorded):
    pytest.importorskip("xdist")
    recorded.runpytest_subprocess("-n", "2").assert_outcomes(passed=3)
    # Recording with two workers (two servers writing one cassette) replays too.
    for file in (recorded.path / "recorded").iterdir():
        file.unlink()
    with FakeUpstream() as upstream:
        # Answers are numbered by arrival, so only the tests' own order is known: test_b's two
        # requests come in order, whichever worker test_a ran on.
        (recorded.path / "test_chat.py").write_text(MODULE.replace('== "answer 1: same question"', '.startswith("answer ")')
                                                   .replace('== "answer 2: same question"', '.startswith("answer ")')
                                                   .replace('== "answer 3: PROMPT"', '.endswith(": PROMPT")')
                                                   .replace('== "answer 4: plain"', '.endswith(": plain")'))
        recorded.runpytest_subprocess("-n", "2", "--vcr-mode", "record", "--vcr-upstream", upstream.url).assert_outcomes(passed=3)
    recorded.runpytest_subprocess("-n", "2").assert_outcomes(passed=3)
    recorded.runpytest_subprocess().assert_outcomes(passed=3)


def test_a_changed_prompt_fails_its_own_test_with_the_diff(recorded):
    source = (recorded.path / "test_chat.py").read_text()
    (recorded.path / "test_chat.py").write_text(source.replace('ask(anthropic_client, "PROMPT") == "answer 3: PROMPT"',
                                                              'ask(anthropic_client, "CHANGED") == "answer 3: PROMPT"'))
    result = recorded.runpytest_subprocess()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*messages-vcr: 1 request(s) of this test got no recorded answer (cassette test_chat, session test_chat.py_test_b-*",
        '*no recording matches POST /v1/messages in cassette test_chat; nearest is * recorded "PROMPT" ≠ received "CHANGED"*',
        "*/__vcr/ui/misses/1*",
        "*The test itself then failed with:*",
        "*FAILED test_chat.py::test_b - messages-vcr: 1 request(s) of this test got no*",
    ])


def test_the_summary_lists_recordings_no_test_used(recorded):
    result = recorded.runpytest_subprocess("-k", "test_a")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*messages-vcr: 3 recording(s) of cassette test_chat no test used in this run: *"])


def test_marker_chooses_the_cassette(pytester):
    pytester.makepyfile(test_marked='''
import pytest

@pytest.mark.vcr(cassette="shared-fixtures")
def test_one(vcr_base_url):
    assert "/c/shared-fixtures/s/" in vcr_base_url
''')
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_without_a_named_binary_the_wheels_own_is_used_else_the_error_names_all_three_ways(pytester, monkeypatch):
    from pytest_messages_vcr.server import BUNDLED
    monkeypatch.delenv("MESSAGES_VCR_BIN")
    monkeypatch.setenv("PATH", "/nonexistent")
    pytester.makepyfile(test_x="def test_x(vcr_base_url):\n    pass\n")
    result = pytester.runpytest_subprocess()
    if BUNDLED.is_file():  # installed from the platform wheel: it finds its own binary
        result.assert_outcomes(passed=1)
    else:
        result.stdout.fnmatch_lines(["*messages-vcr not found: pass --vcr-bin PATH, set MESSAGES_VCR_BIN=PATH, or put messages-vcr on PATH*"])
        assert result.ret != 0


def test_overhead_per_test_and_per_run(pytester):
    """Not asserted: prints what the plugin adds (a test with vcr_base_url vs one without)."""
    count = 100
    pytester.makepyfile(test_with="".join(f"def test_{i}(vcr_base_url):\n    pass\n" for i in range(count)))
    pytester.makepyfile(test_without="".join(f"def test_{i}():\n    pass\n" for i in range(count)))
    timings = {}
    for name in ("test_without.py", "test_with.py"):
        started = time.monotonic()
        pytester.runpytest_subprocess(name).assert_outcomes(passed=count)
        timings[name] = time.monotonic() - started
    print(f"\nplugin overhead: {count} tests without the fixture {timings['test_without.py']:.2f} s, with it "
          f"{timings['test_with.py']:.2f} s (server start included)")
