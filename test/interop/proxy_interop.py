"""redis-py (Debian's python3-redis) through respool proxy: what a Python service does.

Usage: proxy_interop.py HOST PORT PASSWORD

Each check prints one "ok <name>" line; any failure raises, so the exit status is non-zero and
the traceback says which check broke. Run by test/integration/proxy-interop.test.ts.
"""
import sys
import threading
import time

import redis

host, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def client(**kwargs):
    return redis.Redis(host=host, port=port, password=password, socket_timeout=10, **kwargs)


def ok(name):
    print(f"ok {name}", flush=True)


# AUTH: the proxy's own password is required, and a wrong one is refused.
try:
    redis.Redis(host=host, port=port, password="wrong", socket_timeout=10).ping()
    raise AssertionError("a wrong password was accepted")
except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as error:
    # Redis 7 answers WRONGPASS; redis-py 4.3 raises it as a ResponseError.
    assert "WRONGPASS" in str(error) or "invalid" in str(error), error
try:
    redis.Redis(host=host, port=port, socket_timeout=10).get("k")
    raise AssertionError("a command without AUTH was accepted")
except (redis.exceptions.AuthenticationError, redis.exceptions.ResponseError) as error:
    # NOAUTH, which redis-py raises as AuthenticationError("Authentication required.").
    assert "uthentication required" in str(error) or "NOAUTH" in str(error), error
r = client()
assert r.ping() is True
ok("auth")

# Plain commands, bytes in and out.
r.delete("py:s", "py:l", "py:h")
assert r.set("py:s", b"\x00bin\xff") is True
assert r.get("py:s") == b"\x00bin\xff"
assert r.incrby("py:n", 5) >= 5
r.hset("py:h", mapping={"a": "1", "b": "2"})
assert r.hgetall("py:h") == {b"a": b"1", b"b": b"2"}
assert r.get("py:missing") is None
ok("commands")

# A pipeline without a transaction: replies in order.
pipe = r.pipeline(transaction=False)
for i in range(500):
    pipe.set(f"py:p:{i}", i)
for i in range(500):
    pipe.get(f"py:p:{i}")
replies = pipe.execute()
assert replies[:500] == [True] * 500
assert replies[500:] == [str(i).encode() for i in range(500)]
ok("pipeline")

# MULTI/EXEC with WATCH: a watched key changed by another client aborts the transaction.
r.set("py:w", "0")
with r.pipeline() as tx:
    tx.watch("py:w")
    client().set("py:w", "changed")  # another connection
    tx.multi()
    tx.set("py:w", "mine")
    try:
        tx.execute()
        raise AssertionError("EXEC ran although the watched key changed")
    except redis.exceptions.WatchError:
        pass
assert r.get("py:w") == b"changed"


def incr(tx):
    value = int(tx.get("py:w2") or 0)
    tx.multi()
    tx.set("py:w2", value + 1)


r.delete("py:w2")
for _ in range(5):
    r.transaction(incr, "py:w2")
assert r.get("py:w2") == b"5"
assert r.pipeline().incr("py:t").incr("py:t").execute()[1] >= 2
ok("transaction")

# Pub/sub: a subscriber gets a message published from another connection.
sub = client().pubsub()
sub.subscribe("py:chan")
first = sub.get_message(timeout=5)
assert first["type"] == "subscribe", first
assert r.publish("py:chan", "hello") >= 1
message = None
deadline = time.time() + 5
while message is None and time.time() < deadline:
    message = sub.get_message(ignore_subscribe_messages=True, timeout=1)
assert message is not None and message["data"] == b"hello", message
sub.close()
ok("pubsub")

# A blocking pop that waits, then is served by a push from another connection.
r.delete("py:q")


def push_later():
    time.sleep(0.3)
    client().rpush("py:q", "job")


threading.Thread(target=push_later).start()
started = time.time()
popped = r.blpop("py:q", timeout=5)
assert popped == (b"py:q", b"job"), popped
assert time.time() - started >= 0.2
assert r.blpop("py:q", timeout=1) is None  # times out with nil
ok("blpop")

print("all ok", flush=True)
