"""Serves ./badge on 127.0.0.1:9301, one process per connection (like inetd)."""

import socket
import subprocess

with socket.create_server(("127.0.0.1", 9301)) as server:
    while True:
        connection, _ = server.accept()
        with connection:
            subprocess.Popen(
                ["./badge"], stdin=connection, stdout=connection, stderr=subprocess.DEVNULL
            )
