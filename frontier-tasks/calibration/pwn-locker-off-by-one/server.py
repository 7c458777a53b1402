"""Serves ./locker on 127.0.0.1:9302, one process per connection (like inetd)."""

import socket
import subprocess

with socket.create_server(("127.0.0.1", 9302)) as server:
    while True:
        connection, _ = server.accept()
        with connection:
            subprocess.Popen(
                ["./locker"], stdin=connection, stdout=connection, stderr=subprocess.DEVNULL
            )
