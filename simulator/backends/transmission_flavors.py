"""What differs between the Transmission releases the simulator plays: 2.94, 3.00, 4.0, 4.1.

Each field names the upstream file and tag it comes from (github.com/transmission/transmission;
``libtransmission/rpc-server.c[c]`` answers HTTP, ``rpcimpl.c[c]`` the RPC methods). Where a
real daemon runs in the test suite (4.1.x in the toolbox, 3.00 on the host),
``tests/realservers/test_transmission_fidelity.py`` sends the same requests to the flavour and
to the daemon and compares status, headers and shape.
"""

from __future__ import annotations

from dataclasses import dataclass

FORBIDDEN_4 = "<h1>403: Forbidden</h1>"
"""4.x: ``send_simple_response(req, 403)`` with no text, for the lock and the whitelist alike
(``handle_request`` in rpc-server.cc at 4.0.6 and 4.1.3)."""
UNAUTHORIZED_4 = "<h1>401: Unauthorized</h1>"
"""4.x: ``send_simple_response(req, 401)`` (rpc-server.cc at 4.0.6 and 4.1.3)."""
_WHITELIST_TEXT = (
    "<p>Unauthorized IP Address.</p>"
    "<p>Either disable the IP address whitelist or add your address to it.</p>"
    "<p>If you're editing settings.json, see the 'rpc-whitelist' and 'rpc-whitelist-enabled' "
    "entries.</p>"
    "<p>If you're still using ACLs, use a whitelist instead. See the transmission-daemon manpage "
    "for details.</p>"
)
"""2.94 and 3.00: the rpc-whitelist refusal's text (rpc-server.c at 2.94 and 3.00)."""
_LOCKED_TEXT_300 = (
    "<p>Too many unsuccessful login attempts. Please restart transmission-daemon.</p>"
)
"""3.00: the lock's text (rpc-server.c at 3.00; 2.94 has no lock)."""
_HOST_TEXT = (
    "<p>Transmission received your request, but the hostname was unrecognized.</p>"
    "<p>To fix this, choose one of the following options:"
    "<ul>"
    "<li>Enable password authentication, then any hostname is allowed.</li>"
    "<li>Add the hostname you want to use to the whitelist in settings.</li>"
    "</ul></p>"
    "<p>If you're editing settings.json, see the '{key}' and '{key}{sep}enabled' entries.</p>"
    "<p>This requirement has been added to help prevent "
    '<a href="https://en.wikipedia.org/wiki/DNS_rebinding">DNS Rebinding</a> '
    "attacks.</p>"
)
"""The 421 text (``isHostnameAllowed`` failing; rpc-server.c at 3.00, rpc-server.cc at 4.0.6 and
4.1.3, where the key is spelt ``rpc_host_whitelist``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Flavor:
    """One Transmission release as its RPC server behaves."""

    version: str
    """``session-get``'s ``version`` (without the commit)."""
    commit: str
    rpc_version: int
    """``RPC_VERSION`` (rpcimpl.c at 2.94/3.00) or ``RpcVersion`` (rpcimpl.cc at 4.0.6/4.1.3)."""
    rpc_version_semver: str | None
    """``RpcVersionSemver`` (rpcimpl.cc at 4.0.6), ``RPC_VERSION_VARS`` (rpcimpl.h at 4.1.3)."""
    session_get_fields: bool
    """``session-get`` honours ``fields`` (``sessionGet`` in rpcimpl.c at 3.00; not at 2.94)."""
    labels: bool
    """``labels`` in ``torrent-get`` and ``torrent-set`` (rpcimpl.c at 3.00; not at 2.94)."""
    labels_in_add: bool
    """``torrent-add`` takes ``labels`` (``torrentAdd`` in rpcimpl.cc at 4.0.6; 3.00 ignores
    them: ``torrentAdd`` in rpcimpl.c at 3.00 reads no ``labels``)."""
    edits_mark_recent: bool
    """New labels make a torrent ``recently-active``: ``set_labels`` calls ``mark_edited``
    (torrent.cc at 4.1.0); before, ``setLabels`` (torrent.cc at 4.0.6) and
    ``tr_torrentSetLabels`` (torrent.c at 3.00) only set the resume file dirty."""
    free_space_total: bool
    """``free-space`` answers ``total_size`` (``freeSpace`` in rpcimpl.cc at 4.0.6)."""
    lock_limit: int | None
    """Failed logins after which every request gets 403: 3.00 locks at exactly 100 whatever
    ``anti-brute-force-threshold`` says (``loginattempts == 100``, rpc-server.c at 3.00); 4.x
    uses the threshold when ``anti-brute-force-enabled`` (rpc-server.cc at 4.0.6 and 4.1.3),
    None: 2.94 has no lock (rpc-server.c at 2.94)."""
    lock_from_settings: bool
    """The lock follows the anti-brute-force settings (4.x) rather than a fixed count."""
    forbidden_locked: str
    forbidden_whitelist: str
    unauthorized: str
    """The 401 text; ``{n}`` is the count of failed logins (3.00 reports it)."""
    host_whitelist_key: str
    """How the 421 text names the setting."""
    conflict_key: str
    """How the 409 text names the header (``session-id``; 4.1: ``session_id``)."""
    clickjacking_headers: bool
    """``X-Frame-Options`` and ``Content-Security-Policy`` on every answer
    (``add_clickjacking_prevention_headers``, rpc-server.cc at 4.1.3)."""
    rpc_version_header: bool
    """``X-Transmission-Rpc-Version`` on the 409 (``TR_RPC_RPC_VERSION_HEADER``, rpc-server.cc
    at 4.1.3)."""
    unknown_method: str
    """The ``result`` of an unknown method: "method name not recognized" (rpcimpl.c at 3.00,
    rpcimpl.cc at 4.0.6); 4.1.4 answers "no method name" through its legacy API conversion
    (seen on the real daemon; ``api-compat.cc`` at 4.1.3)."""
    json_newline: bool
    """3.00 ends its JSON with a newline (evbuffer of ``tr_variantToBuf``; seen on the real
    daemon)."""

    @property
    def session_version(self) -> str:
        """``session-get``'s ``version``, e.g. ``"4.1.3 (838877323f)"``."""
        return f"{self.version} ({self.commit})"

    def host_refused_body(self) -> str:
        """The 421 body."""
        key = self.host_whitelist_key
        sep = "_" if "_" in key else "-"
        return "<h1>421: Misdirected Request</h1>" + _HOST_TEXT.format(key=key, sep=sep)


