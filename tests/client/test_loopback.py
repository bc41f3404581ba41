"""Issue 22 item 6: plain http:// is trusted only for a host that IS this machine.

``http://evil.localhost/v1`` used to be trusted for its name's text and would get
the key in clear. Loopback is now decided by the addresses a host resolves to:
every one must be in 127.0.0.0/8 or ::1, and a name that does not resolve is not
loopback.
"""

from __future__ import annotations

import socket

import pytest

from grok_jupyter.client import AsyncGrokClient, GrokClient, InsecureBaseURLError
from grok_jupyter.client._settings import is_loopback_host, is_loopback_url
from tests.conftest import TEST_API_KEY


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except OSError:
        return False
    return True


@pytest.mark.parametrize("host", ["evil.localhost", "localhost.evil.invalid", "x.localhost"])
def test_a_name_that_only_says_localhost_is_refused(emu, host):
    # Nothing resolves these names here (.invalid never does), so no address says local.
    assert not _resolves(host)
    url = emu.base_url.replace("127.0.0.1", host)
    with pytest.raises(InsecureBaseURLError) as err:
        GrokClient(api_key=TEST_API_KEY, base_url=url)
    assert "unencrypted" in str(err.value) and "allow_insecure_http=True" in str(err.value)
    assert TEST_API_KEY not in str(err.value)
    with pytest.raises(InsecureBaseURLError):
        AsyncGrokClient(api_key=TEST_API_KEY, base_url=url)
    assert emu.requests == []
    # The user can still opt in, knowingly.
    GrokClient(api_key=TEST_API_KEY, base_url=url, allow_insecure_http=True).close()


def test_a_name_resolving_to_another_machine_is_refused_whatever_it_says(monkeypatch):
    # No DNS server of ours answers here, so the resolver is replaced for this one name:
    # "localhost.attacker.example" resolving to loopback AND a public address.
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "localhost.attacker.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7", 0)),
            ]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert not is_loopback_host("localhost.attacker.example")
    with pytest.raises(InsecureBaseURLError):
        GrokClient(api_key=TEST_API_KEY, base_url="http://localhost.attacker.example:8000/v1")


def test_loopback_addresses_are_trusted_by_address(emu):
    # 127.0.0.2 is loopback though it is not 127.0.0.1 (nor does its text say "localhost").
    GrokClient(api_key=TEST_API_KEY, base_url="http://127.0.0.2:9/v1").close()
    # localhost resolves to loopback only: a real turn goes through.
    with GrokClient(api_key=TEST_API_KEY, base_url=emu.base_url.replace("127.0.0.1", "localhost")
                    ) as client:  # fmt: skip
        assert client.chat("Say hi").text
    assert is_loopback_url("http://127.0.0.2:9/v1") and is_loopback_url("http://[::1]:9/v1")
    assert is_loopback_url("http://[::ffff:127.0.0.1]:9/v1")


@pytest.mark.parametrize(
    "url",
    ["http://evil.localhost/v1", "http://10.0.0.5/v1", "http://[2001:db8::1]/v1", "http:///v1",
     "not a url"],
)
def test_is_loopback_url_says_no_for_anything_else(url):
    assert not is_loopback_url(url)
