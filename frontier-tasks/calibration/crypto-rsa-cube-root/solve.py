"""m**3 < n, so the ciphertext is m**3 over the integers: take the integer cube root."""

import json
from pathlib import Path

data = json.loads(Path("message.json").read_text())
c = data["c"]
low, high = 0, 1 << (c.bit_length() // 3 + 2)
while low < high:
    middle = (low + high) // 2
    if middle**3 < c:
        low = middle + 1
    else:
        high = middle
assert low**3 == c, "not a perfect cube: the message was padded"
print(low.to_bytes((low.bit_length() + 7) // 8, "big").decode())
