"""One source's share of a distributed crawl in Redis: its keys, and every step on them as one Lua script.

Keys, all under `qingtian:<crawl>:<source>:`:

- `queue` (sorted set: request id → -priority; ids count up, so equal priorities come out first in, first out)
  and `requests` (hash: request id → the pickled request, scrapy-redis's encoding);
- `dupefilter` (set of scrapy-redis request fingerprints);
- `inflight:<worker>` (sorted set, like `queue`): what a worker popped and has not acknowledged yet;
- `workers` (set) and `alive:<worker>` (a key whose expiry is the worker's lease, renewed by its heartbeat);
- `seed`: the worker seeding the start requests, then `done`;
- `items` (list of JSON lines) and `items_seen` (set of record id + content hash);
- `collect` (who collects the items) and `collected` (how many were written).

A request is pushed with its fingerprint in one step (a worker killed in between loses nothing), popped into
its worker's in-flight set, and removed only when its response (or final failure) and everything that came
of it (requests queued, items pushed) were processed. The in-flight requests of a worker whose lease
expired go back to the queue: a killed worker's requests are fetched again by another, and its items,
pushed again, are dropped as the duplicates they are.
"""

from __future__ import annotations

import pickle
from typing import Any

import redis
from scrapy import Request, Spider
from scrapy_redis.queue import Base

# request.meta key of a popped request's id (not serialised: a retry or redirect copy gets its own id).
REQUEST_ID = "qingtian_redis_id"

_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
local id = string.format('%012d', redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[2], id, ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], id)
return 1
"""

# A request acknowledged by a worker whose lease had expired has no payload any more: it was done; skip it.
_POP = """
redis.call('SADD', KEYS[4], ARGV[1])
while true do
  local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #found == 0 then return false end
  redis.call('ZREM', KEYS[1], found[1])
  local payload = redis.call('HGET', KEYS[2], found[1])
  if payload then
    redis.call('ZADD', KEYS[3], found[2], found[1])
    return {found[1], payload}
  end
end
"""

_ACK = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""

_REQUEUE = """
local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #all, 2 do redis.call('ZADD', KEYS[2], all[i + 1], all[i]) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[1])
return #all / 2
"""

_DONE = """
if redis.call('GET', KEYS[1]) ~= 'done' then return 0 end
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('ZCARD', ARGV[1] .. 'inflight:' .. worker) > 0 then return 0 end
end
return 1
"""

_PUSH_ITEM = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
"""