FLAVORS: dict[str, Flavor] = {
    "2.94": Flavor(
        version="2.94",
        commit="d8e60ee44f",
        rpc_version=15,
        rpc_version_semver=None,
        session_get_fields=False,
        labels=False,
        labels_in_add=False,
        edits_mark_recent=False,
        free_space_total=False,
        lock_limit=None,
        lock_from_settings=False,
        forbidden_locked="",
        forbidden_whitelist="<h1>403: Forbidden</h1>" + _WHITELIST_TEXT,
        unauthorized="<h1>401: Unauthorized</h1>Unauthorized User",
        host_whitelist_key="rpc-host-whitelist",
        conflict_key="session-id",
        clickjacking_headers=False,
        rpc_version_header=False,
        unknown_method="method name not recognized",
        json_newline=True,
    ),
    "3.00": Flavor(
        version="3.00",
        commit="bb6b5a062e",
        rpc_version=16,
        rpc_version_semver=None,
        session_get_fields=True,
        labels=True,
        labels_in_add=False,
        edits_mark_recent=False,
        free_space_total=False,
        lock_limit=100,
        lock_from_settings=False,
        forbidden_locked="<h1>403: Forbidden</h1>" + _LOCKED_TEXT_300,
        forbidden_whitelist="<h1>403: Forbidden</h1>" + _WHITELIST_TEXT,
        unauthorized="<h1>401: Unauthorized</h1><p>Unauthorized User. {n} unsuccessful login "
        "attempts.</p>",
        host_whitelist_key="rpc-host-whitelist",
        conflict_key="session-id",
        clickjacking_headers=False,
        rpc_version_header=False,
        unknown_method="method name not recognized",
        json_newline=True,
    ),
    "4.0": Flavor(
        version="4.0.6",
        commit="38c164933e",
        rpc_version=17,
        rpc_version_semver="5.3.0",
        session_get_fields=True,
        labels=True,
        labels_in_add=True,
        edits_mark_recent=False,
        free_space_total=True,
        lock_limit=100,
        lock_from_settings=True,
        forbidden_locked=FORBIDDEN_4,
        forbidden_whitelist=FORBIDDEN_4,
        unauthorized=UNAUTHORIZED_4,
        host_whitelist_key="rpc-host-whitelist",
        conflict_key="session-id",
        clickjacking_headers=False,
        rpc_version_header=False,
        unknown_method="method name not recognized",
        json_newline=False,
    ),
    "4.1": Flavor(
        version="4.1.3",
        commit="838877323f",
        rpc_version=19,
        rpc_version_semver="6.0.1",
        session_get_fields=True,
        labels=True,
        labels_in_add=True,
        edits_mark_recent=True,
        free_space_total=True,
        lock_limit=100,
        lock_from_settings=True,
        forbidden_locked=FORBIDDEN_4,
        forbidden_whitelist=FORBIDDEN_4,
        unauthorized=UNAUTHORIZED_4,
        host_whitelist_key="rpc_host_whitelist",
        conflict_key="session_id",
        clickjacking_headers=True,
        rpc_version_header=True,
        unknown_method="no method name",
        json_newline=False,
    ),
}
"""Every flavour by the name ``spec.flavor`` takes (``"4.0.6"`` and ``"3"`` work too)."""
DEFAULT_FLAVOR = "4.0"


def flavor(name: str) -> Flavor:
    """The flavour ``name`` names: ``""`` is :data:`DEFAULT_FLAVOR`, ``"4.0.6"`` is ``"4.0"``."""
    key = name or DEFAULT_FLAVOR
    if key in FLAVORS:
        return FLAVORS[key]
    for known, value in FLAVORS.items():
        if key == value.version or key.startswith(known + ".") or known.startswith(key + "."):
            return value
    raise ValueError(f"unknown Transmission flavour {name!r}: one of {', '.join(FLAVORS)}")
