"""A socket guard for no-egress tests: loopback only, every other attempt blocked and recorded.

`install()` patches `socket.socket.connect`/`connect_ex`/`sendto` and name resolution
(`getaddrinfo`, `gethostbyname`, `gethostbyname_ex`) in this process. Attempts to reach anything but
loopback (127.0.0.0/8, ::1, "localhost") or a Unix socket raise `EgressBlocked` and are recorded in
`ATTEMPTS`, and, when `NETGUARD_LOG` names a file, appended to it. Subprocesses get the same guard
through `sitecustomize_dir()`: put it first on PYTHONPATH and set NETGUARD_LOG; each guarded process
writes an `armed <pid>` line at start, so a test can tell that the guard really ran there.

It sees what Python code does through the `socket` module (which is what httpx, urllib, requests,
posthog and huggingface_hub use); a native library opening sockets by itself would not be seen.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Any

ATTEMPTS: list[str] = []
ALLOWED: list[str] = []
_ORIG: dict[str, Any] = {}


class EgressBlocked(OSError):
    pass


def is_loopback(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): a local wildcard address, used to bind
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text in ("localhost", "", "0.0.0.0", "::"):
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def _record(what: str) -> None:
    ATTEMPTS.append(what)
    log = os.environ.get("NETGUARD_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"blocked {os.getpid()} {what}\n")


def _check_address(sock: socket.socket, address: Any, verb: str) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if is_loopback(host):
        ALLOWED.append(f"{verb} {address}")
        return
    _record(f"{verb} {address!r}")
    raise EgressBlocked(f"outbound network blocked by the test guard: {verb} {address!r}")


def install() -> None:
    if _ORIG:
        return
    _ORIG.update(
        connect=socket.socket.connect,
        connect_ex=socket.socket.connect_ex,
        sendto=socket.socket.sendto,
        getaddrinfo=socket.getaddrinfo,
        gethostbyname=socket.gethostbyname,
        gethostbyname_ex=socket.gethostbyname_ex,
    )

    def connect(self: socket.socket, address: Any) -> None:
        _check_address(self, address, "connect")
        _ORIG["connect"](self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check_address(self, address, "connect")
        return int(_ORIG["connect_ex"](self, address))

    def sendto(self: socket.socket, data: bytes, *args: Any) -> int:
        _check_address(self, args[-1], "sendto")
        return int(_ORIG["sendto"](self, data, *args))

    def resolver(name: str) -> Any:
        def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_loopback(host):
                _record(f"{name} {host!r}")
                raise EgressBlocked(f"name resolution blocked by the test guard: {host!r}")
            return _ORIG[name](host, *args, **kwargs)

        return resolve

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = resolver("getaddrinfo")
    socket.gethostbyname = resolver("gethostbyname")
    socket.gethostbyname_ex = resolver("gethostbyname_ex")
    log = os.environ.get("NETGUARD_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"armed {os.getpid()} {' '.join(sys.argv)[:200]}\n")


def uninstall() -> None:
    for name in ("connect", "connect_ex", "sendto"):
        if name in _ORIG:
            setattr(socket.socket, name, _ORIG[name])
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        if name in _ORIG:
            setattr(socket, name, _ORIG[name])
    _ORIG.clear()


def sitecustomize_dir(folder: Path) -> Path:
    """A folder with a `sitecustomize.py` that arms the guard in every Python process started with it on PYTHONPATH."""
    folder.mkdir(parents=True, exist_ok=True)
    repo = Path(__file__).resolve().parent.parent
    (folder / "sitecustomize.py").write_text(
        f"import sys\nsys.path.insert(0, {str(repo)!r})\nfrom tests import netguard\nnetguard.install()\n", "utf-8"
    )
    return folder