_TAKE_OVER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0
"""

# A host held by a dead worker (its token starts with `<crawl>-<worker>:`) is free again.
_FREE_HOST = """
local holder = redis.call('GET', KEYS[1])
if holder and string.sub(holder, 1, string.len(ARGV[1])) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
"""

# Per-host politeness keys (`middleware.SharedHostDelay`), shared by every crawl on the server.
HOST_PREFIX = "qingtian:polite:"

# Kept after collection (so that late workers neither seed again nor collect twice), for this long.
KEEP_SECONDS = 7 * 86400


class SharedCrawl:
    """One source of one distributed crawl, as seen by one worker."""

    def __init__(self, server: redis.Redis, crawl: str, source: str, worker: str, lease: float) -> None:
        self.server = server
        self.crawl = crawl
        self.source = source
        self.worker = worker
        self.lease_ms = max(1, int(lease * 1000))
        self.prefix = f"qingtian:{crawl}:{source}:"
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._ack = server.register_script(_ACK)
        self._requeue = server.register_script(_REQUEUE)
        self._done = server.register_script(_DONE)
        self._push_item = server.register_script(_PUSH_ITEM)
        self._take_over = server.register_script(_TAKE_OVER)
        self._free_host = server.register_script(_FREE_HOST)

    def key(self, name: str) -> str:
        return self.prefix + name

    def inflight(self, worker: str | None = None) -> str:
        return self.key(f"inflight:{worker or self.worker}")

    def alive(self, worker: str | None = None) -> str:
        return self.key(f"alive:{worker or self.worker}")

    # --- requests ---

    def push(self, payload: bytes, score: float, fingerprint: str | None) -> bool:
        """Queue a request unless its fingerprint was seen (None: never filtered); one atomic step."""
        keys = [self.key("queue"), self.key("requests"), self.key("dupefilter"), self.key("seq")]
        return bool(self._push(keys=keys, args=[fingerprint or "", score, payload]))

    def pop(self) -> tuple[str, bytes] | None:
        """The next request (id, payload), moved to this worker's in-flight set; None when the queue is empty."""
        found = self._pop(keys=[self.key("queue"), self.key("requests"), self.inflight(), self.key("workers")],
                          args=[self.worker])
        if not found:
            return None
        return found[0].decode(), found[1]

    def ack(self, request_id: str) -> None:
        self._ack(keys=[self.inflight(), self.key("requests")], args=[request_id])

    def queued(self) -> int:
        return int(self.server.zcard(self.key("queue")))

    # --- workers ---

    def heartbeat(self) -> None:
        pipe = self.server.pipeline()
        pipe.set(self.alive(), 1, px=self.lease_ms)
        pipe.sadd(self.key("workers"), self.worker)
        pipe.execute()

    def is_alive(self, worker: str) -> bool:
        return bool(self.server.exists(self.alive(worker)))

    def recover(self) -> int:
        """Put back the in-flight requests of every worker whose lease expired, and free the hosts it held
        (`middleware.SharedHostDelay`); how many requests."""
        back = 0
        for member in self.server.smembers(self.key("workers")):
            worker = member.decode()
            if worker != self.worker and not self.is_alive(worker):
                back += int(self._requeue(keys=[self.inflight(worker), self.key("queue"), self.key("workers")],
                                          args=[worker]))
                for key in self.server.scan_iter(match=f"{HOST_PREFIX}*"):
                    self._free_host(keys=[key], args=[f"{self.crawl}-{worker}:"])
        return back

    def requeue(self) -> int:
        """What this worker popped and did not finish goes back to the queue (it stops); how many."""
        return int(self._requeue(keys=[self.inflight(), self.key("queue"), self.key("workers")], args=[self.worker]))

    def leave(self) -> int:
        """This worker is gone: its unfinished requests go back to the queue, its lease ends."""
        back = self.requeue()
        self.server.delete(self.alive())
        return back

    def done(self) -> bool:
        """Seeded, nothing queued, nothing in flight with any worker: the crawl of this source is over."""
        return bool(self._done(keys=[self.key("seed"), self.key("queue"), self.key("workers")], args=[self.prefix]))

    def status(self) -> dict[str, Any]:
        workers = sorted(m.decode() for m in self.server.smembers(self.key("workers")) if m.decode() != self.worker)
        seed = self.server.get(self.key("seed"))
        return {"seed": seed.decode() if seed else None, "queued": self.queued(),
                "in_flight": sum(int(self.server.zcard(self.inflight(w))) for w in workers),
                "workers": workers, "alive": [w for w in workers if self.is_alive(w)]}

    def claim(self, name: str) -> bool:
        """Take the role kept in key `name` (seeding, collecting): free, or held by a worker whose lease expired."""
        key = self.key(name)
        if self.server.set(key, self.worker, nx=True):
            return True
        holder = self.server.get(key)
        if holder is None or holder == b"done" or self.is_alive(holder.decode()):
            return False
        return bool(self._take_over(keys=[key], args=[holder, self.worker]))

    # --- items ---

    def push_item(self, identity: str, line: str) -> bool:
        """Append an item's JSON line unless an item with the same identity was pushed; False for a duplicate."""
        return bool(self._push_item(keys=[self.key("items_seen"), self.key("items")], args=[identity, line]))

    def items(self, chunk: int = 1000) -> Any:
        """The item stream's JSON lines, in order."""
        start = 0
        while True:
            lines = self.server.lrange(self.key("items"), start, start + chunk - 1)
            if not lines:
                return
            yield from (line.decode() for line in lines)
            start += len(lines)

    def finish(self, written: int) -> None:
        """After collection: keep the markers (seed done, collected), drop the rest."""
        workers = [m.decode() for m in self.server.smembers(self.key("workers"))]
        pipe = self.server.pipeline()
        pipe.set(self.key("collected"), written, ex=KEEP_SECONDS)
        for name in ("queue", "requests", "dupefilter", "seq", "items", "items_seen"):
            pipe.delete(self.key(name))
        for worker in workers:
            pipe.delete(self.inflight(worker))
        for name in ("seed", "collect", "workers"):
            pipe.expire(self.key(name), KEEP_SECONDS)
        pipe.execute()

    def collected(self) -> bool:
        return bool(self.server.exists(self.key("collected")))


class ReliableQueue(Base):
    """scrapy-redis's queue interface over `SharedCrawl`: pop moves a request in flight, `ack` ends it."""

    def __init__(self, server: redis.Redis, spider: Spider, key: str, shared: SharedCrawl) -> None:
        super().__init__(server, spider, key, serializer=pickle)
        self.shared = shared

    def _encode_request(self, request: Request) -> bytes:
        data = request.to_dict(spider=self.spider)
        data["meta"] = {k: v for k, v in (data.get("meta") or {}).items() if k != REQUEST_ID}
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)

    def __len__(self) -> int:
        return self.shared.queued()

    def push(self, request: Request, fingerprint: str | None = None) -> bool:  # type: ignore[override]
        return self.shared.push(self._encode_request(request), -request.priority, fingerprint)

    def pop(self, timeout: int = 0) -> Request | None:
        found = self.shared.pop()
        if found is None:
            return None
        request_id, payload = found
        request: Request = self._decode_request(payload)
        request.meta[REQUEST_ID] = request_id
        return request

    def ack(self, request: Request) -> None:
        request_id = request.meta.get(REQUEST_ID)
        if request_id:
            self.shared.ack(request_id)

    def clear(self) -> None:
        raise RuntimeError("a shared crawl's queue is never cleared by one worker")
