"""Loaded by every Python process of an offline build (tests put this folder on PYTHONPATH).

Any attempt to open a network connection to anything but this machine raises, so a build step that reaches
for the network fails loudly instead of passing because the network happened to be up.
"""

import ipaddress
import socket

_connect = socket.socket.connect


def _guarded_connect(self, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            local = ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = host == "localhost"
        if not local:
            raise OSError(f"offline build: network access to {host!r} is not allowed")
    return _connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
